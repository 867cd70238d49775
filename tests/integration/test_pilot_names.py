"""Pilots by name (issue 20): a unique slug per pilot and its SIREN, unique per programme,
accepted wherever a pilot id is; on SQLite and PostgreSQL (the `app` fixture's two backends).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import delete, func, select, text

from parcours import Parcours
from parcours.errors import InvalidInput, NotAuthorised, PilotNotFound
from parcours.store import pilot_names
from parcours.store.schema import meta
from tests.support.roles import AUDITOR, LEAD, staffed

BITCHE = "Communauté de communes du Pays de Bitche"
# Valid SIRENs (Luhn): the CC du Pays de Bitche's and the CC Ardenne Rives de Meuse's.
SIREN_BITCHE = "245701404"
SIREN_ARDENNE = "200043495"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "round1.db"


def enrol(app: Parcours, name: str, siren: str | None = None, **extra: object) -> UUID:
    return app.enroll(
        name=name,
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 2),
        siren=siren,
        actor=LEAD,
        **extra,  # type: ignore[arg-type]
    )


def test_slugify_abbreviates_the_epci_and_drops_accents() -> None:
    assert pilot_names.slugify(BITCHE) == "cc-pays-de-bitche"
    assert (
        pilot_names.slugify("Communauté de Communes Ardenne Rives de Meuse")
        == "cc-ardenne-rives-de-meuse"
    )
    assert pilot_names.slugify("Communauté d'Agglomération d'Épinal") == "ca-epinal"
    assert pilot_names.slugify("Ville de Sœurs-lès-Bains") == "ville-de-soeurs-les-bains"
    # never a UUID, never a SIREN, never empty
    assert pilot_names.slugify("123456782") == "pilote-123456782"
    uuid_name = "12345678-1234-1234-1234-1234567890ab"
    assert pilot_names.slugify(uuid_name) == f"pilote-{uuid_name}"
    assert pilot_names.slugify("=== !!!") == "pilote"
    assert len(pilot_names.slugify("Commune " * 40)) <= pilot_names.SLUG_MAX


def test_a_pilot_is_reached_by_its_slug_or_its_siren(app: Parcours) -> None:
    pilot = enrol(app, BITCHE, SIREN_BITCHE)
    [listed] = app.list_pilots()
    assert (listed.slug, listed.siren) == ("cc-pays-de-bitche", SIREN_BITCHE)
    assert app.resolve_pilot("cc-pays-de-bitche") == pilot
    assert app.resolve_pilot("CC-Pays-de-Bitche") == pilot  # typed in capitals
    assert app.resolve_pilot("245 701 404") == pilot  # a SIREN as printed on a letter
    [reference] = app.pilot_references(actor=AUDITOR)
    assert (reference.pilot_id, reference.slug, reference.siren) == (
        pilot,
        "cc-pays-de-bitche",
        SIREN_BITCHE,
    )
    # the library's commands and queries take either
    app.designate_referent(
        "cc-pays-de-bitche",
        role="operational",
        first_name="Camille",
        last_name="Martin",
        email="camille.martin@example.org",
        phone="+33 3 24 00 00 00",
        actor=LEAD,
    )
    app.start_diagnostic(SIREN_BITCHE, on=date(2024, 9, 16), actor=LEAD)
    assert app.get_pilot("cc-pays-de-bitche", actor=LEAD).phase == "diagnostic"
    assert [e.sequence for e in app.history(SIREN_BITCHE, actor=LEAD)][-1] == 3
    assert app.time_budget("cc-pays-de-bitche", today=date(2024, 10, 1))
    [row] = app.dashboard(today=date(2024, 10, 1)).rows
    assert row.slug == "cc-pays-de-bitche"


def test_a_colliding_slug_gets_a_suffix(app: Parcours) -> None:
    first = enrol(app, BITCHE)
    second = enrol(app, "Communauté de Communes du PAYS DE BITCHE")
    third = enrol(app, "CC Pays de Bitche")
    assert {p.id: p.slug for p in app.list_pilots()} == {
        first: "cc-pays-de-bitche",
        second: "cc-pays-de-bitche-2",
        third: "cc-pays-de-bitche-3",
    }
    assert app.resolve_pilot("cc-pays-de-bitche-2") == second


def test_a_second_enrolment_of_a_siren_is_refused_and_appends_nothing(app: Parcours) -> None:
    enrol(app, BITCHE, SIREN_BITCHE)
    before = app.event_count()
    with pytest.raises(InvalidInput) as refused:
        enrol(app, "Bitche (bis)", "245 701 404")
    assert refused.value.field == "siren"
    assert "cc-pays-de-bitche" in str(refused.value)
    assert app.event_count() == before
    assert len(app.list_pilots()) == 1
    # another SIREN, or none, enrols
    enrol(app, "Ardenne", SIREN_ARDENNE)
    enrol(app, "Sans SIREN")
    enrol(app, "Sans SIREN non plus")
    assert len(app.list_pilots()) == 4


def test_the_same_siren_in_another_programme_enrols_and_is_then_ambiguous(
    app: Parcours,
) -> None:
    app.register_programme(
        app.programme("grand-est-2024").model_copy(update={"id": "grand-est-2025"})
    )
    staffed(app, "grand-est-2025")
    first = enrol(app, BITCHE, SIREN_BITCHE)
    second = app.enroll(
        name=BITCHE,
        programme="grand-est-2025",
        charter_signed_on=date(2024, 9, 2),
        siren=SIREN_BITCHE,
        actor=LEAD,
    )
    with pytest.raises(InvalidInput) as ambiguous:
        app.resolve_pilot(SIREN_BITCHE)
    assert ambiguous.value.field == "pilot"
    assert "cc-pays-de-bitche (grand-est-2024)" in str(ambiguous.value)
    assert "cc-pays-de-bitche-2 (grand-est-2025)" in str(ambiguous.value)
    assert app.resolve_pilot("cc-pays-de-bitche") == first
    assert app.resolve_pilot("cc-pays-de-bitche-2") == second


def test_an_unknown_reference_is_refused_clearly(app: Parcours) -> None:
    enrol(app, BITCHE, SIREN_BITCHE)
    before = app.event_count()
    for reference in ("cc-pays-de-sarrebourg", SIREN_ARDENNE, "123456789", "x" * 500, ""):
        with pytest.raises((PilotNotFound, InvalidInput)):
            app.start_diagnostic(reference, on=date(2024, 9, 16), actor=LEAD)
    with pytest.raises(PilotNotFound, match="cc-pays-de-sarrebourg"):
        app.get_pilot("cc-pays-de-sarrebourg", actor=LEAD)
    assert app.event_count() == before


def test_a_repeated_command_id_returns_the_first_pilot(app: Parcours) -> None:
    first = enrol(app, BITCHE, SIREN_BITCHE, command_id="enrol-bitche-1")
    assert enrol(app, BITCHE, SIREN_BITCHE, command_id="enrol-bitche-1") == first
    assert len(app.list_pilots()) == 1


ENROL = """
import sys, time
from datetime import date
from parcours import Parcours
from parcours.errors import InvalidInput

