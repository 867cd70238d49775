"""How the transactions that insert events (and the audit log's leaves) are serialised on
PostgreSQL (SQLite: `BEGIN IMMEDIATE`, store/engine.py)."""

from __future__ import annotations

import zlib

# The first key of the lock that serialises the inserts (two 32-bit keys: a space apart from
# the pilots' locks, which take one 64-bit key, store/eventstore.py). "parc".
_INSERTS = 0x70617263


def insert_lock(events_table: str) -> tuple[str, str]:
    """PostgreSQL: the statements that serialise the transactions inserting events or
    leaves, from the lock to the commit: notification ids are then committed in the order
    they are given out (a reader past id n never misses one below it), and the log's next
    index is this transaction's.

    eventsourcing-sqlalchemy takes `LOCK TABLE … IN EXCLUSIVE MODE`, which conflicts with
    (auto)vacuum's lock on the table: each minute autovacuum started on the events table,
    made the next insert wait a second (`deadlock_timeout`) and was cancelled, so it never
    finished under a steady flow of writes, and a vacuum against wraparound, which is not
    cancelled, would stop every write until it ended (issue 23: seen at 100,000 pilots).
    Here: a transaction-level advisory lock serialises our writers, and `ROW EXCLUSIVE`
    (what the INSERT takes anyway, compatible with vacuum) still excludes a process of an
    earlier version holding `EXCLUSIVE`, so the two can run side by side during an upgrade.
    """
    table = zlib.crc32(events_table.encode()) - 2**31  # a signed 32-bit key
    return (
        f"LOCK TABLE {events_table} IN ROW EXCLUSIVE MODE",
        f"SELECT pg_advisory_xact_lock({_INSERTS}, {table})",
    )
