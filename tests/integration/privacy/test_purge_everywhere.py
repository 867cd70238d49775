"""R13 on both backends: after the scheduler's purge, no personal value and no destroyed key
in any text or binary column of any table (PostgreSQL) or in the file's bytes (SQLite)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from parcours import Parcours, Settings
from parcours.scheduler import DeadlineScheduler, Notice
from tests.conftest import Clock
from tests.integration.privacy.test_sealed_at_rest import PERSONAL
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, in_deployment

SECOND = ["Dominique", "Lefèvre", "dominique.lefevre@example.org", "+33612345678"]


def _scenario(app: Parcours, clock: Clock) -> tuple[object, list[bytes], list[Notice]]:
    clock.set(date(2025, 4, 1))
    pilot, _ = in_deployment(app)
    app.designate_referent(
        pilot,
        role="elected",
        first_name="Dominique",
        last_name="Lefèvre",
        email="dominique.lefevre@example.org",
        phone="06 12 34 56 78",
        title="Vice-présidente",  # R11: the elected referent's title/portfolio
        actor=LEAD,
    )
    person = app.get_pilot(pilot, actor=LEAD).referent("elected")
    assert person is not None
    app.rectify_contact(pilot, person.person_id, title="Vice-présidente", actor=LEAD)
    with app.pipeline.reading() as session:
        keys = [
            bytes(k)
            for (k,) in session.execute(sa.text("SELECT data_key FROM parcours_person_keys"))
        ]
    scheduler = DeadlineScheduler(app)
    notices: list[Notice] = []
    scheduler.on_notice(notices.append)
    for moment in (
        datetime(2026, 1, 10, tzinfo=UTC),
        datetime(2026, 1, 16, 9, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 2, 2, tzinfo=UTC),
    ):
        clock.now = moment
        scheduler.tick(moment)
    return pilot, keys, notices


def _assert_purged(app: Parcours, pilot: object, notices: list[Notice]) -> None:
    r13 = [n for n in notices if n.rule == "R13"]
    assert [(n.kind, n.due, n.detail["offset"]) for n in r13] == [
        ("approaching", date(2026, 1, 31), 14)
    ]
    assert r13[0].recipients  # the notice reached the referents before the purge
    history = [e.event_type for e in app.history(pilot, actor=LEAD)]
    assert history.count("PersonalDataPurged") == 1
    assert app.verify_purge().verified
    assert app.verify_audit_trail().ok
    assert app.export_personal_data(email="dominique.lefevre@example.org", actor=LEAD).records == []


def test_sqlite_file_holds_nothing_after_the_purge(tmp_path: Path, clock: Clock) -> None:
    app = staffed(
        Parcours(
            settings=Settings(url=f"sqlite:///{tmp_path}/p.db", snapshot_interval=4), clock=clock
        )
    )
    pilot, keys, notices = _scenario(app, clock)
    _assert_purged(app, pilot, notices)
    app.close_connections()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("p.db*"))
    for value in [*PERSONAL, *SECOND]:
        assert value.encode() not in raw, value
    for key in keys:
        assert key not in raw


def test_postgres_columns_hold_nothing_after_the_purge(postgres_url: str, clock: Clock) -> None:
    app = staffed(Parcours(settings=Settings(url=postgres_url, snapshot_interval=4), clock=clock))
    pilot, keys, notices = _scenario(app, clock)
    _assert_purged(app, pilot, notices)
    engine = sa.create_engine(postgres_url)
    searched = 0
    with engine.connect() as c:
        columns = c.execute(
            sa.text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', "
                "'character varying', 'json', 'jsonb')"
            )
        ).all()
        for table, column, kind in columns:
            values = c.execute(sa.text(f'SELECT "{column}" FROM "{table}"')).scalars().all()
            for value in values:
                searched += 1
                blob = bytes(value) if kind == "bytea" else str(value).encode()
                for text in [*PERSONAL, *SECOND]:
                    assert text.encode() not in blob, (table, column)
                for key in keys:
                    assert key not in blob, (table, column)
    engine.dispose()
    assert searched > 50
    app.close_connections()
