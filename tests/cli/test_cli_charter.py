"""Round 2 of the charter from a shell: the programme's contacts (R11), a publication and its
graphic charter (R10), the controller in the export (R14)."""

from __future__ import annotations

import json

from tests.cli.test_cli import designate
from tests.support.roles import REFERENT_ID, REGION


def test_the_programme_s_project_leads_from_the_shell(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        "programme-contact",
        "region",
        "--first-name",
        "Claude",
        "--last-name",
        "Muret",
        "--email",
        "claude.muret@example.org",
        "--phone",
        "+33 3 87 00 00 00",
        "--title",
        "",
        ok=False,
    )
    assert code == 1
    assert "title" in err
    run(
        "programme-contact",
        "region",
        "--first-name",
        "Claude",
        "--last-name",
        "Muret",
        "--email",
        "claude.muret@example.org",
        "--phone",
        "+33 3 87 00 00 00",
        "--title",
        "Chef de projets",
    )
    _, out, _ = run("programme-contacts", "--json")
    [contact] = json.loads(out)
    assert (contact["role"], contact["last_name"]) == ("region", "Muret")
    _, out, _ = run("gdpr", "export", "claude.muret@example.org")
    export = json.loads(out)
    assert export["controllers"][0]["email"] == "rgdp@grandenov.plus"


def test_a_publication_says_whether_the_graphic_charter_was_respected(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    designate(run, pilot)
    run("grant", REFERENT_ID, "referent", "--pilot", pilot)
    _, out, _ = run(
        "request-communication",
        pilot,
        "--title",
        "Communiqué",
        "--on",
        "2024-10-01",
        "--actor",
        REFERENT_ID,
    )
    news = out.strip()
    run("decide-communication", pilot, news, "--approve", "--on", "2024-10-02", "--actor", REGION)
    run("publish", pilot, news, "--graphic-charter", "--on", "2024-10-03", "--actor", REFERENT_ID)
    _, out, _ = run("show", pilot, "--json")
    [shown] = json.loads(out)["communications"]
    assert (shown["status"], shown["graphic_charter_respected"]) == ("published", True)
