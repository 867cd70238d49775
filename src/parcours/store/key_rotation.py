"""The SQL of a KEK rotation (orchestrated by `parcours.privacy.rotation`): the lock, the
switch to the new KEK, the batches that re-wrap the living keys, the record of what was
destroyed, and the flag that says a rotation is due (after an erasure, a redaction, a purge).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours.store.keys import CURRENT, ROTATION_DUE, KeyStore
from parcours.store.schema import keks, meta, person_keys, text_keys
from parcours.store.shredding import aware, utc

# pg_advisory_lock's key for "a rotation runs" (any 64-bit number, fixed for parcours).
_LOCK_KEY = 0x7061_7263_6F75_7273 & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def locked(engine: Engine, keys: KeyStore) -> Iterator[None]:
    """One rotation at a time: a session-level advisory lock on PostgreSQL (held on a
    connection of its own while the batches commit on others), the keyring's lock (a
    `flock` of the key file's lock file, which every process on a SQLite file shares)."""
    with keys.keyring.exclusive():
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})


def switch(session: Session, kek_id: str, now: datetime) -> None:
    """New keys are wrapped under `kek_id` from this commit on (the UPDATE waits for the
    writers that hold the row shared, `KeyStore.current_kek(for_writing=True)`)."""
    session.execute(update(meta).where(meta.c.name == CURRENT).values(value=kek_id.encode()))
    session.execute(insert(keks).values(kek_id=kek_id, created_at=utc(now)))


def rewrap_batch(session: Session, keys: KeyStore, kek_id: str, limit: int) -> int:
    """Re-wrap up to `limit` keys not yet under `kek_id`; the digests are recomputed."""
    done = 0
    rows = session.execute(
        select(person_keys.c.person_id, person_keys.c.data_key, person_keys.c.kek_id)
        .add_columns(person_keys.c.sealed_email)
        .where(person_keys.c.kek_id.is_not(None), person_keys.c.kek_id != kek_id)
        .limit(limit)
    ).all()
    for row in rows:
        label = f"person:{row.person_id}"
        key = keys.unwrap(row.kek_id, label, bytes(row.data_key))
        values: dict[str, object] = {"data_key": keys.wrap(kek_id, label, key), "kek_id": kek_id}
        if row.sealed_email is not None:
            email = keys.open_email(key, row.person_id, bytes(row.sealed_email))
            values["email_digest"] = keys.digest(email, kek_id)
        session.execute(
            update(person_keys).where(person_keys.c.person_id == row.person_id).values(**values)
        )
        done += 1
    texts = session.execute(
        select(text_keys.c.key_id, text_keys.c.data_key, text_keys.c.kek_id)
        .where(text_keys.c.kek_id != kek_id)
        .limit(max(limit - done, 0))
    ).all()
    for row in texts:
        label = f"text:{row.key_id}"
        key = keys.unwrap(row.kek_id, label, bytes(row.data_key))
        session.execute(
            update(text_keys)
            .where(text_keys.c.key_id == row.key_id)
            .values(data_key=keys.wrap(kek_id, label, key), kek_id=kek_id)
        )
        done += 1
    return done


def left_under_others(session: Session, kek_id: str) -> int:
    people = session.execute(
        select(func.count())
        .select_from(person_keys)
        .where(or_(person_keys.c.kek_id.is_(None), person_keys.c.kek_id != kek_id))
    ).scalar_one()
    texts = session.execute(
        select(func.count()).select_from(text_keys).where(text_keys.c.kek_id != kek_id)
    ).scalar_one()
    return int(people) + int(texts)


def retiring(session: Session, keep: str) -> list[str]:
    """The KEKs of this database not destroyed yet, other than `keep`."""
    rows = session.execute(
        select(keks.c.kek_id).where(keks.c.destroyed_at.is_(None), keks.c.kek_id != keep)
    )
    return sorted(row.kek_id for row in rows)


def mark_destroyed(session: Session, kek_ids: list[str], now: datetime) -> None:
    if kek_ids:
        session.execute(
            update(keks)
            .where(keks.c.kek_id.in_(kek_ids), keks.c.destroyed_at.is_(None))
            .values(destroyed_at=utc(now))
        )


def destroyed_at(session: Session, kek_ids: list[str]) -> dict[str, datetime | None]:
    rows = session.execute(
        select(keks.c.kek_id, keks.c.destroyed_at).where(keks.c.kek_id.in_(kek_ids))
    )
    return {row.kek_id: aware(row.destroyed_at) for row in rows}


def mark_due(session: Session, since: datetime) -> None:
    """A rotation is due (an erasure, a redaction or a purge destroyed keys)."""
    if session.execute(select(meta.c.name).where(meta.c.name == ROTATION_DUE)).first():
        return
    try:
        with session.begin_nested():
            session.execute(
                insert(meta).values(name=ROTATION_DUE, value=since.isoformat().encode())
            )
    except IntegrityError:
        pass  # another writer marked it first


def due_since(session: Session) -> str | None:
    value = session.execute(select(meta.c.value).where(meta.c.name == ROTATION_DUE)).scalar()
    return None if value is None else bytes(value).decode()


def clear_due(session: Session, started: datetime) -> None:
    """The rotation that started at `started` settled what was due before it; what an
    erasure made due meanwhile waits for the next one."""
    since = due_since(session)
    if since is not None and datetime.fromisoformat(since) <= started:
        session.execute(delete(meta).where(meta.c.name == ROTATION_DUE))
