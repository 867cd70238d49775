"""Grants and revocations of roles (R15) are facts on the record, so the audit chain covers
them and `history` shows them.

- A referent's role belongs to one pilot: `RoleGranted` / `RoleRevoked` are events on that
  pilot (they change nothing of its state; the grants table keeps them for the checks).
- The programme roles (agency, region, auditor) belong to a programme: they are events of a
  small `ProgrammeRoles` aggregate, one per programme, whose id is derived from the
  programme's id. It holds a handful of officers, never the cohort, and is loaded only to
  grant or revoke, never to check a command.

Class paths are a storage contract (`parcours.domain.grants:RoleGranted`): never rename one
without registering the old topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from parcours.domain import events as ev
from parcours.domain.pilot import Act, Pilot
from parcours.errors import RuleViolation
from parcours.programme import PROGRAMME_ROLES


def roles_id(programme: str) -> UUID:
    """The id of a programme's `ProgrammeRoles`: the same in every process and database."""
    return uuid5(NAMESPACE_URL, f"parcours:roles:{programme}")


def _stamp(act: Act) -> dict[str, Any]:
    return {
        "timestamp": act.at,
        "actor": act.actor,
        "command_id": act.command_id,
        "correlation_id": act.correlation,
        "on": act.today,
    }


# -- a referent, on its pilot -----------------------------------------------------------------


@dataclass(frozen=True)
class RoleGranted(ev.PilotEvent):
    """`principal` may now act as `role` (referent) for this pilot (R15)."""

    principal: str
    role: str


@dataclass(frozen=True)
class RoleRevoked(ev.PilotEvent):
    """`principal` no longer holds `role` for this pilot (R15)."""

    principal: str
    role: str


def grant_on_pilot(pilot: Pilot, act: Act, principal: str, role: str, held: bool) -> None:
    """Record that `principal` holds `role` for `pilot`; `held`: it does already."""
    if held:
        raise RuleViolation("R15", "rule.r15.holds_on_pilot", principal=principal, role=role)
    pilot.trigger_event(RoleGranted, **_stamp(act), principal=principal, role=role)


def revoke_on_pilot(pilot: Pilot, act: Act, principal: str, role: str, held: bool) -> None:
    """Record that `principal` no longer holds `role` for `pilot`; `held`: it does now."""
    if not held:
        raise RuleViolation("R15", "rule.r15.not_on_pilot", principal=principal, role=role)
    pilot.trigger_event(RoleRevoked, **_stamp(act), principal=principal, role=role)


# -- the programme's officers -----------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRolesOpened(Aggregate.Created):
    """The first grant of a programme opens its register of roles."""

    actor: str
    command_id: str
    correlation_id: str
    on: date | None
    programme: str

    def apply(self, aggregate: Any) -> None:
        register: ProgrammeRoles = aggregate
        register.programme = self.programme
        register.held = []


@dataclass(frozen=True)
class ProgrammeRoleGranted(Aggregate.Event):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None
    principal: str
    role: str

    def apply(self, aggregate: Any) -> None:
        register: ProgrammeRoles = aggregate
        register.held.append([self.principal, self.role])


@dataclass(frozen=True)
class ProgrammeRoleRevoked(Aggregate.Event):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None
    principal: str
    role: str

    def apply(self, aggregate: Any) -> None:
        register: ProgrammeRoles = aggregate
        register.held.remove([self.principal, self.role])


class ProgrammeRoles(Aggregate):
    """Who holds agency, region and auditor in one programme."""

    programme: str
    held: list[list[str]]

    def __init__(self) -> None:
        self.held = []

    @classmethod
    def open(cls, act: Act, programme: str) -> ProgrammeRoles:
        return cls._create(
            ProgrammeRolesOpened, id=roles_id(programme), **_stamp(act), programme=programme
        )

    def holds(self, principal: str, role: str) -> bool:
        return [principal, role] in self.held

    def agencies(self) -> list[str]:
        return [p for p, r in self.held if r == "agency"]

    def grant(self, act: Act, principal: str, role: str) -> None:
        if role not in PROGRAMME_ROLES:
            raise RuleViolation("R15", "rule.r15.not_programme_role", "role", role=role)
        if self.holds(principal, role):
            raise RuleViolation(
                "R15",
                "rule.r15.holds_in_programme",
                principal=principal,
                role=role,
                programme=self.programme,
            )
        self.trigger_event(ProgrammeRoleGranted, **_stamp(act), principal=principal, role=role)

    def revoke(self, act: Act, principal: str, role: str) -> None:
        if not self.holds(principal, role):
            raise RuleViolation(
                "R15",
                "rule.r15.not_in_programme",
                principal=principal,
                role=role,
                programme=self.programme,
            )
        if role == "agency" and self.agencies() == [principal]:
            raise RuleViolation(
                "R15",
                "rule.r15.last_agency",
                principal=principal,
                programme=self.programme,
            )
        self.trigger_event(ProgrammeRoleRevoked, **_stamp(act), principal=principal, role=role)
