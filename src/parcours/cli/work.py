"""The work inside the phases: time (R6), projects and their indicators (R8), REX (R7),
alerts (R9), communications (R10), the evaluation (R1), and the deployment's support:
solutions, funding (R16), blockers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from parcours.cli import shell
from parcours.cli.shell import Actor, On, PilotArg, ProjectArg
from parcours.messages import say

commands = typer.Typer()


# -- the work inside the phases --------------------------------------------------------------


@commands.command("log-time")
def log_time(
    pilot: PilotArg, days: Annotated[float, typer.Option()], on: On = None, actor: Actor = "cli"
) -> None:
    """Log the operational referent's time (R6)."""
    shell.run(lambda: shell.app().log_time(pilot, days=days, on=shell.day(on), actor=actor))


@commands.command("recommend-project")
def recommend_project(
    pilot: PilotArg,
    title: Annotated[str, typer.Option()],
    theme: Annotated[str, typer.Option()],
    actor: Actor = "cli",
) -> None:
    """Recommend a project during the diagnostic; prints its id."""
    shell.print_id(
        shell.run(
            lambda: shell.app().recommend_project(pilot, title=title, theme=theme, actor=actor)
        )
    )


@commands.command("frame-project")
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
    shell.run(
        lambda: shell.app().frame_project(
            pilot, project, indicators=indicators, evaluation_protocol=protocol, actor=actor
        )
    )


@commands.command("report-indicator")
def report_indicator(
    pilot: PilotArg,
    project: str,
    key: Annotated[str, typer.Option()],
    value: Annotated[float, typer.Option()],
    period: Annotated[str, typer.Option()],
    actor: Actor = "cli",
) -> None:
    """Report an indicator's value for a period (R8)."""
    shell.run(
        lambda: shell.app().report_indicator(
            pilot, project, key=key, value=value, period=period, actor=actor
        )
    )


