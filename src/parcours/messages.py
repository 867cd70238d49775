"""The messages a user reads when a value is refused or the shell fails, in French first.

Officers of the agency and the Region read them, so French is the default. Each message lives
here once, under a key, so that a later catalogue (an English one, say) only has to supply the
same keys. A message names the field or the setting and what to do, cites the rule id where a
rule of the charter applies (RULES.md), and never carries a personal value.
"""

from __future__ import annotations

from typing import Any

FR: dict[str, str] = {
    # -- text (the input policy of inputs.py) ---------------------------------------------
    "text.expected": "texte attendu",
    "text.empty": "texte obligatoire, non vide",
    "text.too_long": "au plus {max} caractères (reçu {got})",
    "text.control": (
        "caractère de contrôle {code} refusé en position {at} "
        "(échappement de terminal ou octet invalide)"
    ),
    "text.line_break": (
        "retour à la ligne ou tabulation {code} refusé en position {at} : "
        "permis seulement dans un texte libre (description, constats…)"
    ),
    "text.surrogate": (
        "caractère {code} isolé refusé en position {at} : ce n'est pas de l'Unicode valide "
        "(un texte en Latin-1 plutôt qu'en UTF-8 ?)"
    ),
    "text.bidi": (
        "caractère de direction {code} refusé en position {at} : il ferait afficher le texte "
        "autrement qu'il n'est écrit"
    ),
    "text.surrounding_space": (
        "espace en début ou en fin de texte : retirez-le (rien n'est retiré en silence)"
    ),
    # -- identifiers ------------------------------------------------------------------------
    "actor.required": "obligatoire : qui agit, par exemple « agency:project-lead »",
    "actor.form": (
        "identifiant court de la forme « type:nom » (lettres, chiffres, - _ . @ et « : »), "
        "au plus {max} caractères, par exemple « agency:project-lead »"
    ),
    "period.form": "période attendue sous la forme 2025, 2025-Q2, 2025-S1 ou 2025-05",
    "period.outside": (
        "la période {period} ({first} – {last}) est hors de la fenêtre du programme {programme} "
        "({opens} – {ends}) (R2, R8)"
    ),
    # -- numbers ----------------------------------------------------------------------------
    "number.expected": "nombre attendu (pas un booléen)",
    "number.not_finite": "nombre fini attendu (ni NaN ni infini)",
    "number.range": "entre {low} et {high} attendu",
    # -- dates and instants -----------------------------------------------------------------
    "date.before_opens": ("le {day} est avant l'ouverture du programme {programme} ({opens}) (R2)"),
    "date.after_end": (
        "le {day} est après la fin de l'expérimentation du programme {programme} ({ends}) (R2)"
    ),
    "date.edge": (
        "{day} est au bord du calendrier (années {first} à {last} seulement) : les calculs "
        "d'échéances en sortiraient"
    ),
    "instant.expected": "date et heure attendues (datetime avec fuseau horaire)",
    "instant.naive": "fuseau horaire requis, par exemple datetime(..., tzinfo=UTC)",
    "instant.future": (
        "{instant} est après l'heure de l'horloge ({now}) : un instant à venir déclencherait "
        "échéances et purge avant l'heure (R13)"
    ),
    # -- settings ---------------------------------------------------------------------------
    "setting.integer": "{name} : nombre entier ≥ 0 attendu",
    "setting.flag": "{name} : 0 ou 1 attendu",
    "setting.choice": "une valeur parmi {choices} attendue",
    "setting.invalid": "réglage invalide : {field} : {detail}",
    # -- the shell's error boundary (cli_errors.py) -----------------------------------------
    "cli.prefix": "error: ",
    "cli.debug_hint": " (détail : --debug ou PARCOURS_DEBUG=1)",
    "db.url": (
        "--db / PARCOURS_DATABASE_URL : URL de base de données non reconnue{detail} ; "
        "exemples : sqlite:///parcours.db, postgresql+psycopg://utilisateur@hôte/base"
    ),
    "db.driver": (
        "--db / PARCOURS_DATABASE_URL : pilote « {module} » absent ; pour PostgreSQL, écrivez "
        "postgresql+psycopg://… (pip install 'parcours[postgres]')"
    ),
    "db.unreachable": (
        "base de données inaccessible : {reason} ; vérifiez --db / PARCOURS_DATABASE_URL, "
        "que le serveur tourne et que le fichier ou son dossier existe et est accessible en "
        "écriture"
    ),
    "db.not_a_database": (
        "ce fichier n'est pas une base de données SQLite (ou il est chiffré ou abîmé) : "
        "vérifiez --db / PARCOURS_DATABASE_URL"
    ),
    "db.newer": (
        "la base contient {what} que cette version de parcours ne connaît pas : elle a sans "
        "doute été écrite par une version plus récente ; mettez parcours à jour"
    ),
    "db.schema": (
        "la base n'a pas le schéma attendu par cette version ({reason}) : a-t-elle été écrite "
        "par une autre version de parcours ?"
    ),
    "db.other": "erreur de la base de données ({kind}) : {reason}",
    "os.error": "fichier {path} : {reason}",
    "os.error_no_path": "erreur du système : {reason}",
    "os.ENOENT": "dossier ou fichier introuvable",
    "os.EACCES": "permission refusée",
    "os.EPERM": "opération non permise",
    "os.EISDIR": "c'est un dossier, pas un fichier",
    "os.ENOTDIR": "un élément du chemin n'est pas un dossier",
    "os.ENOSPC": "plus de place sur le disque",
    "os.EROFS": "système de fichiers en lecture seule",
    "interrupted": "interrompu",
    "unexpected": "erreur inattendue ({kind})",
    "audit.not_an_export": (
        "ce fichier n'est pas un export d'historique (parcours audit export --out FICHIER)"
    ),
}


def say(key: str, **values: Any) -> str:
    """The message `key`, filled with `values` (which are never personal)."""
    return FR[key].format(**values)
