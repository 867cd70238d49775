"""The composition root: one function builds the pipeline from settings, handing each part
what it needs (cosmicpython's `bootstrap.py`). Nothing else opens the database."""

from __future__ import annotations

from parcours import clock as clocks
from parcours.logs import get_logger
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
from parcours.store import grants
from parcours.store.eventstore import PilotStore
from parcours.store.first_start import opened
from parcours.store.keys import KeyStore
from parcours.store.schema import METADATA
from parcours.store.setup import create_tables


def bootstrap(
    settings: Settings,
    clock: clocks.Clock | None = None,
    authorise: Authorise | None = None,
) -> Pipeline:
    """`authorise`: the roles of R15 from the programmes' tables unless given (a test or a
    benchmark may hand another)."""
    store, keys, widened = opened(lambda: _open(settings))
    projections = ProjectionRunner(
        store, [PilotIndex(), ProjectIndex(), RexSessionIndex()], name="read_models"
    )
    programmes = Programmes(store)
    log = get_logger()
    maintenance.refold_widened(projections, widened)
    return Pipeline(
        settings=settings,
        clock=clock or clocks.system_clock,
        store=store,
        keys=keys,
        projections=projections,
        programmes=programmes,
        log=log,
        authorise=authorise or Authoriser(store, programmes, log),
    )


def _open(settings: Settings) -> tuple[PilotStore, KeyStore, set[str]]:
    """The event store, our tables and the key table's secret: what a first start creates;
    and the tables an upgrade gave a column."""
    store = PilotStore(settings.url, settings.snapshot_interval)
    try:
        widened = create_tables(
            store.engine, (METADATA, PILOT_INDEX_METADATA, PROJECT_METADATA, grants.METADATA)
        )
        # A database made before the roles: its pilots' programmes, once (R15 checks read them).
        grants.backfill_pilot_programmes(store)
        with store.writing() as session:
            keys = KeyStore.open(session, settings.master_key_bytes())
    except BaseException:
        store.close_connections()
        raise
    return store, keys, widened
