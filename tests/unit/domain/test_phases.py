from __future__ import annotations

import pytest

from parcours.domain import phases
from parcours.domain.phases import ACTIVE, Phase

CHARTER = [
    "start_diagnostic",
    "complete_diagnostic",
    "start_deployment",
    "start_evaluation",
    "close",
]


def test_the_charter_order_is_the_only_forward_path() -> None:
    phase = Phase.CHARTER_SIGNED
    for trigger in CHARTER:
        moved = phases.destination(trigger, phase)
        assert moved is not None
        phase = moved
    assert phase is Phase.CLOSED


@pytest.mark.parametrize("phase", list(Phase))
def test_no_phase_is_skipped_or_re_entered(phase: Phase) -> None:
    for trigger in CHARTER:
        dest = phases.destination(trigger, phase)
        if dest is not None:
            order = [
                Phase.CHARTER_SIGNED,
                Phase.DIAGNOSTIC,
                Phase.FRAMING,
                Phase.DEPLOYMENT,
                Phase.EVALUATION,
                Phase.CLOSED,
            ]
            assert order.index(dest) == order.index(phase) + 1


@pytest.mark.parametrize("phase", list(ACTIVE))
def test_withdrawal_from_any_active_phase(phase: Phase) -> None:
    assert phases.destination("withdraw", phase) is Phase.WITHDRAWN


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.WITHDRAWN, Phase.PURGED])
def test_nothing_leaves_an_ended_pilot_but_the_purge(phase: Phase) -> None:
    allowed = phases.allowed_triggers(phase)
    assert set(allowed) <= {"purge"}


@pytest.mark.parametrize(
    ("phase", "next_step"),
    [
        (Phase.CHARTER_SIGNED, "start_diagnostic"),
        (Phase.DIAGNOSTIC, "complete_diagnostic"),
        (Phase.FRAMING, "start_deployment"),
        (Phase.DEPLOYMENT, "start_evaluation"),
        (Phase.EVALUATION, "close"),
    ],
)
def test_r1_an_active_phase_offers_its_next_step_withdrawal_and_the_purge_only(
    phase: Phase, next_step: str
) -> None:
    assert phases.allowed_triggers(phase) == [next_step, "withdraw", "purge"]


def test_r13_a_closed_pilot_is_still_purged_a_purged_one_offers_nothing() -> None:
    assert phases.allowed_triggers(Phase.CLOSED) == ["purge"]
    assert phases.allowed_triggers(Phase.PURGED) == []
