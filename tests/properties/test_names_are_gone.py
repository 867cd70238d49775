"""R13/R14, hypothesis: random histories with random names written in random free-text and
contact fields; after an erasure, a redaction or the purge, a raw search of the SQLite file
and WAL (taken while the application runs) finds neither the names that had to go nor the
destroyed keys, and the purge's own report agrees with the raw search."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import Parcours
from tests.support.roles import REFERENT_ID, staffed
from tests.support.scenarios import LEAD, in_deployment

name = st.text(alphabet="bcdfghjklmnpqrstvwxzéèçàBCDFGHJKLMNPQRSTVWXZ", min_size=9, max_size=14)
FIELDS = ("alert", "blocker", "communication", "elected")
writes = st.lists(st.tuples(st.sampled_from(FIELDS), name), min_size=1, max_size=5)
ending = st.sampled_from(["erase", "redact", "purge"])


def _stored_keys(app: Parcours) -> set[bytes]:
    with app.pipeline.reading() as session:
        people = session.execute(sa.text("SELECT data_key FROM parcours_person_keys")).scalars()
        texts = session.execute(sa.text("SELECT data_key FROM parcours_text_keys")).scalars()
        return {bytes(k) for k in [*people, *texts]}


def _write(app: Parcours, pilot: object, field: str, who: str) -> object | None:
    if field == "alert":
        app.raise_alert(pilot, kind="change", description=f"Mme {who} part", actor=REFERENT_ID)
    elif field == "blocker":
        app.raise_blocker(pilot, description=f"{who} bloque", actor=LEAD)
    elif field == "communication":
        app.request_communication(pilot, title=f"Portrait de {who}", actor=REFERENT_ID)
    else:
        return app.designate_referent(
            pilot,
            role="elected",
            first_name=who,
            last_name=who[::-1],
            email=f"{who.lower()[:3]}x{len(who)}@example.org",
            phone="+33 3 29 00 00 00",
            title="Vice-président",  # R11: the elected referent's portfolio
            actor=LEAD,
        )
    return None


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(written=writes, end=ending)
def test_after_erasure_redaction_or_purge_nothing_that_had_to_go_is_in_the_files(
    written: list[tuple[str, str]], end: str
) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        now = [datetime(2025, 6, 2, 10, tzinfo=UTC)]
        app = staffed(Parcours(f"sqlite:///{folder}/p.db", clock=lambda: now[0]))
        pilot, _ = in_deployment(app)
        people = [(who, _write(app, pilot, field, who)) for field, who in written]
        before = _stored_keys(app)
        gone: list[str] = []
        report = None
        texts = [who for field, who in written if field != "elected"]
        persons = [(who, person) for who, person in people if person]
        if end != "purge" and (end == "redact" or not persons) and texts:
            app.redact(pilot, containing=texts[0], actor=LEAD)
            gone = [texts[0]]
        elif end != "purge":
            who, person = persons[0]
            app.erase_person(pilot, person, actor=LEAD)
            gone = [who, who[::-1]]
        else:
            now[0] = datetime(2026, 2, 1, 9, tzinfo=UTC)
            report = app.purge_expired(now[0])
            gone = [w for _, w in written] + [w[::-1] for f, w in written if f == "elected"]
        destroyed = before - _stored_keys(app)
        assert destroyed
        copy = folder / "copy"
        copy.mkdir()
        for part in ("p.db", "p.db-wal"):
            if (folder / part).exists():
                shutil.copyfile(folder / part, copy / part)
        raw = b"".join(p.read_bytes() for p in copy.iterdir())
        for value in gone:
            assert value.encode() not in raw, value
        for key in destroyed:
            assert key not in raw
        if report is not None:
            assert [h for s in report.searches for h in s.hits] == []
            assert report.verified
        app.close_connections()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
