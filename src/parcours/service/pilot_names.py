"""Pilots by name (issue 20): their slugs and SIRENs on the views that list pilots.

The reference itself (id, slug or SIREN) is resolved in one place, `Pipeline.pilot_id`; the
rows are written with the enrolment (`Pipeline.create`, `store/pilot_names.py`). Here
`list_pilots` is given each pilot's slug and SIREN, with one read of the names table for the
whole list; the dashboard reads its slugs in its own query (`projections/board.py`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

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
        self.pipeline.permit_optional("pilot_references", actor)
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

    def _by_id(self) -> dict[str, tuple[str, str | None]]:
        with self.pipeline.reading() as session:
            rows = pilot_names.rows(session)
        return {r.pilot_id: (r.slug, r.siren) for r in rows}
