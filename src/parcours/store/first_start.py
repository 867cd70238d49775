"""Several processes opening one empty database at once must all come up (issue 18).

Creating the schema is check-then-create, in eventsourcing's recorder and in ours: two
processes racing on an empty database both see no table, and the loser fails
(`DuplicateTable` or a unique violation on PostgreSQL's catalogue, "database is locked" or
"already exists" on SQLite). Every step of a first start is idempotent (tables, columns and
indexes are created only when missing, the digest secret only once), so the loser simply
starts again: by then the winner's schema is committed and it finds every table.

(An advisory lock around the creation was tried first: it needs a connection of its own,
made before the event store's engine exists, which bypasses a configured connection
creator, `SQLALCHEMY_CONNECTION_CREATOR_TOPIC`. Trying again needs no second connection.)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing import persistence
from sqlalchemy import exc

T = TypeVar("T")
_TRIES = 50
_RACES = (
    exc.OperationalError,
    exc.IntegrityError,
    exc.ProgrammingError,
    persistence.OperationalError,
    persistence.IntegrityError,
    persistence.ProgrammingError,
)
_SIGNS = ("locked", "already exists", "duplicate", "unique constraint")


def opened(open_database: Callable[[], T]) -> T:
    """`open_database()`, tried again while another process is making the same schema."""
    for attempt in range(_TRIES):
        try:
            return open_database()
        except _RACES as error:
            if not _first_start_race(error) or attempt == _TRIES - 1:
                raise
            time.sleep(random.uniform(0.02, 0.1))
    raise AssertionError("unreachable")


def _first_start_race(error: Exception) -> bool:
    text = str(error).lower()
    return any(sign in text for sign in _SIGNS)
