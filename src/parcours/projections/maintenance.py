"""Rebuild the read models from the log, and check the live ones against a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import MetaData, Table, select

from parcours.projections.pilots import PilotIndex, pilot_table
from parcours.projections.runner import ProjectionRunner
from parcours.store.eventstore import PilotStore


class Difference(BaseModel):
    model_config = ConfigDict(frozen=True)
    table: str
    key: str
    live: dict[str, Any] | None
    rebuilt: dict[str, Any] | None


class CheckReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    rows: int
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences


def rebuild(runner: ProjectionRunner, on_page: Callable[[int], None] | None = None) -> int:
    runner.reset()
    return runner.catch_up(on_page=on_page)


def check(
    store: PilotStore, live: Table, on_page: Callable[[int], None] | None = None
) -> CheckReport:
    """Rebuild into a scratch table beside the live one, compare row by row, drop it."""
    scratch = pilot_table(f"{live.name}_check", MetaData())
    scratch.create(store.engine, checkfirst=True)
    runner = ProjectionRunner(store, [PilotIndex(scratch)], name=f"{live.name}_check")
    try:
        runner.reset()
        runner.catch_up(on_page=on_page)
        with store.datastore.transaction(commit=False) as session:
            key = live.c.pilot_id.name
            have = {r[key]: dict(r) for r in session.execute(select(live)).mappings()}
            want = {r[key]: dict(r) for r in session.execute(select(scratch)).mappings()}
        differences = [
            Difference(table=live.name, key=k, live=have.get(k), rebuilt=want.get(k))
            for k in sorted(set(have) | set(want))
            if have.get(k) != want.get(k)
        ]
        return CheckReport(rows=len(want), differences=differences)
    finally:
        runner.reset()
        scratch.drop(store.engine, checkfirst=True)
