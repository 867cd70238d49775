"""The notification outbox: rows written with the events, delivered by the scheduler."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parcours.store.schema import outbox


@dataclass(frozen=True)
class Claim:
    id: int
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    detail: str


def put(
    session: Session,
    *,
    pilot_id: UUID,
    kind: str,
    rule: str,
    due: date,
    offset: int,
    observed: str,
) -> None:
    session.execute(
        outbox.insert().values(
            pilot_id=str(pilot_id),
            kind=kind,
            rule=rule,
            due=due,
            detail=json.dumps({"offset": offset, "observed": observed}),
        )
    )


def claim_pending(session: Session, limit: int) -> list[Claim]:
    """Claim undelivered notices for this process, so two schedulers never send one twice."""
    me = str(uuid4())
    ids = [
        r.id
        for r in session.execute(
            select(outbox.c.id)
            .where(outbox.c.delivered_at.is_(None), outbox.c.claimed_by.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        )
    ]
    if not ids:
        return []
    session.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids), outbox.c.claimed_by.is_(None))
        .values(claimed_by=me)
    )
    rows = session.execute(select(outbox).where(outbox.c.claimed_by == me)).all()
    return [_claim(r) for r in rows if r.delivered_at is None]


def _claim(row: Any) -> Claim:
    return Claim(
        id=row.id,
        pilot_id=UUID(row.pilot_id),
        kind=row.kind,
        rule=row.rule,
        due=row.due,
        detail=row.detail,
    )


def release(session: Session, claim_id: int) -> None:
    session.execute(update(outbox).where(outbox.c.id == claim_id).values(claimed_by=None))


def delivered(session: Session, claim_id: int, at: datetime) -> None:
    session.execute(
        update(outbox)
        .where(outbox.c.id == claim_id)
        .values(delivered_at=at.astimezone(UTC).replace(tzinfo=None))
    )
