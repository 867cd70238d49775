"""The notification outbox: written with the events, delivered by the scheduler."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parcours.store.schema import outbox

if TYPE_CHECKING:
    from parcours.application import Parcours
    from parcours.scheduler.deadline_scheduler import Recorded


@dataclass(frozen=True)
class Claim:
    id: int
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    detail: str


def put(session: Session, item: Recorded) -> None:
    session.execute(
        outbox.insert().values(
            pilot_id=str(item.pilot_id),
            kind=item.kind,
            rule=item.rule,
            due=item.due,
            detail=json.dumps({"offset": item.offset, "observed": item.observed}),
        )
    )


def claim_pending(app: Parcours, limit: int) -> list[Claim]:
    """Claim undelivered notices for this process, so two schedulers never send one twice."""
    me = str(uuid4())
    with app._write() as session:
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


def release(app: Parcours, claim_id: int) -> None:
    with app._write() as session:
        session.execute(update(outbox).where(outbox.c.id == claim_id).values(claimed_by=None))


def delivered(app: Parcours, claim_id: int, at: datetime) -> None:
    with app._write() as session:
        session.execute(
            update(outbox)
            .where(outbox.c.id == claim_id)
            .values(delivered_at=at.astimezone(UTC).replace(tzinfo=None))
        )