url, at, name, siren = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
app = Parcours(url)
time.sleep(max(0.0, at - time.time()))  # all processes enrol at the same instant
try:
    pilot = app.enroll(name=name, programme="grand-est-2024", charter_signed_on=date(2024, 9, 2),
                       siren=siren or None, actor="agency:project-lead")
except InvalidInput as refused:
    print("refused", refused.field)
else:
    print("enrolled", pilot)
"""


def _at_once(url: str, runs: list[tuple[str, str]]) -> list[str]:
    at = time.time() + 5.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", ENROL, url, str(at), name, siren],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, siren in runs
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out.strip())
    return outputs


def test_two_processes_enrolling_one_siren_at_once_exactly_one_wins(db_url: str) -> None:
    app = staffed(Parcours(db_url))
    before = app.event_count()
    try:
        outputs = _at_once(db_url, [(BITCHE, SIREN_BITCHE), ("Bitche (doublon)", SIREN_BITCHE)])
        assert sorted(o.split()[0] for o in outputs) == ["enrolled", "refused"], outputs
        assert "refused siren" in outputs
        [pilot] = app.list_pilots()
        assert pilot.siren == SIREN_BITCHE
        assert app.event_count() == before + 1  # one enrolment, nothing of the refused one
        assert app.verify_audit_trail().ok
    finally:
        app.close_connections()


def test_two_processes_racing_for_one_slug_both_enrol_with_distinct_slugs(db_url: str) -> None:
    app = staffed(Parcours(db_url))
    try:
        outputs = _at_once(db_url, [(BITCHE, ""), (BITCHE, ""), (BITCHE, "")])
        assert [o.split()[0] for o in outputs] == ["enrolled"] * 3, outputs
        assert sorted(p.slug or "" for p in app.list_pilots()) == [
            "cc-pays-de-bitche",
            "cc-pays-de-bitche-2",
            "cc-pays-de-bitche-3",
        ]
    finally:
        app.close_connections()


def test_a_store_without_the_names_table_opens_and_is_backfilled_once(db_url: str) -> None:
    app = staffed(Parcours(db_url))
    ardenne = enrol(app, "Communauté de Communes Ardenne Rives de Meuse", SIREN_ARDENNE)
    bitche = enrol(app, BITCHE, SIREN_BITCHE)
    twin = enrol(app, BITCHE)
    app.close_connections()
    # As an earlier version left it: no names table, no marker.
    engine = app.pipeline.store.engine
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE parcours_pilot_names"))
        connection.execute(delete(meta).where(meta.c.name == "pilot_names_backfilled"))
    engine.dispose()
    reopened = Parcours(db_url)
    try:
        assert reopened.resolve_pilot("cc-ardenne-rives-de-meuse") == ardenne
        assert reopened.resolve_pilot(SIREN_BITCHE) == bitche
        assert reopened.resolve_pilot("cc-pays-de-bitche-2") == twin  # order of enrolment
        # the constraint holds for what comes next
        with pytest.raises(InvalidInput, match="siren"):
            enrol(reopened, "Ardenne encore", SIREN_ARDENNE)
        assert pilot_names.backfill(reopened.pipeline.store) == 0  # once
    finally:
        reopened.close_connections()
    again = Parcours(db_url)  # and a second start changes nothing
    try:
        with again.pipeline.reading() as session:
            count = session.execute(select(func.count()).select_from(pilot_names.names)).scalar()
        assert count == 3
    finally:
        again.close_connections()


def test_the_round1_fixture_opens_with_slugs(tmp_path: Path) -> None:
    copy = tmp_path / "round1.db"
    shutil.copyfile(FIXTURE, copy)
    app = Parcours(f"sqlite:///{copy}")
    try:
        slugs = {p.name: p.slug for p in app.list_pilots()}
        assert slugs["Communauté de Communes Ardenne Rives de Meuse"] == (
            "cc-ardenne-rives-de-meuse"
        )
        assert slugs["Communauté de Communes de la Vallée de la Bruche"] == (
            "cc-vallee-de-la-bruche"
        )
        assert all(slugs.values())
        assert app.verify_audit_trail().ok
    finally:
        app.close_connections()


def test_backfill_keeps_the_first_of_two_pilots_enrolled_with_one_siren(db_url: str) -> None:
    """A store of an earlier version may hold one SIREN twice in a programme: it opens, the
    first keeps the key, and a reference by that SIREN is ambiguous, not silently one."""
    app = staffed(Parcours(db_url))
    first = enrol(app, BITCHE, SIREN_BITCHE)
    with app.pipeline.writing() as session:  # as if enrolled before the constraint
        session.execute(delete(pilot_names.names))
    second = enrol(app, "Bitche (doublon ancien)", SIREN_BITCHE)
    with app.pipeline.writing() as session:
        session.execute(delete(pilot_names.names))
        session.execute(delete(meta).where(meta.c.name == "pilot_names_backfilled"))
    assert pilot_names.backfill(app.pipeline.store) == 2
    try:
        with pytest.raises(InvalidInput, match="2 pilotes"):
            app.resolve_pilot(SIREN_BITCHE)
        assert app.resolve_pilot("cc-pays-de-bitche") == first
        assert app.resolve_pilot("bitche-doublon-ancien") == second
        with pytest.raises(InvalidInput, match="cc-pays-de-bitche"):
            enrol(app, "Bitche, troisième", SIREN_BITCHE)
    finally:
        app.close_connections()


def test_the_race_window_is_closed_by_the_constraint_not_the_check(
    app: Parcours, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read before the commit is only a courtesy: blind it for the first attempt (as when
    the other process commits between that read and ours) and the unique constraint still
    refuses the second enrolment, in the transaction of its events."""
    enrol(app, BITCHE, SIREN_BITCHE)
    before = app.event_count()
    real = pilot_names.siren_holder
    calls: list[str] = []

    def blind_once(session: object, programme: str, siren: str) -> str | None:
        calls.append(siren)
        return None if len(calls) == 1 else real(session, programme, siren)  # type: ignore[arg-type]

    monkeypatch.setattr(pilot_names, "siren_holder", blind_once)
    with pytest.raises(InvalidInput) as refused:
        enrol(app, "Bitche (bis)", SIREN_BITCHE)
    assert refused.value.field == "siren"
    assert len(calls) == 2  # blind, then the commit failed, then seen
    assert app.event_count() == before
    assert len(app.list_pilots()) == 1
    assert app.verify_audit_trail().ok


def test_a_principal_with_no_role_learns_nothing_from_a_slug(app: Parcours) -> None:
    """R15: as with an id, a stranger is refused whether or not the slug names a pilot, so
    probing slugs tells which local authorities are enrolled to no one without a role."""
    enrol(app, BITCHE, SIREN_BITCHE)
    for reference in ("cc-pays-de-bitche", "cc-pays-de-sarrebourg", SIREN_ARDENNE):
        with pytest.raises(NotAuthorised):
            app.start_diagnostic(reference, on=date(2024, 9, 16), actor="agency:stranger")
        with pytest.raises(NotAuthorised):
            app.get_pilot(reference, actor="agency:stranger")
    # a principal holding a role is told the slug names no pilot, as for an unknown id
    with pytest.raises(PilotNotFound):
        app.get_pilot("cc-pays-de-sarrebourg", actor=AUDITOR)
