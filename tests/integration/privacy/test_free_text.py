"""R13 for free text: every free-text field is sealed under a key of its own from the first
event, reads back while its key lives, shows `[purged]` after the purge or a redaction, and
its name can be found nowhere: not in the SQLite file and WAL, not in any column on
PostgreSQL. The audit trail still verifies; a summary with no free text stays readable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from parcours import Parcours, Settings
from parcours.privacy.sealing import PURGED
from tests.conftest import Clock
from tests.support.free_text import FIELDS, default_names, names_everywhere
from tests.support.roles import LEAD, staffed

AFTER_RETENTION = datetime(2026, 2, 1, 9, tzinfo=UTC)


def _free_text_of(app: Parcours, pilot: object) -> dict[str, str]:
    found = {}
    for entry in app.history(pilot, actor=LEAD):
        for event, field in FIELDS:
            if entry.event_type == event and entry.fields.get(field) is not None:
                found[f"{event}.{field}"] = entry.fields[field]
    return found


def test_free_text_reads_back_while_its_key_lives(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, other = names_everywhere(app, names)

    texts = {**_free_text_of(app, pilot), **_free_text_of(app, other)}
    view = app.get_pilot(pilot, actor=LEAD)

    assert set(texts) == set(names)
    for field, name in names.items():
        assert name in texts[field], field
    assert "quitte ses fonctions" in view.alerts[0].description
    assert view.evaluation is not None
    assert names["EvaluationRecorded.findings"] in view.evaluation.findings
    assert names["Withdrawn.reason"] in (app.get_pilot(other, actor=LEAD).withdrawal_reason or "")
    assert view.projects[0].evaluation_protocol is not None
    assert names["ProjectFramed.evaluation_protocol"] in view.projects[0].evaluation_protocol


def test_after_the_purge_every_free_text_shows_purged_and_the_audit_verifies(
    app: Parcours, clock: Clock
) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, other = names_everywhere(app, names)
    summaries_before = [e.summary for e in app.history(pilot, actor=LEAD)]

    clock.now = AFTER_RETENTION
    app.purge_expired(AFTER_RETENTION)

    texts = {**_free_text_of(app, pilot), **_free_text_of(app, other)}
    assert set(texts) == set(names)
    assert set(texts.values()) == {PURGED}
    view = app.get_pilot(pilot, actor=LEAD)
    assert view.alerts[0].description == PURGED
    assert view.alerts[0].kind == "change"  # the statistics stay readable
    assert app.get_pilot(other, actor=LEAD).withdrawal_reason == PURGED
    assert [e.summary for e in app.history(pilot, actor=LEAD)][
        : len(summaries_before)
    ] == summaries_before
    assert app.verify_audit_trail().ok
    with app.pipeline.reading() as session:
        left = session.execute(sa.text("SELECT count(*) FROM parcours_text_keys")).scalar_one()
    assert left == 0


def test_no_name_of_any_free_text_in_the_sqlite_file_and_wal(tmp_path: Path, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    app = staffed(
        Parcours(
            settings=Settings(url=f"sqlite:///{tmp_path}/p.db", snapshot_interval=3), clock=clock
        )
    )
    names_everywhere(app, names)
    with app.pipeline.reading() as session:
        keys = [
            bytes(k) for (k,) in session.execute(sa.text("SELECT data_key FROM parcours_text_keys"))
        ]
    assert len(keys) == len(FIELDS)
    with app.pipeline.reading() as session:  # the names were in snapshots too, sealed
        snapshots = session.execute(sa.text("SELECT count(*) FROM parcours_snapshots")).scalar()
    assert snapshots
    clock.now = AFTER_RETENTION
    app.purge_expired(AFTER_RETENTION)
    raw = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("p.db*")))  # still running
    for field, name in names.items():
        assert name.encode() not in raw, field
    for key in keys:
        assert key not in raw
    app.close_connections()


def test_no_name_of_any_free_text_in_any_postgresql_column(postgres_url: str, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    app = staffed(Parcours(settings=Settings(url=postgres_url, snapshot_interval=3), clock=clock))
    names_everywhere(app, names)
    clock.now = AFTER_RETENTION
    app.purge_expired(AFTER_RETENTION)
    app.close_connections()
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
            cast = f'"{column}"' if kind == "bytea" else f"convert_to(\"{column}\"::text, 'UTF8')"
            for field, name in names.items():
                hits = c.execute(
                    sa.text(f'SELECT count(*) FROM "{table}" WHERE position(:n in {cast}) > 0'),
                    {"n": name.encode()},
                ).scalar_one()
                searched += 1
                assert hits == 0, (table, column, field)
    engine.dispose()
    assert searched > 100


def test_no_name_and_no_destroyed_key_in_a_pg_dump_after_the_purge(
    postgres_url: str, clock: Clock
) -> None:
    import subprocess

    from tests.support.postgres import find_pg_bin

    pg_bin = find_pg_bin()
    assert pg_bin is not None
    clock.set(date(2025, 11, 4))
    names = default_names()
    app = staffed(Parcours(settings=Settings(url=postgres_url, snapshot_interval=3), clock=clock))
    names_everywhere(app, names)
    with app.pipeline.reading() as session:
        keys = [
            bytes(k)
            for table in ("parcours_text_keys", "parcours_person_keys")
            for (k,) in session.execute(sa.text(f"SELECT data_key FROM {table}"))
        ]
    clock.now = AFTER_RETENTION
    app.purge_expired(AFTER_RETENTION)
    app.close_connections()
    dump = subprocess.run(
        [str(pg_bin / "pg_dump"), "--no-owner", postgres_url.replace("+psycopg", "")],
        check=True,
        capture_output=True,
    ).stdout
    assert b"COPY public.parcours_events" in dump
    for field, name in names.items():
        assert name.encode() not in dump, field
    for key in keys:
        assert key.hex().encode() not in dump  # bytea is dumped as \\x<hex>
        assert key not in dump
