"""The cohort's acts, each on its day: what the scenario asks the application to do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from uuid import UUID

from parcours.application import Parcours
from parcours.demo.cast import (
    END,
    LEAD,
    PROGRAMME,
    REGION,
    Plan,
    referent,
)
from parcours.errors import NotAuthorised


class Cohort:
    """The scenario: what each pilot does, on which day."""

    def __init__(self, app: Parcours) -> None:
        self.app = app
        self.plan: Plan = defaultdict(list)
        self.ids: dict[str, UUID] = {}
        self.projects: dict[str, UUID] = {}
        self.news: dict[str, UUID] = {}
        self.refusals: list[str] = []
        self.sessions: dict[date, str] = {
            day: str(
                app.schedule_rex(PROGRAMME, on=day, kind="collective", title=title, actor=LEAD)
            )
            for day, title in (
                (date(2024, 11, 28), "REX collectif — bilan des diagnostics"),
                (date(2025, 3, 13), "REX collectif — lancement des déploiements"),
                (date(2025, 10, 9), "REX collectif — premiers résultats"),
            )
        }

    def on(self, day: date, action: Callable[[], object]) -> None:
        self.plan[day].append(action)

    def later(self, day: date, key: str, command: Callable[..., object], **kwargs: object) -> None:
        """On `day`, run `command(pilot id, **kwargs)` for the pilot enrolled as `key`."""
        self.on(day, lambda: command(self.ids[key], **kwargs))

    def pilot(
        self,
        key: str,
        name: str,
        referent_name: tuple[str, str, str],
        signed: date,
        diagnostic: tuple[date, date],
        deployment: date | None,
        days_logged: float = 2.0,
        rex: tuple[date, ...] = (date(2024, 11, 28), date(2025, 3, 13), date(2025, 10, 9)),
        gap: int | None = None,
        evaluation: date | None = None,
        closure: date | None = None,
        withdrawal: date | None = None,
        reports_until: date | None = None,
    ) -> None:
        app, first, last, function = self.app, *referent_name
        self.on(
            signed,
            lambda: self.ids.__setitem__(
                key,
                app.enroll(name=name, programme=PROGRAMME, charter_signed_on=signed, actor=LEAD),
            ),
        )
        self.on(
            signed,
            lambda: app.grant(referent(key), "referent", pilot=self.ids[key], actor=LEAD),
        )
        self.on(
            signed,
            lambda: app.designate_referent(
                self.ids[key],
                role="operational",
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@example.org".lower(),
                phone="+33 3 26 00 00 00",
                title=function,
                on=signed,
                actor=LEAD,
            ),
        )
        start, done = diagnostic
        self.on(start, lambda: app.start_diagnostic(self.ids[key], on=start, actor=LEAD))
        for n in range(4):
            logged_on = start + timedelta(days=14 * n + 7)
            self.later(
                logged_on,
                key,
                app.log_time,
                days=days_logged / 4,
                on=logged_on,
                actor=referent(key),
            )
        for day in rex:
            if withdrawal is None or day < withdrawal:
                # a session the cohort scheduled is linked; any other is an individual one
                session = self.sessions.get(day, f"rex-individual-{day:%Y-%m}")
                self.later(day, key, app.record_rex, session=session, on=day, actor=LEAD)
        if withdrawal is not None and withdrawal <= done:
            self.later(
                withdrawal,
                key,
                app.withdraw,
                on=withdrawal,
                actor=LEAD,
                reason="Merger of the intercommunality postponed the project",
            )
            return
        self.on(
            done - timedelta(days=7),
            lambda: self.projects.__setitem__(
                key,
                app.recommend_project(
                    self.ids[key],
                    title="Guichet numérique itinérant",
                    theme="digital-inclusion",
                    actor=LEAD,
                ),
            ),
        )
        self.on(done, lambda: app.complete_diagnostic(self.ids[key], on=done, actor=LEAD))
        self.on(
            done + timedelta(days=21),
            lambda: app.frame_project(
                self.ids[key],
                self.projects[key],
                indicators=[
                    {
                        "key": "people_helped",
                        "label": "People helped",
                        "unit": "persons",
                        "target": 300,
                    }
                ],
                evaluation_protocol="Quarterly count from the mediation log",
                actor=LEAD,
            ),
        )
        # R5: follow-ups run during framing too (« la mise en œuvre de projet(s) »).
        month = (done + timedelta(days=32)).replace(day=20)
        while month < (deployment or END) and month < self.app.programme(PROGRAMME).experiment_ends:
            self.later(month, key, app.record_follow_up, on=month, actor=LEAD)
            month = (month + timedelta(days=32)).replace(day=20)
        if deployment is None:
            return
        self.on(deployment, lambda: app.start_deployment(self.ids[key], on=deployment, actor=LEAD))
        self._deployment(key, deployment, evaluation or END, gap, reports_until)
        if evaluation is not None:
            self.on(
                evaluation, lambda: app.start_evaluation(self.ids[key], on=evaluation, actor=LEAD)
            )
            self.on(
                evaluation + timedelta(days=20),
                lambda: app.record_evaluation(
                    self.ids[key],
                    findings="The itinerant desk reached three villages a week",
                    recommendations="Extend it to the neighbouring EPCI",
                    replicable=True,
                    actor=LEAD,
                ),
            )
        if closure is not None:
            self.on(closure, lambda: app.close(self.ids[key], on=closure, actor=LEAD))

    def communication(
        self,
        key: str,
        title: str,
        requested: date,
        decided: date,
        *,
        approved: bool,
        reason: str | None = None,
        published: date | None = None,
    ) -> None:
        """R10: asked by the pilot, decided by the Region, published only once approved."""
        app = self.app

        def request() -> None:
            self.news[key] = app.request_communication(
                self.ids[key], title=title, on=requested, actor=referent(key)
            )

        def decide() -> None:
            if not self.refusals:  # once: the agency tries, R10 reserves it to the Region
                try:
                    app.decide_communication(
                        self.ids[key], self.news[key], approved=True, on=decided, actor=LEAD
                    )
                except NotAuthorised as refusal:
                    self.refusals.append(str(refusal))
            app.decide_communication(
                self.ids[key],
                self.news[key],
                approved=approved,
                reason=reason,
                on=decided,
                actor=REGION,
            )

        self.on(requested, request)
        self.on(decided, decide)
        if published is not None:
            self.on(
                published,
                lambda: app.publish_communication(
                    self.ids[key],
                    self.news[key],
                    graphic_charter_respected=True,  # R10, « le cas échéant »
                    on=published,
                    actor=referent(key),
                ),
            )

    def blocker(self, key: str, description: str, raised: date, lifted: date, how: str) -> None:
        """R1: a blocker in the way of the deployment, and how the agency helped lift it."""
        app = self.app

        def raise_() -> None:
            self.news[f"blocker:{key}"] = app.raise_blocker(
                self.ids[key], description=description, on=raised, actor=LEAD
            )

        self.on(raised, raise_)
        self.on(
            lifted,
            lambda: app.lift_blocker(
                self.ids[key], self.news[f"blocker:{key}"], how=how, on=lifted, actor=LEAD
            ),
        )

    def _report(self, key: str, value: int, period: str) -> None:
        self.app.report_indicator(
            self.ids[key],
            self.projects[key],
            key="people_helped",
            value=value,
            period=period,
            actor=referent(key),
        )

    def _deployment(
        self, key: str, start: date, end: date, gap: int | None, reports_until: date | None
    ) -> None:
        app = self.app
        month = start.replace(day=1)
        reported = 0
        while month < end.replace(day=1):
            if gap != month.month:
                meeting = max(month.replace(day=20), start)
                if meeting < end:
                    self.later(meeting, key, app.record_follow_up, on=meeting, actor=LEAD)
            logged_on = max(month.replace(day=12), start)
            if logged_on < end:
                self.later(logged_on, key, app.log_time, days=2, on=logged_on, actor=referent(key))
            silent = reports_until is not None and month > reports_until  # R8: no more
            if month.month in (3, 6, 9, 12) and not silent:
                reported += 1
                report_on = month.replace(day=28)
                value = 40 * reported
                period = f"{report_on.year}-Q{(report_on.month - 1) // 3 + 1}"
                self.on(report_on, partial(self._report, key, value, period))
            month = (month + timedelta(days=32)).replace(day=1)
