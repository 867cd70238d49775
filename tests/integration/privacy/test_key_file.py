"""The key-encryption key (KEK) lives in a key file outside the database (R13): created on
first use in the user's data folder for SQLite, mandatory on PostgreSQL, in memory for an
in-memory database; every data key row names the KEK it is wrapped under."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from parcours import ConfigurationError, Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import REFERENT, in_diagnostic


@pytest.fixture
def no_key_file_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The user's data folder (platformdirs honours XDG_DATA_HOME) in a scratch place."""
    monkeypatch.delenv("PARCOURS_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    return tmp_path / "home-data" / "parcours" / "keyring.json"


def test_sqlite_creates_its_key_file_in_the_users_data_folder_on_first_use(
    no_key_file_configured: Path, tmp_path: Path, clock: Clock
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    app = staffed(Parcours(f"sqlite:///{folder}/x.db", clock=clock))
    in_diagnostic(app)
    export = app.export_personal_data(email=REFERENT["email"], actor=LEAD)
    app.close_connections()

    key_file = no_key_file_configured
    assert export.records
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["x.db"]  # no key beside the database
    keys = json.loads(key_file.read_text())["keys"]
    engine = sa.create_engine(f"sqlite:///{folder}/x.db")
    with engine.connect() as c:
        kek_ids = set(c.execute(sa.text("SELECT kek_id FROM parcours_person_keys")).scalars())
    engine.dispose()
    assert kek_ids <= set(keys)
    assert len(kek_ids) == 1


def test_postgresql_without_a_key_file_is_refused(
    no_key_file_configured: Path, postgres_url: str
) -> None:
    with pytest.raises(ConfigurationError, match=r"PARCOURS_KEY_FILE.*init-key"):
        staffed(Parcours(postgres_url))


def test_a_key_file_beside_the_database_is_refused(tmp_path: Path) -> None:
    settings = Settings(url=f"sqlite:///{tmp_path}/x.db", key_file=str(tmp_path / "k.json"))
    with pytest.raises(ConfigurationError, match="dossier même de la base"):
        staffed(Parcours(settings=settings))


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "k.json"
    key_file.write_text(json.dumps({"format": "parcours-keyring/1", "keys": {}}))
    os.chmod(key_file, 0o644)
    settings = Settings(url=f"sqlite:///{tmp_path}/x.db", key_file=str(key_file))
    with pytest.raises(ConfigurationError, match="chmod 600"):
        staffed(Parcours(settings=settings))


def test_a_key_file_without_the_databases_kek_is_refused(tmp_path: Path, clock: Clock) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    url = f"sqlite:///{tmp_path}/x.db"
    first = staffed(Parcours(settings=Settings(url=url, key_file=str(tmp_path / "a" / "k.json"))))
    first.close_connections()
    with pytest.raises(ConfigurationError, match="ne contient pas la clé de chiffrement des clés"):
        staffed(Parcours(settings=Settings(url=url, key_file=str(tmp_path / "b" / "k.json"))))


def test_an_in_memory_database_keeps_its_kek_in_memory(
    no_key_file_configured: Path, clock: Clock
) -> None:
    app = staffed(Parcours(clock=clock))
    in_diagnostic(app)
    assert app.export_personal_data(email=REFERENT["email"], actor=LEAD).records
    assert not no_key_file_configured.exists()
