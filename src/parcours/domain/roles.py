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

The messages are French, the users' language; every phrase is in `FR` below, so that a
message catalogue can take them over in one move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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

FR = {
    "refused": "{rules} : {who} {act} ({principal} {holds})",
    "one": "seul{e} {role} peut",
    "many": "seuls {roles} peuvent",
    "holds": "détient {roles}",
    "holds_nothing": "ne détient aucun rôle",
    "elsewhere": "{role} dans {programme}",
    "other_pilot": "referent d'un autre pilote",
    "reserved": (
        "R15 : {principal} est un principal réservé à parcours ; aucun appelant ne peut agir "
        "sous ce nom ({act})"
    ),
    "system_own_acts": "R15 : {principal} n'accomplit que ses propres actes, pas : {act}",
    "no_row": (
        "R15 : aucun rôle ne permet de {act} (aucune ligne dans la table des rôles ; "
        "{principal} {holds})"
    ),
    "closed": (
        "R15 : aucun rôle n'est encore attribué ; seul le premier acte est accepté, qui donne "
        "le rôle agency à son propre auteur (parcours grant {principal} agency) ; "
        "{principal} ne détient aucun rôle"
    ),
    "first_agency": (
        "R15 : {programme} n'a pas encore d'agence ; seul un principal qui détient agency "
        "dans un autre programme peut la nommer ({principal} {holds})"
    ),
}
ROLES_FR = {
    "agency": ("l'Agence", "e"),
    "region": ("la Région", "e"),
    "referent": ("un référent de ce pilote", ""),
    "auditor": ("un auditeur", ""),
    "funder": ("le financeur du dispositif", ""),
    "any": ("un principal qui détient un rôle", ""),
    "operator": ("le processus d'exploitation", ""),
    "system:scheduler": ("le planificateur de parcours", ""),
    "system:retention": ("la purge de parcours", ""),
}
ACTS_FR = {
    "enroll": "inscrire un pilote",
    "designate_referent": "désigner un référent",
    "designate_programme_contact": "désigner un chef de projet du programme",
    "programme_contacts": "lire les contacts du programme",
    "rectify_contact": "rectifier un contact",
    "record_objection": "enregistrer une opposition",
    "erase_person": "effacer une personne",
    "start_diagnostic": "ouvrir le diagnostic",
    "complete_diagnostic": "clore le diagnostic",
    "start_deployment": "ouvrir le déploiement",
    "start_evaluation": "ouvrir l'évaluation",
    "close": "clore le Parcours d'un pilote",
    "withdraw": "constater le retrait d'un pilote",
    "log_time": "déclarer du temps passé",
    "recommend_project": "recommander un projet",
    "frame_project": "cadrer un projet",
    "report_indicator": "faire remonter un indicateur",
    "record_follow_up": "enregistrer un temps de suivi",
    "record_rex": "enregistrer une participation à un REX",
    "schedule_rex": "programmer un REX",
    "raise_alert": "prévenir d'un changement ou d'un enjeu de confidentialité",
    "request_communication": "demander une communication",
    "decide_communication": "décider d'une communication",
    "publish_communication": "publier une communication",
    "record_evaluation": "enregistrer l'évaluation",
    "source_solution": "enregistrer une solution",
    "identify_funding": "identifier un financement",
    "decide_funding": "enregistrer la décision de financement",
    "raise_blocker": "signaler un frein",
    "lift_blocker": "lever un frein",
    "grant": "attribuer un rôle",
    "revoke": "retirer un rôle",
    "get_pilot": "lire un pilote",
    "history": "lire l'historique d'un pilote",
    "export_audit": "exporter la piste d'audit d'un pilote",
    "role_history": "lire l'historique des rôles",
    "export_personal_data": "exporter les données personnelles d'une personne",
    "list_pilots": "lister les pilotes",
    "dashboard": "lire le tableau de bord",
    "indicators": "lire les indicateurs",
    "rex_sessions": "lire les sessions de REX",
    "time_budget": "lire le budget de temps",
    "follow_up_cadence": "lire la cadence de suivi",
    "rex_attendance": "lire la participation aux REX",
    "report_html": "produire le rapport de la cohorte",
    "verify_audit_trail": "vérifier la piste d'audit",
    "verify_purge": "vérifier la purge",
    "principals": "lister les rôles attribués",
    "register_programme": "enregistrer un programme",
    "refresh_dashboard": "tenir le tableau de bord à jour",
    "checkpoint_audit_trail": "poser un point de contrôle d'audit",
    "catch_up_projections": "rattraper les vues",
    "projection_lag": "mesurer le retard des vues",
    "rebuild_projections": "reconstruire les vues",
    "check_projections": "contrôler les vues",
    "dead_letters": "lister les événements que les vues n'ont pu intégrer",
    "retry_dead_letters": "réintégrer les événements mis de côté",
    "redact": "rendre illisible un texte libre",
    "rotate_master_key": "renouveler la clé de chiffrement des clés",
    "erasure_report": "rendre compte d'un effacement",
    "seal_clear_text": "sceller les textes libres laissés en clair",
    "audit_receipt": "émettre un reçu d'audit signé",
    "audit_public_key": "publier la clé publique des reçus",
    "prove_pilot": "prouver l'inclusion des événements d'un pilote",
    "verify_pilot_proofs": "vérifier les preuves d'un pilote",
    "purge_expired": "purger les données expirées",
    "evaluate_deadlines": "évaluer les échéances",
    "purge": "purger les données personnelles d'un pilote",
}


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
    label = ACTS_FR.get(q.act, q.act)
    if q.principal.startswith(SYSTEM_PREFIX) or q.system:
        return _system(q, tables, label)
    if not q.store_open:
        if q.act == "grant" and q.role == "agency" and q.subject == q.principal:
            return Permit(act=q.act, principal=q.principal, roles=("agency",), opens_store=True)
        raise _refusal(q, FR["closed"].format(principal=q.principal))
    if q.act == "grant" and q.role == "agency" and not q.programme_staffed:
        if any(g.role == "agency" for g in q.grants):
            return Permit(act=q.act, principal=q.principal, roles=("agency",), first_agency=True)
        holds = _holds(q.grants, q.programme, None)
        text = FR["first_agency"].format(programme=q.programme, principal=q.principal, holds=holds)
        raise _refusal(q, text, ("agency",))
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
        raise _refusal(q, FR["no_row"].format(act=label, principal=q.principal, holds=holds))
    needed = _needed(row, scope_table, q.role)
    text = FR["refused"].format(
        rules=row.rule if row.rule == "R15" else f"{row.rule}/R15",
        who=_who(needed),
        act=label,
        principal=q.principal,
        holds=_holds(q.grants, q.programme, q.pilot_id),
    )
    raise _refusal(q, text, needed)


