"""The reads: the pilots (`list`, `show`, `history`), the cohort's `dashboard`, each rule's
view (`budget` R6, `cadence` R5, `rex` R7, `indicators` R8, `evaluation` R1) and the HTML
`report`. Tables in the shell's language; `--json` (and `--csv`) for machines."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from parcours import formats
from parcours.catalogue import Lang, active
from parcours.cli import exports, shell
from parcours.cli.shell import Actor, Csv, Json, PilotArg, Today
from parcours.messages import headers, label, say
from parcours.outputs import DASHBOARD_CSV, cell, dashboard_cells, markup

commands = typer.Typer()


# -- the indicators (R8) and the evaluation (R1), listed first by `parcours --help` ----------


@commands.command()
def indicators(
    pilot: PilotArg,
    as_json: Json = False,
    as_csv: Csv = False,
    csv_dialect: exports.CsvDialectOption = None,
) -> None:
    """R8: each framed indicator, its target and the values reported per period."""
    lines = shell.run(lambda: shell.app().indicators(pilot))
    if as_json:
        shell.emit_json(lines)
        return
    if as_csv:
        exports.print_csv(
            ["project", "key", "label", "unit", "target", "period", "value"],
            (
                [line.project, line.key, line.label, line.unit, line.target, period, value]
                for line in lines
                for period, value in (line.values.items() or {"": None}.items())
            ),
            shell.run(lambda: exports.dialect(csv_dialect)),
        )
        return
    shell.out.print(_indicator_table(lines))


def _indicator_table(lines: list[Any]) -> Table:
    lang = active()
    table = Table(
        *headers("project", "indicator", "target", "values", "progress"),
        title=say("table.indicators"),
    )
    for line in lines:
        values = (
            ", ".join(f"{p} : {formats.number(v, lang)}" for p, v in line.values.items()) or "-"
        )
        target = "-" if line.target is None else f"{formats.number(line.target, lang)} {line.unit}"
        progress = "-" if line.progress is None else formats.percent(line.progress, lang)
        table.add_row(cell(line.project), cell(line.label), cell(target), cell(values), progress)
    return table


@commands.command()
def evaluation(pilot: PilotArg, as_json: Json = False, actor: Actor = "cli") -> None:
    """The pilot's experiment report (R1) with its indicator table (R8)."""
    view = shell.run(lambda: shell.app().get_pilot(pilot, actor=actor))
    lines = shell.run(lambda: shell.app().indicators(pilot))
    if as_json:
        shell.emit_json(
            {
                "evaluation": view.evaluation.model_dump(mode="json") if view.evaluation else None,
                "indicators": [line.model_dump(mode="json") for line in lines],
            }
        )
        return
    since = formats.long_date(view.phase_since, active())
    phase = label("phase", view.phase)
    where = say("pilot.phase_since", phase=phase, since=since)
    shell.out.print(f"[bold]{markup(view.name)}[/bold] — {where}")
    if view.evaluation is None:
        shell.out.print(say("out.no_evaluation"))
    else:
        shell.out.print(cell(say("out.findings", text=view.evaluation.findings)))
        shell.out.print(cell(say("out.recommendations", text=view.evaluation.recommendations)))
        answer = say("out.yes" if view.evaluation.replicable else "out.no")
        shell.out.print(say("out.replicable", answer=answer))
    shell.out.print(_indicator_table(lines))


# -- the pilots ------------------------------------------------------------------------------


@commands.command("list")
def list_pilots(as_json: Json = False) -> None:
    """Every pilot, its phase and since when."""
    rows = shell.run(lambda: shell.app().list_pilots())
    if as_json:
        shell.emit_json(rows)
        return
    table = Table(*headers("name", "programme", "phase", "since"), title=say("table.pilots"))
    table.add_column(say("col.id"), no_wrap=True, min_width=36)
    lang = active()
    for r in rows:
        # its slug under its name (issue 20): what PILOT arguments accept, besides the id
        name = r.name if r.slug is None else f"{r.name}\n{r.slug}"
        table.add_row(
            cell(name),
            cell(r.programme),
            label("phase", r.phase),
            formats.short_date(r.phase_since, lang),
            str(r.id),
        )
    shell.out.print(table)


@commands.command()
def show(
    pilot: PilotArg,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Json = False,
    actor: Actor = "cli",
) -> None:
    """One pilot's current state (or as recorded at --as-of)."""
    view = shell.run(
        lambda: shell.app().get_pilot(pilot, actor=actor, as_of=shell.instant(as_of, "as_of"))
    )
    if as_json:
        shell.emit_json(view)
        return
    from parcours.render import pilot_table

    shell.out.print(pilot_table(view))


