"""The composition root: one function builds the pipeline from settings, handing each part
what it needs (cosmicpython's `bootstrap.py`). Nothing else opens the database."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from parcours import clock as clocks
from parcours.errors import ConfigurationError, ProgrammeError
from parcours.logs import logger_for
from parcours.privacy import sealing
from parcours.projections import maintenance
from parcours.projections.pilots import METADATA as PILOT_INDEX_METADATA
from parcours.projections.pilots import PilotIndex
from parcours.projections.projects import METADATA as PROJECT_METADATA
from parcours.projections.projects import ProjectIndex, RexSessionIndex
from parcours.projections.runner import ProjectionRunner
from parcours.service.pipeline import Pipeline
from parcours.service.programmes import Programmes
from parcours.service.requests import Authorise
from parcours.service.roles import Authoriser
from parcours.settings import Settings
from parcours.store import grants, pilot_names
from parcours.store.eventstore import PilotStore
from parcours.store.first_start import opened
from parcours.store.keyring import resolve as resolve_keyring
from parcours.store.keys import KeyStore
from parcours.store.schema import METADATA, person_keys
from parcours.store.setup import create_tables


def bootstrap(
    settings: Settings,
    clock: clocks.Clock | None = None,
    authorise: Authorise | None = None,
) -> Pipeline:
    """`authorise`: the roles of R15 from the programmes' tables unless given (a test or a
    benchmark may hand another)."""
    clock = clock or clocks.system_clock
    store, keys, widened = opened(lambda: _open(settings, clock))
    # This application's logger: structlog's global configuration is the host's (logs.py).
    log = logger_for(settings.log_format, settings.log_level)
    projections = ProjectionRunner(
        store, [PilotIndex(), ProjectIndex(), RexSessionIndex()], name="read_models", log=log
    )
    programmes = Programmes(store, settings.programme)
    try:  # an unknown PARCOURS_PROGRAMME is refused on opening, not at the first command
        programmes.default()
    except ProgrammeError as exc:
        raise ConfigurationError(
            "setting.invalid", field="PARCOURS_PROGRAMME", detail=str(exc)
        ) from None
    maintenance.refold_widened(projections, widened)
    return Pipeline(
        settings=settings,
        clock=clock,
        store=store,
        keys=keys,
        projections=projections,
        programmes=programmes,
        log=log,
        authorise=authorise or Authoriser(store, programmes, log),
    )


def _open(settings: Settings, clock: clocks.Clock) -> tuple[PilotStore, KeyStore, set[str]]:
    """The event store, our tables and the key-encryption key: what a first start creates;
    and the tables an upgrade gave a column (their read models are folded again).

    The keys of an earlier version (stored as they were, or under PARCOURS_MASTER_KEY) are
    re-wrapped under the key file's KEK here, on opening, with their email digests
    recomputed under the KEK's secret: a key left in clear in the file is the worst exposure
    there is, so it ends at the first start, not at some later rotation."""
    master = settings.master_key_bytes()
    store = PilotStore(settings.url, settings.snapshot_interval)
    try:
        keyring = resolve_keyring(
            dialect=store.dialect,
            in_memory=store.in_memory,
            database_file=store.datastore_path(),
            configured=settings.key_file_setting(),
        )
        widened = create_tables(
            store.engine,
            (
                METADATA,
                PILOT_INDEX_METADATA,
                PROJECT_METADATA,
                grants.METADATA,
                pilot_names.METADATA,
            ),
        )
        grants.watch_changes(store)
        # A database made before the roles: its pilots' programmes, once (R15 checks read them).
        grants.backfill_pilot_programmes(store)
        # A database made before the slugs (issue 20): every pilot's slug and SIREN, once.
        pilot_names.backfill(store)
        adopted = 0
        with store.writing() as session:
            keys = KeyStore.open(session, keyring, clocks.read(clock), master)
            if keys.legacy_rows(session):
                adopted = keys.adopt_legacy(session, partial(_email_of, store))
        if adopted:
            store.overwrite_freed_pages(person_keys.name)  # the old forms, overwritten
    except BaseException:
        store.close_connections()
        raise
    return store, keys, widened


def _email_of(store: PilotStore, pilot_id: str, person_id: str, key: bytes) -> str | None:
    """The person's current email, opened from the pilot's events with their key."""
    pilot: Any = store.repository.get(UUID(pilot_id))
    contact = getattr(pilot, "contacts", {}).get(person_id)
    token = None if contact is None else contact["sealed"].get("email")
    if token is None:
        return None
    email = sealing.unseal(key, person_id, "email", token)
    return None if email == sealing.PURGED else email
