"""Several processes opening one empty database at once must all come up (issue 18).

Creating the schema is check-then-create, in eventsourcing's recorder and in ours: two
processes racing on an empty PostgreSQL database both see no table and one fails
(`DuplicateTable`, or a unique violation on the catalogue). On PostgreSQL the schema is
therefore created under a session-level advisory lock, so the second process waits and then
finds every table. SQLite has no advisory lock; its first start (switching the file to WAL,
creating the tables) fails fast with "database is locked" when another process holds the
file, and is simply tried again: every step is idempotent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

T = TypeVar("T")
# pg_advisory_lock's key: "parcours" in ASCII, so another application's locks never collide.
SCHEMA_LOCK = int.from_bytes(b"parcours", "big") >> 1
_SQLITE_TRIES = 50


@contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """Hold the database's schema lock for the block (PostgreSQL; a no-op elsewhere)."""
    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(select(func.pg_advisory_lock(SCHEMA_LOCK)))
            connection.commit()
            try:
                yield
            finally:
                connection.execute(select(func.pg_advisory_unlock(SCHEMA_LOCK)))
                connection.commit()
    finally:
        engine.dispose()


def opened(url: str, open_database: Callable[[], T]) -> T:
    """`open_database()` under the schema lock; on SQLite, tried again while another process
    holds the file during its own first start."""
    with schema_lock(url):
        if make_url(url).get_backend_name() != "sqlite":
            return open_database()
        for attempt in range(_SQLITE_TRIES):
            try:
                return open_database()
            except (OperationalError, IntegrityError, ProgrammingError) as error:
                if not _first_start_race(error) or attempt == _SQLITE_TRIES - 1:
                    raise
                time.sleep(random.uniform(0.02, 0.1))
    raise AssertionError("unreachable")


def _first_start_race(error: Exception) -> bool:
    text = str(error).lower()
    return "locked" in text or "already exists" in text or "unique constraint" in text
