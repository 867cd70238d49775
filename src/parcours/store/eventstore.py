"""The eventsourcing application that stores pilots: our one use of its Application class."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy.engine import Engine

from parcours.domain.pilot import Pilot
from parcours.store.factory import ParcoursFactory
from parcours.store.transcoding import DateAsISO, EventTranscoder


class PilotStore(Application[UUID]):
    name = "parcours"

    def __init__(self, url: str, snapshot_interval: int | None = None) -> None:
        env: dict[str, Any] = {
            "PERSISTENCE_MODULE": get_topic(ParcoursFactory),
            "SQLALCHEMY_URL": url,
            "TRANSCODER_TOPIC": get_topic(EventTranscoder),
            "CREATE_TABLE": "y",
            # Commands re-read only the new events of a cached pilot (fast-forward).
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "IS_SNAPSHOTTING_ENABLED": "y" if snapshot_interval else "n",
        }
        if snapshot_interval:
            self.snapshotting_intervals = {Pilot: snapshot_interval}  # type: ignore[misc]
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def datastore(self) -> SQLAlchemyDatastore:
        factory = self.factory
        assert isinstance(factory, ParcoursFactory)
        return factory.datastore

    @property
    def engine(self) -> Engine:
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        return engine
