"""The key table: one AES data key per person; deleting a row is crypto-shredding (R13, R14).

With a master key (settings, `PARCOURS_MASTER_KEY`) each data key is stored wrapped under it
(AES-GCM, bound to the person), so a copy of the database alone opens no personal value.
Without one, data keys are stored as they are: erasure still works, confidentiality against
whoever reads the database does not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours.errors import ConfigurationError
from parcours.store.schema import meta, person_keys

_SECRET = "email_digest_secret"


def _normalise(email: str) -> str:
    return email.strip().lower()


_PLAIN, _WRAPPED = b"\x00", b"\x01"


class KeyStore:
    """Reads and writes keys inside the caller's transaction (`session`)."""

    def __init__(self, secret: bytes, master: bytes | None = None) -> None:
        self._secret = secret
        self._master = master

    def _wrap(self, person_id: str, key: bytes) -> bytes:
        if self._master is None:
            return _PLAIN + key
        nonce = os.urandom(12)
        return _WRAPPED + nonce + AESGCM(self._master).encrypt(nonce, key, person_id.encode())

    def _unwrap(self, person_id: str, stored: bytes) -> bytes:
        if len(stored) == 32:  # written before keys carried their marker byte
            return stored
        if stored[:1] == _PLAIN:
            return stored[1:]
        if self._master is None:
            raise ConfigurationError(
                "PARCOURS_MASTER_KEY: the data keys are wrapped; the master key is needed"
            )
        try:
            return AESGCM(self._master).decrypt(stored[1:13], stored[13:], person_id.encode())
        except InvalidTag:
            raise ConfigurationError(
                "PARCOURS_MASTER_KEY: this master key does not open the data keys"
            ) from None

    @classmethod
    def open(cls, session: Session, master: bytes | None = None) -> KeyStore:
        """The installation's digest secret, created on first use."""
        found = session.execute(select(meta.c.value).where(meta.c.name == _SECRET)).scalar()
        if found is None:
            secret = os.urandom(32)
            try:
                with session.begin_nested():
                    session.execute(insert(meta).values(name=_SECRET, value=secret))
            except IntegrityError:
                # Another process created it first; theirs is the one.
                secret = session.execute(
                    select(meta.c.value).where(meta.c.name == _SECRET)
                ).scalar_one()
            return cls(bytes(secret), master)
        return cls(bytes(found), master)

    def digest(self, email: str) -> str:
        return hmac.new(self._secret, _normalise(email).encode(), hashlib.sha256).hexdigest()

    def add(
        self,
        session: Session,
        *,
        person_id: str,
        pilot_id: str,
        key: bytes,
        email: str | None,
        now: datetime,
    ) -> None:
        session.execute(
            insert(person_keys).values(
                person_id=person_id,
                pilot_id=pilot_id,
                data_key=self._wrap(person_id, key),
                email_digest=self.digest(email) if email else None,
                created_at=now,
            )
        )

    def change_email(self, session: Session, person_id: str, email: str) -> None:
        session.execute(
            update(person_keys)
            .where(person_keys.c.person_id == person_id)
            .values(email_digest=self.digest(email))
        )

    def keys(self, session: Session, person_ids: Iterable[str]) -> dict[str, bytes]:
        ids = list(person_ids)
        if not ids:
            return {}
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.data_key).where(
                person_keys.c.person_id.in_(ids)
            )
        )
        return {row.person_id: self._unwrap(row.person_id, bytes(row.data_key)) for row in rows}

    def persons_with_email(self, session: Session, email: str) -> list[tuple[str, str]]:
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.pilot_id).where(
                person_keys.c.email_digest == self.digest(email)
            )
        )
        return [(row.person_id, row.pilot_id) for row in rows]

    @staticmethod
    def persons_of_pilots(session: Session, pilot_ids: list[str]) -> list[str]:
        """The persons of these pilots whose key still exists."""
        if not pilot_ids:
            return []
        rows = session.execute(
            select(person_keys.c.person_id).where(person_keys.c.pilot_id.in_(pilot_ids))
        )
        return [row.person_id for row in rows]

    @staticmethod
    def destroy(session: Session, person_ids: Iterable[str]) -> int:
        ids = list(person_ids)
        if not ids:
            return 0
        result = session.execute(delete(person_keys).where(person_keys.c.person_id.in_(ids)))
        return int(getattr(result, "rowcount", 0))
