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

An error carries a catalogue key (`.key`) and its parameters (`.params`), not a sentence:
`str(exc)` renders it in the active language (catalogue.py: French unless `PARCOURS_LANG` or
the shell's `--lang` says English), and `exc.render("en")` in any. A raise site that still
passes a sentence instead of a key reads as written.
"""

from __future__ import annotations

from typing import Any

from parcours.catalogue import Msg, translate
from parcours.formats import Lang


class ParcoursError(Exception):
    """Root of every error raised on purpose by parcours: a key of the catalogue and its
    parameters (or, from a raise site not yet moved to the catalogue, a sentence)."""

    def __init__(self, key: str = "", /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def render(self, lang: Lang | None = None) -> str:
        """The message in `lang` (default: the active language)."""
        return translate(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.render()


class InvalidInput(ParcoursError, ValueError):
    """A command's input failed validation; `.field` names it."""

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        self.field = field
        super().__init__("error.invalid_input", field=field, message=Msg(message, **params))


class ProgrammeError(ParcoursError, ValueError):
    """A programme definition is unknown or malformed."""


class ConfigurationError(ParcoursError):
    """A setting is missing or wrong; the message names it."""


class PilotNotFound(ParcoursError, LookupError):
    """No pilot with that id (or not yet, `as_of` a moment before its enrolment)."""

    def __init__(self, pilot_id: object, as_of: str = "", *, reference: bool = False) -> None:
        """`as_of`: the moment asked for (ISO); `reference`: a slug or SIREN named no pilot."""
        self.pilot_id = pilot_id
        key = "error.pilot_not_found_as_of" if as_of else "error.pilot_not_found"
        if reference:
            key = "error.pilot_unknown_reference"
        super().__init__(key, pilot=pilot_id, as_of=as_of)


class NotFound(ParcoursError, LookupError):
    """A person, project, communication… unknown on that pilot; `.what` names the kind
    ("person", "project"…, a key `thing.<what>` of the catalogue)."""

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        thing = Msg(f"thing.{what.replace(' ', '_')}")
        super().__init__("error.not_found", what=thing, ident=ident)


class PhaseError(ParcoursError):
    """The act is not allowed in the pilot's current phase (R1); `.act` is the command's
    name (its label is `act.<name>` in the catalogue), `.phase` the phase's id."""

    rule = "R1"

    def __init__(self, act: str, phase: str, allowed: tuple[str, ...] = ()) -> None:
        self.act = act
        self.phase = phase
        self.allowed = allowed
        label = Msg(f"act.{act}")
        shown = tuple(Msg(f"phase.{p}") for p in allowed)
        key = "error.phase_allowed" if allowed else "error.phase"
        super().__init__(key, act=label, phase=Msg(f"phase.{phase}"), allowed=shown)


class RuleViolation(ParcoursError):
    """The act breaks a rule of the charter; `.rule` is its id (R1…R16), `.field` the field
    at fault if one is; the message always begins with the rule id."""

    def __init__(self, rule: str, message: str, field: str | None = None, /, **params: Any) -> None:
        self.rule = rule
        self.field = field
        key = "error.rule_field" if field else "error.rule"
        super().__init__(key, rule=rule, field=field, message=Msg(message, **params))


class AlreadyRecorded(ParcoursError):
    """A deadline fact is recorded at most once per pilot, rule and period."""

    def __init__(self, key: str) -> None:
        self.fact = key
        super().__init__("error.already_recorded", fact=key)


class ConcurrencyConflict(ParcoursError):
    """Another writer changed the pilot each time we tried; the command was not applied."""


class NotAuthorised(ParcoursError, PermissionError):
    """The principal may not perform this act (R15): unknown, a missing role, the wrong pilot
    or programme, or a reserved `system:` principal claimed by a caller. Nothing is appended.

    `.act` names the act, `.principal` who asked, `.needed` the roles that would allow it;
    the message is the key `message` of the catalogue with `params`."""

    rule = "R15"

    def __init__(
        self,
        message: str,
        *,
        act: str,
        principal: str,
        needed: tuple[str, ...] = (),
        **params: Any,
    ) -> None:
        self.act = act
        self.principal = principal
        self.needed = needed
        super().__init__(message, principal=principal, **params)
