"""R13/R14, attacked as someone who copies the database files: a copy of the SQLite file and
its WAL taken right after `erase_person`, while the application still runs, holds neither the
person's data key (raw or wrapped) nor any of their values."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from parcours import Parcours
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, in_deployment

PERSON = {
    "role": "elected",
    "first_name": "Eulalie",
    "last_name": "Quenneville",
    "email": "eulalie.quenneville@example.org",
    "phone": "+33 3 29 11 22 33",
    "title": "Vice-présidente au numérique",
}


def _copy_files(folder: Path, into: Path) -> bytes:
    into.mkdir()
    for name in ("p.db", "p.db-wal"):
        if (folder / name).exists():
            shutil.copyfile(folder / name, into / name)
    return b"".join(p.read_bytes() for p in sorted(into.glob("p.db*")))


def test_a_copy_taken_right_after_an_erasure_holds_no_key_and_no_value(
    tmp_path: Path, clock: Clock
) -> None:
    live = tmp_path / "live"
    live.mkdir()
    app = staffed(Parcours(f"sqlite:///{live}/p.db", clock=clock))
    pilot, _ = in_deployment(app)
    person = app.designate_referent(pilot, actor=LEAD, **PERSON)
    with app.pipeline.reading() as session:
        stored = session.execute(
            sa.text("SELECT data_key FROM parcours_person_keys WHERE person_id = :p"),
            {"p": str(person)},
        ).scalar_one()
        key = app.pipeline.keys.keys(session, [str(person)])[str(person)]
    before = _copy_files(live, tmp_path / "before")
    assert bytes(stored) in before, "the test must see the key in a copy taken before"

    report = app.erase_person(pilot, person, actor=LEAD)

    after = _copy_files(live, tmp_path / "after")  # the application still runs
    assert report.files.complete, report.files
    assert bytes(stored) not in after
    assert key not in after
    for field, value in PERSON.items():
        if field != "role":  # the role is not personal data
            assert value.encode() not in after, value
    assert app.get_pilot(pilot, actor=LEAD).referent("elected") is None
    app.close_connections()
