"""R2, the end of the experiment: what may still be recorded once it is over.

"Le temps de l'expérimentation, qui prendra fin en janvier 2026": the programme's
`experiment_ends` (31 January 2026 for Grand Est, inclusive). After it no pilot enrols and
nothing is recorded but evaluation, closing, rights requests and the purge. Two guards, one
table:

- **on business dates**: an act dated (its `on`, given by the caller; a charter's signature)
  after `experiment_ends` is refused, whatever the machine's clock says, so that examples
  dated 2024–2025 still run on any later day;
- **on the recorded fact**: once a pilot has received `ExperimentEnded` (the scheduler
  records it when the end passes with the pilot still open), every act outside the table is
  refused, dated or not.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from parcours.catalogue import Msg
from parcours.errors import RuleViolation

# The commands still recorded after the end: evaluation and closing, rights requests (R14),
# the purge (R13), and the scheduler's own facts (the end itself, the retention notice).
AFTER_THE_END: Final = frozenset(
    {
        "start_evaluation",
        "record_evaluation",
        "close",
        "rectify_contact",
        "record_objection",
        "erase_person",
        "purge",
        "evaluate_deadlines",
    }
)


def allowed_after_the_end(command: str) -> bool:
    return command in AFTER_THE_END


def refuse_after_the_end(command: str, on: date, ends: date | None) -> None:
    """R2 on a business date: `command` dated `on` is refused when `on` is after `ends`."""
    if ends is None or on <= ends or allowed_after_the_end(command):
        return
    if command == "enroll":
        raise RuleViolation(
            "R2",
            "rule.r2.no_enrolment",
            "charter_signed_on",
            ends=ends,
        )
    raise RuleViolation(
        "R2",
        "rule.r2.after_the_end",
        "on",
        day=on,
        ends=ends,
    )


def refuse_once_ended(command: str, ended_on: date | None, phase: str) -> None:
    """R2 on the recorded fact: a pilot that received `ExperimentEnded` takes only the acts
    of `AFTER_THE_END`."""
    if ended_on is None or allowed_after_the_end(command):
        return
    raise RuleViolation(
        "R2",
        "rule.r2.ended",
        ends=ended_on,
        phase=Msg(f"phase.{phase}"),
    )
