"""The phase table of the charter (R1, R2), shared by every pilot.

One `transitions.Machine` with no model attached holds the table; pilots ask it whether a
trigger is allowed from their phase. A machine per aggregate would cost ~170 µs and ~17 KB
each, for the same table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from transitions import Machine


class Phase(StrEnum):
    CHARTER_SIGNED = "charter_signed"
    DIAGNOSTIC = "diagnostic"
    FRAMING = "framing"
    DEPLOYMENT = "deployment"
    EVALUATION = "evaluation"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    PURGED = "purged"


ACTIVE: Final = (
    Phase.CHARTER_SIGNED,
    Phase.DIAGNOSTIC,
    Phase.FRAMING,
    Phase.DEPLOYMENT,
    Phase.EVALUATION,
)

# trigger -> (sources, destination). R1: the charter's order, nothing skipped or re-entered.
# R2: withdrawal from any active phase; the purge (R13) ends every pilot's personal data,
# whatever phase the retention limit finds it in.
TABLE: Final[dict[str, tuple[tuple[Phase, ...], Phase]]] = {
    "start_diagnostic": ((Phase.CHARTER_SIGNED,), Phase.DIAGNOSTIC),
    "complete_diagnostic": ((Phase.DIAGNOSTIC,), Phase.FRAMING),
    "start_deployment": ((Phase.FRAMING,), Phase.DEPLOYMENT),
    "start_evaluation": ((Phase.DEPLOYMENT,), Phase.EVALUATION),
    "close": ((Phase.EVALUATION,), Phase.CLOSED),
    "withdraw": (ACTIVE, Phase.WITHDRAWN),
    "purge": ((*ACTIVE, Phase.CLOSED, Phase.WITHDRAWN), Phase.PURGED),
}

MACHINE: Final = Machine(
    model=None,
    states=[p.value for p in Phase],
    transitions=[
        {"trigger": trigger, "source": [s.value for s in sources], "dest": dest.value}
        for trigger, (sources, dest) in TABLE.items()
    ],
    initial=Phase.CHARTER_SIGNED.value,
    auto_transitions=False,
)


def allowed_triggers(phase: Phase) -> list[str]:
    return list(MACHINE.get_triggers(phase.value))


def destination(trigger: str, phase: Phase) -> Phase | None:
    """Where `trigger` leads from `phase`, or None when the table forbids it."""
    found = MACHINE.get_transitions(trigger=trigger, source=phase.value)
    return Phase(str(found[0].dest)) if found else None


def sources(trigger: str) -> tuple[Phase, ...]:
    return TABLE[trigger][0]


def mermaid() -> str:
    """The phase diagram, drawn from the machine itself (the README holds a copy, tested)."""
    lines = ["stateDiagram-v2", f"    [*] --> {Phase.CHARTER_SIGNED.value}"]
    for trigger in MACHINE.events:
        for transitions in MACHINE.events[trigger].transitions.values():
            for transition in transitions:
                lines.append(f"    {transition.source} --> {transition.dest}: {trigger}")
    lines.append(f"    {Phase.PURGED.value} --> [*]")
    return "\n".join(lines)
