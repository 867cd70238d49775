"""What every command of the shell shares: the consoles, the application, the one way to call
it (`run`), the parsing of dates and instants, JSON on standard output, the option types.

The command modules import this module, not its names (`from parcours.cli import shell`,
then `shell.out.print(…)`, `shell.app()`): a test that replaces `shell.out` reaches every
command. Only the option types (constants, `Actor`, `PilotArg`…) are imported by name; a
test holds it so (tests/architecture/test_cli_package.py). Whatever comes from data is
shown inert (outputs.py: no markup, no escape, no formula); every failure reaches the one
error boundary (errors.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from parcours.application import Parcours
from parcours.errors import InvalidInput
from parcours.outputs import json_ready
from parcours.settings import Settings

T = TypeVar("T")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[str | None, typer.Option("--db")]
Actor = Annotated[str, typer.Option("--actor", envvar="PARCOURS_ACTOR")]
On = Annotated[str | None, typer.Option("--on")]
Today = Annotated[str | None, typer.Option("--today")]
Json = Annotated[bool, typer.Option("--json")]
Csv = Annotated[bool, typer.Option("--csv")]
PilotArg = Annotated[str, typer.Argument()]
ProjectArg = Annotated[str, typer.Argument()]
# None: the settings' programme (PARCOURS_PROGRAMME).
ProgrammeOption = Annotated[str | None, typer.Option("--programme")]


class _State:
    """The database URL the root callback read, and the application opened on it."""

    url: str | None = None
    app: Parcours | None = None


state = _State()


def app() -> Parcours:
    if state.app is None:
        state.app = Parcours(settings=Settings.from_env(url=state.url))
    return state.app


def run(action: Callable[[], T]) -> T:
    """Run an act of the library; its failure reaches the one error boundary (errors.py)."""
    return action()


def day(value: str | None, field: str = "on") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "input.date") from None


def instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(field, "input.datetime")
    return parsed


def emit_json(data: Any) -> None:
    """Valid JSON whatever the data: no NaN, no Infinity (outputs.json_ready)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    out.print_json(json.dumps(json_ready(data), default=str, allow_nan=False))


def print_id(value: object) -> None:
    """An id the command returns, on its own line (what a script reads)."""
    out.print(str(value))
