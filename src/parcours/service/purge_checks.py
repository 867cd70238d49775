"""`verify_purge`: structural checks that a purge left nothing (R13), after the fact.

Once purged, the values are gone, so they can no longer be searched for: what the purge
found when it searched every column, inside its own transaction, is in its recorded report
(shown again here). After the fact we check the structure: no data key of a purged pilot's
people or free text remains, no snapshot, no event or read model holds a personal field or a
free text in clear, every personal field is unreadable, the key-encryption keys that wrapped
the destroyed keys are destroyed, and no email digest or digest secret is left.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from parcours.domain import events as ev
from parcours.privacy import free_text, sealing
from parcours.privacy.rights import Check, PurgeReport
from parcours.projections import readers
from parcours.service.pipeline import Pipeline
from parcours.store import shredding
from parcours.store.keys import LEGACY_SECRET
from parcours.store.schema import meta
from parcours.store.search import SearchReport


def verify(pipeline: Pipeline, pilot_ids: list[UUID]) -> PurgeReport:
    ids = [str(p) for p in pilot_ids]
    store, keys = pipeline.store, pipeline.keys
    events = {p: list(store.events.get(p)) for p in pilot_ids}
    with store.reading() as session:
        people_left = keys.persons_of_pilots(session, ids)
        texts_left = keys.text_keys_of_pilots(session, ids)
        records = {r["pilot_id"]: r for r in shredding.purge_records(session, ids)}
        projects = [row for p in ids for row in readers.project_rows(session, p)]
        secret = session.execute(select(meta.c.name).where(meta.c.name == LEGACY_SECRET)).first()
        sealed = [e for es in events.values() for e in es if isinstance(e, ev.ReferentDesignated)]
        person_keys = keys.keys(session, {e.person_id for e in sealed})
    readable = sum(
        1
        for e in sealed
        for v in sealing.unseal_fields(person_keys.get(e.person_id), e.person_id, e.sealed).values()
        if v != sealing.PURGED
    )
    clear = _clear_free_text(events)
    snapshots = _snapshots_before_purge(store, events)
    keks = sorted({k for r in records.values() for k in r["kek_ids"]})
    living_keks = [k for k in keks if keys.keyring.get(k) is not None]
    unrecorded = [p for p in ids if p not in records]
    searches = [SearchReport.model_validate(records[p]["report"]) for p in ids if p in records]
    found = [h for s in searches for h in s.hits]
    checks = [
        Check(
            name="no data key of a purged pilot's people (nor their email digest)",
            tables=["parcours_person_keys"],
            ok=not people_left,
            detail=f"{len(people_left)} left",
        ),
        Check(
            name="no data key of a purged pilot's free text",
            tables=["parcours_text_keys"],
            ok=not texts_left,
            detail=f"{len(texts_left)} left",
        ),
        Check(
            name="no personal field readable",
            tables=["parcours_events"],
            ok=readable == 0,
            detail=f"{readable} readable",
        ),
        Check(
            name="no free text stored in clear",
            tables=["parcours_events", "parcours_rm_projects"],
            ok=clear == 0 and all(_sealed_or_none(r.get("evaluation_protocol")) for r in projects),
            detail=f"{clear} clear fields in events",
        ),
        Check(
            name="no snapshot taken before the purge",
            tables=["parcours_snapshots"],
            ok=snapshots == 0,
            detail=f"{snapshots} left",
        ),
        Check(
            name="the key-encryption keys that wrapped the destroyed keys are destroyed",
            tables=["parcours_keks", "key file"],
            ok=not living_keks,
            detail=(
                f"still in the key file: {', '.join(living_keks)} (run parcours gdpr rotate-key)"
                if living_keks
                else f"destroyed: {', '.join(keks) or 'none needed'}"
            ),
        ),
        Check(
            name="no email-digest secret kept in the database",
            tables=["parcours_meta"],
            ok=secret is None,
        ),
        Check(
            name="the purge's own search of every table and column found nothing",
            tables=sorted({t for s in searches for t in s.tables}),
            ok=not found and not unrecorded,
            detail=(
                f"{len(found)} hits: {[h.model_dump() for h in found]}"
                if found
                else f"no search recorded for {len(unrecorded)} pilots (purged by an earlier "
                "version)"
                if unrecorded
                else f"{sum(s.values for s in searches)} values in "
                f"{max((s.columns for s in searches), default=0)} columns: none found"
            ),
        ),
    ]
    return PurgeReport(
        pilots=list(pilot_ids),
        persons=0,
        keys_destroyed=0,
        unreadable_events=len(sealed) if readable == 0 else 0,
        verified=all(c.ok for c in checks),
        checks=checks,
        searches=searches,
    )


def _clear_free_text(events: dict[UUID, list[Any]]) -> int:
    return sum(
        1
        for es in events.values()
        for e in es
        for name in getattr(type(e), "free_text", ())
        if not _sealed_or_none(getattr(e, name, None))
    )


def _sealed_or_none(value: Any) -> bool:
    return value is None or free_text.is_token(value)


def _snapshots_before_purge(store: Any, events: dict[UUID, list[Any]]) -> int:
    """Snapshots of the state before the purge (one taken after holds only what the events
    hold: tokens whose keys are gone)."""
    if store.snapshots is None:
        return 0
    left = 0
    for pilot_id, es in events.items():
        purged = [e.originator_version for e in es if isinstance(e, ev.PersonalDataPurged)]
        cut = purged[0] if purged else None
        for snapshot in store.snapshots.get(pilot_id):
            if cut is None or snapshot.originator_version < cut:
                left += 1
    return left
