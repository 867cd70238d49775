"""A projection worker: follows the log in its own process and reports its lag.

On PostgreSQL it sleeps on LISTEN for the NOTIFY that eventsourcing-sqlalchemy sends with
every insert, so it folds within milliseconds of a command; on SQLite it polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parcours.service.cohort import CohortQueries


class ProjectionWorker:
    def __init__(
        self, app: CohortQueries, interval: float = 0.5, refresh_every: float = 60.0
    ) -> None:
        self.app = app
        self.interval = interval
        self.refresh_every = refresh_every

    def run(self, stop: threading.Event, report: Callable[[int, int], None]) -> None:
        """Fold, keep the dashboard rows of what changed (and, at least every
        `refresh_every` seconds, of a new day), report (events folded, lag), wait; until
        `stop` is set."""
        wait = self._listener()
        refreshed = float("-inf")
        try:
            while not stop.is_set():
                folded = self.app.catch_up_projections()
                if folded or time.monotonic() - refreshed >= self.refresh_every:
                    self.app.refresh_dashboard()
                    refreshed = time.monotonic()
                report(folded, self.app.projection_lag())
                if wait is None:
                    stop.wait(self.interval)
                else:
                    wait(self.interval)
        finally:
            if wait is not None:
                self._connection.close()

    def _listener(self) -> Callable[[float], None] | None:
        engine = self.app._store.engine
        if engine.dialect.name != "postgresql":
            return None
        raw: Any = engine.raw_connection()
        self._connection = raw
        driver = raw.driver_connection
        driver.autocommit = True
        channel = getattr(self.app._store.recorder, "channel_name", "parcours_events")
        driver.execute(f"LISTEN {channel}")

        def wait(seconds: float) -> None:
            for _ in driver.notifies(timeout=seconds, stop_after=1):
                pass

        return wait
