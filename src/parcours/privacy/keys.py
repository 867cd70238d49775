"""The key table: one AES data key per person; deleting a row is crypto-shredding (R13, R14)."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours.store.schema import meta, person_keys

_SECRET = "email_digest_secret"


def _normalise(email: str) -> str:
    return email.strip().lower()


class KeyStore:
    """Reads and writes keys inside the caller's transaction (`session`)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def open(cls, session: Session) -> KeyStore:
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
            return cls(bytes(secret))
        return cls(bytes(found))

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
                data_key=key,
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

    @staticmethod
    def keys(session: Session, person_ids: Iterable[str]) -> dict[str, bytes]:
        ids = list(person_ids)
        if not ids:
            return {}
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.data_key).where(
                person_keys.c.person_id.in_(ids)
            )
        )
        return {row.person_id: bytes(row.data_key) for row in rows}

    def persons_with_email(self, session: Session, email: str) -> list[tuple[str, str]]:
        rows = session.execute(
            select(person_keys.c.person_id, person_keys.c.pilot_id).where(
                person_keys.c.email_digest == self.digest(email)
            )
        )
        return [(row.person_id, row.pilot_id) for row in rows]

    @staticmethod
    def destroy(session: Session, person_ids: Iterable[str]) -> int:
        ids = list(person_ids)
        if not ids:
            return 0
        result = session.execute(delete(person_keys).where(person_keys.c.person_id.in_(ids)))
        return int(getattr(result, "rowcount", 0))

    @staticmethod
    def count(session: Session, person_ids: Iterable[str]) -> int:
        return len(KeyStore.keys(session, person_ids))
