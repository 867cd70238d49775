"""Who may do what (R15): a pure function over the programme's roles table.

`check(...)` answers one question: may this principal, holding these grants, perform this
act on this pilot (or in this programme) right now? It returns a `Permit` (which roles
allowed it, whether personal values must be masked, in which programmes) or raises
`NotAuthorised` citing R15 and the act's own rule. It reads nothing: the caller hands it the
principal's grants (one indexed query) and the pilot's programme.

Why not pycasbin: our policy is one table of ~60 rows (act -> roles) plus two scopes
(programme, pilot) and three special cases (the first grant, a new programme's first agency,
the reserved system principals). A dict lookup and a loop over a principal's handful of
grants answer in microseconds, the table stays in the programme's TOML where officers read
it, and the refusal can say in French which rule refused. pycasbin would add a model
language, a second copy of the table and, per DESIGN.md, 0.15-3 ms a check.

The messages are French first, the users' language, and English on request: every phrase is
a key of the catalogue (catalogue.py), rendered when the refusal is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parcours.catalogue import Msg, translate
from parcours.errors import NotAuthorised
from parcours.programme import (
    GRANTED_ROLES,
    PROGRAMME_ROLES,
    SYSTEM_PRINCIPALS,
    ActRule,
    FundingScheme,
    Programme,
)

SYSTEM_PREFIX = "system:"
# What an auditor reads in place of a personal value (R12: personal data is for the agency
# and the Region, and a referent for its own pilot).
MASKED = "[personal]"

# Every phrase is in the catalogue (catalogue.py): "roles.<message>", "role.<role>",
# "role_only.<role>" and "act.<act>" (the act's label; a test fails without one).
ACTS: tuple[str, ...] = (
    "enroll",
    "designate_referent",
    "designate_programme_contact",
    "programme_contacts",
    "rectify_contact",
    "record_objection",
    "erase_person",
    "start_diagnostic",
    "complete_diagnostic",
    "start_deployment",
    "start_evaluation",
    "close",
    "withdraw",
    "log_time",
    "recommend_project",
    "frame_project",
    "report_indicator",
    "record_follow_up",
    "record_rex",
    "schedule_rex",
    "raise_alert",
    "request_communication",
    "decide_communication",
    "publish_communication",
    "record_evaluation",
    "source_solution",
    "identify_funding",
    "decide_funding",
    "raise_blocker",
    "lift_blocker",
    "grant",
    "revoke",
    "get_pilot",
    "history",
    "export_audit",
    "role_history",
    "export_personal_data",
    "list_pilots",
    "pilot_references",
    "resolve_pilot",
    "dashboard",
    "indicators",
    "rex_sessions",
    "time_budget",
    "follow_up_cadence",
    "rex_attendance",
    "report_html",
    "verify_audit_trail",
    "verify_purge",
    "principals",
    "register_programme",
    "refresh_dashboard",
    "checkpoint_audit_trail",
    "catch_up_projections",
    "projection_lag",
    "rebuild_projections",
    "check_projections",
    "dead_letters",
    "retry_dead_letters",
    "redact",
    "rotate_master_key",
    "erasure_report",
    "seal_clear_text",
    "audit_receipt",
    "audit_public_key",
    "prove_pilot",
    "verify_pilot_proofs",
    "purge_expired",
    "evaluate_deadlines",
    "purge",
)
# The French labels, as the tests and the README read them.
ACTS_FR = {act: translate(f"act.{act}", "fr") for act in ACTS}


@dataclass(frozen=True)
class Grant:
    """A role held: `agency`, `region`, `auditor` in a programme; `referent` of one pilot
    (whose programme is `programme` too)."""

    principal: str
    role: str
    programme: str
    pilot_id: str | None = None


@dataclass(frozen=True)
class Question:
    """Everything `check` needs to know, gathered by the caller before the pilot is loaded.

    `programme`/`pilot_id` scope the act (a pilot's acts carry both); an act with neither (an
    export by email, a cohort view) is asked of every programme where the principal holds a
    role. `system` is True only for parcours' own scheduler and purge, which the pipeline
    tells from a caller's string. `role` and `subject`: for grant and revoke, the role and
    the principal concerned; for decide_funding, `role` is the scheme's funder role once
    the funding line is known. `store_open`: some principal holds a role somewhere.
    `programme_staffed`: the programme of a grant has an agency already."""

    act: str
    principal: str
    grants: tuple[Grant, ...] = ()
    programme: str | None = None
    pilot_id: str | None = None
    system: bool = False
    role: str | None = None
    subject: str | None = None
    store_open: bool = True
    programme_staffed: bool = True


@dataclass(frozen=True)
class Permit:
    """Why an act was allowed: the roles that allowed it, whether personal values are masked
    for this principal, and the programmes where a permitting role is held."""

    act: str
    principal: str
    roles: tuple[str, ...]
    masked: bool = False
    programmes: frozenset[str] = frozenset()
    # Allowed as the store's very first grant, or as a programme's first agency: the grant
    # must find the store (the programme) still without one when it commits.
    opens_store: bool = False
    first_agency: bool = False


OPERATOR = Permit(act="*", principal="operator", roles=("operator",))


def funder_role(scheme: FundingScheme) -> str:
    """The role that records a funding decision of this scheme (R15, R16)."""
    return "region" if scheme.funder == "region" else "agency"


def funder_roles(programme: Programme) -> tuple[str, ...]:
    """Every role that may record a funding decision of some scheme of the programme."""
    return tuple(sorted({funder_role(s) for s in programme.funding_schemes})) or ("agency",)


def check(q: Question, tables: Mapping[str, Programme]) -> Permit:
    """May `q.principal` perform `q.act` now? `tables` maps each programme that matters (the
    act's, or every programme where the principal holds a role) to its definition, whose
    roles table answers. A `Permit`, or `NotAuthorised` citing R15 and the act's rule."""
    # An act parcours does not know has no label: the refusal names it as it was asked.
    label: str | Msg = Msg(f"act.{q.act}") if q.act in ACTS else q.act
    if q.principal.startswith(SYSTEM_PREFIX) or q.system:
        return _system(q, tables, label)
    if not q.store_open:
        if q.act == "grant" and q.role == "agency" and q.subject == q.principal:
            return Permit(act=q.act, principal=q.principal, roles=("agency",), opens_store=True)
        raise _refusal(q, "roles.closed")
    if q.act == "grant" and q.role == "agency" and not q.programme_staffed:
        if any(g.role == "agency" for g in q.grants):
            return Permit(act=q.act, principal=q.principal, roles=("agency",), first_agency=True)
        holds = _holds(q.grants, q.programme, None)
        raise _refusal(q, "roles.first_agency", ("agency",), programme=q.programme, holds=holds)
    scopes = [q.programme] if q.programme is not None else sorted({g.programme for g in q.grants})
    allowed: dict[str, tuple[str, ...]] = {}
    masked = True
    for scope in scopes:
        row = tables[scope].act_rule(q.act) if scope in tables else None
        if row is None:
            continue
        held = {g.role for g in q.grants if _in_scope(g, scope, q.pilot_id)}
        permitting = tuple(
            r for r in _needed(row, tables[scope], q.role) if r in held or (r == "any" and q.grants)
        )
        if permitting:
            allowed[scope] = permitting
            masked = masked and all(r in row.masked for r in permitting)
    if allowed:
        return Permit(
            act=q.act,
            principal=q.principal,
            roles=tuple(sorted({r for rs in allowed.values() for r in rs})),
            masked=masked,
            programmes=frozenset(allowed),
        )
    scope_table = tables.get(q.programme) if q.programme is not None else None
    row = scope_table.act_rule(q.act) if scope_table is not None else _any_row(q.act, tables)
    if row is None:
        holds = _holds(q.grants, q.programme, q.pilot_id)
        raise _refusal(q, "roles.no_row", label=label, holds=holds)
    needed = _needed(row, scope_table, q.role)
    raise _refusal(
        q,
        "roles.refused",
        needed,
        rules=row.rule if row.rule == "R15" else f"{row.rule}/R15",
        who=_who(needed),
        label=label,
        holds=_holds(q.grants, q.programme, q.pilot_id),
    )


def _refusal(
    q: Question, key: str, needed: tuple[str, ...] = (), **params: object
) -> NotAuthorised:
    return NotAuthorised(key, act=q.act, principal=q.principal, needed=needed, **params)


def _system(q: Question, tables: Mapping[str, Programme], label: str | Msg) -> Permit:
    """A `system:` principal: only parcours' own scheduler and purge act as one, and only
    their own acts; a caller naming one is refused whatever the act."""
    if not q.system or q.principal not in SYSTEM_PRINCIPALS:
        raise _refusal(q, "roles.reserved", label=label)
    own = tables.get(q.programme) if q.programme is not None else None
    scoped = [own] if own is not None else list(tables.values())
    rows = [t.act_rule(q.act) for t in scoped]
    if any(row is not None and q.principal in row.roles for row in rows):
        return Permit(act=q.act, principal=q.principal, roles=(q.principal,))
    raise _refusal(q, "roles.system_own_acts", label=label)


def _needed(rule: ActRule, programme: Programme | None, funder: str | None) -> tuple[str, ...]:
    """The roles a row asks for, with `funder` resolved to the role that records it."""
    needed: list[str] = []
    for role in rule.roles:
        if role != "funder":
            needed.append(role)
        elif funder is not None:
            needed.append(funder)
        elif programme is not None:
            needed.extend(funder_roles(programme))
        else:
            needed.extend(("region", "agency"))
    return tuple(dict.fromkeys(needed))


def _in_scope(grant: Grant, programme: str, pilot_id: str | None) -> bool:
    if grant.programme != programme:
        return False
    if grant.role == "referent":
        return pilot_id is not None and grant.pilot_id == pilot_id
    return grant.role in PROGRAMME_ROLES


def _any_row(act: str, tables: Mapping[str, Programme]) -> ActRule | None:
    for table in tables.values():
        row = table.act_rule(act)
        if row is not None:
            return row
    return None


def _who(needed: tuple[str, ...]) -> Msg:
    if len(needed) == 1:
        return Msg(f"role_only.{needed[0]}")
    names = [Msg(f"role.{r}") for r in needed]
    return Msg("roles.many", roles=names[:-1], last=names[-1])


def _holds(grants: Sequence[Grant], programme: str | None, pilot_id: str | None) -> Msg:
    if not grants:
        return Msg("roles.holds_nothing")
    described: list[str | Msg] = []
    for g in grants:
        text: str | Msg
        if programme is None or _in_scope(g, programme, pilot_id):
            text = g.role
        elif g.role == "referent" and g.programme == programme:
            text = Msg("roles.other_pilot")
        else:
            text = Msg("roles.elsewhere", role=g.role, programme=g.programme)
        if text not in described:
            described.append(text)
    return Msg("roles.holds", roles=described)


def roles_markdown(programme: Programme) -> str:
    """The roles table as the README shows it (a test keeps the two equal)."""
    lines = ["| act | who may | rule | the charter |", "|---|---|---|---|"]
    for act, row in programme.roles.items():
        who = ", ".join(f"{r} (masked)" if r in row.masked else r for r in row.roles)
        charter = row.charter.replace("|", "\\|")
        lines.append(f"| `{act}` | {who} | {row.rule} | {charter} |")
    return "\n".join(lines)


__all__ = [
    "GRANTED_ROLES",
    "MASKED",
    "OPERATOR",
    "Grant",
    "Permit",
    "Question",
    "check",
    "funder_role",
    "funder_roles",
    "roles_markdown",
]
