"""Command inputs, validated by pydantic before anything reaches a pilot.

A failure becomes `InvalidInput` naming the field; pydantic's message is kept, the input
value is not (it may be personal).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
)
from stdnum.fr import siren as siren_number

from parcours.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# "agency:project-lead", "pilot:referent", "scheduler": a role, never a person's address.
Actor = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$")
]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Period = Annotated[str, StringConstraints(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-S[12])?$")]


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _siren(value: str) -> str:
    if not siren_number.is_valid(value):
        raise ValueError("not a valid SIREN (9 digits with a Luhn check digit)")
    return str(siren_number.compact(value))


Phone = Annotated[str, AfterValidator(_phone)]
Siren = Annotated[str, AfterValidator(_siren)]


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
    email: EmailStr
    phone: Phone
    title: Name | None = None


class EmailOnly(_Input):
    email: EmailStr


class ContactChanges(_Input):
    """R14, rectification: any subset of the contact fields."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    title: Name | None = None


class ReferentInput(ContactFields):
    role: Literal["operational", "elected"]


class Indicator(_Input):
    key: Key
    label: Name
    unit: Name = "count"
    target: float | None = None


class FrameInput(_Input):
    indicators: list[Indicator] = Field(min_length=1)
    evaluation_protocol: Text


class TimeInput(_Input):
    days: float = Field(gt=0, le=31)


class ReportInput(_Input):
    key: Key
    value: float
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
    regional: bool


class FundingInput(_Input):
    scheme: Name
    amount_eur: float = Field(gt=0)
    rate: float = Field(gt=0, le=1)
    months: int = Field(gt=0, le=120)
    priority_district: bool = False


class RexSessionInput(_Input):
    programme: Name
    on: date
    kind: Literal["collective", "individual"]
    title: Name


class EvaluationInput(_Input):
    findings: Text
    recommendations: Text
    replicable: bool


def validated(model: type[M], **data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or model.__name__
        raise InvalidInput(field, first["msg"].removeprefix("Value error, ")) from None


def check_actor(actor: Any) -> str:
    if not isinstance(actor, str):
        raise InvalidInput("actor", "required: who does this, e.g. 'agency:project-lead'")
    return validated(_ActorOnly, actor=actor).actor


def check_command_id(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", value):
        raise InvalidInput("command_id", "1 to 100 letters, digits or _ . : -")
    return value


def check_text(field: str, value: Any, max_length: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "required, non-empty text")
    if len(value) > max_length:
        raise InvalidInput(field, f"at most {max_length} characters")
    return value.strip()


def check_date(field: str, value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(field, "expected a date (YYYY-MM-DD)")


class _ActorOnly(_Input):
    actor: Actor
