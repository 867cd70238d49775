"""`parcours scheduler tick --dry-run` (issue 20): what the tick would record, purge and send,
printed, and nothing changed (`DeadlineScheduler.plan`). `cli.py`'s `scheduler tick` hands
over to `show_plan` when the option is given."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from parcours.outputs import cell, markup

HELP = (
    "Affiche ce que le passage enregistrerait (rappels, manquements, purges) et enverrait "
    "(avis), sans rien écrire ; --at peut être à venir."
)
KINDS_FR = {
    "approaching": "rappel",
    "missed": "manquement",
    "met": "respectée",
    "retention": "fin de conservation",
}


def show_plan(plan: Any, out: Console) -> None:
    """The plan as tables, in French; personal values never printed (counts only)."""
    out.print(f"[bold]Simulation de l'échéancier à {markup(plan.now.isoformat())}[/bold]")
    out.print("Aucune écriture : rien n'est enregistré, purgé ni envoyé.")
    names = {n.pilot_id: n.pilot_name for n in plan.notices}
    names.update({p.pilot_id: p.name for p in plan.would_purge.would_purge})
    facts = Table("pilote", "type", "règle", "échéance", "constat", title="Serait enregistré")
    for r in plan.would_record:
        facts.add_row(
            cell(names.get(r.pilot_id, str(r.pilot_id))),
            KINDS_FR.get(r.kind, r.kind),
            r.rule,
            r.due.isoformat(),
            cell(r.observed),
        )
    out.print(facts)
    notices = Table(
        "pilote", "type", "règle", "échéance", "destinataires", "état", title="Serait envoyé"
    )
    for n in plan.notices:
        notices.add_row(
            cell(n.pilot_name),
            KINDS_FR.get(n.kind, n.kind),
            n.rule,
            n.due.isoformat(),
            str(n.recipients),
            "nouvel avis" if n.status == "new" else "en attente",
        )
    out.print(notices)
    if plan.notices and not plan.receivers:
        out.print(
            "Aucun destinataire n'est branché sur ce processus : ces avis resteraient en file."
        )
    purge = Table("pilote", "personnes", "clés de texte", title="Serait purgé (R13)")
    for p in plan.would_purge.would_purge:
        purge.add_row(cell(p.name), str(p.person_keys), str(p.text_keys))
    for programme in plan.would_purge_programme_contacts:
        purge.add_row(cell(f"contacts du programme {programme}"), "-", "-")
    out.print(purge)
    upkeep = [
        label
        for label, due in (
            ("point de contrôle de l'audit", plan.would_checkpoint),
            ("reçu signé du journal d'audit", plan.would_issue_receipt),
            ("rotation de la clé maîtresse", plan.would_rotate_keys),
        )
        if due
    ]
    out.print(
        f"{plan.evaluated} pilote(s) évalué(s) ; {len(plan.would_record)} fait(s), "
        f"{len(plan.notices)} avis, {len(plan.would_purge.pilots)} purge(s) ; "
        f"entretien : {', '.join(upkeep) or 'aucun'}"
    )
