"""`parcours projections status|retry` and `parcours notices`: what waits, from the shell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parcours import Parcours
from parcours.cli import cli
from parcours.scheduler import DeadlineScheduler, Notice
from parcours.settings import Settings
from tests.adversarial.test_poisoned_event import GOOD_DAY, NO_DAY, _rewrite
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, REFERENT, in_diagnostic


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    database = f"sqlite:///{tmp_path}/ops.db"
    monkeypatch.setenv("PARCOURS_DATABASE_URL", database)
    monkeypatch.setenv("PARCOURS_ACTOR", LEAD)
    return database


def shell(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout


def test_projections_status_names_the_pilot_a_poisoned_event_holds_back(url: str) -> None:
    app = staffed(Parcours(settings=Settings(url=url, project_after_commands=False)))
    pilot = app.enroll(
        name="CC Ardenne Rives de Meuse",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 2),
        actor=LEAD,
    )
    app.designate_referent(pilot, actor=LEAD, on=date(2024, 9, 10), **REFERENT)
    _rewrite(url, pilot, 2, GOOD_DAY, NO_DAY)
    app.catch_up_projections()

    code, out = shell("projections", "status")
    assert code == 1
    assert "événements mis de côté : 1" in out
    assert str(pilot)[:8] in out
    assert shell("projections", "retry")[0] == 1  # not fixed: still stale

    _rewrite(url, pilot, 2, NO_DAY, GOOD_DAY)
    code, out = shell("projections", "retry")
    assert (code, out) == (0, "rattrapés : 1 pilote(s) ; encore en retard : 0\n")
    assert shell("projections", "status") == (
        0,
        "retard : 0 événements ; événements mis de côté : 0\n",
    )
    app.close_connections()


def test_notices_lists_the_parked_ones_and_puts_them_back_in_line(url: str) -> None:
    from tests.conftest import PARIS, Clock

    clock = Clock(datetime(2024, 9, 20, 12, tzinfo=PARIS))
    app = staffed(Parcours(settings=Settings(url=url, notice_max_attempts=1), clock=clock))
    in_diagnostic(app)
    scheduler = DeadlineScheduler(app)

    def receiver_down(notice: Notice) -> None:
        raise ConnectionError("smtp down")

    scheduler.on_notice(receiver_down)
    clock.now = datetime(2025, 1, 1, 8, tzinfo=UTC)
    failed = scheduler.tick(clock.now).failed_deliveries
    assert failed > 0

    code, out = shell("notices")
    assert code == 1
    assert f"avis mis de côté : {failed}" in out
    assert "R3" in out
    assert shell("notices", "--retry") == (0, f"{failed} avis remis en file\n")
    assert shell("notices") == (0, "avis mis de côté : 0\n")
    app.close_connections()
