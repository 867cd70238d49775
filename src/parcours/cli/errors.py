"""The shell's one error boundary: every failure is one line on stderr naming what to fix.

`parcours` is used by programme officers, not by Python developers: a malformed `--db` URL,
an unreachable PostgreSQL, an unwritable path, a wrong setting or a database written by a
newer version must each read as one sentence, exit 1 (2 for a usage mistake), never as a
Python traceback. `--debug` or ``PARCOURS_DEBUG=1`` lets the exception through, traceback
and all. The messages are keys of the catalogue (catalogue.py), rendered in the language
of `--lang` / `PARCOURS_LANG` (language.py); none echoes a database URL (it may hold a
password) or an SQL parameter (it may be personal).
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from click import exceptions as click_errors
from eventsourcing.persistence import (
    MapperDeserialisationError,
    PersistenceError,
    TranscodingNotRegisteredError,
)
from eventsourcing.utils import TopicError
from pydantic import ValidationError
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from typer.core import TyperGroup

from parcours.catalogue import Msg, has
from parcours.cli import language
from parcours.errors import ParcoursError
from parcours.messages import say
from parcours.outputs import one_line

USAGE_EXIT = 2
_SCHEMA = re.compile(r"no such (table|column)|does not exist|has no column", re.IGNORECASE)
_DRIVERS = ("psycopg2", "psycopg", "pymysql", "MySQLdb", "asyncpg", "pg8000", "cx_Oracle")


class Boundary:
    """Whether the traceback is wanted (set by the root callback from --debug)."""

    debug = False

    @classmethod
    def wanted(cls) -> bool:
        return cls.debug or os.environ.get("PARCOURS_DEBUG", "") not in ("", "0")


def _first_line(value: object, limit: int = 200) -> str:
    text = str(value).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _reason(exc: BaseException) -> str:
    """The driver's own first line: SQLAlchemy's text would add the SQL and its parameters."""
    origin = exc.orig if isinstance(exc, DBAPIError) else exc
    return _first_line(origin) or type(origin).__name__


def _os_reason(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or -1, "")
    key = f"os.{name}"
    if name and has(key):
        return say(key)
    return exc.strerror or type(exc).__name__


def describe(exc: BaseException) -> str:
    """One sentence for `exc`, naming what to fix."""
    if isinstance(exc, ParcoursError):
        return exc.render()
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        if exc.title == "Programme":  # a definition kept by a newer version
            return say("db.newer", what=Msg("db.newer.programme"))
        field = ".".join(str(part) for part in first["loc"]) or exc.title
        return say("setting.invalid", field=field, detail=first["msg"])
    if isinstance(exc, NoSuchModuleError):
        found = re.search(r"sqlalchemy\.dialects:([\w.+-]+)", str(exc))
        return say("db.url", detail=Msg("db.dialect", name=found.group(1)) if found else "")
    if isinstance(exc, ArgumentError):
        return say("db.url", detail="")
    if isinstance(exc, ImportError) and exc.name in _DRIVERS:
        return say("db.driver", module=exc.name)
    if isinstance(exc, TopicError):
        return say("db.newer", what=Msg("db.newer.event_type"))
    if isinstance(exc, MapperDeserialisationError | TranscodingNotRegisteredError):
        return say("db.newer", what=Msg("db.newer.event_format"))
    if isinstance(exc, SQLAlchemyError | PersistenceError):
        return _database(exc)
    if isinstance(exc, OSError):
        if exc.filename is None:
            return say("os.error_no_path", reason=_os_reason(exc))
        return say("os.error", path=exc.filename, reason=_os_reason(exc))
    return say("cli.unexpected", kind=type(exc).__name__) + say("cli.debug_hint")


def _database(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc, PersistenceError) and exc.__cause__ else exc
    reason = _reason(cause)
    if "file is not a database" in reason:
        return say("db.not_a_database")
    if _SCHEMA.search(reason):
        return say("db.schema", reason=reason)
    if isinstance(cause, OperationalError) or "connect" in reason.lower():
        return say("db.unreachable", reason=reason)
    if isinstance(cause, DatabaseError | PersistenceError | SQLAlchemyError):
        return say("db.other", kind=type(cause).__name__, reason=reason) + say("cli.debug_hint")
    return say("db.other", kind=type(exc).__name__, reason=reason) + say("cli.debug_hint")


def _asked_language(args: Sequence[str] | None) -> str:
    tokens = list(sys.argv[1:] if args is None else args)
    for index, token in enumerate(tokens):
        if token == "--lang" and index + 1 < len(tokens):
            return tokens[index + 1]
        if token.startswith("--lang="):
            return token.split("=", 1)[1]
    return os.environ.get("PARCOURS_LANG", "")


def report(message: str) -> None:
    sys.stderr.write(say("cli.prefix") + one_line(message) + "\n")
    sys.stderr.flush()


class OneLineErrors(TyperGroup):
    """The root command: runs everything in non-standalone mode and turns each failure,
    whichever layer raised it, into one line and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            lang = language.requested(sys.argv[1:] if args is None else args)
        except ValueError:
            if not standalone_mode:
                raise
            report(say("cli.unknown_language", value=_asked_language(args)))
            sys.exit(USAGE_EXIT)
        # The language holds for this run only: an embedding process (or a test) that runs
        # the shell twice gets each run's own language, and the library's default after.
        with language.speaking(self, lang):
            return self._main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )

    def _main(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        standalone_mode: bool,
        windows_expand_args: bool,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        Boundary.debug = False
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except click_errors.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            where = exc.ctx if isinstance(exc, click_errors.UsageError) else None
            hint = f" ({where.command_path} --help)" if where is not None else ""
            report(exc.format_message() + hint)
            sys.exit(exc.exit_code)
        except typer.Abort:
            report(say("cli.interrupted"))
            sys.exit(1)
        except Exception as exc:  # the boundary: every other failure becomes one line
            if Boundary.wanted():
                raise
            report(describe(exc))
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
