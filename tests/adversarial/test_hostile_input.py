"""Hostile values at every command's door, on SQLite and PostgreSQL (issue 18).

The promise attacked: a value is either refused with `InvalidInput` naming its field and
nothing appended, or it comes back exactly as it was given, through the history, the views,
the dashboard and its exports. The specification of what must be refused lives in
`tests.adversarial.hostile`, written apart from `parcours.inputs`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from parcours import InvalidInput, Parcours, ParcoursError
from parcours.outputs import CSV_TRIGGERS, DASHBOARD_CSV, dashboard_cells, write_csv
from parcours.render import dashboard_table
from tests.adversarial.doors import (
    FEW,
    HOSTILE,
    OPENS,
    TODAY,
    at_the_door,
    attempt,
    contact,
    deploying,
    diagnosing,
    prepared,
)
from tests.adversarial.hostile import (
    FIXED_TEXT,
    hostile_text,
    text_refused,
)
from tests.adversarial.text_fields import TEXT_FIELDS, TextField
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import LEAD, REFERENT

# -- the pilot's name, through every output ------------------------------------------------


def csv_cell_back(cell: str) -> str:
    """Undo the CSV neutralisation: one leading quote before a trigger character."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in CSV_TRIGGERS and cell[1:2] else cell


@HOSTILE
@given(name=hostile_text)
def test_a_pilot_name_is_refused_at_the_door_or_shown_exactly_everywhere(
    app: Parcours, name: str
) -> None:
    accepted, pilot = at_the_door(
        app,
        "name",
        lambda: app.enroll(
            name=name, programme="grand-est-2024", charter_signed_on=OPENS, actor=LEAD
        ),
        refused=text_refused(name, max_length=200, multiline=False),
    )
    if not accepted:
        return
    assert app.get_pilot(pilot, actor=LEAD).name == name
    assert app.history(pilot, actor=LEAD)[0].fields["name"] == name
    assert [p.name for p in app.list_pilots() if p.id == pilot] == [name]
    board = app.dashboard(today=TODAY, known_at=app.now())
    row = next(r for r in board.rows if r.pilot_id == pilot)
    assert row.name == name
    assert json.loads(json.dumps(row.model_dump(mode="json"), allow_nan=False))["name"] == name
    buffer = io.StringIO()
    write_csv(buffer, DASHBOARD_CSV, [dashboard_cells(row)])
    cell = list(csv.reader(io.StringIO(buffer.getvalue())))[1][1]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), "a formula reached the CSV"
    assert csv_cell_back(cell) == name
    assert html.escape(name) in app.report_html(today=TODAY, known_at=app.now())
    screen = Console(file=io.StringIO(), width=400, color_system=None)
    screen.print(dashboard_table(board))  # markup in a name must neither crash nor style


def test_a_nul_byte_in_a_pilot_name_is_refused_at_the_door(app: Parcours) -> None:
    # On PostgreSQL it used to be appended, then crash the read model (and a worker for ever).
    worker_mode = Parcours(
        app.settings.url, settings=app.settings.model_copy(update={"project_after_commands": False})
    )
    for instance in (app, worker_mode):
        before = instance.event_count()
        with pytest.raises(InvalidInput, match="U\\+0000") as refusal:
            instance.enroll(
                name="CC\x00Ardenne",
                programme="grand-est-2024",
                charter_signed_on=OPENS,
                actor=LEAD,
            )
        assert refusal.value.field == "name"
        assert instance.event_count() == before
    worker_mode.close_connections()
    assert app.catch_up_projections() == 0


@pytest.mark.parametrize(
    "spec", TEXT_FIELDS, ids=[f"{i}-{spec.name}" for i, spec in enumerate(TEXT_FIELDS)]
)
@FEW
@given(value=hostile_text)
def test_every_text_field_is_refused_at_the_door_or_kept_exactly(
    app: Parcours, spec: TextField, value: str
) -> None:
    ctx = spec.setup(app, prepared(app, spec.prepare))
    refused = text_refused(value, max_length=spec.max_length, multiline=spec.multiline)
    before = app.event_count()
    result, refusal = attempt(lambda: spec.act(app, ctx, value))
    if refusal is not None:
        assert app.event_count() == before, "a refused command appended events"
        named = isinstance(refusal, InvalidInput) and spec.name in refusal.field
        # Refused by the policy: InvalidInput naming the field. Accepted by the policy: only a
        # rule of the charter (or another field) may refuse the command.
        assert named if refused else not named, repr(refusal)
        return
    assert not refused, f"{spec.name}: a value the policy refuses was accepted"
    assert spec.read(app, ctx, result) == value


