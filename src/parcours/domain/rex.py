"""Experience-review sessions of a cohort (R7), scheduled once for every pilot to attend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from parcours.domain.pilot import Act


@dataclass(frozen=True)
class RexScheduled(Aggregate.Created):
    actor: str
    command_id: str
    correlation_id: str
    programme: str
    on: date
    kind: str
    title: str
    # The working group it is (R7, a programme's `working_groups`); None for any other
    # session, and for every session scheduled before the field existed.
    theme: str | None = None

    def apply(self, aggregate: Any) -> None:
        session: RexSession = aggregate
        session.programme = self.programme
        session.on = self.on
        session.kind = self.kind
        session.title = self.title
        session.theme = self.theme


class RexSession(Aggregate):
    programme: str
    on: date
    kind: str
    title: str
    theme: str | None

    def __init__(self) -> None:
        pass

    @classmethod
    def schedule(
        cls,
        act: Act,
        *,
        session_id: UUID,
        programme: str,
        on: date,
        kind: str,
        title: str,
        theme: str | None = None,
    ) -> RexSession:
        return cls._create(
            RexScheduled,
            id=session_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            correlation_id=act.correlation,
            programme=programme,
            on=on,
            kind=kind,
            title=title,
            theme=theme,
        )
