"""The report's words, in French (the users' language, the default) and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["fr", "en"]

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Parcours — rapport de la cohorte",
        "generated": "État au",
        "timeline": "Calendrier de la cohorte",
        "timeline_desc": "Une ligne par collectivité pilote : ses phases dans le temps, "
        "les échéances R3 et R4 en traits verticaux, les manquements marqués d'une croix.",
        "budget": "Temps du référent opérationnel (R6)",
        "budget_desc": "Jours saisis par rapport au temps estimé par la charte, jusqu'à ce jour.",
        "rex": "Participation aux retours d'expérience (R7)",
        "rex_desc": "Sessions suivies sur sessions requises, par année.",
        "cadence": "Réunions de suivi par mois de déploiement (R5)",
        "cadence_desc": "Nombre de réunions de suivi par mois ; une case rouge est un mois "
        "sans réunion.",
        "alerts": "Alertes",
        "table": "Voir le tableau",
        "pilot": "Collectivité",
        "phase": "Phase",
        "since": "Depuis",
        "rule": "Règle",
        "severity": "Gravité",
        "message": "Constat",
        "budgeted": "Estimé (jours)",
        "logged": "Saisi (jours)",
        "status": "Statut",
        "year": "Année",
        "attended": "Suivies",
        "required": "Requises",
        "month": "Mois",
        "meetings": "Réunions",
        "no_alert": "Aucune alerte.",
        "due": "échéance",
        "missed": "manquement",
        "charter_signed": "charte signée",
        "diagnostic": "diagnostic",
        "framing": "cadrage",
        "deployment": "déploiement",
        "evaluation": "évaluation",
        "closed": "clôturé",
        "withdrawn": "retiré",
        "purged": "données purgées",
        "met": "atteint",
        "at risk": "à risque",
        "ok": "conforme",
        "over": "au-dessus",
        "under": "en dessous",
        "in progress": "en cours",
        "info": "information",
        "warning": "vigilance",
        "breach": "manquement",
    },
    "en": {
        "title": "Parcours — cohort report",
        "generated": "As of",
        "timeline": "Cohort timeline",
        "timeline_desc": "One row per pilot: its phases over time, the R3 and R4 due dates as "
        "vertical lines, breaches marked with a cross.",
        "budget": "Operational referent's time (R6)",
        "budget_desc": "Days logged against the charter's estimate, up to today.",
        "rex": "Experience-review attendance (R7)",
        "rex_desc": "Sessions attended out of sessions required, per year.",
        "cadence": "Follow-up meetings per deployment month (R5)",
        "cadence_desc": "Follow-up meetings per month; a red cell is a month without one.",
        "alerts": "Alerts",
        "table": "Show the table",
        "pilot": "Pilot",
        "phase": "Phase",
        "since": "Since",
        "rule": "Rule",
        "severity": "Severity",
        "message": "Finding",
        "budgeted": "Budget (days)",
        "logged": "Logged (days)",
        "status": "Status",
        "year": "Year",
        "attended": "Attended",
        "required": "Required",
        "month": "Month",
        "meetings": "Meetings",
        "no_alert": "No alert.",
        "due": "due",
        "missed": "missed",
        "charter_signed": "charter signed",
        "diagnostic": "diagnostic",
        "framing": "framing",
        "deployment": "deployment",
        "evaluation": "evaluation",
        "closed": "closed",
        "withdrawn": "withdrawn",
        "purged": "data purged",
        "met": "met",
        "at risk": "at risk",
        "ok": "ok",
        "over": "over",
        "under": "under",
        "in progress": "in progress",
        "info": "info",
        "warning": "warning",
        "breach": "breach",
    },
}


def words(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        from parcours.errors import InvalidInput

        raise InvalidInput("lang", "fr or en")
    return LABELS[lang]
