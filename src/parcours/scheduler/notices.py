"""Delivering the outbox's notices to the embedding service's callbacks, in bulk: a round
claims up to a batch of notices (a lease, `store/outbox.py`), reads their pilots in one
query, hands each notice to the callbacks and marks the delivered ones in one statement.

A tick's batch writes its notices already claimed (`lease`) and delivers them right after
its commit (`deliver_claimed`); their delivered marks ride with the next batch's commit or
the next claim (`take_done`). The rest (notices of the per-pilot path, of a dead scheduler,
of a failed delivery) wait for `deliver`'s rounds.

Delivery is at least once: a process killed in the middle of a round delivers that round's
notices again after their lease (each has a stable id on which a receiver drops what it has
seen)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from sqlalchemy.orm import Session

from parcours.domain.pilot import Pilot
from parcours.privacy import rights, sealing
from parcours.scheduler.models import Notice
from parcours.service import batched
from parcours.store import outbox, queue

if TYPE_CHECKING:
    from parcours.application import Parcours


# What a notice tells of each recipient.
_NAMED = ("first_name", "last_name", "email")


class Notices:
    def __init__(self, app: Parcours, batch: int) -> None:
        self.app = app
        self.pipeline = app.pipeline
        self.batch = batch
        self.callbacks: list[Callable[[Notice], None]] = []
        # delivered, not yet marked: marked by the next transaction that takes them
        self._done: list[int] = []
        # A delivery failed during this tick: the receiver is down, the rest waits for the
        # next tick (one attempt a tick, as `deliver`'s rounds stop at a failure).
        self.failing = False

    def lease(self) -> outbox.Lease | None:
        """A claim for the notices a tick writes, to deliver them right after their commit;
        None without a callback (they wait for a scheduler that has one)."""
        if not self.callbacks or self.failing:
            return None
        lease = timedelta(seconds=self.pipeline.settings.notice_lease_seconds)
        return outbox.Lease(str(uuid4()), self.app.now() + lease)

    def take_done(self) -> list[int]:
        """The delivered notices not marked yet, for the caller's transaction to mark; on a
        rollback the caller gives them back (`give_back`), or they are delivered again after
        their lease (at least once)."""
        done, self._done = self._done, []
        return done

    def give_back(self, done: list[int]) -> None:
        self._done.extend(done)

    def deliver_claimed(
        self, claims: list[outbox.Claim], fresh: dict[UUID, Pilot]
    ) -> tuple[int, int]:
        """Hand notices this process claimed as it wrote them to the callbacks (one round);
        returns (delivered, failed)."""
        if not claims or not self.callbacks:
            return 0, 0
        done: list[int] = []
        try:
            failed = self._round(claims, fresh, done)
        finally:
            self._done.extend(done)
        self.failing = self.failing or failed > 0
        return len(done), failed

    def deliver(self) -> tuple[int, int]:
        """Hand each pending notice to the callbacks; a failure is retried at the next tick.
        Rounds go on while they come back full and without a failure."""
        if not self.callbacks:
            return 0, 0
        delivered = failed = 0
        done = self.take_done()  # delivered, not yet marked: marked with the next claim
        try:
            while True:
                claims = self._claim(done)
                done = []
                if not claims:
                    return delivered, failed
                lost = self._round(claims, {}, done)
                delivered += len(done)
                failed += lost
                if lost or len(claims) < self.batch:
                    return delivered, failed
        finally:
            if done:
                with self.pipeline.writing() as session:
                    outbox.delivered_many(session, done, self.app.now())

    def _claim(self, done: list[int]) -> list[outbox.Claim]:
        """Mark the last round's notices delivered and claim the next round's, in one
        transaction (a commit is a disk flush on SQLite: a mass-due tick delivers its
        notices in tens of rounds)."""
        lease = timedelta(seconds=self.pipeline.settings.notice_lease_seconds)
        with self.pipeline.writing() as session:
            outbox.delivered_many(session, done, self.app.now())
            return outbox.claim_pending(session, self.batch, self.app.now(), lease)

    def _round(self, claims: list[outbox.Claim], fresh: dict[UUID, Pilot], done: list[int]) -> int:
        """Hand the claimed notices to the callbacks; the delivered ones are added to `done`
        as they go (a callback that raises mid-round leaves the others to be marked), the
        failed ones released or parked. Returns the failures."""
        settings = self.pipeline.settings
        with self.pipeline.reading() as session:
            pilots, keys = self._read(session, sorted({c.pilot_id for c in claims}), fresh)
        failed = 0
        reached: dict[tuple[UUID, int], list[dict[str, str]]] = {}
        for claim in claims:
            try:
                notice = self._notice(claim, pilots, keys, reached)
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
        return failed

    def _read(
        self, session: Session, pilot_ids: list[UUID], fresh: dict[UUID, Pilot]
    ) -> tuple[dict[UUID, Pilot], dict[str, bytes]]:
        """The claims' pilots (the fresh ones still at their last version, the others folded
        from their events in one query) and their contacts' keys (one query)."""
        last = queue.last_versions(
            session, self.pipeline.store.events_table, [str(p) for p in pilot_ids]
        )
        pilots = {
            p: fresh[p] for p in pilot_ids if p in fresh and fresh[p].version == last.get(str(p))
        }
        missing = [p for p in pilot_ids if p not in pilots]
        pilots.update((p.id, p) for p in batched.load_many(self.pipeline, session, missing))
        persons = [person for p in pilots.values() for person in p.contacts]
        return pilots, self.pipeline.keys.keys(session, persons)

    def _notice(
        self,
        claim: outbox.Claim,
        pilots: dict[UUID, Pilot],
        keys: dict[str, bytes],
        reached: dict[tuple[UUID, int], list[dict[str, str]]],
    ) -> Notice:
        # The scheduler's own read, for the agency's and the Region's notices (R12): not a
        # principal's query.
        pilot = pilots.get(claim.pilot_id) or self.pipeline.load(claim.pilot_id)
        # A pilot's notices of one round share their recipients (a mass-due tick owes two
        # reminders a pilot): their names are unsealed once.
        recipients = reached.get((pilot.id, pilot.version))
        if recipients is None:
            recipients = reached[(pilot.id, pilot.version)] = self._recipients(pilot, keys)
        return Notice(
            notice_id=claim.notice_id,
            pilot_id=pilot.id,
            pilot_name=pilot.name,
            kind=claim.kind,
            rule=claim.rule,
            due=claim.due,
            detail=json.loads(claim.detail),
            recipients=[dict(r) for r in recipients],
            controller=rights.controller_notice(self.app.programme(pilot.programme)),
        )

    @staticmethod
    def _recipients(pilot: Pilot, keys: dict[str, bytes]) -> list[dict[str, str]]:
        """The pilot's current contacts whose key lives and who did not object (R14), as
        the pilot's view shows them "active"."""
        recipients = []
        for person, contact in pilot.contacts.items():
            key = keys.get(person)
            if key is None or not rights.notified(contact, key):
                continue
            sealed = contact["sealed"]
            wanted = {f: sealed[f] for f in _NAMED if f in sealed}
            opened = sealing.unseal_fields(key, person, wanted)
            recipient = {"role": contact["role"]}
            recipient.update((f, opened.get(f, sealing.PURGED)) for f in _NAMED)
            recipients.append(recipient)
        return recipients

    def parked(self) -> list[outbox.Claim]:
        with self.pipeline.reading() as session:
            return outbox.parked(session)

    def retry_parked(self) -> int:
        with self.pipeline.writing() as session:
            return outbox.unpark(session)
