"""What the pipeline's authorise step is asked, and who may ask as parcours itself (R15)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from parcours.domain.roles import Permit


@dataclass(frozen=True)
class Request:
    """What the authorise step is asked: may `actor` perform `command` on this pilot (or, for
    an act with no pilot yet, in this programme; or, with neither, anywhere)?

    `system`: the actor is parcours' own scheduler or purge (a `SystemPrincipal`). `role`,
    `subject`: the role and principal a grant or revocation concerns, or (`role` alone) the
    funder's role of a funding decision once its line is known."""

    command: str
    actor: str
    pilot_id: UUID | None = None
    programme: str | None = None
    system: bool = False
    role: str | None = None
    subject: str | None = None


Authorise = Callable[[Request], Permit]


@dataclass(frozen=True, eq=False)
class SystemPrincipal:
    """parcours' own scheduler or retention purge, acting. Only `Pipeline.system` makes one
    that the pipeline accepts (it carries the pipeline's private key), so no caller of the
    API or the CLI can act as `system:…` by naming it."""

    name: str
    key: object = field(repr=False)
