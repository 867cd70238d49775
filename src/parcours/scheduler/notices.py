"""Delivering the outbox's notices to the embedding service's callbacks, in bulk: a round
claims up to a batch of notices (a lease, `store/outbox.py`), reads their pilots in one
query, hands each notice to the callbacks and marks the delivered ones in one statement.

Delivery is at least once: a process killed in the middle of a round delivers that round's
notices again after their lease (each has a stable id on which a receiver drops what it has
seen)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from parcours.domain.pilot import Pilot
from parcours.privacy import rights
from parcours.scheduler.models import Notice
from parcours.service import batched
from parcours.store import outbox

if TYPE_CHECKING:
    from parcours.application import Parcours


class Notices:
    def __init__(self, app: Parcours, batch: int) -> None:
        self.app = app
        self.pipeline = app.pipeline
        self.batch = batch
        self.callbacks: list[Callable[[Notice], None]] = []

    def deliver(self) -> tuple[int, int]:
        """Hand each pending notice to the callbacks; a failure is retried at the next tick.
        Rounds go on while they come back full and without a failure."""
        if not self.callbacks:
            return 0, 0
        delivered = failed = 0
        while True:
            done, lost, claimed = self._round()
            delivered += done
            failed += lost
            if lost or claimed < self.batch:
                return delivered, failed

    def _round(self) -> tuple[int, int, int]:
        settings = self.pipeline.settings
        lease = timedelta(seconds=settings.notice_lease_seconds)
        with self.pipeline.writing() as session:
            claims = outbox.claim_pending(session, self.batch, self.app.now(), lease)
        if not claims:
            return 0, 0, 0
        with self.pipeline.reading() as session:
            pilots = {
                p.id: p
                for p in batched.load_many(
                    self.pipeline, session, sorted({c.pilot_id for c in claims})
                )
            }
        views: dict[UUID, Any] = {}
        done: list[int] = []
        failed = 0
        try:
            for claim in claims:
                try:
                    notice = self._notice(claim, pilots, views)
                    for callback in self.callbacks:
                        callback(notice)
                except Exception as exc:  # an embedding service's callback may fail any way
                    failed += 1
                    with self.pipeline.writing() as session:
                        parked = outbox.release(
                            session, claim, self.app.now(), settings.notice_max_attempts
                        )
                    self.pipeline.log.warning(
                        "notice.parked" if parked else "notice.failed",
                        notice=str(claim.notice_id),
                        pilot=str(claim.pilot_id),
                        rule=claim.rule,
                        attempts=claim.attempts,
                        error=type(exc).__name__,
                    )
                else:
                    done.append(claim.id)
        finally:
            with self.pipeline.writing() as session:
                outbox.delivered_many(session, done, self.app.now())
        return len(done), failed, len(claims)

    def _notice(
        self, claim: outbox.Claim, pilots: dict[UUID, Pilot], views: dict[UUID, Any]
    ) -> Notice:
        # The scheduler's own read, for the agency's and the Region's notices (R12): not a
        # principal's query, so it goes to the part itself.
        view = views.get(claim.pilot_id)
        if view is None:
            pilot = pilots.get(claim.pilot_id) or self.pipeline.load(claim.pilot_id)
            view = views[claim.pilot_id] = self.app.pilots.view(pilot)
        recipients = [
            {"role": c.role, "first_name": c.first_name, "last_name": c.last_name, "email": c.email}
            for c in view.contacts
            if c.current and c.status == "active"
        ]
        return Notice(
            notice_id=claim.notice_id,
            pilot_id=view.id,
            pilot_name=view.name,
            kind=claim.kind,
            rule=claim.rule,
            due=claim.due,
            detail=json.loads(claim.detail),
            recipients=recipients,
            controller=rights.controller_notice(self.app.programme(view.programme)),
        )

    def parked(self) -> list[outbox.Claim]:
        with self.pipeline.reading() as session:
            return outbox.parked(session)

    def retry_parked(self) -> int:
        with self.pipeline.writing() as session:
            return outbox.unpark(session)
