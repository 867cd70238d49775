"""A register of people and the roles they hold: a pilot's referents (R11) and a programme's
own contacts (R11) are kept alike, and the rights over them are the same (R12–R14).

Plain functions over the two dictionaries of such a register — `contacts` (person id → the
person's sealed fields and status) and `holders` (role → the person holding it now) — so that
the events of both aggregates fold the same way. No guard here: they run on replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

Contacts = dict[str, dict[str, Any]]


def designate(
    contacts: Contacts,
    holders: dict[str, str],
    person_id: str,
    role: str,
    sealed: dict[str, str],
    on: date | None,
) -> None:
    """`person_id` now holds `role`; whoever held it before stays, no longer current."""
    previous = holders.get(role)
    if previous is not None:
        contacts[previous]["current"] = False
    holders[role] = person_id
    contacts[person_id] = {
        "role": role,
        "sealed": dict(sealed),
        "designated_on": on,
        "current": True,
        "objected": False,
        "erased": False,
    }


def rectify(contacts: Contacts, person_id: str, sealed: dict[str, str]) -> None:
    """R14, rectification: new ciphertexts for some fields, under the same key."""
    contacts[person_id]["sealed"].update(sealed)


def record_objection(contacts: Contacts, person_id: str) -> None:
    """R14, opposition: left out of notifications and third-party exports."""
    contacts[person_id]["objected"] = True


def erase(contacts: Contacts, holders: dict[str, str], person_id: str) -> None:
    """R14 / GDPR art. 17: the person's key is gone; they hold no role any more."""
    contact = contacts[person_id]
    contact["erased"] = True
    contact["current"] = False
    if holders.get(contact["role"]) == person_id:
        del holders[contact["role"]]


def purge(contacts: Contacts, holders: dict[str, str], persons: Iterable[str]) -> None:
    """R13: every key destroyed at the end of retention; no one holds a role any more."""
    for person_id in persons:
        contacts[person_id]["erased"] = True
        contacts[person_id]["current"] = False
    holders.clear()