# -- identifiers and closed vocabularies ---------------------------------------------------

ACTOR = re.compile(r"[A-Za-z0-9_.@-]+(:[A-Za-z0-9_.@-]+)*")
actors = st.one_of(
    hostile_text,
    st.sampled_from(["agency:lead", "pilot:ardenne@ccarm", "a" * 100, "a" * 101, "cli", ":x"]),
)


@HOSTILE
@given(actor=actors)
def test_an_actor_is_a_short_identifier_or_refused(app: Parcours, actor: str) -> None:
    pilot = prepared(app, deploying)["pilot"]
    refused = len(actor) > 100 or not ACTOR.fullmatch(actor)
    accepted, _ = at_the_door(
        app,
        "actor",
        lambda: app.log_time(pilot, days=0.5, on=TODAY, actor=actor),
        refused=refused,
    )
    if accepted:
        assert app.history(pilot, actor=LEAD)[-1].actor == actor


CLOSED = {
    "programme": lambda app, c, v: app.enroll(
        name="CC X", programme=v, charter_signed_on=OPENS, actor=LEAD
    ),
    "siren": lambda app, c, v: app.enroll(
        name="CC X", programme="grand-est-2024", siren=v, charter_signed_on=OPENS, actor=LEAD
    ),
    "theme": lambda app, c, v: app.recommend_project(c["pilot"], title="P", theme=v, actor=LEAD),
    "phone": lambda app, c, v: app.designate_referent(
        c["pilot"], actor=LEAD, **{**REFERENT, "phone": v}
    ),
    "role": lambda app, c, v: app.designate_referent(
        c["pilot"], actor=LEAD, **{**REFERENT, "role": v}
    ),
    "kind": lambda app, c, v: app.raise_alert(
        c["pilot"], kind=v, description="x", actor=REFERENT_ID
    ),
    "key": lambda app, c, v: app.report_indicator(
        c["pilot"], c["project"], key=v, value=1, period="2025-Q2", actor=REFERENT_ID
    ),
    "scheme": lambda app, c, v: app.identify_funding(
        c["pilot"], c["project"], scheme=v, amount_eur=1000, rate=0.5, months=12, actor=LEAD
    ),
}


@pytest.mark.parametrize("name", list(CLOSED))
@FEW
@given(value=hostile_text)
def test_a_hostile_value_never_enters_a_closed_vocabulary(
    app: Parcours, name: str, value: str
) -> None:
    ctx = prepared(app, deploying)
    before = app.event_count()
    with pytest.raises(ParcoursError) as refusal:
        CLOSED[name](app, ctx, value)
    assert app.event_count() == before
    if text_refused(value, max_length=200, multiline=False):
        assert isinstance(refusal.value, InvalidInput), repr(refusal.value)
        assert name in refusal.value.field


@HOSTILE
@given(local=hostile_text)
def test_an_email_is_refused_at_the_door_or_kept_exactly(app: Parcours, local: str) -> None:
    pilot = prepared(app, diagnosing)["pilot"]
    email = f"{local}@example.org"
    accepted, person = at_the_door(
        app,
        "email",
        lambda: app.designate_referent(pilot, actor=LEAD, **{**REFERENT, "email": email}),
        refused=text_refused(email, max_length=254, multiline=False),
    )
    if accepted:
        assert contact(app, {"pilot": pilot}, person).email == email


def test_the_fixed_hostile_strings_include_the_issue_s_cases() -> None:
    joined = "".join(FIXED_TEXT)
    for needle in ("\x00", "\x1b[", "\x1b]8;;", "\u202e", "[/]", "=HYPERLINK", "\ud800"):
        assert needle in joined
    assert any(len(s) >= 1_000_000 for s in FIXED_TEXT)
