"""A pilot's stored events and snapshots read in psycopg's binary format on PostgreSQL.

eventsourcing-sqlalchemy reads them in the text format, where a `bytea` state comes as hex
text twice its size, decoded on arrival: a snapshot of a pilot of 5,000 time entries is
420 KB, 840 KB on the wire. The same query here, on the driver, in the binary format
(store/direct.py `binary_rows`): the events' recorder (core_recorder.py) and the snapshots'
(`SnapshotRecorder`) read with it on PostgreSQL, and as before elsewhere.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyAggregateRecorder
from sqlalchemy import Table

from parcours.store.direct import binary_rows


def on_postgresql(recorder: SQLAlchemyAggregateRecorder) -> bool:
    engine = recorder.datastore.engine
    return engine is not None and engine.dialect.name == "postgresql"


def select_events(
    recorder: SQLAlchemyAggregateRecorder,
    originator_id: UUID | str,
    gt: int | None,
    lte: int | None,
    desc: bool,
    limit: int | None,
) -> list[StoredEvent]:
    """`select_events` on PostgreSQL, in the binary format."""
    table: Table = recorder.events_record_cls.__table__
    where = ["originator_id = %s::uuid"]
    params: list[Any] = [str(originator_id)]
    if gt is not None:
        where.append("originator_version > %s")
        params.append(gt)
    if lte is not None:
        where.append("originator_version <= %s")
        params.append(lte)
    sql = (
        f"SELECT originator_id, originator_version, topic, state FROM {table.fullname} "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY originator_version {'DESC' if desc else 'ASC'}"
    )
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with recorder.transaction(commit=False) as session:
        rows = binary_rows(session, sql, params)
    return [
        StoredEvent(originator_id=ident, originator_version=version, topic=topic, state=state)
        for ident, version, topic, state in rows
    ]


class SnapshotRecorder(SQLAlchemyAggregateRecorder):
    """The snapshots' recorder: the library's, reading in the binary format on PostgreSQL."""

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        if on_postgresql(self):
            return select_events(self, originator_id, gt, lte, desc, limit)
        return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
