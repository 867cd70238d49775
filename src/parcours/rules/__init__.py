"""The rules R1-R16, as shipped with parcours: each rule's title, the charter's sentence,
where it is enforced and the tests that pin it (`rules.toml`), and its full text in French
(`regles.fr.md`) and English (`rules.en.md`). Read by `parcours regles` / `parcours rules`.

Pure data: nothing here imports the engine; `tests/unit/test_rules_table.py` imports every
"where enforced" name, so the table cannot name a function that is gone."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from parcours.formats import Lang

MARKDOWN: dict[Lang, str] = {"fr": "regles.fr.md", "en": "rules.en.md"}
_ROW = re.compile(r"^\| (R\d+) \| (.+) \|$", re.M)


@dataclass(frozen=True)
class Rule:
    id: str
    source: str  # the seed document and section: "000 §2" is the charter's §2
    title: str
    charter: str  # the charter's own sentence, in French, whatever the language
    text: str  # the rule as RULES.md states it, in the language asked
    enforced: tuple[str, ...]  # "module:qualified.name"
    tests: tuple[str, ...]  # "tests/path.py::test_name"


def markdown(lang: Lang = "fr") -> str:
    """The whole page of the rules, in French or English."""
    return files(__name__).joinpath(MARKDOWN[lang]).read_text(encoding="utf-8")


def texts(lang: Lang = "fr") -> dict[str, str]:
    """Each rule's text: the row of its id in the page's tables."""
    return {m.group(1): m.group(2) for m in _ROW.finditer(markdown(lang))}


@cache
def _table() -> tuple[dict[str, Any], ...]:
    raw = files(__name__).joinpath("rules.toml").read_text(encoding="utf-8")
    return tuple(tomllib.loads(raw)["rule"])


def rules(lang: Lang = "fr") -> list[Rule]:
    """R1-R16 in order, titled and worded in `lang`."""
    text = texts(lang)
    found = []
    for row in _table():
        ident = str(row["id"])
        found.append(
            Rule(
                id=ident,
                source=str(row["source"]),
                title=str(row[f"title_{lang}"]),
                charter=str(row["charter"]),
                text=text[ident],
                enforced=tuple(str(x) for x in row["enforced"]),
                tests=tuple(str(x) for x in row["tests"]),
            )
        )
    return found


def where_table(lang: Lang = "en") -> str:
    """ARCHITECTURE.md's table "where each rule lives": rule → where it is enforced → the tests
    that pin it, from `rules.toml` (a test keeps the document equal to it)."""
    lines = ["| rule | | enforced in | pinned by |", "|---|---|---|---|"]
    for rule in rules(lang):
        enforced = "<br>".join(f"`{where}`" for where in rule.enforced)
        pinned = "<br>".join(
            f"`{test.split('::')[-1]}` ({test.split('::')[0]})" for test in rule.tests
        )
        lines.append(f"| {rule.id} | {rule.title} | {enforced} | {pinned} |")
    return "\n".join(lines) + "\n"
