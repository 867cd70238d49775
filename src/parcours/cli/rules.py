"""`parcours regles` (alias `parcours rules`): the rules R1-R16 shipped with parcours, each
with the charter's sentence, where it is enforced and the test that pins it; and
`parcours --version` (the root's option, `VersionOption`).

French by default; `--lang en` or `PARCOURS_LANG=en` for English (`formats.language`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from parcours import rules
from parcours.catalogue import active, translate
from parcours.formats import Lang, language

# The command's words: `rules.<key>` in the one catalogue.
LABELS = ("charter", "enforced", "tests", "rule", "help")


def _words(lang: Lang) -> dict[str, str]:
    return {key: translate(f"rules.{key}", lang) for key in LABELS}


Lang_ = Annotated[
    str | None,
    typer.Option("--lang", help="fr (default) or en; else $PARCOURS_LANG."),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"parcours {version('parcours')}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        callback=_version,
        is_eager=True,
        help="Print parcours' version and exit.",
    ),
]


def regles(
    rule: Annotated[
        list[str] | None, typer.Argument(help="Only these rules, e.g. R10 R15.")
    ] = None,
    lang: Lang_ = None,
    full: Annotated[bool, typer.Option("--full", help="Also the rule's whole text.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Les règles R1–R16 : la phrase de la charte, où chacune est appliquée, le test qui la
    fixe (--lang en : in English)."""
    try:
        # its own --lang, else the shell's (--lang before the command, PARCOURS_LANG)
        chosen = language(lang) if lang else active()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    wanted = {r.strip().upper() for r in rule or []}
    table = [r for r in rules.rules(chosen) if not wanted or r.id in wanted]
    unknown = wanted - {r.id for r in table}
    if unknown:
        raise typer.BadParameter(", ".join(sorted(unknown)) + " : R1–R16", param_hint="RULE")
    if as_json:
        typer.echo(
            json.dumps([r.__dict__ for r in table], ensure_ascii=False, indent=2, default=list)
        )
        return
    say = _words(chosen)
    colon = " : " if chosen == "fr" else ": "  # French puts a space before the colon
    out = Console(highlight=False)
    for r in table:
        out.print(f"[bold]{r.id}[/bold] — ", end="")
        out.print(r.title, markup=False)
        out.print(f"  {say['charter']} ({r.source}){colon}« {r.charter} »", markup=False)
        if full:
            out.print(f"  {say['rule']}{colon}{r.text}", markup=False)
        out.print(f"  {say['enforced']}{colon}{', '.join(r.enforced)}", markup=False)
        out.print(f"  {say['tests']}{colon}{', '.join(r.tests)}", markup=False)
        out.print()


commands = typer.Typer()
commands.command("regles")(regles)
commands.command("rules", help=translate("rules.help", "en"))(regles)
