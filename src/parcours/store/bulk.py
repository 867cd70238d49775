"""Work that makes many objects at once (a batch of a mass-due tick, a rebuild's page of
events, a dashboard of 10,000 rows): Python's cyclic garbage collector is paused for its
length. And tables written in bulk: PostgreSQL's statistics of them refreshed at once
(`analyse`).

Such work makes tens or hundreds of thousands of small objects, short-lived or kept to its
end (events, rows, the aggregates); each counts towards the collector's next pass, and each
pass walks every object still alive, the batch's and the process's, to find nothing:
reference counting frees them. Measured: a quarter of a mass-due tick of 5,000 pilots
(benchmarks/PROFILE.md), 40 % of a 10,000-row dashboard, a third of a rebuild on
PostgreSQL. What the work leaves in a cycle is collected on the next pass after it.

Paused and resumed with a count, so nested or concurrent uses (threads of one process) resume
the collector only when the last one ends, and only if it was running before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused_collector() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()


# Rows written at once past which the tables' statistics are refreshed (`analyse`).
BULK_ROWS = 1000


def analyse(session: Session, *tables: Table) -> None:
    """PostgreSQL: refresh the planner's statistics of tables just filled or rewritten in
    bulk, in the writer's transaction. Autovacuum does it too, up to a minute later; until
    then the planner guessed, and a first page of 50 sealed dashboard rows was read through
    a hash join of every row (29 ms instead of 4 at 10,000 pilots, benchmark Q past)."""
    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"ANALYZE {table.fullname}"))
