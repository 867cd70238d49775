"""The one catalogue (catalogue.py): every key the code uses reads in French and in English,
the compiled `.mo` files say what their `.po` say, and the texts render in the language
asked for (French by default)."""

from __future__ import annotations

import ast
import gettext
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from parcours import catalogue
from parcours.catalogue import Fmt, Msg, translate
from parcours.domain.phases import Phase
from parcours.domain.pilot import ROLES
from parcours.domain.roles import ACTS
from parcours.domain.standing import SENTENCES
from parcours.errors import InvalidInput, NotFound, PhaseError, RuleViolation
from parcours.formats import amount

SOURCE = Path(catalogue.__file__).parent
LOCALE = SOURCE / "locale"
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_:-]+)+$")
# The calls whose argument at that position (0-based) is a key of the catalogue.
KEY_ARGUMENT = {
    "say": 0,
    "translate": 0,
    "has": 0,
    "Msg": 0,
    "ParcoursError": 0,
    "ConfigurationError": 0,
    "ProgrammeError": 0,
    "ConcurrencyConflict": 0,
    "NotAuthorised": 0,
    "InvalidInput": 1,
    "RuleViolation": 1,
    "_refusal": 1,
    "_refuse": 1,
}
# Raise sites that still pass a sentence rather than a key (English, untranslated): the
# list may only shrink. A new file here fails; a file cleaned fails until it leaves the list.
UNTRANSLATED = {
    "store/engine.py",
    "store/factory.py",
}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _strings(node: ast.AST) -> list[str]:
    """The literal strings `node` may evaluate to (both branches of a conditional)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _sentence(node: ast.AST) -> bool:
    """An f-string that is not a key built from a name (f"act.{act}", tested below)."""
    if not isinstance(node, ast.JoinedStr):
        return False
    head = node.values[0] if node.values else None
    built = isinstance(head, ast.Constant) and re.fullmatch(
        r"[a-z_]+(\.[a-z_]+)*\.", str(head.value)
    )
    return not built


def _scan() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(key -> files using it, file -> sentences passed where a key is expected)."""
    keys: dict[str, set[str]] = {}
    sentences: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        where = path.relative_to(SOURCE).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            found: list[ast.AST] = []
            if isinstance(node, ast.Call) and _name(node) in KEY_ARGUMENT:
                index = KEY_ARGUMENT[_name(node)]
                if len(node.args) > index:
                    found.append(node.args[index])
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "key" for t in node.targets
            ):
                found.append(node.value)
            for argument in found:
                if isinstance(node, ast.Call) and _sentence(argument):
                    sentences.setdefault(where, set()).add(ast.unparse(argument))
                for text in _strings(argument):
                    if KEY.match(text):
                        keys.setdefault(text, set()).add(where)
                    else:
                        sentences.setdefault(where, set()).add(text)
    return keys, sentences


def _po(lang: str, domain: str = "parcours") -> dict[str, str]:
    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else "\x00".join(m.string)
        )
        for m in catalog
        if m.id
    }


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_scan_finds_the_keys_the_code_uses() -> None:
    keys, _ = _scan()
    # a few known ones, from each kind of call: the scan itself is checked
    assert {"text.empty", "rule.r16.cap", "roles.closed", "error.pilot_not_found"} <= set(keys)
    assert len(keys) > 120


def test_every_key_the_code_uses_reads_in_french_and_in_english() -> None:
    keys, _ = _scan()
    for lang in ("fr", "en"):
        missing = {k: sorted(files) for k, files in keys.items() if not catalogue.has(k, lang)}
        assert not missing, (lang, missing)


def test_every_key_built_from_a_name_reads_in_both_languages() -> None:
    built = (
        [f"act.{act}" for act in ACTS]
        + [f"phase.{phase.value}" for phase in Phase]
        + [f"status.{s}" for s in ("requested", "approved", "refused", "granted")]
        + [f"thing.{t}" for t in ("person", "project", "communication", "funding_line")]
        + [f"thing.{t}" for t in ("blocker", "programme_contact", "erasure", "free_text")]
        + [f"role_only.{r}" for r in ("agency", "region", "referent", "auditor", "funder")]
        + [f"role.{r}" for r in ("agency", "region", "referent", "auditor", "funder", "any")]
        + [f"pilot.referent.{r}" for r in ROLES]
        + [f"alert.{key}" for key in SENTENCES]
    )
    for lang in ("fr", "en"):
        assert [k for k in built if not catalogue.has(k, lang)] == [], lang


def test_an_alert_reads_with_the_values_the_dashboard_gives_it() -> None:
    for key, english in SENTENCES.items():
        assert _fields(_po("fr")[f"alert.{key}"]) == _fields(english), key
        assert _po("en")[f"alert.{key}"] == english, key


