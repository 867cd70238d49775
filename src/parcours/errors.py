"""Every error `parcours` raises on purpose.

    ParcoursError                      the root: catch this to catch them all
    ├── InvalidInput (ValueError)      a value fails validation; names the field
    ├── ProgrammeError (ValueError)    a programme definition is malformed or unknown
    ├── ConfigurationError             a setting is missing or wrong (e.g. the master key)
    ├── PilotNotFound (LookupError)    no pilot with that id (or not yet, for as_of)
    ├── NotFound (LookupError)         no person, project, communication… with that id
    ├── PhaseError                     the act is not allowed in the pilot's phase (R1)
    ├── RuleViolation                  the act breaks a rule of the charter; carries .rule
    ├── AlreadyRecorded                this reminder or breach is already in the history
    ├── ConcurrencyConflict            another writer kept winning; retried, then raised
    └── NotAuthorised (PermissionError) the principal holds no role that allows the act (R15)

A message names the field or the rule id (RULES.md), so that a user can trace it back to the
charter. It never carries a personal value: callers pass field names, not values.
"""

from __future__ import annotations


class ParcoursError(Exception):
    """Root of every error raised on purpose by parcours."""


class InvalidInput(ParcoursError, ValueError):
    """A command's input failed validation."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class ProgrammeError(ParcoursError, ValueError):
    """A programme definition is unknown or malformed."""


class ConfigurationError(ParcoursError):
    """A setting is missing or wrong; the message names it."""


class PilotNotFound(ParcoursError, LookupError):
    """No pilot with that id."""

    def __init__(self, pilot_id: object, detail: str = "") -> None:
        self.pilot_id = pilot_id
        super().__init__(f"pilot {pilot_id} not found{detail}")


class NotFound(ParcoursError, LookupError):
    """A person, project, communication… unknown on that pilot."""

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        super().__init__(f"{what} {ident} not found on this pilot")


class PhaseError(ParcoursError):
    """The act is not allowed in the pilot's current phase (R1)."""

    rule = "R1"

    def __init__(self, act: str, phase: str, allowed: tuple[str, ...] = ()) -> None:
        self.act = act
        self.phase = phase
        hint = f"; allowed in: {', '.join(allowed)}" if allowed else ""
        super().__init__(f"R1: cannot {act} while the pilot is in phase '{phase}'{hint}")


class RuleViolation(ParcoursError):
    """The act breaks a rule of the charter; `.rule` is its id (R1…R14)."""

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        self.rule = rule
        self.field = field
        where = f" ({field})" if field else ""
        super().__init__(f"{rule}{where}: {message}")


class AlreadyRecorded(ParcoursError):
    """A deadline fact is recorded at most once per pilot, rule and period."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"{key} is already recorded")


class ConcurrencyConflict(ParcoursError):
    """Another writer changed the pilot each time we tried; the command was not applied."""


class NotAuthorised(ParcoursError, PermissionError):
    """The principal may not perform this act (R15): unknown, a missing role, the wrong pilot
    or programme, or a reserved `system:` principal claimed by a caller. Nothing is appended.

    `.act` names the act, `.principal` who asked, `.needed` the roles that would allow it."""

    rule = "R15"

    def __init__(
        self, message: str, *, act: str, principal: str, needed: tuple[str, ...] = ()
    ) -> None:
        self.act = act
        self.principal = principal
        self.needed = needed
        super().__init__(message)
