"""R13, attacked where the purge report could lie: a value copied in clear to a place nobody
thought of (here an outbox row and a command id, as a bug or a hand edit would leave it) is
found by the purge's own search of every table and column, the report and `verify_purge`
say so, and a raw search of the SQLite files agrees; without the leak, both find nothing.
A dry run lists what would go and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from parcours import Parcours, Settings
from tests.conftest import Clock
from tests.support.free_text import default_names, names_everywhere
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import REFERENT

AFTER = datetime(2026, 2, 1, 9, tzinfo=UTC)


def _leak(app: Parcours, pilot: object, text: str, email: str) -> None:
    with app.pipeline.writing() as session:
        session.execute(
            sa.text(
                "INSERT INTO parcours_outbox (pilot_id, kind, rule, due, detail, attempts) "
                "VALUES (:p, 'missed', 'R9', :d, :t, 0)"
            ),
            {"p": str(pilot), "d": date(2025, 4, 2), "t": f'{{"note": "{text}"}}'},
        )
        session.execute(
            sa.text(
                "INSERT INTO parcours_commands (command_id, command, pilot_id, recorded_at) "
                "VALUES (:c, 'raise_alert', :p, :at)"
            ),
            {"c": f"by-{email}", "p": str(pilot), "at": datetime(2025, 4, 2)},
        )


def _tables(app: Parcours) -> dict[str, list[Any]]:
    with app.pipeline.reading() as session:
        names = sa.inspect(session.connection()).get_table_names()
        return {
            n: sorted(map(repr, session.execute(sa.text(f'SELECT * FROM "{n}"')).all()))
            for n in names
        }


def test_a_value_left_in_clear_anywhere_is_reported_by_the_purge_and_by_verify(
    app: Parcours, clock: Clock
) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, _ = names_everywhere(app, names)
    alert = f"Mme {names['AlertRaised.description']} quitte ses fonctions"
    _leak(app, pilot, alert, REFERENT["email"])

    clock.now = AFTER
    report = app.purge_expired(AFTER)

    hits = {(h.table, h.column, h.kind) for s in report.searches for h in s.hits}
    assert hits == {
        ("parcours_outbox", "detail", "free text"),
        ("parcours_commands", "command_id", "personal"),
    }
    assert not report.verified
    verification = app.verify_purge()
    assert not verification.verified
    failed = [c for c in verification.checks if not c.ok]
    assert [c.name for c in failed] == [
        "the purge's own search of every table and column found nothing"
    ]
    assert "parcours_outbox" in failed[0].detail
    searched = set(report.searches[0].tables)
    assert {"parcours_events", "parcours_snapshots", "parcours_rm_pilots", "parcours_outbox"} <= (
        searched
    )
    assert {"parcours_deadline_queue", "parcours_commands", "parcours_rm_projects"} <= searched


def test_the_purge_report_agrees_with_a_raw_search_of_the_files(
    tmp_path: Path, clock: Clock
) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    (tmp_path / "clean").mkdir()
    (tmp_path / "leaky").mkdir()
    for folder, leak in (("clean", False), ("leaky", True)):
        clock.set(date(2025, 11, 4))
        url = f"sqlite:///{tmp_path}/{folder}/p.db"
        app = staffed(Parcours(settings=Settings(url=url, snapshot_interval=3), clock=clock))
        pilot, _ = names_everywhere(app, names)
        alert = f"Mme {names['AlertRaised.description']} quitte ses fonctions"
        if leak:
            _leak(app, pilot, alert, REFERENT["email"])
        clock.now = AFTER
        report = app.purge_expired(AFTER)
        raw = b"".join(p.read_bytes() for p in (tmp_path / folder).glob("p.db*"))
        values = [REFERENT["email"], alert]
        found_raw = {v for v in values if v.encode() in raw}
        reported = {h.kind for s in report.searches for h in s.hits}
        assert bool(found_raw) == bool(reported) == leak, folder
        assert report.verified is (not leak)
        app.close_connections()


def test_a_dry_run_lists_what_would_go_and_changes_nothing(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    pilot, other = names_everywhere(app, default_names())
    before = _tables(app)

    clock.now = AFTER
    plan = app.purge_expired(AFTER, dry_run=True)

    assert plan.dry_run
    assert set(plan.pilots) == {pilot, other}
    lines = {line.pilot_id: line for line in plan.would_purge}
    assert lines[pilot].person_keys == 1
    assert lines[pilot].text_keys == 8
    assert lines[other].text_keys == 1
    assert plan.would_destroy_keys == 10
    assert plan.keys_destroyed == 0
    assert _tables(app) == before
    assert app.get_pilot(pilot, actor=LEAD).phase == "evaluation"
    assert app.purge_expired(datetime(2025, 12, 1, tzinfo=UTC), dry_run=True).pilots == []
