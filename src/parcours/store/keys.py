"""The key tables: one AES data key per person and per free-text value; deleting a row is
crypto-shredding (R13, R14).

Every data key is stored wrapped (AES-GCM) under a key-encryption key (KEK) kept outside the
database (`store/keyring.py`); each row names its KEK (`kek_id`). The database records which
KEK is current (`parcours_meta`, `kek_current`) and which it used (`parcours_keks`). The email
digest used to find a person by email (R14) is an HMAC under a secret derived from the KEK,
so a copy of the database alone cannot be searched for an email either.

Rows written by earlier versions (no `kek_id`: the key as it is, or wrapped under
`PARCOURS_MASTER_KEY`) are still read, and re-wrapped under the KEK when the database is
opened (`adopt_legacy`, called by the composition root).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours.errors import ConfigurationError
from parcours.store.keyring import Keyring
from parcours.store.pairs import one_of
from parcours.store.schema import keks, meta, person_keys, text_keys

CURRENT = "kek_current"
LEGACY_SECRET = "email_digest_secret"
ROTATION_DUE = "kek_rotation_due"
_PLAIN, _MASTER, _KEK = b"\x00", b"\x01", b"\x02"
_NONCE = 12


def _normalise(email: str) -> str:
    return email.strip().lower()


class KeyStore:
    """Reads and writes keys inside the caller's transaction (`session`)."""

    def __init__(
        self, keyring: Keyring, master: bytes | None = None, legacy_secret: bytes | None = None
    ) -> None:
        self.keyring = keyring
        self._master = master
        self._legacy_secret = legacy_secret
        # A cipher per KEK, by its key material (looked up in the keyring on every use, so a
        # destroyed KEK still fails): a notice round unwraps two keys a pilot, and making the
        # cipher (its key schedule) cost twice the decryption.
        self._ciphers: dict[bytes, AESGCM] = {}

    # -- opening: the current KEK, created on first use -------------------------------------

    @classmethod
    def open(
        cls, session: Session, keyring: Keyring, now: datetime, master: bytes | None = None
    ) -> KeyStore:
        found = _meta(session, CURRENT)
        if found is None:
            kek_id = keyring.create()
            try:
                with session.begin_nested():
                    session.execute(insert(meta).values(name=CURRENT, value=kek_id.encode()))
                    session.execute(
                        insert(keks).values(
                            kek_id=kek_id, created_at=now.astimezone(UTC).replace(tzinfo=None)
                        )
                    )
            except IntegrityError:
                keyring.destroy([kek_id])  # another process made the first KEK; theirs counts
        store = cls(keyring, master, _meta(session, LEGACY_SECRET))
        store.kek(store.current_kek(session))  # refuses a key file without this database's KEK
        return store

    def current_kek(self, session: Session, *, for_writing: bool = False) -> str:
        """The KEK new keys are wrapped under. Writers read it sharing a lock on the row, so
        a rotation's switch waits for them and none wraps under a KEK about to go."""
        query = select(meta.c.value).where(meta.c.name == CURRENT)
        if for_writing:
            query = query.with_for_update(read=True)
        value = session.execute(query).scalar()
        if value is None:
            raise ConfigurationError("keys.no_kek")
        return bytes(value).decode()

    def kek(self, kek_id: str) -> bytes:
        found = self.keyring.get(kek_id)
        if found is None:
            raise ConfigurationError("keys.kek_missing", location=self.keyring.location, kek=kek_id)
        return found

    # -- wrapping ---------------------------------------------------------------------------

    def wrap(self, kek_id: str, label: str, key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._cipher(kek_id).encrypt(nonce, key, f"{label}:{kek_id}".encode())
        return _KEK + nonce + sealed

    def unwrap(self, kek_id: str | None, label: str, stored: bytes) -> bytes:
        if kek_id is None:
            return self._legacy(label.split(":", 1)[1], stored)
        try:
            return self._cipher(kek_id).decrypt(
                stored[1 : 1 + _NONCE], stored[1 + _NONCE :], f"{label}:{kek_id}".encode()
            )
        except InvalidTag:
            raise ConfigurationError("keys.kek_wrong", kek=kek_id) from None

    def destroy_keks(self, kek_ids: Iterable[str]) -> None:
        """Destroy KEKs in the key file, and this process's ciphers made of them."""
        self.keyring.destroy(kek_ids)
        self._ciphers.clear()

    def _cipher(self, kek_id: str) -> AESGCM:
        material = self.kek(kek_id)
        cipher = self._ciphers.get(material)
        if cipher is None:
            cipher = self._ciphers[material] = AESGCM(material)
        return cipher

    def _legacy(self, person_id: str, stored: bytes) -> bytes:
        if len(stored) == 32:  # written before keys carried their marker byte
            return stored
        if stored[:1] == _PLAIN:
            return stored[1:]
        if self._master is None:
            raise ConfigurationError("keys.master_needed")
        try:
            return AESGCM(self._master).decrypt(stored[1:13], stored[13:], person_id.encode())
        except InvalidTag:
            raise ConfigurationError("keys.master_wrong") from None

    def digest(self, email: str, kek_id: str) -> str:
        secret = hmac.new(self.kek(kek_id), b"parcours email digest v1", hashlib.sha256).digest()
        return hmac.new(secret, _normalise(email).encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def seal_email(key: bytes, person_id: str, email: str) -> bytes:
        nonce = os.urandom(_NONCE)
        aad = f"email-lookup:{person_id}".encode()
        return nonce + AESGCM(key).encrypt(nonce, _normalise(email).encode(), aad)

    @staticmethod
    def open_email(key: bytes, person_id: str, sealed: bytes) -> str:
        aad = f"email-lookup:{person_id}".encode()
        return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], aad).decode()

    # -- person keys ------------------------------------------------------------------------

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
        kek_id = self.current_kek(session, for_writing=True)
        session.execute(
            insert(person_keys).values(
                person_id=person_id,
                pilot_id=pilot_id,
                data_key=self.wrap(kek_id, f"person:{person_id}", key),
                kek_id=kek_id,
                email_digest=self.digest(email, kek_id) if email else None,
                sealed_email=self.seal_email(key, person_id, email) if email else None,
                created_at=now,
            )
        )

    def change_email(self, session: Session, person_id: str, email: str) -> None:
        row = session.execute(
            select(person_keys.c.kek_id, person_keys.c.data_key).where(
                person_keys.c.person_id == person_id
            )
        ).first()
        if row is None:
            return
        key = self.unwrap(row.kek_id, f"person:{person_id}", bytes(row.data_key))
        kek_id = row.kek_id or self.current_kek(session)
        session.execute(
            update(person_keys)
            .where(person_keys.c.person_id == person_id)
            .values(
                email_digest=self.digest(email, kek_id),
                sealed_email=self.seal_email(key, person_id, email),
            )
        )

    def keys(self, session: Session, person_ids: Iterable[str]) -> dict[str, bytes]:
        ids = list(person_ids)
        if not ids:
            return {}
        dialect = session.get_bind().dialect.name
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.data_key, person_keys.c.kek_id).where(
                one_of(person_keys.c.person_id, ids, dialect)
            )
        )
        return {
            row.person_id: self.unwrap(row.kek_id, f"person:{row.person_id}", bytes(row.data_key))
            for row in rows
        }

    def persons_with_email(self, session: Session, email: str) -> list[tuple[str, str]]:
        """(person, pilot) of every living key with this email; during a rotation the rows
        are under two KEKs, so the digest is computed under each KEK in use."""
        in_use = session.execute(select(person_keys.c.kek_id).distinct()).scalars().all()
        digests = {self.digest(email, k) for k in in_use if k and self.keyring.get(k)}
        if self._legacy_secret is not None:
            legacy = hmac.new(self._legacy_secret, _normalise(email).encode(), hashlib.sha256)
            digests.add(legacy.hexdigest())
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.pilot_id).where(
                person_keys.c.email_digest.in_(sorted(digests))
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
    def keks_of_persons(session: Session, person_ids: Iterable[str]) -> set[str]:
        ids = list(person_ids)
        rows = session.execute(
            select(person_keys.c.kek_id).where(person_keys.c.person_id.in_(ids)).distinct()
        )
        return {row.kek_id for row in rows if row.kek_id}

    @staticmethod
    def destroy(session: Session, person_ids: Iterable[str]) -> int:
        ids = list(person_ids)
        if not ids:
            return 0
        result = session.execute(delete(person_keys).where(person_keys.c.person_id.in_(ids)))
        return int(getattr(result, "rowcount", 0))

    # -- free-text keys ---------------------------------------------------------------------

    def add_text(
        self, session: Session, *, key_id: str, pilot_id: str, key: bytes, now: datetime
    ) -> None:
        kek_id = self.current_kek(session, for_writing=True)
        session.execute(
            insert(text_keys).values(
                key_id=key_id,
                pilot_id=pilot_id,
                data_key=self.wrap(kek_id, f"text:{key_id}", key),
                kek_id=kek_id,
                created_at=now,
            )
        )

    def text_keys(self, session: Session, key_ids: Iterable[str]) -> dict[str, bytes]:
        ids = sorted(set(key_ids))
        found: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(text_keys.c.key_id, text_keys.c.data_key, text_keys.c.kek_id).where(
                    text_keys.c.key_id.in_(ids[start : start + 500])
                )
            )
            for row in rows:
                label = f"text:{row.key_id}"
                found[row.key_id] = self.unwrap(row.kek_id, label, bytes(row.data_key))
        return found

    @staticmethod
    def text_keys_of_pilots(session: Session, pilot_ids: list[str]) -> list[str]:
        if not pilot_ids:
            return []
        rows = session.execute(
            select(text_keys.c.key_id).where(text_keys.c.pilot_id.in_(pilot_ids))
        )
        return [row.key_id for row in rows]

    @staticmethod
    def keks_of_texts(session: Session, key_ids: Iterable[str]) -> set[str]:
        ids = list(key_ids)
        rows = session.execute(
            select(text_keys.c.kek_id).where(text_keys.c.key_id.in_(ids)).distinct()
        )
        return {row.kek_id for row in rows}

    @staticmethod
    def destroy_texts(session: Session, key_ids: Iterable[str]) -> int:
        ids = list(key_ids)
        destroyed = 0
        for start in range(0, len(ids), 500):
            result = session.execute(
                delete(text_keys).where(text_keys.c.key_id.in_(ids[start : start + 500]))
            )
            destroyed += int(getattr(result, "rowcount", 0))
        return destroyed

    # -- rows of an earlier version ---------------------------------------------------------

    def adopt_legacy(
        self, session: Session, email_of: Callable[[str, str, bytes], str | None]
    ) -> int:
        """Re-wrap the rows of an earlier version under the current KEK and recompute their
        digests (`email_of(pilot, person, key)` finds the person's email in the events);
        then forget the old digest secret, which sat in the database beside the digests."""
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.pilot_id, person_keys.c.data_key).where(
                person_keys.c.kek_id.is_(None)
            )
        ).all()
        kek_id = self.current_kek(session, for_writing=True)
        adopted = 0
        for row in rows:
            try:
                key = self._legacy(row.person_id, bytes(row.data_key))
            except ConfigurationError:
                continue  # under a master key not given: read (and refused) as before
            email = email_of(row.pilot_id, row.person_id, key)
            session.execute(
                update(person_keys)
                .where(person_keys.c.person_id == row.person_id)
                .values(
                    data_key=self.wrap(kek_id, f"person:{row.person_id}", key),
                    kek_id=kek_id,
                    email_digest=self.digest(email, kek_id) if email else None,
                    sealed_email=self.seal_email(key, row.person_id, email) if email else None,
                )
            )
            adopted += 1
        if self._legacy_secret is not None and adopted == len(rows):
            session.execute(delete(meta).where(meta.c.name == LEGACY_SECRET))
            self._legacy_secret = None
        return adopted

    @staticmethod
    def legacy_rows(session: Session) -> int:
        found = session.execute(
            select(person_keys.c.person_id).where(person_keys.c.kek_id.is_(None)).limit(1)
        ).first()
        return 0 if found is None else 1


def _meta(session: Session, name: str) -> bytes | None:
    value = session.execute(select(meta.c.value).where(meta.c.name == name)).scalar()
    return None if value is None else bytes(value)
