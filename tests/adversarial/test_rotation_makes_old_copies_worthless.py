"""R13, attacked with an old copy: a backup taken before an erasure opens that person with
the current key file only until the next rotation; after it, the backup opens nobody, and a
wrapped key copied out of the database (a WAL, a dead tuple, a backup) opens nothing."""

from __future__ import annotations

import json
import shutil
from base64 import b64decode
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from parcours import ConfigurationError, Parcours, Settings
from parcours.scheduler import DeadlineScheduler
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, REFERENT, in_deployment

ELECTED = {
    "role": "elected",
    "first_name": "Gaspard",
    "last_name": "Vilmorin",
    "email": "gaspard.vilmorin@example.org",
    "phone": "+33 3 29 44 55 66",
    "title": "Maire adjoint",
}


def _rows(url: str) -> list[tuple[str, bytes, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT person_id, data_key, kek_id FROM parcours_person_keys")
        ).all()
    engine.dispose()
    return [(r[0], bytes(r[1]), r[2]) for r in rows]


def _opens_with_any(key_file: Path, person_id: str, wrapped: bytes) -> bool:
    """Try every KEK of the key file on a wrapped data key, as an attacker would."""
    for kek_id, kek in json.loads(key_file.read_text())["keys"].items():
        try:
            AESGCM(b64decode(kek)).decrypt(
                wrapped[1:13], wrapped[13:], f"person:{person_id}:{kek_id}".encode()
            )
        except InvalidTag:
            continue
        return True
    return False


def test_backup_erase_rotate_the_backup_opens_nobody(tmp_path: Path, clock: Clock) -> None:
    (tmp_path / "live").mkdir()
    (tmp_path / "backup").mkdir()
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "keyring.json"
    live = f"sqlite:///{tmp_path}/live/p.db"
    app = staffed(Parcours(settings=Settings(url=live, key_file=str(key_file)), clock=clock))
    pilot, _ = in_deployment(app)
    gaspard = app.designate_referent(pilot, actor=LEAD, **ELECTED)
    app.pipeline.store.overwrite_freed_pages()
    for name in ("p.db", "p.db-wal"):
        if (tmp_path / "live" / name).exists():
            shutil.copyfile(tmp_path / "live" / name, tmp_path / "backup" / name)
    backup = f"sqlite:///{tmp_path}/backup/p.db"
    old_rows = {p: (w, k) for p, w, k in _rows(backup)}
    old_key_file = key_file.read_bytes()

    erased = app.erase_person(pilot, gaspard, actor=LEAD)
    assert erased.irreversible_at is None
    assert erased.pending is not None
    # Before the rotation the backup still opens Gaspard with the current key file: the
    # exposure a rotation closes.
    assert _opens_with_any(key_file, str(gaspard), old_rows[str(gaspard)][0])

    rotation = app.rotate_master_key()

    assert rotation.destroyed_keks == sorted({k for _, k in old_rows.values()})
    assert app.erasure_report(gaspard).irreversible_at == rotation.at
    for person_id, (wrapped, _) in old_rows.items():
        assert not _opens_with_any(key_file, person_id, wrapped), person_id
    with pytest.raises(ConfigurationError, match="ne contient pas la clé de chiffrement des clés"):
        staffed(Parcours(settings=Settings(url=backup, key_file=str(key_file))))
    # The living referent still opens in the live database, found by email (new digests).
    camille = app.export_personal_data(email=REFERENT["email"], actor=LEAD)
    assert [r.fields["last_name"] for r in camille.records] == [REFERENT["last_name"]]
    assert app.export_personal_data(email=ELECTED["email"], actor=LEAD).records == []
    assert app.verify_audit_trail().ok
    # The destroyed KEK is nowhere in the key file, and the live files hold no old wrap.
    for kek_id in rotation.destroyed_keks:
        assert kek_id.encode() in old_key_file
        assert kek_id.encode() not in key_file.read_bytes()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "live").glob("p.db*"))
    for wrapped, _ in old_rows.values():
        assert wrapped not in raw
    app.close_connections()


def test_rotation_on_both_backends_keeps_the_living_and_loses_the_erased(
    app: Parcours, clock: Clock
) -> None:
    clock.set(date(2025, 6, 2))  # before the end of retention: the tick purges nothing
    pilot, _ = in_deployment(app)
    gaspard = app.designate_referent(pilot, actor=LEAD, **ELECTED)
    with app.pipeline.reading() as session:
        copied = session.execute(
            sa.text("SELECT data_key FROM parcours_person_keys WHERE person_id = :p"),
            {"p": str(gaspard)},
        ).scalar_one()  # as a dead tuple, pg_wal or a backup would keep it
    app.erase_person(pilot, gaspard, actor=LEAD)
    keyring = app.pipeline.keys.keyring

    assert app.key_rotation.rotation_due()
    assert DeadlineScheduler(app).tick(clock.now).purged == []  # it rotates when due

    record = app.erasure_report(gaspard)
    assert record.irreversible_at is not None
    assert not app.key_rotation.rotation_due()
    wrapped = bytes(copied)
    for kek_id in [*keyring._keys]:
        kek = keyring.get(kek_id)
        assert kek is not None
        with pytest.raises(InvalidTag):
            AESGCM(kek).decrypt(wrapped[1:13], wrapped[13:], f"person:{gaspard}:{kek_id}".encode())
    view = app.get_pilot(pilot, actor=LEAD)
    assert view.referent("operational").last_name == REFERENT["last_name"]  # type: ignore[union-attr]
    assert app.export_personal_data(email=REFERENT["email"], actor=LEAD).records
    assert isinstance(record.person_id, UUID)
