"""Random sequences of valid and invalid commands against a SQLite file (R1, R5–R11).

After every step: the phases followed the charter's order (R1); a rejected command appended
nothing and an accepted one appended; a second `Parcours` on the same file loads exactly
the same pilot; the live read models equal a rebuild from scratch; a dashboard read from
kept rows equals the rules evaluated on the spot.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import suppress
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from parcours import InvalidInput, Parcours, ParcoursError
from tests.conftest import PARIS, Clock
from tests.support.fne import call_without_window
from tests.support.roles import REFERENT_ID, REGION, staffed, with_referent
from tests.support.scenarios import INDICATOR, LEAD, REFERENT, evaluated_dashboard

PROGRAMME = "lifecycle-2024"
ORDER = ["charter_signed", "diagnostic", "framing", "deployment", "evaluation", "closed"]
days_ = st.integers(min_value=0, max_value=600).map(lambda n: date(2024, 8, 20) + timedelta(n))
themes = st.sampled_from(["digital-inclusion", "e-health", "not-a-theme"])


class PilotLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="parcours-sm-")
        url = f"sqlite:///{self.folder}/parcours.db"
        self.clock = Clock(datetime(2026, 1, 15, 12, tzinfo=PARIS))
        self.app = Parcours(url, clock=self.clock)
        # R16: Grand Est's charter names no call; the machine's programme is Grand Est's with
        # FNE's call (its rate and cap, no window) so that funding lines are accepted too.
        grand_est = self.app.programme("grand-est-2024")
        self.app.register_programme(
            grand_est.model_copy(
                update={"id": PROGRAMME, "funding_schemes": (call_without_window(self.app),)}
            )
        )
        staffed(self.app, programme=PROGRAMME)
        self.reader = Parcours(url, clock=self.clock)
        self.projects: list[UUID] = []
        self.funding: list[UUID] = []
        self.blockers: list[UUID] = []
        self.kept_days: list[date] = []
        self.pilot: UUID

    @initialize()
    def enroll(self) -> None:
        self.pilot = self.app.enroll(
            name="CC Sauer-Pechelbronn",
            programme=PROGRAMME,
            charter_signed_on=date(2024, 9, 2),
            actor=LEAD,
        )
        with_referent(self.app, self.pilot)  # R15: its referent logs time, warns, asks

    def attempt(self, command: object) -> None:
        before = self.app.event_count()
        try:
            assert callable(command)
            command()
        except ParcoursError:
            assert self.app.event_count() == before, "a rejected command appended events"
        else:
            assert self.app.event_count() > before, "an accepted command appended nothing"

    @rule(role=st.sampled_from(["operational", "elected"]), on=days_)
    def designate(self, role: str, on: date) -> None:
        self.attempt(
            lambda: self.app.designate_referent(
                self.pilot, actor=LEAD, on=on, **{**REFERENT, "role": role}
            )
        )

    @rule(
        step=st.sampled_from(
            [
                "start_diagnostic",
                "complete_diagnostic",
                "start_deployment",
                "start_evaluation",
                "close",
            ]
        ),
        on=days_,
    )
    def change_phase(self, step: str, on: date) -> None:
        self.attempt(lambda: getattr(self.app, step)(self.pilot, on=on, actor=LEAD))

    @rule(on=days_)
    def withdraw(self, on: date) -> None:
        self.attempt(
            lambda: self.app.withdraw(self.pilot, reason="Council vote", on=on, actor=LEAD)
        )

    @rule(theme=themes)
    def recommend(self, theme: str) -> None:
        def command() -> None:
            self.projects.append(
                self.app.recommend_project(self.pilot, title="Projet", theme=theme, actor=LEAD)
            )

        self.attempt(command)

    @precondition(lambda self: bool(self.projects))
    @rule(data=st.data(), with_indicator=st.booleans())
    def frame(self, data: st.DataObject, with_indicator: bool) -> None:
        project = data.draw(st.sampled_from(self.projects))
        self.attempt(
            lambda: self.app.frame_project(
                self.pilot,
                project,
                indicators=[INDICATOR] if with_indicator else [],
                evaluation_protocol="Quarterly count",
                actor=LEAD,
            )
        )

    @precondition(lambda self: bool(self.projects))
    @rule(
        data=st.data(), key=st.sampled_from(["people_helped", "unknown"]), value=st.integers(0, 500)
    )
    def report(self, data: st.DataObject, key: str, value: int) -> None:
        project = data.draw(st.sampled_from(self.projects))
        self.attempt(
            lambda: self.app.report_indicator(
                self.pilot, project, key=key, value=value, period="2025-Q2", actor=REFERENT_ID
            )
        )

    @rule(on=days_)
    def follow_up(self, on: date) -> None:
        self.attempt(lambda: self.app.record_follow_up(self.pilot, on=on, actor=LEAD))

    @rule(on=days_, amount=st.sampled_from([0, 0.5, 1, 2.5, 40]))
    def log_time(self, on: date, amount: float) -> None:
        self.attempt(lambda: self.app.log_time(self.pilot, days=amount, on=on, actor=REFERENT_ID))

    @rule(on=days_, session=st.sampled_from(["rex-a", "rex-b"]))
    def rex(self, on: date, session: str) -> None:
        self.attempt(lambda: self.app.record_rex(self.pilot, session=session, on=on, actor=LEAD))

    @rule()
    def evaluate(self) -> None:
        self.attempt(
            lambda: self.app.record_evaluation(
                self.pilot, findings="f", recommendations="r", replicable=False, actor=LEAD
            )
        )

    @rule(on=days_, kind=st.sampled_from(["change", "confidentiality", "gossip"]))
    def warn(self, on: date, kind: str) -> None:
        self.attempt(
            lambda: self.app.raise_alert(
                self.pilot, kind=kind, description="x", on=on, actor=REFERENT_ID
            )
        )

    @rule(on=days_, approve=st.booleans())
    def communicate(self, on: date, approve: bool) -> None:
        def command() -> None:
            news = self.app.request_communication(
                self.pilot, title="News", on=on, actor=REFERENT_ID
            )
            self.app.decide_communication(self.pilot, news, approved=approve, on=on, actor=REGION)

        with suppress(ParcoursError):
            command()

    @precondition(lambda self: bool(self.projects))
    @rule(
        data=st.data(),
        amount=st.sampled_from([1000, 50000, 60000]),
        rate=st.sampled_from([0.5, 0.6, 0.8]),
        months=st.sampled_from([12, 36, 48]),
        district=st.booleans(),
        grant=st.booleans(),
    )
    def fund(
        self,
        data: st.DataObject,
        amount: int,
        rate: float,
        months: int,
        district: bool,
        grant: bool,
    ) -> None:
        project = data.draw(st.sampled_from(self.projects))

        def command() -> None:
            line = self.app.identify_funding(
                self.pilot,
                project,
                scheme="fne-call-for-projects",
                amount_eur=amount,
                rate=rate,
                months=months,
                priority_district=district,
                actor=LEAD,
            )
            self.funding.append(line)

        self.attempt(command)
        if self.funding:
            line = self.funding[-1]
            self.attempt(
                lambda: self.app.decide_funding(
                    self.pilot, line, granted=grant, on=date(2025, 6, 1), actor=LEAD
                )
            )

    @precondition(lambda self: bool(self.projects))
    @rule(data=st.data(), regional=st.booleans())
    def source(self, data: st.DataObject, regional: bool) -> None:
        project = data.draw(st.sampled_from(self.projects))
        self.attempt(
            lambda: self.app.source_solution(
                self.pilot, project, name="Kiosque", provider="PME", regional=regional, actor=LEAD
            )
        )

    @rule(on=days_, lift=st.booleans())
    def blocker(self, on: date, lift: bool) -> None:
        def command() -> None:
            self.blockers.append(
                self.app.raise_blocker(self.pilot, description="Contrat", on=on, actor=LEAD)
            )

        self.attempt(command)
        if lift and self.blockers:
            blocker = self.blockers[-1]
            self.attempt(
                lambda: self.app.lift_blocker(self.pilot, blocker, how="Signé", on=on, actor=LEAD)
            )

    @rule(on=days_)
    def scheduled_rex(self, on: date) -> None:
        if on > self.app.programme(PROGRAMME).retention.until:
            # After the end of the experiment (R2) a session is refused at the door.
            with pytest.raises(InvalidInput, match="R2"):
                self.app.schedule_rex(PROGRAMME, on=on, kind="collective", title="REX", actor=LEAD)
            return
        session = self.app.schedule_rex(
            PROGRAMME, on=on, kind="collective", title="REX", actor=LEAD
        )
        self.attempt(lambda: self.app.record_rex(self.pilot, session=str(session), actor=LEAD))

    @rule()
    def erase_operational_referent(self) -> None:
        referent = self.app.get_pilot(self.pilot, actor=LEAD).referent("operational")
        if referent is not None:
            self.attempt(lambda: self.app.erase_person(self.pilot, referent.person_id, actor=LEAD))

    @rule(on=days_)
    def keep_the_dashboard(self, on: date) -> None:
        self.app.refresh_dashboard(today=on)
        self.kept_days.append(on)

    @invariant()
    def read_models_equal_a_rebuild(self) -> None:
        assert self.app.check_projections().ok

    @invariant()
    def a_kept_dashboard_equals_the_rules(self) -> None:
        for day in self.kept_days[-2:]:
            kept = self.app.dashboard(today=day, known_at=self.app.now())
            assert kept == evaluated_dashboard(self.app, day)

    @invariant()
    def phases_follow_the_charter(self) -> None:
        view = self.app.get_pilot(self.pilot, actor=LEAD)
        path = [step.phase for step in view.phase_history]
        if path[-1] == "withdrawn":
            path = path[:-1]
        assert path == ORDER[: len(path)], path
        dates = [step.since for step in view.phase_history]
        assert dates == sorted(dates)

    @invariant()
    def another_instance_loads_the_same_pilot(self) -> None:
        assert self.reader.get_pilot(self.pilot, actor=LEAD) == self.app.get_pilot(
            self.pilot, actor=LEAD
        )

    def teardown(self) -> None:
        self.app.close_connections()
        self.reader.close_connections()
        shutil.rmtree(self.folder, ignore_errors=True)


PilotLifecycle.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPilotLifecycle = PilotLifecycle.TestCase
