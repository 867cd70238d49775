"""A projection worker: follows the log in its own process and reports its lag.

On PostgreSQL it sleeps on LISTEN for the NOTIFY that eventsourcing-sqlalchemy sends with
every insert, so it folds within milliseconds of a command; on SQLite it polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from parcours.store.eventstore import PilotStore


class Folds(Protocol):
    """What the worker drives: the read side of an application (`Parcours` is one)."""

    def catch_up_projections(self) -> int: ...

    def refresh_dashboard(self) -> int: ...

    def projection_lag(self) -> int: ...

    def retry_dead_letters(self, *, force: bool = True) -> tuple[int, int]: ...


class ProjectionWorker:
    def __init__(
        self,
        app: Folds,
        store: PilotStore,
        interval: float = 0.5,
        refresh_every: float = 60.0,
        refresh_after_changes: float = 5.0,
    ) -> None:
        self.app = app
        self.store = store
        self.interval = interval
        self.refresh_every = refresh_every
        self.refresh_after_changes = refresh_after_changes

    def run(self, stop: threading.Event, report: Callable[[int, int], None]) -> None:
        """Fold, report (events folded, lag), wait; until `stop` is set. Dashboard rows are
        kept again once pilots changed (at most every `refresh_after_changes` seconds: a
        refresh reads the whole cohort, a busy log would pay it every poll) and at least
        every `refresh_every` seconds (a new day)."""
        wait = self._listener()
        refreshed = float("-inf")
        changed = False
        try:
            while not stop.is_set():
                folded = self.app.catch_up_projections()
                # A stale pilot's events are folded again once their backoff is over.
                self.app.retry_dead_letters(force=False)
                changed = changed or folded > 0
                since = time.monotonic() - refreshed
                if (changed and since >= self.refresh_after_changes) or since >= self.refresh_every:
                    self.app.refresh_dashboard()
                    refreshed, changed = time.monotonic(), False
                report(folded, self.app.projection_lag())
                if wait is None:
                    stop.wait(self.interval)
                else:
                    wait(self.interval)
        finally:
            if wait is not None:
                self._connection.close()

    def _listener(self) -> Callable[[float], None] | None:
        if self.store.dialect != "postgresql":
            return None
        raw: Any = self.store.engine.raw_connection()
        self._connection = raw
        driver = raw.driver_connection
        driver.autocommit = True
        driver.execute(f"LISTEN {self.store.notification_channel}")

        def wait(seconds: float) -> None:
            for _ in driver.notifies(timeout=seconds, stop_after=1):
                pass

        return wait