def test_french_and_english_have_the_same_keys_and_the_same_placeholders() -> None:
    french, english = _po("fr"), _po("en")
    assert set(french) == set(english), set(french) ^ set(english)
    for key, text in french.items():
        assert text, key
        assert english[key], key
        assert _fields(text) == _fields(english[key]), key


def test_untranslated_raise_sites_only_shrink() -> None:
    _, sentences = _scan()
    assert set(sentences) <= UNTRANSLATED, {f: sentences[f] for f in set(sentences) - UNTRANSLATED}
    cleaned = UNTRANSLATED - set(sentences)
    assert not cleaned, f"now in the catalogue, remove from UNTRANSLATED: {sorted(cleaned)}"


@pytest.mark.parametrize(
    ("lang", "domain"), [("fr", "parcours"), ("en", "parcours"), ("fr", "click")]
)
def test_the_compiled_catalogue_says_what_its_po_says(lang: str, domain: str) -> None:
    """`pybabel compile -d src/parcours/locale -D parcours` (and `-D click`) after editing a
    `.po`: a stale `.mo` fails here."""
    path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.mo"
    with path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    found = {
        (k if isinstance(k, str) else k[0]): v
        for k, v in compiled._catalog.items()  # type: ignore[attr-defined]
        if k and (isinstance(k, str) or k[1] == 0)
    }
    written = {k: (v.split("\x00")[0] if "\x00" in v else v) for k, v in _po(lang, domain).items()}
    assert found == written


def test_french_is_the_default_and_english_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    error = PhaseError("start_deployment", "diagnostic", ("framing",))
    assert str(error) == (
        "R1 : « ouvrir le déploiement » est impossible en phase « diagnostic » ; permis en "
        "phase : cadrage"
    )
    monkeypatch.setenv("PARCOURS_LANG", "en")
    assert str(error) == (
        "R1: cannot start deployment while the pilot is in phase 'diagnostic'; allowed in: framing"
    )
    assert error.render("fr").startswith("R1 : ")


def test_the_shells_choice_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCOURS_LANG", "en")
    token = catalogue.activate("fr")
    try:
        assert str(NotFound("project", "p-1")) == "le projet p-1 introuvable sur ce pilote"
    finally:
        catalogue._ACTIVE.reset(token)
    assert str(NotFound("project", "p-1")) == "project p-1 not found on this pilot"


def test_an_error_keeps_its_key_its_parameters_its_rule_and_its_field() -> None:
    error = RuleViolation("R8", "rule.r8.unknown_indicator", "key", key="k", known=["a", "b"])
    assert (error.rule, error.field) == ("R8", "key")
    assert error.key == "error.rule_field"
    assert error.params["message"] == Msg("rule.r8.unknown_indicator", key="k", known=["a", "b"])
    assert error.render("fr") == (
        "R8 (key) : « k » n'a pas été co-défini pendant le cadrage ; indicateurs connus : a, b"
    )
    assert error.render("en") == "R8 (key): 'k' was not co-defined during framing; known: a, b"
    wrong = InvalidInput("on", "input.after_today", day=date(2025, 1, 2), today=date(2025, 1, 1))
    assert wrong.field == "on"
    assert wrong.render("fr") == "on : le 2 janvier 2025 est après aujourd'hui (1er janvier 2025)"
    assert wrong.render("en") == "on: 2 January 2025 is after today (1 January 2025)"


def test_values_are_formatted_for_the_reader() -> None:
    assert translate("rule.r16.months", "fr", months=36) == "au plus 36 mois"
    cap = Fmt(amount, 50000)
    assert cap.render("fr") == "50\u202f000\u00a0€"
    assert cap.render("en") == "€50,000"
    assert translate("input.date_before", "en", day=date(2024, 12, 31), floor=date(2025, 1, 1)) == (
        "31 December 2024 is before 1 January 2025"
    )


def test_a_sentence_not_yet_in_the_catalogue_reads_as_written() -> None:
    assert translate("not a key, a sentence", "fr") == "not a key, a sentence"
    assert str(RuleViolation("R9", "warned late")) == "R9 : warned late"


def test_a_refused_value_keeps_its_key_through_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised while French is active, readable in English after: the key travels, not the
    sentence."""
    from parcours.inputs import check_actor

    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    with pytest.raises(InvalidInput) as caught:
        check_actor("x y")
    assert caught.value.params["message"].key == "actor.form"
    assert str(caught.value).startswith("actor : identifiant court")
    assert caught.value.render("en").startswith('actor: a short id of the form "type:name"')
