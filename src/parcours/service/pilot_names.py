"""Pilots by name (issue 20): their slugs and SIRENs on the views that list pilots.

The reference itself (id, slug or SIREN) is resolved in one place, `Pipeline.pilot_id`; the
rows are written with the enrolment (`Pipeline.create`, `store/pilot_names.py`). Here the
lists people read (`list_pilots`, the dashboard) are given each pilot's slug, with one read
of the names table for the whole list.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from parcours import cohort
from parcours.service.pipeline import Service
from parcours.store import pilot_names
from parcours.views import PilotSummary


class PilotReference(BaseModel):
    """The names a pilot answers to: its id, its slug and (if enrolled with one) its SIREN."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    programme: str
    slug: str
    siren: str | None


class PilotNames(Service):
    def references(self, *, actor: str | None = None) -> list[PilotReference]:
        """Every pilot's id, slug and SIREN, by slug (no personal data: any principal
        holding a role, as `list_pilots`)."""
        self.pipeline.permit_optional("list_pilots", actor)
        with self.pipeline.reading() as session:
            rows = pilot_names.rows(session)
        return [
            PilotReference(
                pilot_id=UUID(r.pilot_id), programme=r.programme, slug=r.slug, siren=r.siren
            )
            for r in rows
        ]

    def resolve(self, reference: Any) -> UUID:
        """The id of the pilot `reference` (an id, a slug or a SIREN) names."""
        return self.pipeline.pilot_id(reference)

    def named(self, pilots: list[PilotSummary]) -> list[PilotSummary]:
        """`pilots` with their slugs and SIRENs."""
        known = self._by_id()
        return [
            p.model_copy(update={"slug": known[str(p.id)][0], "siren": known[str(p.id)][1]})
            if str(p.id) in known
            else p
            for p in pilots
        ]

    def board_named(self, board: cohort.Dashboard) -> cohort.Dashboard:
        """The dashboard with each row's slug."""
        if not board.rows:
            return board
        with self.pipeline.reading() as session:
            slugs = pilot_names.slugs(session, [str(r.pilot_id) for r in board.rows])
        rows = [
            r.model_copy(update={"slug": slugs[str(r.pilot_id)]}) if str(r.pilot_id) in slugs else r
            for r in board.rows
        ]
        return board.model_copy(update={"rows": rows})

    def _by_id(self) -> dict[str, tuple[str, str | None]]:
        with self.pipeline.reading() as session:
            rows = pilot_names.rows(session)
        return {r.pilot_id: (r.slug, r.siren) for r in rows}
