"""Command inputs, checked at the door by one policy before anything reaches a pilot.

Every command and the CLI share these types and checks (issue 18), so that a value is either
refused with `InvalidInput` naming the field, before anything is appended, or stored and shown
back exactly as it was given:

- text refuses NUL and the other C0/C1 control characters (terminal escapes such as
  ``\\x1b[31m`` or OSC 8 links, and bytes PostgreSQL cannot store), lone surrogates (not
  Unicode) and the bidirectional overrides and isolates (a name shown as another); newline
  and tab are allowed in multi-line free text only; nothing is stripped silently (surrounding
  spaces are refused, not trimmed); names are at most 200 characters, free text 2,000;
- an actor is a short identifier ``kind:name`` (letters, digits, ``-_.@`` and ``:``), at most
  100 characters;
- numbers are finite and within a sensible range; booleans are not numbers;
- business dates and indicator periods fall within the programme's window, from its `opens`
  day to the end of the experiment (R2);
- an instant a caller gives (``purge_expired(now=…)``, ``tick(now=…)``) is timezone-aware and
  not later than the clock's now.

A failure becomes `InvalidInput` naming the field; the message (parcours.messages, French
first) never carries the input value, which may be personal.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
)
from stdnum.fr import siren as siren_number

from parcours.catalogue import Msg
from parcours.errors import InvalidInput
from parcours.input_checks import (
    ACTOR_MAX,
    AMOUNT_MAX_EUR,
    INDICATOR_MAX,
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    clean_text,
    period_bounds,
)

# Re-exported: the service calls them as inputs.<name>.
from parcours.input_checks import caller_instant as caller_instant
from parcours.input_checks import check_date as check_date
from parcours.input_checks import check_instant as check_instant
from parcours.input_checks import on_its_working_group as on_its_working_group
from parcours.input_checks import period_within as period_within
from parcours.input_checks import within_programme as within_programme
from parcours.messages import pydantic_key

M = TypeVar("M", bound=BaseModel)
_ACTOR = re.compile(r"[A-Za-z0-9_.@-]+(?::[A-Za-z0-9_.@-]+)*")

# -- text ---------------------------------------------------------------------------------


def _name(value: Any) -> str:
    return clean_text(value, max_length=NAME_MAX, multiline=False)


def _text(value: Any) -> str:
    return clean_text(value, max_length=TEXT_MAX, multiline=True)


def _short(value: Any) -> str:
    """A phone number or a SIREN as typed: one short line, checked before it is parsed."""
    return clean_text(value, max_length=40, multiline=False)


def _email_text(value: Any) -> str:
    return clean_text(value, max_length=254, multiline=False)  # RFC 5321's longest path


def _actor(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(Msg("actor.required"))
    if len(value) > ACTOR_MAX or not _ACTOR.fullmatch(value):
        raise ValueError(Msg("actor.form", max=ACTOR_MAX))
    return value


# The checks run before pydantic's own str validation, which cannot take a lone surrogate.
Name = Annotated[str, BeforeValidator(_name)]
Text = Annotated[str, BeforeValidator(_text)]
Actor = Annotated[str, BeforeValidator(_actor)]
Email = Annotated[EmailStr, BeforeValidator(_email_text)]
Key = Annotated[str, BeforeValidator(_name), StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


# -- numbers --------------------------------------------------------------------------------


def _not_bool(value: Any) -> Any:
    # pydantic would read True as 1: a flag given for a number is a mistake.
    if isinstance(value, bool):
        raise ValueError(Msg("number.expected"))
    return value


def _finite_within(low: float, high: float) -> Any:
    def check(value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(Msg("number.not_finite"))
        if not low <= value <= high:
            raise ValueError(Msg("number.range", low=f"{low:g}", high=f"{high:g}"))
        return value

    return AfterValidator(check)


IndicatorValue = Annotated[
    float, BeforeValidator(_not_bool), _finite_within(-INDICATOR_MAX, INDICATOR_MAX)
]
Days = Annotated[float, BeforeValidator(_not_bool), _finite_within(0, 31), Field(gt=0)]
Amount = Annotated[
    float, BeforeValidator(_not_bool), _finite_within(0, AMOUNT_MAX_EUR), Field(gt=0)
]
Rate = Annotated[float, BeforeValidator(_not_bool), _finite_within(0, 1), Field(gt=0)]
Months = Annotated[int, Field(strict=True, gt=0, le=120)]  # strict: no True, no 12.5
Flag = Annotated[bool, Field(strict=True)]


# -- periods ----------------------------------------------------------------------------------


def _period(value: Any) -> str:
    period_bounds(value)
    return str(value)


Period = Annotated[str, BeforeValidator(_period)]


# -- phone and SIREN ------------------------------------------------------------------------


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValueError(Msg("input.phone")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(Msg("input.phone"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _siren(value: str) -> str:
    if not siren_number.is_valid(value):
        raise ValueError("not a valid SIREN (9 digits with a Luhn check digit)")
    return str(siren_number.compact(value))


Phone = Annotated[str, BeforeValidator(_short), AfterValidator(_phone)]
Siren = Annotated[str, BeforeValidator(_short), AfterValidator(_siren)]


# -- the commands' inputs -------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnrollInput(_Input):
    name: Name
    programme: Name
    charter_signed_on: date
    siren: Siren | None = None
    actor: Actor


class ContactFields(_Input):
    """R11: the personal fields of a referent (R12: processed for the agency and Region only)."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone
    title: Name | None = None


