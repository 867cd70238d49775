"""A programme: the calendar, budgets, cadences, quotas and retention of a cohort, as data.

The phase machine is the charter's (domain.phases); everything with a number in it lives
here, so a second cohort or another region's programme is a new definition, not a fork.
"""

from __future__ import annotations

import functools
import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from parcours.errors import InvalidInput, ProgrammeError

_FROZEN = ConfigDict(frozen=True, strict=True, extra="forbid")


class Calendar(BaseModel):
    model_config = _FROZEN
    diagnostic_due: date = Field(description="R3: the diagnostic is finished by this day")
    deployment_start_due: date = Field(description="R4: deployment starts by this day")
    # A TOML array is a list; strict mode would refuse it for a tuple.
    reminder_offsets_days: tuple[int, ...] = Field(default=(30, 7), strict=False)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _positive(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        if any(o <= 0 for o in offsets):
            raise ValueError("reminder offsets are days before the due date, so positive")
        return tuple(sorted(set(offsets), reverse=True))


class TimeBudget(BaseModel):
    model_config = _FROZEN
    diagnostic_days: float = Field(gt=0)
    diagnostic_window_start: date
    diagnostic_window_end: date
    deployment_days_per_month: float = Field(gt=0)
    tolerance: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _window_in_order(self) -> Self:
        if self.diagnostic_window_end < self.diagnostic_window_start:
            raise ValueError("diagnostic_window_end is before diagnostic_window_start")
        return self


class FollowUps(BaseModel):
    model_config = _FROZEN
    min_per_month: int = Field(ge=0)
    max_per_month: int = Field(ge=1)

    @model_validator(mode="after")
    def _min_le_max(self) -> Self:
        if self.max_per_month < self.min_per_month:
            raise ValueError("max_per_month is below min_per_month")
        return self


class Rex(BaseModel):
    model_config = _FROZEN
    required: dict[int, int] = Field(description="R7: sessions required per calendar year")

    @field_validator("required", mode="before")
    @classmethod
    def _years_as_ints(cls, value: Any) -> Any:
        # TOML keys are strings; the years are numbers.
        if isinstance(value, dict):
            try:
                return {int(k): v for k, v in value.items()}
            except ValueError as exc:
                raise ValueError("years must be numbers such as 2025") from exc
        return value


class Retention(BaseModel):
    model_config = _FROZEN
    until: date = Field(description="R13: personal data is kept up to and including this day")
    notice_days: int = Field(default=14, ge=0)


def _end_of_retention(fields: dict[str, Any]) -> date:
    """A definition without `experiment_ends` (made before R2 was data) ends its experiment
    on its last day of retention, which the charter makes the same day."""
    retention = fields.get("retention")
    return retention.until if isinstance(retention, Retention) else date.min


class FundingScheme(BaseModel):
    """A call for projects and its rules, e.g. at most 50,000 € over 36 months at 60 %
    (80 % in a priority urban district), as France Numérique Ensemble's."""

    model_config = _FROZEN
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    title: str = Field(min_length=1)
    # Who grants the money (R15): "region" for the Region's own schemes, whose decision the
    # Region records; any other funder's decision is recorded by the agency on its behalf.
    # Not stated (definitions made before the roles): the charter is silent, the agency records.
    funder: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    max_amount_eur: float = Field(gt=0)
    max_months: int = Field(gt=0)
    max_rate: float = Field(gt=0, le=1)
    max_rate_priority_district: float = Field(gt=0, le=1)

    # R16: the call's window, when the scheme comes from a call for projects (all optional:
    # a scheme with no window takes applications and decisions on any day).
    applications_open: date | None = Field(default=None, description="R16: first day")
    applications_close: date | None = Field(default=None, description="R16: last day, inclusive")
    decisions_by: date | None = Field(default=None, description="R16: decisions by this day")

    @model_validator(mode="after")
    def _window_in_order(self) -> Self:
        days = [self.applications_open, self.applications_close, self.decisions_by]
        known = [d for d in days if d is not None]
        if known != sorted(known):
            raise ValueError("the call's dates are out of order (open, close, decisions)")
        if self.max_rate_priority_district < self.max_rate:
            raise ValueError("max_rate_priority_district is below max_rate")
        return self


class WorkingGroup(BaseModel):
    """R7: a thematic working group on a fixed date, a collective session of the programme
    (FNE, 003: « Calendrier des groupes de travail », « éducation / jeunesse – le mardi 12 mars
    à 9h30 »). `starts` is local time in the programme's zone."""

    model_config = _FROZEN
    theme: str
    starts: datetime


class EndOfExperiment(BaseModel):
    """R2: how the end of the experiment (`Programme.experiment_ends`) is announced."""

    model_config = _FROZEN
    announce_days_before: int = Field(default=60, ge=0, description="R2: the alert's lead")


class MiseEnOeuvre(BaseModel):
    """R4, R5: "la mise en œuvre de projet(s)" is framing and deployment together.

    A calendar month is judged for R5 iff framing and deployment together cover at least
    `min_days_judged` of its days. Months that ended before `framing_judged_from` are judged on
    their days of deployment only, as before the corrected reading: the release of that
    reading does not flood old histories with misses nobody could have seen coming."""

    model_config = _FROZEN
    min_days_judged: int = Field(default=15, ge=1, le=31)
    framing_judged_from: date | None = None


class IndicatorReports(BaseModel):
    """R8: during deployment each indicator is reported at least every `cadence_months`."""

    model_config = _FROZEN
    cadence_months: int = Field(default=3, ge=1, le=24, description="quarterly unless stated")


class Controller(BaseModel):
    """R14: who is responsible for the processing, and where people exercise their rights."""

    model_config = _FROZEN
    responsible: str = Field(min_length=1, description="« sous la responsabilité du … »")
    organisation: str = Field(min_length=1)
    # A TOML array is a list; strict mode would refuse it for a tuple.
    postal_address: tuple[str, ...] = Field(min_length=1, strict=False)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    rights: str = Field(min_length=1, description="the rights and their legal basis")

    def address(self) -> str:
        return ", ".join((self.organisation, *self.postal_address))


class ContactRole(BaseModel):
    """R11: a mandatory contact of the programme itself (the Region's, the agency's lead)."""

    model_config = _FROZEN
    organisation: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    label: str = Field(min_length=1, description="what the charter calls this contact")
    required: bool = True


# R15: the words a row of the roles table may use. The four roles are granted (agency, region
# and auditor per programme, referent per pilot); "funder" is the role of the funding
# scheme's funder; "any" is any principal holding a role; "operator" is the process that
# holds the database itself (maintenance, no principal); "system:…" are reserved principals
# that only parcours' own scheduler and retention purge act as.
GRANTED_ROLES = ("agency", "region", "referent", "auditor")
PROGRAMME_ROLES = ("agency", "region", "auditor")
SYSTEM_PRINCIPALS = ("system:scheduler", "system:retention")
ROLE_WORDS = (*GRANTED_ROLES, "funder", "any", "operator", *SYSTEM_PRINCIPALS)


class ActRule(BaseModel):
    """One row of the roles table: who may perform an act, under which rule, and the line of
    the charter that says so."""

    model_config = _FROZEN
    roles: tuple[str, ...] = Field(min_length=1, strict=False)
    rule: str = Field(pattern=r"^R\d{1,2}$")
    charter: str = Field(min_length=1, description="the charter's words for this act")
    # Roles that read the act's result with personal values replaced by "[personal]".
    masked: tuple[str, ...] = Field(default=(), strict=False)

    @model_validator(mode="after")
    def _known_words(self) -> Self:
        unknown = [r for r in (*self.roles, *self.masked) if r not in ROLE_WORDS]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; known: {', '.join(ROLE_WORDS)}")
        if not set(self.masked) <= set(self.roles):
            raise ValueError("a masked role must be one of the row's roles")
        if len(self.roles) > 1 and {"operator", *SYSTEM_PRINCIPALS} & set(self.roles):
            raise ValueError("operator and system principals act alone: no other role beside")
        return self


@functools.cache
def charter_roles() -> dict[str, ActRule]:
    """R15 as the charter states it: the `[roles]` table of the built-in grand-est-2024. A
    programme states only the rows it changes; the others are the charter's."""
    resource = resources.files("parcours") / "programmes" / "grand-est-2024.toml"
    table = tomllib.loads(resource.read_text(encoding="utf-8"))["roles"]
    return {act: ActRule.model_validate(row) for act, row in table.items()}


class Programme(BaseModel):
    model_config = _FROZEN
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    title: str = Field(min_length=1)
    timezone: str = "Europe/Paris"
    themes: tuple[str, ...] = Field(min_length=1, strict=False)
    end_of_experiment: EndOfExperiment = EndOfExperiment()
    mise_en_oeuvre: MiseEnOeuvre = MiseEnOeuvre()
    indicator_reports: IndicatorReports = IndicatorReports()
    controller: Controller | None = Field(default=None, description="R14")
    programme_contacts: tuple[ContactRole, ...] = Field(default=(), strict=False)
    calendar: Calendar
    time_budget: TimeBudget
    follow_ups: FollowUps
    rex: Rex
    retention: Retention
    # R2: "le temps de l'expérimentation, qui prendra fin en janvier 2026" (inclusive). A
    # definition made before it existed ends its experiment with its retention (R13).
    experiment_ends: date = Field(
        default_factory=lambda fields: _end_of_retention(fields),
        description="R2: the last day of the experiment",
    )
    funding_schemes: tuple[FundingScheme, ...] = Field(default=(), strict=False)
    working_groups: tuple[WorkingGroup, ...] = Field(default=(), strict=False)  # R7, by date
    # R15: act -> who may perform it (see ActRule); rows not stated are the charter's.
    roles: dict[str, ActRule] = Field(default_factory=dict, validate_default=True)

    @field_validator("roles")
    @classmethod
    def _over_the_charter(cls, rows: dict[str, ActRule]) -> dict[str, ActRule]:
        charter = charter_roles()
        unknown = sorted(set(rows) - set(charter))
        if unknown:
            raise ValueError(f"unknown act {unknown[0]!r} in the roles table")
        return {**charter, **rows}

    def act_rule(self, act: str) -> ActRule | None:
        """The row of the roles table for `act` (None: no such act, so no one may)."""
        return self.roles.get(act)

    # The first day the programme records a fact (a charter signed, a REX session, an
    # indicator's period); with the end of the experiment it bounds every business date (R2).
    # Declared last: a definition without it is given one from the fields above.
    opens: date = Field(
        default_factory=lambda fields: _first_year_of(fields),
        description="R2: first day of the programme's window",
    )

    @model_validator(mode="after")
    def _opens_before_the_end(self) -> Self:
        if self.opens > self.retention.until:
            raise ValueError("opens is after retention.until: the window would be empty")
        return self

    @model_validator(mode="after")
    def _working_groups_within(self) -> Self:
        # R7: a group meets on a theme of the programme, inside its window (R2).
        for group in self.working_groups:
            if group.theme not in self.themes:
                raise ValueError(f"working_groups: {group.theme!r} is not one of the themes")
            if not self.opens <= group.starts.date() <= self.experiment_ends:
                raise ValueError(
                    f"working_groups: {group.starts} is outside opens..experiment_ends"
                )
        return self

    def working_group(self, theme: str) -> WorkingGroup | None:
        return next((g for g in self.working_groups if g.theme == theme), None)

    def funding_scheme(self, scheme_id: str) -> FundingScheme:
        for scheme in self.funding_schemes:
            if scheme.id == scheme_id:
                return scheme
        if not self.funding_schemes:
            # R16: a programme whose charter names no call (Grand Est's) says so, rather than
            # listing "none" as if a scheme of that name existed.
            raise InvalidInput("scheme", "input.no_scheme", scheme=scheme_id, programme=self.id)
        known = ", ".join(s.id for s in self.funding_schemes)
        raise InvalidInput("scheme", "input.unknown_scheme", scheme=scheme_id, known=known)

    @model_validator(mode="after")
    def _experiment_within_retention(self) -> Self:
        if self.experiment_ends > self.retention.until:
            raise ValueError("experiment_ends is after retention.until (R2, R13)")
        organisations = [c.organisation for c in self.programme_contacts]
        if len(set(organisations)) != len(organisations):
            raise ValueError("programme_contacts: one entry per organisation")
        return self

    def contact_role(self, organisation: str) -> ContactRole:
        for role in self.programme_contacts:
            if role.organisation == organisation:
                return role
        known = ", ".join(r.organisation for r in self.programme_contacts) or "none"
        raise InvalidInput(
            "organisation", "input.unknown_organisation", organisation=organisation, known=known
        )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_toml(cls, text: str, source: str = "<text>") -> Programme:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProgrammeError("error.programme_toml", source=source, detail=str(exc)) from exc
        return cls.from_mapping(data, source)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "<mapping>") -> Programme:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "(root)"
            raise ProgrammeError(
                "error.programme_field", source=source, field=field, detail=first["msg"]
            ) from exc


def _first_year_of(fields: dict[str, Any]) -> date:
    """A definition written before `opens` existed (a TOML file, or one kept in a database by
    an earlier version) opens on 1 January of its first year: the earliest of its REX years
    and of its diagnostic window. Grand Est's data would give its own `opens`, 2024-01-01."""
    years = [fields["time_budget"].diagnostic_window_start.year] if "time_budget" in fields else []
    if "rex" in fields:
        years += list(fields["rex"].required)
    if not years:  # the definition is invalid anyway; pydantic names what is missing
        return date.min
    return date(min(years), 1, 1)


def builtin_ids() -> list[str]:
    folder = resources.files("parcours") / "programmes"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_programme(name_or_path: str | Path) -> Programme:
    """A built-in programme by id (`grand-est-2024`), or a definition from a TOML file."""
    text = str(name_or_path)
    if text in builtin_ids():
        resource = resources.files("parcours") / "programmes" / f"{text}.toml"
        return Programme.from_toml(resource.read_text(encoding="utf-8"), source=text)
    path = Path(text)
    if path.suffix == ".toml" and path.is_file():
        return Programme.from_toml(path.read_text(encoding="utf-8"), source=str(path))
    raise ProgrammeError("error.unknown_programme", programme=text, known=builtin_ids())
