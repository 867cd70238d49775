"""The record of what was crypto-shredded: erasures (R14) and purges (R13).

Ids, instants and KEK ids only, never a value: enough to say when an erasure became
irreversible (when the KEK that wrapped the destroyed key was destroyed by a rotation).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from parcours.store.schema import erasures, keks, purges


def record_erasure(
    session: Session, *, person_id: str, pilot_id: str, at: datetime, kek_id: str | None
) -> None:
    session.execute(
        insert(erasures).values(
            person_id=person_id, pilot_id=pilot_id, erased_at=utc(at), kek_id=kek_id
        )
    )


def erasure(session: Session, person_id: str) -> Any:
    """The erasure of this person with its KEK's destruction time (`destroyed_at`), or None."""
    return session.execute(
        select(erasures, keks.c.destroyed_at)
        .outerjoin(keks, keks.c.kek_id == erasures.c.kek_id)
        .where(erasures.c.person_id == person_id)
    ).first()


def record_purge(
    session: Session, *, pilot_id: str, at: datetime, kek_ids: list[str], report: dict[str, Any]
) -> None:
    session.execute(
        insert(purges).values(
            pilot_id=pilot_id,
            purged_at=utc(at),
            kek_ids=json.dumps(sorted(kek_ids)),
            report=json.dumps(report, sort_keys=True, default=str),
        )
    )


def purge_records(session: Session, pilot_ids: list[str] | None = None) -> list[dict[str, Any]]:
    query = select(purges).order_by(purges.c.purged_at, purges.c.pilot_id)
    if pilot_ids is not None:
        query = query.where(purges.c.pilot_id.in_(pilot_ids))
    return [
        {
            "pilot_id": row.pilot_id,
            "purged_at": aware(row.purged_at),
            "kek_ids": json.loads(row.kek_ids),
            "report": json.loads(row.report),
        }
        for row in session.execute(query)
    ]


def utc(at: datetime) -> datetime:
    """Stored in UTC: SQLite keeps no offset, so every instant is written as UTC."""
    return at.astimezone(UTC).replace(tzinfo=None)


def aware(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)