@commands.command("record-rex")
def record_rex(
    pilot: PilotArg,
    session: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record attendance at an experience-review session (R7)."""
    shell.run(lambda: shell.app().record_rex(pilot, session=session, on=shell.day(on), actor=actor))


@commands.command("raise-alert")
def raise_alert(
    pilot: PilotArg,
    kind: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Warn the Region and the agency (R9); prints the alert's id."""
    shell.print_id(
        shell.run(
            lambda: shell.app().raise_alert(
                pilot, kind=kind, description=description, on=shell.day(on), actor=actor
            )
        )
    )


@commands.command("request-communication")
def request_communication(
    pilot: PilotArg, title: Annotated[str, typer.Option()], on: On = None, actor: Actor = "cli"
) -> None:
    """Ask the Region's agreement for a communication (R10); prints its id."""
    shell.print_id(
        shell.run(
            lambda: shell.app().request_communication(
                pilot, title=title, on=shell.day(on), actor=actor
            )
        )
    )


@commands.command("decide-communication")
def decide_communication(
    pilot: PilotArg,
    communication: str,
    approve: Annotated[bool, typer.Option("--approve/--refuse")],
    reason: Annotated[str | None, typer.Option()] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """The Region approves or refuses a communication (R10)."""
    shell.run(
        lambda: shell.app().decide_communication(
            pilot, communication, approved=approve, reason=reason, on=shell.day(on), actor=actor
        )
    )


@commands.command("publish-communication")
def publish_communication(
    pilot: PilotArg, communication: str, on: On = None, actor: Actor = "cli"
) -> None:
    """Mark an approved communication published (R10)."""
    shell.run(
        lambda: shell.app().publish_communication(
            pilot, communication, on=shell.day(on), actor=actor
        )
    )


@commands.command("record-evaluation")
def record_evaluation(
    pilot: PilotArg,
    findings: Annotated[str, typer.Option()],
    recommendations: Annotated[str, typer.Option()],
    replicable: Annotated[bool, typer.Option("--replicable/--not-replicable")],
    actor: Actor = "cli",
) -> None:
    """Write the pilot's experiment report (R1)."""
    shell.run(
        lambda: shell.app().record_evaluation(
            pilot,
            findings=findings,
            recommendations=recommendations,
            replicable=replicable,
            actor=actor,
        )
    )


# -- deployment support ------------------------------------------------------------------------


@commands.command("source-solution")
def source_solution(
    pilot: PilotArg,
    project: ProjectArg,
    name: Annotated[str, typer.Option()],
    provider: Annotated[str, typer.Option()],
    regional: Annotated[bool, typer.Option("--regional/--not-regional")],
    actor: Actor = "cli",
) -> None:
    """Record a solution sourced for a project (developed in the region or not); prints its id."""
    shell.print_id(
        shell.run(
            lambda: shell.app().source_solution(
                pilot, project, name=name, provider=provider, regional=regional, actor=actor
            )
        )
    )


@commands.command("identify-funding")
def identify_funding(
    pilot: PilotArg,
    project: ProjectArg,
    scheme: Annotated[str, typer.Option()],
    amount_eur: Annotated[float, typer.Option("--amount-eur")],
    rate: Annotated[float, typer.Option()],
    months: Annotated[int, typer.Option()],
    priority_district: Annotated[bool, typer.Option("--priority-district")] = False,
    eligible_cost_eur: Annotated[float | None, typer.Option("--eligible-cost-eur")] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Identify a funding line under one of the programme's schemes; prints its id. `--on`:
    the day it was applied for (R16: inside the call's window), today by default."""
    shell.print_id(
        shell.run(
            lambda: shell.app().identify_funding(
                pilot,
                project,
                scheme=scheme,
                amount_eur=amount_eur,
                rate=rate,
                months=months,
                priority_district=priority_district,
                eligible_cost_eur=eligible_cost_eur,
                on=shell.day(on),
                actor=actor,
            )
        )
    )


@commands.command("decide-funding")
def decide_funding(
    pilot: PilotArg,
    funding: str,
    granted: Annotated[bool, typer.Option("--granted/--refused")],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """A funding line is granted or refused."""
    shell.run(
        lambda: shell.app().decide_funding(
            pilot, funding, granted=granted, on=shell.day(on), actor=actor
        )
    )


@commands.command("raise-blocker")
def raise_blocker(
    pilot: PilotArg,
    description: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record a blocker in the way of the project; prints its id."""
    shell.print_id(
        shell.run(
            lambda: shell.app().raise_blocker(
                pilot, description=description, on=shell.day(on), actor=actor
            )
        )
    )


@commands.command("lift-blocker")
def lift_blocker(
    pilot: PilotArg,
    blocker: str,
    how: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Record how a blocker was lifted."""
    shell.run(
        lambda: shell.app().lift_blocker(pilot, blocker, how=how, on=shell.day(on), actor=actor)
    )


@commands.command("schedule-rex")
def schedule_rex(
    on: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option()] = "collective",
    programme: Annotated[str | None, typer.Option()] = None,
    theme: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Schedule a REX session of the cohort (R7); prints its id for record-rex --session.
    `--theme`: the session is that theme's working group, on its date (see working-groups)."""
    when = shell.day(on)
    assert when is not None
    chosen = programme or shell.app().settings.programme
    session = shell.run(
        lambda: shell.app().schedule_rex(
            chosen, on=when, kind=kind, title=title, theme=theme, actor=actor
        )
    )
    shell.print_id(session)


@commands.command("working-groups")
def working_groups(
    programme: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """The programme's calendar of thematic working groups (R7), each marked when its REX
    session is scheduled."""
    chosen = programme or shell.app().settings.programme
    definition = shell.run(lambda: shell.app().programme(chosen))
    sessions = shell.run(lambda: shell.app().rex_sessions(chosen, actor=actor))
    if not definition.working_groups:
        shell.out.print(say("cli.no_working_groups", programme=chosen))
        return
    # A session is a group's when it was scheduled as that group (a COPIL the same day is not).
    scheduled = {s.theme for s in sessions if s.theme is not None}
    for group in sorted(definition.working_groups, key=lambda g: g.starts):
        day = group.starts.date()
        mark = say("cli.working_group_scheduled") if group.theme in scheduled else ""
        line = say(
            "cli.working_group",
            day=day,
            time=group.starts.strftime("%H:%M"),
            theme=group.theme,
            scheduled=mark,
        )
        shell.out.print(line)
