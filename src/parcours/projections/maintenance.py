"""Rebuild the read models from the log, and check the live ones against a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Table, select

from parcours.projections.board import board
from parcours.projections.board import forget as forget_kept
from parcours.projections.runner import ProjectionRunner
from parcours.store import bulk


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


# A rebuild reads the whole log: larger pages than a catch-up's mean fewer transactions, and
# a page of events stays a few megabytes.
REBUILD_PAGE = 2000


def rebuild(runner: ProjectionRunner, on_page: Callable[[int], None] | None = None) -> int:
    runner.reset()
    folded = runner.catch_up(page=REBUILD_PAGE, on_page=on_page)
    with runner.store.datastore.transaction(commit=True) as session:
        # every read model's table written anew: what the planner knows of them is stale
        bulk.analyse(session, *(t for projection in runner.projections for t in projection.tables))
    return folded


def refold_widened(runner: ProjectionRunner, widened: set[str]) -> bool:
    """A read-model table that an upgrade gave a column holds only its default in the rows
    folded before: fold the whole log again (once, by the process that added the column),
    and drop the dashboard rows kept under the old rules. True when it did."""
    tables = {table.name for projection in runner.projections for table in projection.tables}
    if not widened & (tables | {board.name}):
        return False
    with runner.store.datastore.transaction(commit=True) as session:
        forget_kept(session)
    rebuild(runner)
    return True


def check(runner: ProjectionRunner, on_page: Callable[[int], None] | None = None) -> CheckReport:
    """Rebuild every projection into scratch tables beside the live ones, compare row by row,
    then drop the scratch tables."""
    store = runner.store
    scratch = [projection.scratch() for projection in runner.projections]
    pairs = [
        (live, twin)
        for projection, copy in zip(runner.projections, scratch, strict=True)
        for live, twin in zip(projection.tables, copy.tables, strict=True)
    ]
    for _, twin in pairs:
        twin.create(store.engine, checkfirst=True)
    rebuilt = ProjectionRunner(store, scratch, name=f"{runner.name}_check", log=runner.log)
    try:
        rebuilt.reset()
        rebuilt.catch_up(page=REBUILD_PAGE, on_page=on_page)
        differences: list[Difference] = []
        rows = 0
        with store.datastore.transaction(commit=False) as session:
            for live, twin in pairs:
                have, want = _rows(session, live), _rows(session, twin)
                rows += len(want)
                differences += [
                    Difference(table=live.name, key=k, live=have.get(k), rebuilt=want.get(k))
                    for k in sorted(set(have) | set(want))
                    if have.get(k) != want.get(k)
                ]
        return CheckReport(rows=rows, differences=differences)
    finally:
        rebuilt.reset()
        for _, twin in pairs:
            twin.drop(store.engine, checkfirst=True)


def _rows(session: Any, table: Table) -> dict[str, dict[str, Any]]:
    keys = [c.name for c in table.primary_key.columns]
    return {
        "/".join(str(row[k]) for k in keys): dict(row)
        for row in session.execute(select(table)).mappings()
    }
