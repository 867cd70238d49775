"""`parcours working-groups` and `schedule-rex --theme` (R7): the officer sees the programme's
calendar of working groups (seed 003) and schedules each one's session on its date."""

from __future__ import annotations

FNE = "fne-eure-et-loir-2024"


def test_the_calendar_of_working_groups_from_the_shell(run) -> None:  # type: ignore[no-untyped-def]
    run("grant", "agency:project-lead", "agency", "--programme", FNE)
    _, out, _ = run("working-groups", "--programme", FNE)
    lines = out.splitlines()
    assert lines[0] == "12 mars 2024 à 09:30 : groupe de travail « education-jeunesse »"
    assert lines[-1] == "23 mai 2024 à 09:30 : groupe de travail « autonomie »"
    assert len(lines) == 5
    code, _, err = run(
        "schedule-rex", "--programme", FNE, "--on", "2024-05-17", "--title", "GT santé",
        "--theme", "sante", ok=False,
    )  # fmt: skip
    assert code == 1
    assert "R7 (on) : le groupe de travail « sante » se réunit le 16 mai 2024 à 09:30" in err
    # A COPIL on the day of the last group is not that group's session.
    run("schedule-rex", "--programme", FNE, "--on", "2024-05-23", "--title", "COPIL")
    run(
        "schedule-rex", "--programme", FNE, "--on", "2024-05-16", "--title", "GT santé",
        "--theme", "sante",
    )  # fmt: skip
    _, out, _ = run("working-groups", "--programme", FNE)
    assert out.splitlines()[3] == (
        "16 mai 2024 à 09:30 : groupe de travail « sante » (session REX prévue ce jour)"
    )
    assert "prévue" not in out.splitlines()[4]


def test_grand_est_has_no_calendar_of_working_groups(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("working-groups")
    assert out.strip() == (
        "le programme « grand-est-2024 » n'a pas de calendrier de groupes de travail (R7)"
    )
