"""The rules shipped with parcours (issue 20 item 7) cannot rot: every "where enforced" name
imports, every pinning test exists, both languages state R1-R16, and each charter sentence
is the seed documents' own words."""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parcours import rules
from parcours.cli import cli

ROOT = Path(__file__).resolve().parents[2]
IDS = [f"R{n}" for n in range(1, 17)]
# The seed documents: shared/ beside the work tree (as CI lays it), else beside its parent.
SEEDS = next(
    (
        p
        for p in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds")
        if p.is_dir()
    ),
    None,
)


def _resolve(where: str) -> object:
    module, _, qualname = where.partition(":")
    found: object = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


@pytest.mark.parametrize("rule", rules.rules("fr"), ids=lambda r: r.id)
def test_every_place_where_a_rule_is_enforced_exists(rule: rules.Rule) -> None:
    assert rule.enforced, rule.id
    for where in rule.enforced:
        assert ":" in where, where
        assert callable(_resolve(where)), where


@pytest.mark.parametrize("rule", rules.rules("fr"), ids=lambda r: r.id)
def test_every_test_that_pins_a_rule_exists(rule: rules.Rule) -> None:
    assert rule.tests, rule.id
    for test in rule.tests:
        path, _, name = test.partition("::")
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), test


def test_a_name_that_is_gone_fails_the_check() -> None:
    with pytest.raises(AttributeError):
        _resolve("parcours.domain.pilot:Pilot.start_the_diagnostic_somehow")
    with pytest.raises(ModuleNotFoundError):
        _resolve("parcours.domain.no_such_module:check")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_both_languages_state_r1_to_r16_in_order(lang: rules.Lang) -> None:
    assert list(rules.texts(lang)) == IDS
    found = rules.rules(lang)
    assert [r.id for r in found] == IDS
    assert all(r.title and r.text and r.charter for r in found)


def test_the_english_page_is_the_project_s_rules_md() -> None:
    """rules.en.md states the rules of RULES.md word for word (when shared/ is there)."""
    if SEEDS is None:
        pytest.skip("shared/ (RULES.md, the seeds) is not beside this work tree")
    shared = (SEEDS.parent / "RULES.md").read_text(encoding="utf-8")
    assert rules.texts("en") == {
        m.group(1): m.group(2) for m in re.finditer(r"^\| (R\d+) \| (.+) \|$", shared, re.M)
    }


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("**", "")
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.mark.parametrize("rule", rules.rules("fr"), ids=lambda r: r.id)
def test_each_charter_sentence_is_quoted_from_the_seeds(rule: rules.Rule) -> None:
    if SEEDS is None:
        pytest.skip("shared/seeds is not beside this work tree")
    seeds = _plain(" ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))))
    for fragment in rule.charter.split("[…]"):
        piece = _plain(fragment).strip(" :;.,")
        assert piece, rule.id
        assert piece in seeds, (rule.id, piece)


def test_parcours_regles_prints_each_rule_in_french() -> None:
    result = CliRunner().invoke(cli, ["regles"], env={"PARCOURS_LANG": ""})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for rule in rules.rules("fr"):
        assert f"{rule.id} — {rule.title}" in text
        assert " ".join(rule.charter.split()) in text
    assert text.count("Appliquée dans : ") == 16
    assert "parcours.domain.funding:check_application" in text


@pytest.mark.parametrize(
    ("args", "env"),
    [(["rules", "--lang", "en"], {}), (["rules"], {"PARCOURS_LANG": "en"})],
)
def test_parcours_rules_in_english(args: list[str], env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "R16 — Funding under a call: window, rate, cap" in text
    assert text.count("Enforced in: ") == 16
    assert "Appliquée" not in text


def test_parcours_regles_filters_and_speaks_json() -> None:
    result = CliRunner().invoke(cli, ["regles", "r10", "R15", "--json", "--full"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["id"] for r in data] == ["R10", "R15"]
    assert "parcours.domain.roles:check" in data[0]["enforced"]
    assert data[0]["text"].startswith("Toute publication ou communication")


def test_an_unknown_rule_or_language_is_a_usage_error() -> None:
    assert CliRunner().invoke(cli, ["regles", "R17"]).exit_code == 2
    assert CliRunner().invoke(cli, ["regles", "--lang", "de"]).exit_code == 2


def test_the_rules_ship_as_package_data() -> None:
    from importlib.resources import files

    shipped = {p.name for p in files("parcours.rules").iterdir()}
    assert {"rules.toml", "regles.fr.md", "rules.en.md"} <= shipped
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rules/*.toml", "rules/*.md"' in pyproject


def test_the_rules_need_no_database() -> None:
    """The rules are the package's: a broken database setting does not stop them."""
    result = CliRunner().invoke(cli, ["--db", "nonsense://x", "regles", "R3"])
    assert result.exit_code == 0, result.output
    assert "Phase de diagnostic avant le 31 décembre 2024" in result.output


def test_architecture_md_shows_where_each_rule_lives_as_the_data_says() -> None:
    """Issue 21: a newcomer finds where a rule lives in ARCHITECTURE.md; the table there is
    the one `rules.toml` gives (regenerate with parcours.rules.where_table())."""
    from pathlib import Path

    from parcours.rules import where_table

    document = (Path(__file__).parents[2] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    shown = document.split("<!-- rules-table: generated -->\n", 1)[1].split("<!-- /rules")[0]
    assert shown == where_table()
