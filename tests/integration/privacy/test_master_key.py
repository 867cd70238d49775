"""With a master key, a copy of the database alone opens no personal value."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from parcours import ConfigurationError, Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import REFERENT, in_diagnostic

MASTER = base64.b64encode(os.urandom(32)).decode()


def test_data_keys_are_wrapped_under_the_master_key(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    app = staffed(Parcours(settings=Settings(url=url, master_key=MASTER), clock=clock))
    pilot = in_diagnostic(app)
    person = app.get_pilot(pilot, actor=LEAD).contacts[0].person_id
    with app.pipeline.reading() as session:
        unwrapped = app.pipeline.keys.keys(session, [str(person)])[str(person)]
    app.close_connections()
    engine = sa.create_engine(url)
    with engine.connect() as c:
        (stored,) = c.execute(sa.text("SELECT data_key FROM parcours_person_keys")).one()
    engine.dispose()
    assert bytes(stored)[:1] == b"\x01"
    assert unwrapped not in bytes(stored)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("p.db*"))
    assert unwrapped not in raw

    again = Parcours(settings=Settings(url=url, master_key=MASTER), clock=clock)
    assert again.get_pilot(pilot, actor=LEAD).contacts[0].email == REFERENT["email"]
    without = Parcours(settings=Settings(url=url), clock=clock)
    with pytest.raises(ConfigurationError, match="PARCOURS_MASTER_KEY"):
        without.get_pilot(pilot, actor=LEAD)
    other = base64.b64encode(os.urandom(32)).decode()
    wrong = Parcours(settings=Settings(url=url, master_key=other), clock=clock)
    with pytest.raises(ConfigurationError, match="does not open"):
        wrong.get_pilot(pilot, actor=LEAD)


def test_a_malformed_master_key_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PARCOURS_MASTER_KEY: expected base64 of 32"):
        Parcours(settings=Settings(url=f"sqlite:///{tmp_path}/p.db", master_key="secret"))
