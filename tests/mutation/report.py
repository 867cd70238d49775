"""Write tests/MUTATION.md from the last `mutmut run` (make mutate): the score of each rule
module and its surviving mutants, each with the line it changes.

Run from the repository root after `mutmut run`: `python -m tests.mutation.report`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
KILLED = 1  # pytest's exit code when a test failed: the mutant was caught
NAMES = {
    0: "survived",
    33: "no test reaches it",
    None: "not checked",
    24: "timed out",
    -24: "timed out",
    5: "no test collected",
}


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


# Why a mutant that lives is harmless: matched on the mutant's name and the line as mutated.
JUDGED: list[tuple[str, str, str]] = [
    ("deadlines.x_mark__", "offset: int = 1", "equivalent: every caller passes the offset"),
    (
        "deadlines.x__judge__",
        'observed: str = "XXXX"',
        "equivalent: only R13 uses the default "
        "observed, and R13 is never recorded but as its notice",
    ),
    (
        "deadlines.x__judge__",
        "pending",
        "equivalent: `pending` for a met_on after now needs an "
        "act dated after today, which every command refuses",
    ),
    (
        "deadlines.x__phase_deadline__",
        "met_on < due",
        "equivalent: `observed` of a met deadline is never recorded nor shown",
    ),
    (
        "deadlines.x_follow_up_months__",
        "stop + cal.ONE_DAY",
        "equivalent for the deadlines: the month after the end is covered 0 days and never judged",
    ),
    (
        "deadlines.x_follow_up_months__",
        "covered = 1 if since is None",
        "equivalent while min_days_judged > 1 (15 in every programme)",
    ),
    ("deadlines.x_follow_up_deadlines__", "void=None", "equivalent: None is false"),
    (
        "deadlines.x_rex_deadlines__",
        "astimezone(None)",
        "equivalent for what is recorded: R7's observed count is read when the year has "
        "ended, every session then counted in either zone",
    ),
    (
        "deadlines.x_retention_deadline__",
        "",
        "equivalent: R13's status is never read (owed skips "
        "R13 but its notice; next_instant keeps R13 whatever its status; a purge comes after its "
        "due day); notice_days 0 appears in no programme",
    ),
    ("deadlines.x_experiment_deadline__", "(lead) or True", "equivalent while the lead is not 0"),
    (
        "deadlines.x_experiment_deadline__",
        "met",
        "equivalent: R2's `met` is read nowhere "
        "(alerts read approaching and ended, next_instant keeps R2 unless void or ended)",
    ),
    ("deadlines.x_owed__", "void", "equivalent: a void deadline appends nothing further down"),
    ("deadlines.x_owed__", "break", "equivalent: R2 is the last deadline of the list"),
    ("deadlines.x__phase_at__", "", "equivalent: a history always holds its charter step"),
    ("deadlines.x_next_instant__", "ended", "equivalent: an ended R2's moments are all past"),
    ("deadlines.x_next_instant__", "break", "equivalent: R2 is the last deadline of the list"),
    (
        "deadlines.x_next_instant__",
        "R13",
        "equivalent: R13 is never met (the purge comes the day after its due date)",
    ),
    ("calendar_rules.x_steps__", "", "equivalent: str(date) is its ISO text"),
    ("calendar_rules.x_months__", "", "killed by the timeout (an endless loop)"),
    (
        "standing.x__budget_line__",
        "budget, 3)",
        "equivalent: the budget and the days logged are both rounded to the hundredth already, "
        "so their difference rounds the same to 2 or 3 places",
    ),
    (
        "standing.x_rex_line__",
        "required.get(year, ",
        "equivalent: a year the programme does not name asks nothing; None is false like 0",
    ),
    (
        "standing.x_alerts__",
        "b.budget or 1",
        "equivalent: a period over or under budget has a budget above 0 (the programme model "
        "requires both budgets > 0, a month covered 0 days is skipped; only a monthly budget "
        "under 0.16 day could round a 1-day share to 0, and no programme has one)",
    ),
    (
        "standing.x_round_two_alerts__",
        '.get("indicators", ',
        "equivalent: every cohort row has `indicators` (a column with the default '{}')",
    ),
    (
        "standing.x_indicator_lines__",
        '.get("indicators", ',
        "equivalent: every cohort row has `indicators` (a column with the default '{}')",
    ),
    (
        "standing.x_indicator_lines__",
        "is not None or",
        "equivalent for the only caller (service.cohort.indicators), which passes the "
        "programme, the pilot's row and the day together",
    ),
    (
        "standing.x_indicator_lines__",
        "is not None and today",
        "equivalent for the only caller (service.cohort.indicators), which passes the "
        "programme, the pilot's row and the day together",
    ),
    (
        "standing.x__last__",
        'row.get("reported_on", ',
        "equivalent: every project row has `reported_on` (a column with the default '{}')",
    ),
    (
        "standing.x__last__",
        "found = ",
        "equivalent: the cohort row and the project row fold the same last report day "
        "(the later of the reports' `on`), so either read gives the same day",
    ),
    (
        "standing.x_dashboard_row__",
        "(active) or true",
        "equivalent: for a pilot no longer active, next_deadline and alerts return before "
        "reading the deadlines",
    ),
    (
        "roles.x_",
        "(q.programme is not none) or true",
        "equivalent: with no programme asked, tables.get(None) is None (no programme has that "
        "id), which is the else branch's None",
    ),
    (
        "work_time.x_periods__",
        "min(None)",
        "equivalent: framing days imply a framing step, so `framing` is never empty there",
    ),
    (
        "work_time.x_periods__",
        "by_phase.get(phase",
        "equivalent: a missing phase's list and None are both false",
    ),
    (
        "work_time.x__deployment_months__",
        "stop + cal.ONE_DAY",
        "equivalent: only the months after the last are covered 0 days",
    ),
    (
        "work_time.x__deployment_months__",
        "break",
        "equivalent: the leaving steps are looked up in the order a pilot can take them, so the "
        "first found is the earliest and a later one cannot lower `stop`",
    ),
    (
        "deadlines.x_next_instant__",
        "if (found is None) or True",
        "equivalent: its one caller passing `found` (scheduler/cohort_tick.py) passes "
        "deadlines(programme, history, now) for the same arguments, which the mutant recomputes",
    ),
]


def judged(name: str, line: str) -> str:
    for where, what, why in JUDGED:
        if where in name and what.lower() in line.lower():
            return why
    return "not judged yet"


def module_of(name: str) -> str:
    """`parcours.domain.deadlines.x_mark__mutmut_1` -> `src/parcours/domain/deadlines.py`."""
    dotted = re.split(r"\.x[_\u01c1]", name, maxsplit=1)[0]
    return "src/" + dotted.replace(".", "/") + ".py"


def previous() -> tuple[dict[str, str], dict[str, list[str]]]:
    """The score row and the survivor rows of each module in the report written last."""
    rows: dict[str, str] = {}
    lines: dict[str, list[str]] = {}
    path = ROOT / "tests" / "MUTATION.md"
    if not path.exists():
        return rows, lines
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `src/"):
            rows[line.split("`")[1]] = line.replace(f" {KEPT_MARK}", "")
        elif line.startswith("| `parcours."):
            lines.setdefault(module_of(line.split("`")[1]), []).append(line)
    return rows, lines


def survivors(kept: set[str]) -> list[tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    lines = []
    for line in out.splitlines():
        name, _, status = line.strip().partition(": ")
        if not name or status == "not checked" or module_of(name) in kept:
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


# A module some of whose mutants the last `mutmut run <names>` did not check keeps its rows
# from the report written before, marked so.
KEPT_MARK = "(kept from the previous report: not rerun)"


def main() -> None:
    rows = scores()
    before, before_lines = previous()
    kept = {module for module, total, killed, counted in rows if counted.get("not checked")}
    kept &= set(before)
    text = [
        "# Mutation testing of the rule modules (`make mutate`)",
        "",
        "Written by `tests/mutation/report.py` from the last `mutmut run` (mutmut 3.8.1,",
        "configured in `pyproject.toml`: the rule modules against `tests/unit`,",
        "`tests/oracle`, `tests/test_readme.py`, the dashboard's tests on SQLite for the",
        "standing of a pilot (`domain/standing.py`) and the roles' API tests on SQLite for who",
        "may do what (`domain/roles.py`)). Not part of `make test`. A module the last run did not",
        "check (`mutmut run <names>` on other modules) keeps its rows of the report before.",
        "",
        "How long: `make mutate` runs two workers at `nice -n 15` (a 2-core machine shared",
        "with others). The full run this report comes from (2,499 mutants, every rule module,",
        "on 30 November 2026, beside a CI run of the whole suite) took about 18 minutes:",
        "a few to generate the mutants and find which tests reach each function, then",
        "2.9 mutants a second. One mutant it left alive (a day worked on the last day of a",
        "deployment month, R6) was killed by a new test and run again alone.",
        "",
        "| module | mutants | killed | score | not killed |",
        "|---|---|---|---|---|",
    ]
    total = killed_all = 0
    for module, count, killed, counted in rows:
        if module in kept:
            text.append(before[module].removesuffix(" |") + f" {KEPT_MARK} |")
            cells = before[module].split("|")
            count, killed = int(cells[2]), int(cells[3])
        else:
            rest = ", ".join(f"{n} {k}" for k, n in sorted(counted.items()) if k != "killed")
            text.append(
                f"| `{module}` | {count} | {killed} | {killed / count:.1%} | {rest or '-'} |"
            )
        total += count
        killed_all += killed
    text += ["", f"All: {killed_all} of {total} killed ({killed_all / total:.1%}).", ""]
    text += [
        "## Not killed",
        "",
        "Every mutant not killed is judged below: equivalent (it cannot change what a",
        "caller sees, for the reason given), or out of the selection's reach. The others",
        "were killed by tests written for them (tests/unit/domain/test_standing.py,",
        "tests/unit/domain/test_roles_check.py, tests/unit/domain/test_mutants_killed.py).",
        "",
        "| mutant | the line as mutated | judged |",
        "|---|---|---|",
    ]
    bar = "\\|"
    fresh = [
        f"| `{name}` | `{line.replace('|', bar)}` | {judged(name, line)} |"
        for name, line in survivors(kept)
    ]
    for module, *_ in rows:
        if module in kept:
            text += before_lines.get(module, [])
        else:
            text += [line for line in fresh if module_of(line.split("`")[1]) == module]
    (ROOT / "tests" / "MUTATION.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
