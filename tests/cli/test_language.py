"""French first, English available (issue 20): the shell's help, click's own words, the
messages and the errors read in French by default, in English with `--lang en` or
`PARCOURS_LANG=en`; `--json` stays machine-readable whatever the language."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from parcours import catalogue
from parcours.cli import cli, language
from parcours.errors import PhaseError
from tests.support.roles import REGION


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/lang.db")
    monkeypatch.setenv("PARCOURS_ACTOR", "agency:project-lead")
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # one help line per option: the texts stay whole
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _enrolled(shell) -> str:  # type: ignore[no-untyped-def]
    for grant in (["grant", "agency:project-lead", "agency"], ["grant", REGION, "region"]):
        assert shell(*grant)[0] == 0
    code, out, err = shell("enroll", "CC Ardenne", "--charter-signed-on", "2024-09-02")
    assert code == 0, err
    return out.strip()


def test_the_root_help_reads_entirely_in_french_by_default(shell) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = shell("--help")
    assert code == 0
    for french in (
        "Utilisation : parcours [OPTIONS] COMMANDE [ARGS]...",
        "Afficher ce message et quitter.",
        "Commandes",
        "Inscrire un pilote qui a signé la charte",
        "Langue des textes : fr (par défaut) ou en",
    ):
        assert french in out, french
    for english in ("Usage:", "Show this message", "Commands", "Enrol a pilot"):
        assert english not in out, english


def test_a_command_help_reads_in_french_with_clicks_words_too(shell) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = shell("enroll", "--help")
    assert code == 0
    for french in (
        "Utilisation : parcours enroll [OPTIONS] NAME",
        "Le nom de la collectivité.",
        "--programme                TEXTE",
        "[obligatoire]",
        "[par défaut : cli]",
        "[variable d'environnement : PARCOURS_ACTOR]",
        "Afficher ce message et quitter.",
    ):
        assert french in out, french
    assert "[required]" not in out
    assert "[default:" not in out


@pytest.mark.parametrize("how", ["option", "environment"])
def test_english_on_request(shell, monkeypatch: pytest.MonkeyPatch, how: str) -> None:  # type: ignore[no-untyped-def]
    args = ["enroll", "--help"]
    if how == "option":
        args = ["--lang", "en", *args]
    else:
        monkeypatch.setenv("PARCOURS_LANG", "en")
    code, out, _ = shell(*args)
    assert code == 0
    for english in (
        "Usage: parcours enroll [OPTIONS] NAME",
        "Enrol a pilot that signed the charter; prints its id.",
        "The local authority's name.",
        "[required]",
        "[default: cli]",
        "Show this message and exit.",
    ):
        assert english in out, english
    assert "Utilisation" not in out


def test_the_option_wins_over_the_environment(shell, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARCOURS_LANG", "en")
    assert "Utilisation :" in shell("--lang", "fr", "--help")[1]
    assert "Usage:" in shell("--lang=en", "--help")[1]


def test_each_run_has_its_own_language(shell) -> None:  # type: ignore[no-untyped-def]
    """click is patched for the process: a French run after an English one is French again,
    and the library's own default is back once the shell is done."""
    assert "Usage:" in shell("--lang", "en", "--help")[1]
    assert "Utilisation :" in shell("--help")[1]
    assert "Usage:" in shell("--lang", "en", "--help")[1]
    assert catalogue.active() == "fr"  # PARCOURS_LANG unset: the shell's English is gone
    assert str(PhaseError("close", "diagnostic")).startswith("R1 : ")


def test_a_rule_refusal_is_one_french_line_with_its_rule_id(shell) -> None:  # type: ignore[no-untyped-def]
    pilot = _enrolled(shell)
    code, out, err = shell("start-diagnostic", pilot, "--on", "2024-09-16")
    assert code == 1
    assert err == (
        "erreur : R11 : le diagnostic ne peut pas commencer sans référent opérationnel\n"
    )
    assert out == ""
    code, _, err = shell("--lang", "en", "start-diagnostic", pilot, "--on", "2024-09-16")
    assert code == 1
    assert err == "error: R11: the diagnostic cannot start without an operational referent\n"


