"""The pilot index: one row per pilot, its phase and since when (no personal value)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, Index, Integer, MetaData, String, Table, insert, update
from sqlalchemy.orm import Session

from parcours.domain import events as ev

METADATA = MetaData()

pilots = Table(
    "parcours_rm_pilots",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("programme", String(64), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("phase_since", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Index("parcours_rm_pilots_phase", "programme", "phase"),
)


class PilotIndex:
    tables = (pilots,)

    def fold(self, session: Session, event: Any) -> None:
        pilot_id = str(event.originator_id)
        if isinstance(event, ev.Enrolled):
            session.execute(
                insert(pilots).values(
                    pilot_id=pilot_id,
                    name=event.name,
                    programme=event.programme,
                    phase="charter_signed",
                    phase_since=event.charter_signed_on,
                    version=event.originator_version,
                )
            )
            return
        values: dict[str, Any] = {"version": event.originator_version}
        if isinstance(event, ev.PhaseChanged):
            values.update(phase=event.to_phase, phase_since=event.on)
        session.execute(update(pilots).where(pilots.c.pilot_id == pilot_id).values(**values))
