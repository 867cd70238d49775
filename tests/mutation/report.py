"""Write tests/MUTATION.md from the last `mutmut run` (make mutate): the score of each rule
module and its surviving mutants, each with the line it changes.

Run from the repository root after `mutmut run`: `python -m tests.mutation.report`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
KILLED = 1  # pytest's exit code when a test failed: the mutant was caught
NAMES = {0: "survived", 33: "no test reaches it", 24: "timed out", 5: "no test collected"}


def scores() -> list[tuple[str, int, int, dict[str, int]]]:
    found = []
    for meta in sorted((ROOT / "mutants" / "src").rglob("*.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counted: dict[str, int] = {}
        for code in codes.values():
            name = "killed" if code == KILLED else NAMES.get(code, f"exit {code}")
            counted[name] = counted.get(name, 0) + 1
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        found.append((module, len(codes), counted.get("killed", 0), counted))
    return found


def survivors() -> list[tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    lines = []
    for line in out.splitlines():
        name, _, status = line.strip().partition(": ")
        if not name:
            continue
        diff = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", name], capture_output=True, text=True, cwd=ROOT
        ).stdout
        changed = [
            d[1:].strip()
            for d in diff.splitlines()
            if d.startswith("+") and not d.startswith("+++")
        ]
        lines.append((f"{name} ({status})", " / ".join(changed)[:160]))
    return lines


def main() -> None:
    rows = scores()
    text = [
        "# Mutation testing of the rule modules (`make mutate`)",
        "",
        "Written by `tests/mutation/report.py` from the last `mutmut run` (mutmut 3.8.1,",
        "configured in `pyproject.toml`: the pure rule modules against `tests/unit`,",
        "`tests/oracle` and `tests/test_readme.py`). Not part of `make test`.",
        "",
        "| module | mutants | killed | score | not killed |",
        "|---|---|---|---|---|",
    ]
    for module, total, killed, counted in rows:
        rest = ", ".join(f"{n} {k}" for k, n in sorted(counted.items()) if k != "killed")
        text.append(f"| `{module}` | {total} | {killed} | {killed / total:.1%} | {rest or '-'} |")
    total = sum(r[1] for r in rows)
    killed = sum(r[2] for r in rows)
    text += ["", f"All: {killed} of {total} killed ({killed / total:.1%}).", ""]
    text += ["## Not killed", "", "| mutant | the line as mutated |", "|---|---|"]
    bar = "\\|"
    text += [f"| `{name}` | `{line.replace('|', bar)}` |" for name, line in survivors()]
    (ROOT / "tests" / "MUTATION.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