@commands.command()
def history(
    pilot: PilotArg,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Json = False,
    actor: Actor = "cli",
) -> None:
    """Every event of a pilot: sequence, recorded time, effective date, actor, summary."""
    until = shell.instant(as_of, "as_of")
    entries = [
        e
        for e in shell.run(lambda: shell.app().history(pilot, actor=actor))
        if until is None or e.recorded_at <= until
    ]
    if as_json:
        shell.emit_json(entries)
        return
    table = Table(
        *headers("sequence", "recorded_utc", "effective", "actor", "event"),
        title=say("table.history"),
    )
    lang = active()
    for e in entries:
        table.add_row(
            str(e.sequence),
            f"{formats.short_date(e.recorded_at.date(), lang)} {e.recorded_at:%H:%M}",
            formats.short_date(e.effective, lang) if e.effective else "",
            cell(e.actor),
            cell(e.summary),
        )
    shell.out.print(table)


# -- the cohort and each rule's view --------------------------------------------------------


@commands.command()
def dashboard(
    today: Today = None,
    as_json: Json = False,
    as_csv: Csv = False,
    csv_dialect: exports.CsvDialectOption = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh"),
    ] = False,
    phase: Annotated[str | None, typer.Option("--phase")] = None,
    rule: Annotated[str | None, typer.Option("--rule")] = None,
    search: Annotated[str | None, typer.Option("--search")] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    after: Annotated[str | None, typer.Option("--after")] = None,
) -> None:
    """Where every pilot stands: phase, next deadline, alerts with their rule ids."""
    if refresh:
        shell.run(lambda: shell.app().refresh_dashboard(today=shell.day(today, "today")))
    board = shell.run(
        lambda: shell.app().dashboard(
            today=shell.day(today, "today"),
            phase=phase,
            rule=rule,
            search=search,
            limit=limit,
            after=after,
        )
    )
    if as_json:
        shell.emit_json([row.model_dump(mode="json") for row in board.rows])
        return
    if as_csv:
        chosen = shell.run(lambda: exports.dialect(csv_dialect))
        exports.print_csv(DASHBOARD_CSV, (dashboard_cells(r) for r in board.rows), chosen)
        return
    from parcours.render import dashboard_table

    shell.out.print(dashboard_table(board))
    if board.next_after is not None:  # one page of it: say how to ask for the next
        last = board.rows[-1].slug or board.next_after
        shell.out.print(say("cli.dashboard.next_page", matched=board.matched, after=last))


@commands.command()
def budget(pilot: PilotArg, today: Today = None, as_json: Json = False) -> None:
    """R6: the operational referent's time against the charter's estimate."""
    lines = shell.run(lambda: shell.app().time_budget(pilot, today=shell.day(today, "today")))
    if as_json:
        shell.emit_json(lines)
        return
    table = Table(
        *headers("period", "budget", "logged", "delta", "status"), title=say("table.budget")
    )
    lang = active()
    for b in lines:
        table.add_row(
            b.period,
            "-" if b.budget is None else formats.days(b.budget, lang),
            formats.days(b.logged, lang),
            _signed_days(b.delta, lang),
            label("status", b.status),
        )
    shell.out.print(table)


def _signed_days(value: float | None, lang: Lang) -> str:
    if value is None:
        return "-"
    text = formats.days(value, lang)
    return text if value <= 0 else f"+{text}"


@commands.command()
def cadence(pilot: PilotArg, today: Today = None, as_json: Json = False) -> None:
    """R5: follow-up meetings per month of deployment."""
    lines = shell.run(lambda: shell.app().follow_up_cadence(pilot, today=shell.day(today, "today")))
    if as_json:
        shell.emit_json(lines)
        return
    table = Table(*headers("month", "meetings", "status"), title=say("table.cadence"))
    for c in lines:
        table.add_row(c.month, str(c.count), label("status", c.status))
    shell.out.print(table)


@commands.command()
def rex(year: int, today: Today = None, as_json: Json = False) -> None:
    """R7: experience reviews attended in YEAR, per pilot."""
    lines = shell.run(lambda: shell.app().rex_attendance(year, today=shell.day(today, "today")))
    if as_json:
        shell.emit_json(lines)
        return
    table = Table(
        *headers("pilot", "attended", "required", "status"), title=say("table.rex", year=year)
    )
    for r in lines:
        table.add_row(cell(r.name), str(r.attended), str(r.required), label("status", r.status))
    shell.out.print(table)


@commands.command()
def report(
    html: Annotated[str, typer.Option("--html")],
    today: Today = None,
    lang: Annotated[str | None, typer.Option("--lang")] = None,
) -> None:
    """Write the cohort report: a self-contained HTML file (no network, no script)."""
    # The report's language: its own --lang, else the shell's (--lang, PARCOURS_LANG).
    page = shell.run(
        lambda: shell.app().report_html(today=shell.day(today, "today"), lang=lang or active())
    )
    with open(html, "w", encoding="utf-8") as handle:
        handle.write(page)
    shell.out.print(say("out.report_written", path=markup(html)))
