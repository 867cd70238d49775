"""The read models' upkeep: catching up, dead letters, lag, rebuild and check (issue 18) —
what an operator or the projection worker asks, beside the cohort's questions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time

from parcours.domain import standing
from parcours.projections import board, board_counts, maintenance, readers
from parcours.projections.dead_letters import DeadLetter
from parcours.service.pipeline import Service


class ReadModelUpkeep(Service):
    def catch_up_projections(self) -> int:
        """Fold what the read models have not seen yet (a projection worker calls this)."""
        return self.pipeline.projections.catch_up()

    def dead_letters(self) -> list[DeadLetter]:
        """Events the read models could not fold, and those held back behind them (issue 18)."""
        with self.pipeline.reading() as session:
            return readers.dead_letters(session, self.pipeline.projections.name)

    def retry_dead_letters(self, *, force: bool = True) -> tuple[int, int]:
        """Fold the held events of the stale pilots again, in order (all of them; with
        `force=False` only those whose backoff is over); returns (caught up, still stale)."""
        when = None if force else datetime.now(UTC)
        return self.pipeline.projections.retry_dead_letters(when)

    def projection_lag(self) -> int:
        """How many stored events the read models have not folded yet."""
        with self.pipeline.reading() as session:
            position = self.pipeline.projections.position(session)
        return max(0, self.pipeline.event_count() - position)

    def rebuild_projections(self, on_page: Callable[[int], None] | None = None) -> int:
        """Empty every read model and fold the whole log again; returns the events folded."""
        with self.pipeline.writing() as session:
            readers.forget_kept_board_rows(session)  # kept rows may follow rules since changed
        return maintenance.rebuild(self.pipeline.projections, on_page)

    def check_projections(
        self, on_page: Callable[[int], None] | None = None
    ) -> maintenance.CheckReport:
        """Rebuild into scratch tables and compare row by row with the live read models;
        then judge every kept dashboard row again for its own day and compare."""
        self.pipeline.projections.catch_up()
        report = maintenance.check(self.pipeline.projections, on_page)
        kept = self._kept_differences() + self._count_differences()
        return report.model_copy(update={"differences": [*report.differences, *kept]})

    def _count_differences(self) -> list[maintenance.Difference]:
        """The day's counts a page reads its summary from, against the kept rows they count."""
        with self.pipeline.reading() as session:
            have, want = board_counts.recounted(session, board.board)
        differences = []
        for where in sorted(have.keys() | want.keys()):
            live, rebuilt = have.get(where), want.get(where)
            if live != rebuilt:
                differences.append(
                    maintenance.Difference(
                        table=board_counts.counts.name,
                        key=" ".join(str(part) for part in where),
                        live=None if live is None else {"count": live},
                        rebuilt=None if rebuilt is None else {"count": rebuilt},
                    )
                )
        return differences

    def _kept_differences(self) -> list[maintenance.Difference]:
        differences = []
        with self.pipeline.reading() as session:
            kept = readers.kept_board_rows(session)
            rows = readers.pilot_rows(session)
        for row in rows:
            found = kept.get(row["pilot_id"])
            if found is None or found["version"] != row["version"]:
                continue  # not kept for this version: never read
            programme = self.pipeline.programme(row["programme"])
            at = datetime.combine(found["day"], time(12), programme.zone)
            want = board.stored(
                standing.dashboard_row(programme, row, at), row["version"], found["day"]
            )
            have = {k: found[k] for k in want}
            if have != want:
                differences.append(
                    maintenance.Difference(
                        table=board.board.name, key=row["pilot_id"], live=have, rebuilt=want
                    )
                )
        return differences
