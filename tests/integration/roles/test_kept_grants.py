"""The authorise step keeps, per process, the grants an allowed act was judged on (issue 23:
a command no longer reads them), and confirms them under the pilot's lock against the grants
table's version. These tests pin that a grant or revocation made by this process or by
another one is obeyed by the very next command, and that nothing kept ever refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from parcours import NotAuthorised, Parcours, PhaseError
from tests.conftest import Clock
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import in_diagnostic

DAY = date(2024, 10, 8)


@pytest.fixture
def two(db_url: str, clock: Clock) -> Iterator[tuple[Parcours, Parcours]]:
    """Two applications on one database, as two processes would be."""
    first, second = (staffed(Parcours(db_url, clock=clock)) for _ in range(2))
    yield first, second
    first.close_connections()
    second.close_connections()


def test_a_revocation_by_another_process_refuses_the_next_command(
    two: tuple[Parcours, Parcours],
) -> None:
    first, second = two
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)  # allowed: facts kept
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)  # allowed on kept facts
    events = first.event_count()
    second.revoke(REFERENT_ID, "referent", pilot=pilot, actor=LEAD)
    with pytest.raises(NotAuthorised):
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    assert first.event_count() == events + 1  # the revocation's event only


def test_a_revocation_in_the_same_process_refuses_the_next_command(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    app.revoke(REFERENT_ID, "referent", pilot=pilot, actor=LEAD)
    with pytest.raises(NotAuthorised):
        app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)


def test_a_grant_by_another_process_is_obeyed_at_once(two: tuple[Parcours, Parcours]) -> None:
    """Kept facts (a referent's) that refuse an act are read again before refusing: the
    agency role granted meanwhile by another process lets the act through."""
    first, second = two
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)  # facts kept: referent
    with pytest.raises(NotAuthorised):  # a referent does not record a follow-up… (R5)
        first.record_follow_up(pilot, on=DAY, actor=REFERENT_ID)
    second.grant(REFERENT_ID, "agency", programme="grand-est-2024", actor=LEAD)
    with pytest.raises(PhaseError):  # …the agency does: allowed, and refused by R1 only
        first.record_follow_up(pilot, on=DAY, actor=REFERENT_ID)


def test_a_revocation_of_another_role_moves_the_version_and_the_act_is_judged_again(
    two: tuple[Parcours, Parcours],
) -> None:
    """Any change of the grants table moves its version; an act still allowed on the new
    grants goes through after being judged again."""
    first, second = two
    pilot = in_diagnostic(first)
    second.grant("auditor:other", "auditor", programme="grand-est-2024", actor=LEAD)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    second.revoke("auditor:other", "auditor", programme="grand-est-2024", actor=LEAD)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
