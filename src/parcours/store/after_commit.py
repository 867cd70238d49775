"""Publish what a transaction learnt to process memory only once the transaction commits.

Caches of rows that never change once written (a chain link, a read-model row at a given
version) save a round trip per command; filling them before the commit would let a rolled
back transaction (a conflict, a rejected page) leave a value no database holds.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "parcours_after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` when the session's transaction commits; forget it if it rolls back."""
    pending: list[Callable[[], None]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _publish)
        event.listen(session, "after_rollback", _forget)
    pending.append(action)


def _publish(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.get(_PENDING, [])
    actions = list(pending)
    pending.clear()
    for action in actions:
        action()


def _forget(session: Session) -> None:
    session.info.get(_PENDING, []).clear()
