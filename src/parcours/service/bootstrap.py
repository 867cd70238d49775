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
from parcours.service.pipeline import Authorise, Pipeline, allow_every_act
from parcours.service.programmes import Programmes
from parcours.settings import Settings
from parcours.store.eventstore import PilotStore
from parcours.store.first_start import opened
from parcours.store.keys import KeyStore
from parcours.store.schema import METADATA
from parcours.store.setup import create_tables


def bootstrap(
    settings: Settings,
    clock: clocks.Clock | None = None,
    authorise: Authorise = allow_every_act,
) -> Pipeline:
    store, keys, widened = opened(lambda: _open(settings))
    projections = ProjectionRunner(
        store, [PilotIndex(), ProjectIndex(), RexSessionIndex()], name="read_models"
    )
    maintenance.refold_widened(projections, widened)
    return Pipeline(
        settings=settings,
        clock=clock or clocks.system_clock,
        store=store,
        keys=keys,
        projections=projections,
        programmes=Programmes(store),
        log=get_logger(),
        authorise=authorise,
    )


def _open(settings: Settings) -> tuple[PilotStore, KeyStore, set[str]]:
    """The event store, our tables and the key table's secret: what a first start creates;
    and the tables an upgrade gave a column."""
    store = PilotStore(settings.url, settings.snapshot_interval)
    try:
        widened = create_tables(store.engine, (METADATA, PILOT_INDEX_METADATA, PROJECT_METADATA))
        with store.writing() as session:
            keys = KeyStore.open(session, settings.master_key_bytes())
    except BaseException:
        store.close_connections()
        raise
    return store, keys, widened
