"""What reaches the database's files on disk: the SQLite WAL checkpoint, checked.

A destroyed key is zeroed in its page (`secure_delete`, store/engine.py), but the WAL keeps
the page as it was until a checkpoint copies the new page into the database file; a copy of
the files taken before then still holds the key. `checkpoint_wal` runs `PRAGMA
wal_checkpoint(TRUNCATE)`, checks what SQLite answered and that the WAL file is empty
afterwards, and tries again while another connection keeps it busy.
"""

from __future__ import annotations

import os
import time

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

TRIES = 20


class Overwrite(BaseModel):
    """Whether the freed pages reached the files: `complete`, or why not (`detail`)."""

    model_config = ConfigDict(frozen=True)
    complete: bool
    attempts: int
    detail: str


def checkpoint_wal(engine: Engine, path: str, tries: int = TRIES) -> Overwrite:
    """Checkpoint and truncate the WAL of the SQLite file at `path`; retried while busy."""
    wal = f"{path}-wal"
    detail = ""
    for attempt in range(1, tries + 1):
        with engine.connect() as connection:
            busy, log, done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        size = os.path.getsize(wal) if os.path.exists(wal) else 0
        if busy == 0 and size == 0:
            return Overwrite(
                complete=True, attempts=attempt, detail="WAL checkpointed and truncated"
            )
        detail = f"busy={busy}, {done} of {log} WAL frames checkpointed, WAL file {size} bytes"
        time.sleep(min(0.01 * 2**attempt, 0.5))
    return Overwrite(
        complete=False,
        attempts=tries,
        detail=f"the WAL could not be truncated ({detail}): another connection kept it busy; "
        "a copy of the files may still hold the destroyed keys until the next checkpoint",
    )
