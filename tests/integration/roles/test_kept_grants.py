"""The authorise step keeps, per process, the grants an allowed act was judged on (issue 23:
a command no longer reads them), and confirms them under the pilot's lock against the grants
table's version. These tests pin that a grant or revocation made by this process or by
another one is obeyed by the very next command, and that nothing kept ever refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

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


def _by_hand(app: Parcours, statement: str, **values: object) -> None:
    """SQL run on the database outside parcours (an operator's console, a restore)."""
    with app.pipeline.store.engine.begin() as connection:
        connection.execute(text(statement), values)


def test_a_grant_deleted_by_hand_refuses_the_next_command(
    two: tuple[Parcours, Parcours],
) -> None:
    """The grants table's trigger moves its version: the process that kept the referent's
    grant judges the next act again, on the grants as they are (R15)."""
    first, _ = two
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)  # allowed: facts kept
    events = first.event_count()
    _by_hand(first, "DELETE FROM parcours_grants WHERE principal = :who", who=REFERENT_ID)
    with pytest.raises(NotAuthorised):
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    assert first.event_count() == events


def test_a_grant_moved_by_hand_to_another_pilot_refuses_the_next_command(
    two: tuple[Parcours, Parcours],
) -> None:
    first, _ = two
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    _by_hand(
        first,
        "UPDATE parcours_grants SET pilot_id = :other WHERE principal = :who",
        other="00000000-0000-0000-0000-000000000000",
        who=REFERENT_ID,
    )
    with pytest.raises(NotAuthorised):
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)


def test_a_version_row_deleted_with_the_grants_is_made_again(
    two: tuple[Parcours, Parcours],
) -> None:
    """The trigger makes the version's row again when a hand deleted it, and the next change
    of the grants still reaches the process that kept facts."""
    first, _ = two
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    _by_hand(first, "DELETE FROM parcours_grants_version")
    _by_hand(first, "DELETE FROM parcours_grants WHERE principal = :who", who=REFERENT_ID)
    with pytest.raises(NotAuthorised):
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)


def test_a_trigger_dropped_by_hand_is_put_back_at_the_next_start(db_url: str, clock: Clock) -> None:
    """Dropping the triggers does not switch the check off for good: every start puts back
    what is missing, and a hand edit after it is obeyed again."""
    app = staffed(Parcours(db_url, clock=clock))
    pilot = in_diagnostic(app)
    if app.pipeline.store.dialect == "postgresql":
        _by_hand(app, "DROP TRIGGER parcours_grants_moved ON parcours_grants")
    else:
        _by_hand(app, "DROP TRIGGER parcours_grants_moved_delete")
    app.close_connections()
    again = Parcours(db_url, clock=clock)
    try:
        again.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)  # facts kept
        _by_hand(again, "DELETE FROM parcours_grants WHERE principal = :who", who=REFERENT_ID)
        with pytest.raises(NotAuthorised):
            again.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    finally:
        again.close_connections()
