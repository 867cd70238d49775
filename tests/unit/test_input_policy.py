"""The input policy's pieces (issue 18): text, periods, the programme's window, instants,
settings; and the message catalogue they draw from."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files

import pytest

from parcours import ConfigurationError, InvalidInput, ProgrammeError, Settings
from parcours import inputs as inp
from parcours.input_checks import clean_text, period_bounds
from parcours.programme import Programme, load_programme

GRAND_EST = load_programme("grand-est-2024")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("CC\x00Ardenne", "U+0000"),
        ("\x1b[31mrouge", "U+001B"),
        ("a\x85b", "U+0085"),
        ("a\x9bb", "U+009B"),
        ("\u202eesreveR", "U+202E"),
        ("a\u2028b", "U+2028"),
        ("a\ud800b", "U+D800"),
        ("deux\nlignes", "U+000A"),
        ("tab\tulation", "U+0009"),
        ("cr\rlf", "U+000D"),
        (" devant", "espace"),
        ("derrière ", "espace"),
        ("", "obligatoire"),
        ("   ", "obligatoire"),
        ("x" * 201, "au plus 200"),
        ("x" * 1_000_000, "reçu 1000000"),
    ],
)
def test_a_name_with_a_control_character_or_surrounding_space_is_refused(
    value: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        clean_text(value, max_length=200, multiline=False)


@pytest.mark.parametrize(
    "value",
    [
        "Communauté [/] de Communes",
        '=HYPERLINK("http://example.org","x") [/]',
        "Zoë – ŒUVRE ß ﬁ 𝔘 😀 👩‍👩‍👧",
        "x" * 200,
    ],
)
def test_an_ordinary_name_is_kept_exactly(value: str) -> None:
    assert clean_text(value, max_length=200, multiline=False) == value


def test_free_text_may_hold_newlines_and_tabs_but_no_other_control() -> None:
    text = "Constats :\n\t- trois villages\n\t- une permanence"
    assert clean_text(text, max_length=2000, multiline=True) == text
    with pytest.raises(ValueError, match="U\\+000D"):
        clean_text("fin\r\nde ligne", max_length=2000, multiline=True)


def test_a_service_text_check_names_the_field() -> None:
    with pytest.raises(InvalidInput) as refusal:
        inp.check_text("description", "a\x00b")
    assert refusal.value.field == "description"
    assert inp.check_text("description", "deux\nlignes") == "deux\nlignes"
    with pytest.raises(InvalidInput, match="U\\+000A"):
        inp.check_text("title", "deux\nlignes", max_length=300)


@pytest.mark.parametrize(
    ("actor", "ok"),
    [
        ("agency:project-lead", True),
        ("pilot:ardenne@ccarm.fr", True),
        ("cli", True),  # the CLI's default before --actor: one segment stays allowed
        ("a" * 100, True),
        ("a" * 101, False),
        ("agency: lead", False),
        ("agency:lead ", False),
        (":lead", False),
        ("agency::lead", False),
        ("agence:équipe", False),
        ("agency:\x1b[31m", False),
    ],
)
def test_an_actor_is_a_short_kind_name_identifier(actor: str, ok: bool) -> None:
    if ok:
        assert inp.check_actor(actor) == actor
    else:
        with pytest.raises(InvalidInput, match="actor"):
            inp.check_actor(actor)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2024-S2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("9999-Q4", date(9999, 10, 1), date(9999, 12, 31)),
    ],
)
def test_a_period_parses_to_its_first_and_last_day(period: str, first: date, last: date) -> None:
    assert period_bounds(period) == (first, last)


@pytest.mark.parametrize(
    "period", ["0000", "2025-Q5", "2025-13", "2025-q2", "٢٠٢٥-Q2", "2025-Q2\n", " 2025", ""]
)
def test_a_malformed_period_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="2025-Q2"):
        period_bounds(period)


@pytest.mark.parametrize(
    ("period", "ok"),
    [("2024", True), ("2026-01", True), ("2023-Q4", False), ("2026-02", False), ("2099-Q1", False)],
)
def test_a_period_falls_in_the_programme_window(period: str, ok: bool) -> None:
    if ok:
        assert inp.period_within(period, GRAND_EST) == period
    else:
        with pytest.raises(InvalidInput, match=r"period : .*\(R2, R8\)"):
            inp.period_within(period, GRAND_EST)


def test_grand_est_opens_on_1_january_2024_and_its_window_is_inclusive() -> None:
    assert GRAND_EST.opens == date(2024, 1, 1)
    assert inp.within_programme("on", date(2024, 1, 1), GRAND_EST) == date(2024, 1, 1)
    assert inp.within_programme("on", date(2026, 1, 31), GRAND_EST) == date(2026, 1, 31)
    for day, rule in ((date(2023, 12, 31), "avant"), (date(2026, 2, 1), "après")):
        with pytest.raises(InvalidInput, match=f"{rule} .*\\(R2\\)"):
            inp.within_programme("on", day, GRAND_EST)


def test_a_definition_without_opens_gets_one_from_its_own_data() -> None:
    data = json.loads(GRAND_EST.model_dump_json())
    del data["opens"]
    data["rex"]["required"] = {"2023": 1, "2024": 1}
    assert Programme.model_validate_json(json.dumps(data)).opens == date(2023, 1, 1)


def test_a_programme_that_opens_after_its_end_is_refused() -> None:
    toml = (files("parcours") / "programmes" / "grand-est-2024.toml").read_text("utf-8")
    assert "opens = 2024-01-01" in toml
    with pytest.raises(ProgrammeError, match="opens"):
        Programme.from_toml(toml.replace("opens = 2024-01-01", "opens = 2027-01-01"))


NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_an_instant_for_now_is_aware_and_not_after_the_clock() -> None:
    assert inp.caller_instant("now", NOW, NOW) == NOW
    assert inp.caller_instant("now", NOW - timedelta(days=400), NOW) < NOW
    with pytest.raises(InvalidInput, match="fuseau"):
        inp.caller_instant("now", datetime(2026, 2, 1), NOW)
    with pytest.raises(InvalidInput, match="après l'heure de l'horloge"):
        inp.caller_instant("now", NOW + timedelta(seconds=1), NOW)
    with pytest.raises(InvalidInput, match="datetime"):
        inp.caller_instant("now", "2026-02-01", NOW)


def test_a_day_at_the_edge_of_the_calendar_is_refused() -> None:
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InvalidInput, match="bord du calendrier"):
            inp.check_date("today", day)
    assert inp.check_date("today", date(2099, 1, 1)) == date(2099, 1, 1)  # a query may look far


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PARCOURS_SNAPSHOT_INTERVAL", "beaucoup"),
        ("PARCOURS_SNAPSHOT_INTERVAL", "-1"),
        ("PARCOURS_PROJECT_AFTER_COMMANDS", "peut-être"),
        ("PARCOURS_LOG_LEVEL", "bavard"),
        ("PARCOURS_LOG_FORMAT", "xml"),
        ("PARCOURS_MASTER_KEY", "trop-courte"),
    ],
)
def test_a_wrong_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value}).master_key_bytes()


def test_a_flag_setting_reads_false_as_false() -> None:
    assert (
        Settings.from_env({"PARCOURS_PROJECT_AFTER_COMMANDS": "false"}).project_after_commands
        is False
    )
    assert Settings.from_env({"PARCOURS_LOG_LEVEL": "INFO"}).log_level == "info"
