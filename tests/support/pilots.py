"""A pilot aggregate made in memory, without a store (domain tests)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

from parcours.domain.pilot import Act, Pilot


def enrolled_pilot(now: datetime) -> tuple[Pilot, Act]:
    """A pilot of grand-est-2024 enrolled at `now` by the agency, and the act that did it."""
    act = Act(actor="agency:lead", at=now, today=now.date(), command_id=str(uuid4()))
    pilot = Pilot.enroll(
        act,
        pilot_id=uuid4(),
        name="CC du Pays de Bitche",
        programme="grand-est-2024",
        siren=None,
        charter_signed_on=date(2024, 9, 2),
    )
    return pilot, act
