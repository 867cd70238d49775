"""What every fact of a pilot's history carries: who, which command, which request, which day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from parcours.domain.state import PilotState


@dataclass(frozen=True)
class PilotEvent(Aggregate.Event):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None

    # Version 2 added `correlation_id` (the request or scheduler tick a command belongs to).
    # Version 1 events are read with their command id standing for it.
    class_version = 2
    # The fields people write freely (names end up there): sealed, each under a key of its
    # own, by `parcours.privacy.free_text`; the event holds the token, never the text.
    free_text: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["correlation_id"] = state["command_id"]

    def apply(self, aggregate: Any) -> None:
        self.mutate_pilot(aggregate)

    def mutate_pilot(self, pilot: PilotState) -> None:
        """Fold this fact into the pilot's state (no guard here: it runs on replay)."""
