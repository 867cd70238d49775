"""`parcours`: a thin client of the public API.

Every failure is one line on stderr, exit 1 (cli_errors.py, the one error boundary); whatever
comes from data is shown inert (outputs.py: no markup, no escape, no formula)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from parcours import cli_charter, cli_dry_run, cli_exports, cli_roles, cli_rules, formats, logs
from parcours.application import Parcours
from parcours.catalogue import Lang, active
from parcours.cli_audit import add_audit
from parcours.cli_errors import Boundary, OneLineErrors
from parcours.cli_operations import add_operations
from parcours.errors import InvalidInput
from parcours.messages import headers, label, say
from parcours.outputs import DASHBOARD_CSV, cell, dashboard_cells, json_ready, markup
from parcours.settings import Settings

T = TypeVar("T")

cli = typer.Typer(
    cls=OneLineErrors,
    name="parcours",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option("--db"),
]
Actor = Annotated[
    str,
    typer.Option("--actor", envvar="PARCOURS_ACTOR"),
]
On = Annotated[str | None, typer.Option("--on")]
Json = Annotated[bool, typer.Option("--json")]
PilotArg = Annotated[str, typer.Argument()]


class _State:
    url: str | None = None
    app: Parcours | None = None


state = _State()


@cli.callback()
def _root(
    db: DbOption = None,
    verbose: Annotated[bool, typer.Option("-v")] = False,
    debug: Annotated[bool, typer.Option("--debug")] = False,
    lang: Annotated[str | None, typer.Option("--lang", metavar="fr|en")] = None,
    version: cli_rules.VersionOption = False,
) -> None:
    # --lang was read before parsing (cli_language.requested): --help is eager.
    Boundary.debug = debug
    settings = Settings.from_env(url=db)
    logs.configure(
        "json" if settings.log_format == "json" else "console",
        "info" if verbose else settings.log_level,
    )
    state.url = settings.url
    state.app = None


def app() -> Parcours:
    if state.app is None:
        state.app = Parcours(settings=Settings.from_env(url=state.url))
    return state.app


def run(action: Callable[[], T]) -> T:
    """Run an act of the library; its failure reaches the one error boundary (cli_errors)."""
    return action()


def day(value: str | None, field: str = "on") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "input.date") from None


def instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(field, "input.datetime")
    return parsed


def emit_json(data: Any) -> None:
    """Valid JSON whatever the data: no NaN, no Infinity (outputs.json_ready)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    out.print_json(json.dumps(json_ready(data), default=str, allow_nan=False))


# -- enrolment and contacts ---------------------------------------------------------------