def _refusal(q: Question, message: str, needed: tuple[str, ...] = ()) -> NotAuthorised:
    return NotAuthorised(message, act=q.act, principal=q.principal, needed=needed)


def _system(q: Question, tables: Mapping[str, Programme], label: str) -> Permit:
    """A `system:` principal: only parcours' own scheduler and purge act as one, and only
    their own acts; a caller naming one is refused whatever the act."""
    if not q.system or q.principal not in SYSTEM_PRINCIPALS:
        raise _refusal(q, FR["reserved"].format(principal=q.principal, act=label))
    own = tables.get(q.programme) if q.programme is not None else None
    scoped = [own] if own is not None else list(tables.values())
    rows = [t.act_rule(q.act) for t in scoped]
    if any(row is not None and q.principal in row.roles for row in rows):
        return Permit(act=q.act, principal=q.principal, roles=(q.principal,))
    raise _refusal(q, FR["system_own_acts"].format(principal=q.principal, act=label))


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


def _who(needed: tuple[str, ...]) -> str:
    names = [ROLES_FR.get(r, (r, ""))[0] for r in needed]
    if len(names) == 1:
        return FR["one"].format(e=ROLES_FR.get(needed[0], ("", ""))[1], role=names[0])
    return FR["many"].format(roles=", ".join(names[:-1]) + " ou " + names[-1])


def _holds(grants: Sequence[Grant], programme: str | None, pilot_id: str | None) -> str:
    if not grants:
        return FR["holds_nothing"]
    described: list[str] = []
    for g in grants:
        if programme is None or _in_scope(g, programme, pilot_id):
            text = g.role
        elif g.role == "referent" and g.programme == programme:
            text = FR["other_pilot"]
        else:
            text = FR["elsewhere"].format(role=g.role, programme=g.programme)
        if text not in described:
            described.append(text)
    return FR["holds"].format(roles=", ".join(described))


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