def test_a_phase_refusal_names_the_act_and_the_phase_in_french(shell) -> None:  # type: ignore[no-untyped-def]
    pilot = _enrolled(shell)
    code, _, err = shell("close", pilot)
    assert code == 1
    assert err.startswith("erreur : R1 : « clore le Parcours d'un pilote » est impossible")
    assert "« charte signée »" in err
    assert err.count("\n") == 1


def test_an_authorisation_refusal_reads_in_french_then_english(shell) -> None:  # type: ignore[no-untyped-def]
    pilot = _enrolled(shell)
    code, _, err = shell("log-time", pilot, "--days", "1", "--actor", REGION)
    assert code == 1
    assert err.startswith("erreur : R6/R15 : seul un référent de ce pilote peut déclarer du temps")
    code, _, err = shell("--lang", "en", "log-time", pilot, "--days", "1", "--actor", REGION)
    assert err.startswith("error: R6/R15: only a referent of this pilot may log time")


def test_clicks_usage_mistakes_read_in_french(shell) -> None:  # type: ignore[no-untyped-def]
    code, _, err = shell("enroll")
    assert code == 2
    assert err == "erreur : Argument manquant 'NAME'. (parcours enroll --help)\n"
    code, _, err = shell("enroll", "X", "--no-such-option")
    assert code == 2
    assert "Option '--no-such-option' inconnue." in err
    code, _, err = shell("list", "x", "y")  # a plural of click's (French has three forms)
    assert code == 2
    assert "Arguments inattendus en trop (x y)" in err
    code, _, err = shell("--lang", "en", "enroll")
    assert err == "error: Missing argument 'NAME'. (parcours enroll --help)\n"


def test_an_unknown_language_is_refused_in_both_languages(shell) -> None:  # type: ignore[no-untyped-def]
    code, _, err = shell("--lang", "de", "--help")
    assert code == 2
    assert err == "erreur : langue inconnue / unknown language « de » : fr, en\n"


def test_tables_and_dates_read_in_the_language_json_stays_iso(shell) -> None:  # type: ignore[no-untyped-def]
    _enrolled(shell)
    _, out, _ = shell("list")
    assert "Pilotes" in out
    assert "charte signée" in out
    assert "02/09/2024" in out
    _, out, _ = shell("--lang", "en", "list")
    assert "Pilots" in out
    assert "charter signed" in out
    _, out, _ = shell("list", "--json")
    (row,) = json.loads(out)
    assert row["phase"] == "charter_signed"
    assert row["phase_since"] == "2024-09-02"
    _, out, _ = shell("dashboard", "--today", "2024-12-31")
    assert "Tableau de bord au 31 décembre 2024" in out


def test_every_command_and_option_has_its_help_in_french_and_in_english() -> None:
    """The help lives in the catalogue only: a command or an option added without its
    `cli.<path>.help` / `cli.<path>.opt.<name>` (or the shared `cli.opt.<name>`) fails."""
    root = typer.main.get_command(cli)
    missing: list[str] = []
    seen = 0
    for path, command in language.walk(root):
        for lang in ("fr", "en"):
            if not catalogue.has(language.help_key(path), lang):
                missing.append(f"{lang} {language.help_key(path)}")
            for param in command.params:
                if language.documented(param) and (
                    language.parameter_help(path, param.name or "", lang) is None
                ):
                    missing.append(f"{lang} {language.option_keys(path, param.name or '')}")
        seen += 1
    assert seen > 60
    assert missing == []


def test_the_help_tree_is_set_from_the_catalogue() -> None:
    root = typer.main.get_command(cli)
    language.localise(root, "en")
    assert isinstance(root, click.Group)
    enroll = root.commands["enroll"]
    assert enroll.help == "Enrol a pilot that signed the charter; prints its id."
    language.localise(root, "fr")
    assert enroll.help == "Inscrire un pilote qui a signé la charte ; affiche son identifiant."
    (name,) = [p for p in enroll.params if p.name == "name"]
    assert getattr(name, "help", None) == "Le nom de la collectivité."
