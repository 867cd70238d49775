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
    session.info.setdefault(_PENDING, []).append(action)


# Listened to once, for every session: registering two listeners on each command's session
# showed in its profile (SQLAlchemy's event registry); a session with nothing pending returns
# at once.
@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.get(_PENDING, [])
    actions = list(pending)
    pending.clear()
    for action in actions:
        action()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.get(_PENDING, []).clear()
