"""R15 under random sequences: grants, revocations and commands by random principals over
two programmes, on SQLite and PostgreSQL.

A model kept here, independent of `domain.roles`, says who holds what. After every step: a
command was accepted iff its principal held a permitting role at that moment (by the
programme's own table: the second programme lets its agency log time too); a refused one
appended nothing; `principals()` equals the model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from parcours import NotAuthorised, Parcours, ParcoursError, RuleViolation, load_programme
from parcours.programme import Programme
from parcours.store import grants
from tests.conftest import PARIS, Clock

A, B = "grand-est-2024", "second-2025"
PRINCIPALS = [
    "agency:a1",
    "agency:a2",
    "region:r1",
    "auditor:x1",
    "pilot:p1",
    "pilot:p2",
    "nobody:z",
    "system:scheduler",
]
principals = st.sampled_from(PRINCIPALS)
programmes = st.sampled_from([A, B])
DAY = date(2025, 1, 10)
Held = tuple[str, str, str, str | None]  # principal, role, programme, pilot


def second_programme() -> Programme:
    """grand-est-2024 under another id, whose table lets the agency log time as well."""
    base = load_programme(A)
    rows = {**base.roles}
    rows["log_time"] = rows["log_time"].model_copy(update={"roles": ("referent", "agency")})
    return base.model_copy(update={"id": B, "roles": rows})


class RolesMachine(RuleBasedStateMachine):
    new_url: Callable[[], str] = staticmethod(lambda: "sqlite:///:memory:")

    def __init__(self) -> None:
        super().__init__()
        self.app = Parcours(self.new_url(), clock=Clock(datetime(2025, 6, 2, 12, tzinfo=PARIS)))
        self.app.register_programme(second_programme())
        self.held: set[Held] = set()
        self.pilots: dict[UUID, str] = {}
        self.requested: dict[UUID, list[UUID]] = {}

    # -- the model --------------------------------------------------------------------------

    def holds(self, principal: str, role: str, programme: str, pilot: UUID | None = None) -> bool:
        key = str(pilot) if role == "referent" else None
        return (principal, role, programme, key) in self.held

    def may(self, principal: str, act: str, pilot: UUID) -> bool:
        programme = self.pilots[pilot]
        roles = {
            "log_time": {"referent"} | ({"agency"} if programme == B else set()),
            "raise_alert": {"referent"},
            "request_communication": {"referent"},
            "decide_communication": {"region"},
            "record_rex": {"agency"},
            "get_pilot": {"agency", "region", "auditor", "referent"},
        }[act]
        return any(
            self.holds(principal, r, programme, pilot if r == "referent" else None) for r in roles
        )

    def expect(self, outcome: type[Exception] | None, command: Callable[[], Any]) -> Any:
        before = self.app.event_count()
        error: ParcoursError | None = None
        result = None
        try:
            result = command()
        except ParcoursError as raised:
            error = raised
        if error is None:
            assert outcome is None, f"accepted, the model says {outcome and outcome.__name__}"
            return result
        assert outcome is not None, f"refused, the model says accepted: {error}"
        assert isinstance(error, outcome), f"expected {outcome.__name__}: {error!r}"
        assert self.app.event_count() == before, "a refused command appended events"
        return None

    # -- grants -----------------------------------------------------------------------------

    def stable(self, held: Held) -> tuple[str, str, str, int]:
        """A role held, ordered by its pilot's rank of enrolment, not its random id: the
        same draws must give the same steps when hypothesis replays them."""
        principal, role, programme, pilot = held
        rank = -1 if pilot is None else [str(p) for p in self.pilots].index(pilot)
        return principal, role, programme, rank

    def who(self, data: st.DataObject) -> str:
        """Any principal, or (half the time) one that holds a role: refusals and acceptances
        both happen often."""
        holders = sorted({h[0] for h in self.held})
        pool = st.sampled_from(PRINCIPALS)
        return data.draw(st.one_of(pool, st.sampled_from(holders)) if holders else pool)

    @initialize(start=st.sampled_from(["closed", "A", "A and B"]))
    def open_the_store(self, start: str) -> None:
        """Most runs start as a deployment does; some stay closed for a while."""
        if start == "closed":
            return
        grant = self.app.grant
        self.expect(None, lambda: grant("agency:a1", "agency", programme=A, actor="agency:a1"))
        self.held.add(("agency:a1", "agency", A, None))
        if start == "A and B":
            self.expect(None, lambda: grant("agency:a2", "agency", programme=B, actor="agency:a1"))
            self.held.add(("agency:a2", "agency", B, None))

    def grant_outcome(
        self, actor: str, principal: str, role: str, programme: str, pilot: UUID | None
    ) -> type[Exception] | None:
        if principal.startswith("system:"):
            return RuleViolation  # refused before anyone is asked
        if not self.held:
            ok = role == "agency" and principal == actor
            return None if ok else NotAuthorised
        if role == "agency" and not any(h[1] == "agency" and h[2] == programme for h in self.held):
            authorised = any(h[0] == actor and h[1] == "agency" for h in self.held)
        else:
            authorised = self.holds(actor, "agency", programme)
        if not authorised:
            return NotAuthorised
        return RuleViolation if self.holds(principal, role, programme, pilot) else None

    @rule(
        actor=principals,
        principal=principals,
        role=st.sampled_from(["agency", "region", "auditor"]),
        programme=programmes,
    )
    def grant_programme_role(self, actor: str, principal: str, role: str, programme: str) -> None:
        outcome = self.grant_outcome(actor, principal, role, programme, None)
        self.expect(
            outcome, lambda: self.app.grant(principal, role, programme=programme, actor=actor)
        )
        if outcome is None:
            self.held.add((principal, role, programme, None))

    @precondition(lambda self: self.pilots)
    @rule(principal=principals, data=st.data())
    def grant_referent(self, principal: str, data: st.DataObject) -> None:
        actor = self.who(data)
        pilot = data.draw(st.sampled_from(list(self.pilots)))
        programme = self.pilots[pilot]
        outcome = self.grant_outcome(actor, principal, "referent", programme, pilot)
        if outcome is None and not self.held:
            outcome = NotAuthorised  # (no pilot exists in a closed store anyway)
        self.expect(
            outcome, lambda: self.app.grant(principal, "referent", pilot=pilot, actor=actor)
        )
        if outcome is None:
            self.held.add((principal, "referent", programme, str(pilot)))

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        actor = self.who(data)
        ranked = sorted(self.held, key=self.stable)
        principal, role, programme, pilot = data.draw(st.sampled_from(ranked))
        if data.draw(st.booleans()):  # sometimes a role not held
            role = "auditor" if role != "auditor" else "region"
            pilot = None
        target = UUID(pilot) if pilot else None
        if actor.startswith("system:") or not self.holds(actor, "agency", programme):
            outcome: type[Exception] | None = NotAuthorised
        elif not self.holds(principal, role, programme, target):
            outcome = RuleViolation
        elif role == "agency" and [
            h for h in self.held if h[1] == "agency" and h[2] == programme
        ] == [(principal, role, programme, None)]:
            outcome = RuleViolation  # the last agency stays
        else:
            outcome = None
        self.expect(
            outcome,
            lambda: self.app.revoke(
                principal,
                role,
                actor=actor,
                **({"pilot": target} if role == "referent" else {"programme": programme}),
            ),
        )
        if outcome is None:
            self.held.discard((principal, role, programme, pilot))

    # -- commands ---------------------------------------------------------------------------

    @rule(data=st.data(), programme=programmes)
    def enroll(self, data: st.DataObject, programme: str) -> None:
        actor = self.who(data)
        outcome = None if self.holds(actor, "agency", programme) else NotAuthorised
        pilot = self.expect(
            outcome,
            lambda: self.app.enroll(
                name=f"CC {uuid4().hex[:6]}",
                programme=programme,
                charter_signed_on=date(2024, 9, 2),
                actor=actor,
            ),
        )
        if pilot is not None:
            self.pilots[pilot] = programme

    @precondition(lambda self: self.pilots)
    @rule(
        actor=principals,
        data=st.data(),
        act=st.sampled_from(
            ["log_time", "raise_alert", "request_communication", "record_rex", "get_pilot"]
        ),
    )
    def act(self, actor: str, data: st.DataObject, act: str) -> None:
        pilot = data.draw(st.sampled_from(list(self.pilots)))
        calls: dict[str, Callable[[], Any]] = {
            "log_time": lambda: self.app.log_time(pilot, days=0.5, on=DAY, actor=actor),
            "raise_alert": lambda: self.app.raise_alert(
                pilot, kind="change", description="x", on=DAY, actor=actor
            ),
            "request_communication": lambda: self.app.request_communication(
                pilot, title="News", on=DAY, actor=actor
            ),
            "record_rex": lambda: self.app.record_rex(
                pilot, session=f"rex-{uuid4().hex[:6]}", on=DAY, actor=actor
            ),
            "get_pilot": lambda: self.app.get_pilot(pilot, actor=actor),
        }
        allowed = self.may(actor, act, pilot)
        result = self.expect(None if allowed else NotAuthorised, calls[act])
        if act == "request_communication" and result is not None:
            self.requested.setdefault(pilot, []).append(result)
        if act == "get_pilot" and result is not None:
            programme = self.pilots[pilot]
            only_auditor = not any(
                self.holds(actor, r, programme, pilot if r == "referent" else None)
                for r in ("agency", "region", "referent")
            )
            assert all((c.email == "[personal]") == only_auditor for c in result.contacts)

    @precondition(lambda self: any(self.requested.values()))
    @rule(data=st.data())
    def decide(self, data: st.DataObject) -> None:
        actor = self.who(data)
        pilot = data.draw(st.sampled_from([p for p, c in self.requested.items() if c]))
        news = self.requested[pilot][0]
        allowed = self.may(actor, "decide_communication", pilot)
        self.expect(
            None if allowed else NotAuthorised,
            lambda: self.app.decide_communication(pilot, news, approved=True, on=DAY, actor=actor),
        )
        if allowed:
            self.requested[pilot].pop(0)

    @invariant()
    def the_grants_table_is_the_model(self) -> None:
        shown = {
            (h.principal, h.role, h.programme, None if h.pilot_id is None else str(h.pilot_id))
            for h in self.app.principals()
        }
        assert shown == self.held

    def teardown(self) -> None:
        # the grants table is what the facts on the record say (events replayed in order)
        assert grants.replayed(self.app.pipeline.store) == self.held
        self.app.close_connections()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_command_is_accepted_iff_its_principal_held_a_permitting_role(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if backend == "postgres":
        server = request.getfixturevalue("postgres_server")

        def new_url() -> str:
            return str(server.create_database(f"r_{uuid4().hex[:12]}"))
    else:

        def new_url() -> str:
            return f"sqlite:///{tmp_path_factory.mktemp('roles')}/p.db"

    class Machine(RolesMachine):
        pass

    Machine.new_url = staticmethod(new_url)  # type: ignore[method-assign]
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=40 if backend == "sqlite" else 12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