@cli.command()
def enroll(
    name: Annotated[str, typer.Argument()],
    programme: Annotated[str | None, typer.Option()] = None,
    charter_signed_on: Annotated[str, typer.Option()] = "",
    siren: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Enroll a pilot that signed the charter; prints its id."""
    signed = day(charter_signed_on or None, "charter_signed_on")
    pilot = run(
        lambda: app().enroll(
            name=name,
            programme=programme or app().settings.programme,
            charter_signed_on=signed or app().today(),
            siren=siren,
            actor=actor,
        )
    )
    out.print(str(pilot))


@cli.command("designate-referent")
def designate_referent(
    pilot: PilotArg,
    role: Annotated[str, typer.Option()],
    first_name: Annotated[str, typer.Option()],
    last_name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    phone: Annotated[str, typer.Option()],
    title: Annotated[str | None, typer.Option()] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Designate the pilot's operational or elected referent (R11); prints the person's id."""
    person = run(
        lambda: app().designate_referent(
            pilot,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
            on=day(on),
            actor=actor,
        )
    )
    out.print(str(person))


@cli.command("rectify-contact")
def rectify_contact(
    pilot: PilotArg,
    person: Annotated[str, typer.Argument()],
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Rectify a contact's fields (R14)."""
    fields = {
        k: v
        for k, v in {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "title": title,
        }.items()
        if v is not None
    }
    run(lambda: app().rectify_contact(pilot, person, actor=actor, **fields))


@cli.command("record-objection")
def record_objection(pilot: PilotArg, person: str, actor: Actor = "cli") -> None:
    """Record a person's objection (R14)."""
    run(lambda: app().record_objection(pilot, person, actor=actor))


@cli.command("erase-person")
def erase_person(pilot: PilotArg, person: str, actor: Actor = "cli") -> None:
    """Erase one person: their key is destroyed (R14, GDPR art. 17)."""
    run(lambda: app().erase_person(pilot, person, actor=actor))


# -- phase changes --------------------------------------------------------------------------


def _phase_command(name: str, doc: str) -> None:
    def command(pilot: PilotArg, on: On = None, actor: Actor = "cli") -> None:
        run(lambda: getattr(app(), name.replace("-", "_"))(pilot, on=day(on), actor=actor))

    command.__doc__ = doc
    cli.command(name)(command)


for _name, _doc in {
    "start-diagnostic": "Start the diagnostic (needs an operational referent, R11).",
    "complete-diagnostic": "Complete the diagnostic; the pilot moves to framing (R1, R3).",
    "start-deployment": "Start deployment (needs a framed project, R4, R8).",
    "start-evaluation": "Start the evaluation (R1, R8).",
    "close": "Close the pilot (needs the evaluation report, R1).",
    "record-follow-up": "Record a follow-up meeting during deployment (R5).",
}.items():
    _phase_command(_name, _doc)


@cli.command()
def withdraw(
    pilot: PilotArg,
    reason: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Withdraw the pilot from the programme (R2)."""
    run(lambda: app().withdraw(pilot, reason=reason, on=day(on), actor=actor))


# -- the work inside the phases --------------------------------------------------------------


@cli.command("log-time")
def log_time(
    pilot: PilotArg, days: Annotated[float, typer.Option()], on: On = None, actor: Actor = "cli"
) -> None:
    """Log the operational referent's time (R6)."""
    run(lambda: app().log_time(pilot, days=days, on=day(on), actor=actor))


@cli.command("recommend-project")
def recommend_project(
    pilot: PilotArg,
    title: Annotated[str, typer.Option()],
    theme: Annotated[str, typer.Option()],
    actor: Actor = "cli",
) -> None:
    """Recommend a project during the diagnostic; prints its id."""
    out.print(
        str(run(lambda: app().recommend_project(pilot, title=title, theme=theme, actor=actor)))
    )


@cli.command("frame-project")
def frame_project(
    pilot: PilotArg,
    project: str,
    indicator: Annotated[list[str], typer.Option()],
    protocol: Annotated[str, typer.Option()],
    actor: Actor = "cli",
) -> None:
    """Frame a project with its indicators and evaluation protocol (R8)."""
    indicators: list[dict[str, Any]] = []
    for spec in indicator:
        parts = spec.split(":")
        item: dict[str, Any] = {"key": parts[0], "label": parts[1] if len(parts) > 1 else parts[0]}
        if len(parts) > 2:
            item["unit"] = parts[2]
        if len(parts) > 3:
            item["target"] = parts[3]
        indicators.append(item)
    run(
        lambda: app().frame_project(
            pilot, project, indicators=indicators, evaluation_protocol=protocol, actor=actor
        )
    )


@cli.command("report-indicator")
def report_indicator(
    pilot: PilotArg,
    project: str,
    key: Annotated[str, typer.Option()],
    value: Annotated[float, typer.Option()],
    period: Annotated[str, typer.Option()],
    actor: Actor = "cli",
) -> None:
    """Report an indicator's value for a period (R8)."""
    run(
        lambda: app().report_indicator(
            pilot, project, key=key, value=value, period=period, actor=actor
        )
    )


@cli.command("record-rex")
def record_rex(
    pilot: PilotArg,
    session: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record attendance at an experience-review session (R7)."""
    run(lambda: app().record_rex(pilot, session=session, on=day(on), actor=actor))


@cli.command("raise-alert")
def raise_alert(
    pilot: PilotArg,
    kind: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Warn the Region and the agency (R9); prints the alert's id."""
    out.print(
        str(
            run(
                lambda: app().raise_alert(
                    pilot, kind=kind, description=description, on=day(on), actor=actor
                )
            )
        )
    )


@cli.command("request-communication")
def request_communication(
    pilot: PilotArg, title: Annotated[str, typer.Option()], on: On = None, actor: Actor = "cli"
) -> None:
    """Ask the Region's agreement for a communication (R10); prints its id."""
    out.print(
        str(run(lambda: app().request_communication(pilot, title=title, on=day(on), actor=actor)))
    )


@cli.command("decide-communication")
def decide_communication(
    pilot: PilotArg,
    communication: str,
    approve: Annotated[bool, typer.Option("--approve/--refuse")],
    reason: Annotated[str | None, typer.Option()] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """The Region approves or refuses a communication (R10)."""
    run(
        lambda: app().decide_communication(
            pilot, communication, approved=approve, reason=reason, on=day(on), actor=actor
        )
    )


@cli.command("publish-communication")
def publish_communication(
    pilot: PilotArg, communication: str, on: On = None, actor: Actor = "cli"
) -> None:
    """Mark an approved communication published (R10)."""
    run(lambda: app().publish_communication(pilot, communication, on=day(on), actor=actor))


@cli.command("record-evaluation")
def record_evaluation(
    pilot: PilotArg,
    findings: Annotated[str, typer.Option()],
    recommendations: Annotated[str, typer.Option()],
    replicable: Annotated[bool, typer.Option("--replicable/--not-replicable")],
    actor: Actor = "cli",
) -> None:
    """Write the pilot's experiment report (R1)."""
    run(
        lambda: app().record_evaluation(
            pilot,
            findings=findings,
            recommendations=recommendations,
            replicable=replicable,
            actor=actor,
        )
    )


# -- deployment support ------------------------------------------------------------------------

ProjectArg = Annotated[str, typer.Argument()]


@cli.command("source-solution")
def source_solution(
    pilot: PilotArg,
    project: ProjectArg,
    name: Annotated[str, typer.Option()],
    provider: Annotated[str, typer.Option()],
    regional: Annotated[bool, typer.Option("--regional/--not-regional")],
    actor: Actor = "cli",
) -> None:
    """Record a solution sourced for a project (developed in the region or not); prints its id."""
    out.print(
        str(
            run(
                lambda: app().source_solution(
                    pilot, project, name=name, provider=provider, regional=regional, actor=actor
                )
            )
        )
    )


@cli.command("identify-funding")
def identify_funding(
    pilot: PilotArg,
    project: ProjectArg,
    scheme: Annotated[str, typer.Option()],
    amount_eur: Annotated[float, typer.Option("--amount-eur")],
    rate: Annotated[float, typer.Option()],
    months: Annotated[int, typer.Option()],
    priority_district: Annotated[bool, typer.Option("--priority-district")] = False,
    eligible_cost_eur: Annotated[float | None, typer.Option("--eligible-cost-eur")] = None,
    actor: Actor = "cli",
) -> None:
    """Identify a funding line under one of the programme's schemes; prints its id."""
    out.print(
        str(
            run(
                lambda: app().identify_funding(
                    pilot,
                    project,
                    scheme=scheme,
                    amount_eur=amount_eur,
                    rate=rate,
                    months=months,
                    priority_district=priority_district,
                    eligible_cost_eur=eligible_cost_eur,
                    actor=actor,
                )
            )
        )
    )


@cli.command("decide-funding")
def decide_funding(
    pilot: PilotArg,
    funding: str,
    granted: Annotated[bool, typer.Option("--granted/--refused")],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """A funding line is granted or refused."""
    run(lambda: app().decide_funding(pilot, funding, granted=granted, on=day(on), actor=actor))


@cli.command("raise-blocker")
def raise_blocker(
    pilot: PilotArg,
    description: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record a blocker in the way of the project; prints its id."""
    out.print(
        str(
            run(
                lambda: app().raise_blocker(pilot, description=description, on=day(on), actor=actor)
            )
        )
    )


@cli.command("lift-blocker")
def lift_blocker(
    pilot: PilotArg,
    blocker: str,
    how: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record how a blocker was lifted."""
    run(lambda: app().lift_blocker(pilot, blocker, how=how, on=day(on), actor=actor))


@cli.command("schedule-rex")
def schedule_rex(
    on: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option()] = "collective",
    programme: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Schedule a REX session of the cohort (R7); prints its id for record-rex --session."""
    when = day(on)
    assert when is not None
    chosen = programme or app().settings.programme
    session = run(lambda: app().schedule_rex(chosen, on=when, kind=kind, title=title, actor=actor))
    out.print(str(session))


@cli.command()
def indicators(
    pilot: PilotArg,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    csv_dialect: cli_exports.CsvDialectOption = None,
) -> None:
    """R8: each framed indicator, its target and the values reported per period."""
    lines = run(lambda: app().indicators(pilot))
    if as_json:
        emit_json(lines)
        return
    if as_csv:
        cli_exports.print_csv(
            ["project", "key", "label", "unit", "target", "period", "value"],
            (
                [line.project, line.key, line.label, line.unit, line.target, period, value]
                for line in lines
                for period, value in (line.values.items() or {"": None}.items())
            ),
            run(lambda: cli_exports.dialect(csv_dialect)),
        )
        return
    out.print(_indicator_table(lines))


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


@cli.command()
def evaluation(pilot: PilotArg, as_json: Json = False, actor: Actor = "cli") -> None:
    """The pilot's experiment report (R1) with its indicator table (R8)."""
    view = run(lambda: app().get_pilot(pilot, actor=actor))
    lines = run(lambda: app().indicators(pilot))
    if as_json:
        emit_json(
            {
                "evaluation": view.evaluation.model_dump(mode="json") if view.evaluation else None,
                "indicators": [line.model_dump(mode="json") for line in lines],
            }
        )
        return
    since = formats.long_date(view.phase_since, active())
    phase = label("phase", view.phase)
    where = say("pilot.phase_since", phase=phase, since=since)
    out.print(f"[bold]{markup(view.name)}[/bold] — {where}")
    if view.evaluation is None:
        out.print(say("out.no_evaluation"))
    else:
        out.print(cell(say("out.findings", text=view.evaluation.findings)))
        out.print(cell(say("out.recommendations", text=view.evaluation.recommendations)))
        answer = say("out.yes" if view.evaluation.replicable else "out.no")
        out.print(say("out.replicable", answer=answer))
    out.print(_indicator_table(lines))


# -- reads ------------------------------------------------------------------------------------


@cli.command("list")
def list_pilots(as_json: Json = False) -> None:
    """Every pilot, its phase and since when."""
    rows = run(lambda: app().list_pilots())
    if as_json:
        emit_json(rows)
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
    out.print(table)


@cli.command()
def show(
    pilot: PilotArg,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Json = False,
    actor: Actor = "cli",
) -> None:
    """One pilot's current state (or as recorded at --as-of)."""
    view = run(lambda: app().get_pilot(pilot, actor=actor, as_of=instant(as_of, "as_of")))
    if as_json:
        emit_json(view)
        return
    from parcours.render import pilot_table

    out.print(pilot_table(view))


@cli.command()
def history(
    pilot: PilotArg,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Json = False,
    actor: Actor = "cli",
) -> None:
    """Every event of a pilot: sequence, recorded time, effective date, actor, summary."""
    until = instant(as_of, "as_of")
    entries = [
        e
        for e in run(lambda: app().history(pilot, actor=actor))
        if until is None or e.recorded_at <= until
    ]
    if as_json:
        emit_json(entries)
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
    out.print(table)


add_audit(cli, lambda: app(), out, err)


Today = Annotated[str | None, typer.Option("--today")]


@cli.command()
def dashboard(
    today: Today = None,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    csv_dialect: cli_exports.CsvDialectOption = None,
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
        run(lambda: app().refresh_dashboard(today=day(today, "today")))
    board = run(
        lambda: app().dashboard(
            today=day(today, "today"),
            phase=phase,
            rule=rule,
            search=search,
            limit=limit,
            after=after,
        )
    )
    if as_json:
        emit_json([row.model_dump(mode="json") for row in board.rows])
        return
    if as_csv:
        chosen = run(lambda: cli_exports.dialect(csv_dialect))
        cli_exports.print_csv(DASHBOARD_CSV, (dashboard_cells(r) for r in board.rows), chosen)
        return
    from parcours.render import dashboard_table

    out.print(dashboard_table(board))
    if board.next_after is not None:  # one page of it: say how to ask for the next
        last = board.rows[-1].slug or board.next_after
        out.print(say("cli.dashboard.next_page", matched=board.matched, after=last))


@cli.command()
def budget(pilot: PilotArg, today: Today = None, as_json: Json = False) -> None:
    """R6: the operational referent's time against the charter's estimate."""
    lines = run(lambda: app().time_budget(pilot, today=day(today, "today")))
    if as_json:
        emit_json(lines)
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
    out.print(table)


def _signed_days(value: float | None, lang: Lang) -> str:
    if value is None:
        return "-"
    text = formats.days(value, lang)
    return text if value <= 0 else f"+{text}"


@cli.command()
def cadence(pilot: PilotArg, today: Today = None, as_json: Json = False) -> None:
    """R5: follow-up meetings per month of deployment."""
    lines = run(lambda: app().follow_up_cadence(pilot, today=day(today, "today")))
    if as_json:
        emit_json(lines)
        return
    table = Table(*headers("month", "meetings", "status"), title=say("table.cadence"))
    for c in lines:
        table.add_row(c.month, str(c.count), label("status", c.status))
    out.print(table)


@cli.command()
def rex(year: int, today: Today = None, as_json: Json = False) -> None:
    """R7: experience reviews attended in YEAR, per pilot."""
    lines = run(lambda: app().rex_attendance(year, today=day(today, "today")))
    if as_json:
        emit_json(lines)
        return
    table = Table(
        *headers("pilot", "attended", "required", "status"), title=say("table.rex", year=year)
    )
    for r in lines:
        table.add_row(cell(r.name), str(r.attended), str(r.required), label("status", r.status))
    out.print(table)


@cli.command()
def report(
    html: Annotated[str, typer.Option("--html")],
    today: Today = None,
    lang: Annotated[str | None, typer.Option("--lang")] = None,
) -> None:
    """Write the cohort report: a self-contained HTML file (no network, no script)."""
    # The report's language: its own --lang, else the shell's (--lang, PARCOURS_LANG).
    page = run(lambda: app().report_html(today=day(today, "today"), lang=lang or active()))
    with open(html, "w", encoding="utf-8") as handle:
        handle.write(page)
    out.print(say("out.report_written", path=markup(html)))


projections_cli = typer.Typer(
    help="Read models: rebuild, check, follow, status, retry.", no_args_is_help=True
)
cli.add_typer(projections_cli, name="projections")
add_operations(cli, projections_cli, lambda: app(), out)


@projections_cli.command("rebuild")
def projections_rebuild() -> None:
    """Rebuild every read model from the event log."""
    with _progress(say("out.rebuilding")) as advance:
        folded = app().rebuild_projections(advance)
    out.print(say("out.rebuilt", events=folded))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; elsewhere nothing (not even a blank line before an
    error: the one error boundary's line stays the only one)."""
    if not err.is_terminal:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(label, total=app().event_count())
        yield lambda n: progress.advance(task, n)


@projections_cli.command("check")
def projections_check() -> None:
    """Rebuild into scratch tables and compare with the live read models; exit 1 on a difference."""
    with _progress(say("out.checking")) as advance:
        report = app().check_projections(advance)
    if report.ok:
        out.print(say("out.projections_match", rows=report.rows))
        return
    for d in report.differences:
        err.print(
            say("out.difference", table=d.table, key=d.key, live=d.live, rebuilt=d.rebuilt),
            markup=False,
            soft_wrap=True,
        )
    raise typer.Exit(1)


@projections_cli.command("run")
def projections_run(
    interval: Annotated[float, typer.Option()] = 0.5,
) -> None:
    """Follow the log in this process (a projection worker), until SIGINT or SIGTERM."""
    import signal
    import threading

    from parcours.projections.worker import ProjectionWorker

    # a broken database fails before the banner
    worker = ProjectionWorker(app(), app().pipeline.store, interval)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    err.print(say("out.worker_running"))

    def report(folded: int, lag: int) -> None:
        if folded or lag:
            err.print(say("out.worker_folded", folded=folded, lag=lag))

    worker.run(stop, report)
    err.print(say("out.worker_stopped"))


scheduler_cli = typer.Typer(no_args_is_help=True)
cli.add_typer(scheduler_cli, name="scheduler")


@scheduler_cli.command("tick")
def scheduler_tick(
    at: Annotated[str | None, typer.Option("--at")] = None,
    as_json: Json = False,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Record once what fell due up to --at: reminders, breaches, the retention purge."""
    from parcours.scheduler import DeadlineScheduler

    if dry_run:  # issue 20: what the tick would do, nothing written (bodies in cli_dry_run)
        plan = run(lambda: DeadlineScheduler(app()).plan(instant(at, "at")))
        if as_json:
            emit_json(plan)
        else:
            cli_dry_run.show_plan(plan, out)
        return
    report = run(lambda: DeadlineScheduler(app()).tick(instant(at, "at")))
    if as_json:
        emit_json(report)
        return
    lang = active()
    table = Table(
        *headers("pilot", "kind", "rule", "due", "observed"),
        title=say("table.tick", at=formats.date_time(report.now, lang)),
    )
    for r in report.recorded:
        table.add_row(
            str(r.pilot_id),
            label("deadline", r.kind),
            r.rule,
            formats.short_date(r.due, lang),
            cell(r.observed),
        )
    out.print(table)
    out.print(say("out.tick", evaluated=report.evaluated, purged=len(report.purged)))


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in the foreground until SIGINT or SIGTERM."""
    import signal
    import threading

    from parcours.scheduler import DeadlineScheduler

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = DeadlineScheduler(app())
    run(scheduler.start)
    err.print(say("out.scheduler_running"))
    stop.wait()
    scheduler.shutdown()
    err.print(say("out.scheduler_stopped"))


@cli.command()
def demo(
    path: Annotated[str, typer.Option("--path")] = ("parcours-demo.db"),
    report_path: Annotated[str, typer.Option("--report")] = ("parcours-report.html"),
) -> None:
    """Play the Grand Est cohort from September 2024 to the purge, with the scheduler ticking;
    print the dashboard as it goes and write the HTML report."""
    from parcours.demo import play

    run(lambda: play(path, out, report_path))


# Who may do what (R15): grant, revoke, principals (bodies in cli_roles).
cli_roles.register(cli, sys.modules[__name__])
cli_charter.register(cli, sys.modules[__name__])  # round 2 (R10, R11): bodies in cli_charter
cli_exports.register(cli, sys.modules[__name__])  # issue 20: `export --xlsx` (cli_exports)
cli_rules.register(cli)  # `parcours regles` / `rules` (the shipped rules), `--version`


def main() -> None:
    cli()


from parcours.cli_gdpr import gdpr_cli  # noqa: E402  (it uses the helpers above)

cli.add_typer(gdpr_cli, name="gdpr")
