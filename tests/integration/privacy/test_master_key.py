"""Databases of an earlier version whose data keys were wrapped under PARCOURS_MASTER_KEY
still open with it; on opening their keys are re-wrapped under the key file's KEK (and their
email digests recomputed under the KEK's secret), after which the master key is not needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from parcours import ConfigurationError, Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import REFERENT, in_diagnostic

MASTER = base64.b64encode(os.urandom(32)).decode()


def _as_an_earlier_version_wrote_it(url: str, master: bytes) -> bytes:
    """Rewrite the key row as versions before key files did: under the master key, with a
    digest secret kept in the database. Returns the data key."""
    engine = sa.create_engine(url)
    secret = os.urandom(32)
    with engine.begin() as c:
        person = c.execute(sa.text("SELECT person_id FROM parcours_person_keys")).scalar_one()
    app = staffed(Parcours(url))
    with app.pipeline.reading() as session:
        key = app.pipeline.keys.keys(session, [person])[person]
    app.close_connections()
    nonce = os.urandom(12)
    legacy = b"\x01" + nonce + AESGCM(master).encrypt(nonce, key, person.encode())
    digest = hmac.new(secret, REFERENT["email"].encode(), hashlib.sha256).hexdigest()
    with engine.begin() as c:
        c.execute(
            sa.text(
                "UPDATE parcours_person_keys SET data_key = :k, kek_id = NULL, "
                "sealed_email = NULL, email_digest = :d"
            ),
            {"k": legacy, "d": digest},
        )
        c.execute(
            sa.text("INSERT INTO parcours_meta (name, value) VALUES ('email_digest_secret', :s)"),
            {"s": secret},
        )
    engine.dispose()
    return key


def test_an_old_master_wrapped_database_opens_and_is_rewrapped_under_the_kek(
    tmp_path: Path, clock: Clock
) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    app = staffed(Parcours(url, clock=clock))
    in_diagnostic(app)
    app.close_connections()
    key = _as_an_earlier_version_wrote_it(url, base64.b64decode(MASTER))

    without = staffed(Parcours(url, clock=clock))  # opens; the old key cannot be read without it
    with pytest.raises(ConfigurationError, match="PARCOURS_MASTER_KEY"):
        without.export_personal_data(email=REFERENT["email"], actor=LEAD)
    without.close_connections()

    again = staffed(Parcours(settings=Settings(url=url, master_key=MASTER), clock=clock))
    export = again.export_personal_data(email=REFERENT["email"], actor=LEAD)
    assert [r.fields["last_name"] for r in export.records] == [REFERENT["last_name"]]
    again.close_connections()

    engine = sa.create_engine(url)
    with engine.connect() as c:
        stored, kek = c.execute(sa.text("SELECT data_key, kek_id FROM parcours_person_keys")).one()
        secrets = c.execute(
            sa.text("SELECT count(*) FROM parcours_meta WHERE name = 'email_digest_secret'")
        ).scalar_one()
    engine.dispose()
    assert bytes(stored)[:1] == b"\x02"
    assert kek is not None
    assert key not in bytes(stored)
    assert secrets == 0, "the digest secret kept in the database is gone"
    # From now on the key file's KEK suffices.
    later = staffed(Parcours(url, clock=clock))
    assert later.export_personal_data(email=REFERENT["email"], actor=LEAD).records
    later.close_connections()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("p.db*"))
    assert key not in raw


def test_a_wrong_master_key_is_refused(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    app = staffed(Parcours(url, clock=clock))
    in_diagnostic(app)
    app.close_connections()
    _as_an_earlier_version_wrote_it(url, base64.b64decode(MASTER))
    other = base64.b64encode(os.urandom(32)).decode()
    wrong = staffed(Parcours(settings=Settings(url=url, master_key=other), clock=clock))
    with pytest.raises(ConfigurationError, match="n'ouvre pas"):
        wrong.export_personal_data(email=REFERENT["email"], actor=LEAD)
    wrong.close_connections()


def test_a_malformed_master_key_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match="PARCOURS_MASTER_KEY : base64 de 32 octets attendu"
    ):
        staffed(Parcours(settings=Settings(url=f"sqlite:///{tmp_path}/p.db", master_key="secret")))