class EmailOnly(_Input):
    email: Email


class ContactChanges(_Input):
    """R14, rectification: any subset of the contact fields."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    title: Name | None = None


class ReferentInput(ContactFields):
    role: Literal["operational", "elected"]


class Indicator(_Input):
    key: Key
    label: Name
    unit: Name = "count"
    target: IndicatorValue | None = None


class FrameInput(_Input):
    indicators: list[Indicator] = Field(min_length=1, max_length=100)
    evaluation_protocol: Text


class TimeInput(_Input):
    days: Days


class ReportInput(_Input):
    key: Key
    value: IndicatorValue
    period: Period


class ProjectInput(_Input):
    title: Name
    theme: Name


class AlertInput(_Input):
    kind: Literal["confidentiality", "change"]
    description: Text


class SolutionInput(_Input):
    name: Name
    provider: Name
    regional: Flag


class FundingInput(_Input):
    scheme: Name
    amount_eur: Amount
    rate: Rate
    months: Months
    priority_district: Flag = False


class RexSessionInput(_Input):
    programme: Name
    on: date
    kind: Literal["collective", "individual"]
    title: Name
    theme: Name | None = None  # R7: the working group it is, in a programme that has them


class EvaluationInput(_Input):
    findings: Text
    recommendations: Text
    replicable: Flag


def validated(model: type[M], **data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or model.__name__
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, ValueError):
            raise _refused(field, cause) from None
        key = pydantic_key(first["type"])
        if key is None and "email address" in first["msg"]:
            key = "input.email"
        if key is not None:
            raise InvalidInput(field, key) from None
        # A message of ours (a ValueError with a catalogue text), already in the language.
        raise InvalidInput(field, first["msg"].removeprefix("Value error, ")) from None


def _refused(field: str, error: ValueError) -> InvalidInput:
    """`error` said of `field`: its key and values when one of our checks raised it."""
    why = error.args[0] if error.args else None
    if isinstance(why, Msg):
        return InvalidInput(field, why.key, **why.params)
    return InvalidInput(field, str(error))


# -- checks the service calls directly ------------------------------------------------------


def check_actor(actor: Any) -> str:
    if not isinstance(actor, str):
        raise InvalidInput("actor", "actor.required")
    return validated(_ActorOnly, actor=actor).actor


def check_command_id(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", value):
        raise InvalidInput("command_id", "input.command_id")
    return value


def check_text(field: str, value: Any, max_length: int = TEXT_MAX) -> str:
    """A name or title (up to `TITLE_MAX`: one line) or free text (longer: several lines)."""
    try:
        return clean_text(value, max_length=max_length, multiline=max_length > TITLE_MAX)
    except ValueError as exc:
        raise _refused(field, exc) from None


class _ActorOnly(_Input):
    actor: Actor
