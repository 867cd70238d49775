"""The notification outbox: rows written with the events, delivered by the scheduler.

Delivery is at least once. A claim is a **lease**: the scheduler that claims a notice has it
until `claimed_until`; if it dies before delivering (SIGKILL, a lost machine), the lease
runs out and the next tick of any scheduler claims the notice again. A notice that fails
`max_attempts` times is parked (`parked`), shown to the officers, and no longer claimed.
Each notice has a stable id, derived from the fact it announces, on which a receiver can
drop the duplicates that at-least-once delivery allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4, uuid5

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from parcours.store.direct import Direct
from parcours.store.pairs import one_of
from parcours.store.schema import outbox

# A batch's rows in one executemany on the driver, COPY on PostgreSQL (store/direct.py):
# SQLAlchemy's own executemany processed each row's parameters in Python.
_COLUMNS = ["pilot_id", "kind", "rule", "due", "detail", "attempts"]
_PUT = Direct(outbox.insert(), _COLUMNS, copy=True)
_PUT_CLAIMED = Direct(outbox.insert(), [*_COLUMNS, "claimed_by", "claimed_until"], copy=True)

# Namespace of notice ids: uuid5(namespace, pilot|kind|rule|due|offset) is the same for the
# same fact whoever records it and however often it is delivered.
_NOTICES = UUID("8f6b0d3c-5a57-4d53-9a8e-6a0f2f5e8c11")


@dataclass(frozen=True)
class Claim:
    id: int
    notice_id: UUID
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    detail: str
    attempts: int


def notice_id(pilot_id: UUID, kind: str, rule: str, due: date, offset: int) -> UUID:
    """The stable id of the notice of one fact (a reminder, a breach)."""
    return uuid5(_NOTICES, f"{pilot_id}|{kind}|{rule}|{due.isoformat()}|{offset}")


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


class Fact(Protocol):
    """A reminder or breach the scheduler recorded (its `Recorded`), as the outbox keeps it."""

    @property
    def pilot_id(self) -> UUID: ...
    @property
    def kind(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def due(self) -> date: ...
    @property
    def offset(self) -> int: ...
    @property
    def observed(self) -> str: ...


def put(session: Session, fact: Fact) -> None:
    """Queue the notice of `fact`, in the transaction that records it."""
    session.execute(
        outbox.insert().values(
            pilot_id=str(fact.pilot_id),
            kind=fact.kind,
            rule=fact.rule,
            due=fact.due,
            detail=json.dumps({"offset": fact.offset, "observed": fact.observed}),
            attempts=0,
        )
    )


@dataclass(frozen=True)
class Lease:
    """A claim taken as the notices are written, by the scheduler that delivers them right
    after their commit: a mass-due tick's notices were claimed again, 500 at a time, each
    round a statement and a commit (issue 23)."""

    holder: str
    until: datetime


def put_many(session: Session, facts: list[Fact], lease: Lease | None = None) -> list[Claim]:
    """`put` for many facts in one statement (a tick's batch). With a `lease`, the notices
    are written claimed by its holder, and their claims are returned (the lease runs out
    like any other if the holder dies before delivering them)."""
    if not facts:
        return []
    rows = [
        {
            "pilot_id": str(f.pilot_id),
            "kind": f.kind,
            "rule": f.rule,
            "due": f.due,
            "detail": json.dumps({"offset": f.offset, "observed": f.observed}),
            "attempts": 0,
        }
        for f in facts
    ]
    if lease is None:
        _PUT.execute_many(session, rows)
        return []
    until = _naive(lease.until)
    for row in rows:
        row.update(claimed_by=lease.holder, claimed_until=until, attempts=1)
    # Read back by the primary key past the last id before the insert (its holder is this
    # batch's alone), in the order of insertion: RETURNING on a many-row insert was 3 times
    # the insert (SQLAlchemy's "insertmanyvalues" renders and binds every row in Python).
    before = session.execute(select(func.max(outbox.c.id))).scalar_one_or_none() or 0
    _PUT_CLAIMED.execute_many(session, rows)
    mine = select(outbox.c.id, outbox.c.pilot_id, outbox.c.detail).order_by(outbox.c.id)
    written = session.execute(
        mine.where(outbox.c.id > before, outbox.c.claimed_by == lease.holder)
    ).all()
    if len(written) != len(rows):
        # a row above the ids the database gives out (written by hand, or restored with
        # its ids): ours came below it; the lease's holder is this batch's alone
        written = session.execute(mine.where(outbox.c.claimed_by == lease.holder)).all()
    claims = []
    for (row_id, pilot_id, detail), fact, row in zip(written, facts, rows, strict=True):
        if (pilot_id, detail) != (row["pilot_id"], row["detail"]):
            raise RuntimeError("the outbox's ids came back out of the insert's order")
        claims.append(
            Claim(
                id=int(row_id),
                notice_id=notice_id(fact.pilot_id, fact.kind, fact.rule, fact.due, fact.offset),
                pilot_id=fact.pilot_id,
                kind=fact.kind,
                rule=fact.rule,
                due=fact.due,
                detail=detail,
                attempts=1,
            )
        )
    return claims


def _claimable(now: datetime) -> Any:
    """Not delivered, not parked, and free: never claimed, or its lease is over (a claim
    with no lease was made by a version before leases and is over too)."""
    return and_(
        outbox.c.delivered_at.is_(None),
        outbox.c.parked_at.is_(None),
        or_(
            outbox.c.claimed_by.is_(None),
            outbox.c.claimed_until.is_(None),
            outbox.c.claimed_until < _naive(now),
        ),
    )


def claimable(session: Session, now: datetime, limit: int) -> list[Claim]:
    """The notices a scheduler would claim at `now`, read and not claimed (a dry run)."""
    rows = session.execute(
        select(outbox).where(_claimable(now)).order_by(outbox.c.id).limit(limit)
    ).all()
    return [_claim(r) for r in rows]


def claim_pending(session: Session, limit: int, now: datetime, lease: timedelta) -> list[Claim]:
    """Claim up to `limit` free notices for this process until `now + lease`; two
    schedulers never hold one notice at once (the update re-checks that it is free)."""
    me = str(uuid4())
    ids = [
        r.id
        for r in session.execute(
            select(outbox.c.id).where(_claimable(now)).order_by(outbox.c.id).limit(limit)
        )
    ]
    if not ids:
        return []
    # the claimed rows come back from the update itself (RETURNING: SQLite 3.35 and
    # PostgreSQL): a second read of them was a third of a claim
    rows = session.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids), _claimable(now))
        .values(
            claimed_by=me,
            claimed_until=_naive(now + lease),
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    ).all()
    return [_claim(r) for r in sorted(rows, key=lambda r: int(r.id)) if r.delivered_at is None]


def _claim(row: Any) -> Claim:
    offset = int(json.loads(row.detail).get("offset", 0))
    pilot = UUID(row.pilot_id)
    return Claim(
        id=row.id,
        notice_id=notice_id(pilot, row.kind, row.rule, row.due, offset),
        pilot_id=pilot,
        kind=row.kind,
        rule=row.rule,
        due=row.due,
        detail=row.detail,
        attempts=int(row.attempts),
    )


def release(session: Session, claim: Claim, now: datetime, max_attempts: int) -> bool:
    """A delivery failed: free the notice for the next tick, or park it after
    `max_attempts`; True when it was parked."""
    parked = claim.attempts >= max_attempts
    session.execute(
        update(outbox)
        .where(outbox.c.id == claim.id)
        .values(claimed_by=None, claimed_until=None, parked_at=_naive(now) if parked else None)
    )
    return parked


def delivered(session: Session, claim_id: int, at: datetime) -> None:
    session.execute(
        update(outbox)
        .where(outbox.c.id == claim_id)
        .values(delivered_at=_naive(at), claimed_by=None, claimed_until=None)
    )


def delivered_many(session: Session, claim_ids: list[int], at: datetime) -> None:
    """`delivered` for many claims in one statement."""
    if claim_ids:
        dialect = session.get_bind().dialect.name
        session.execute(
            update(outbox)
            .where(one_of(outbox.c.id, claim_ids, dialect))
            .values(delivered_at=_naive(at), claimed_by=None, claimed_until=None)
        )


def parked(session: Session) -> list[Claim]:
    """The notices given up after too many failed deliveries, oldest first."""
    rows = session.execute(
        select(outbox)
        .where(outbox.c.parked_at.is_not(None), outbox.c.delivered_at.is_(None))
        .order_by(outbox.c.id)
    ).all()
    return [_claim(r) for r in rows]


def unpark(session: Session) -> int:
    """Give every parked notice its attempts back (after the receiver was fixed)."""
    done = session.execute(
        update(outbox)
        .where(outbox.c.parked_at.is_not(None), outbox.c.delivered_at.is_(None))
        .values(parked_at=None, attempts=0, claimed_by=None, claimed_until=None)
    )
    return int(getattr(done, "rowcount", 0))
