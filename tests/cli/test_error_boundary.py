"""The shell's one error boundary (issue 18): every sub-command, given each broken input, ends
in one line on stderr and exit 1, never a Python traceback; --debug shows the traceback."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from parcours import Parcours
from parcours.cli import cli
from parcours.programme import load_programme

PILOT = "00000000-0000-4000-8000-000000000001"
ARGUMENTS = {"name": "CC X", "year": "2025", "email": "camille.martin@example.org"}
OPTIONS = {
    "--role": "operational",
    "--first-name": "Camille",
    "--last-name": "Martin",
    "--email": "camille.martin@example.org",
    "--phone": "0324000000",
    "--reason": "Fusion",
    "--days": "1",
    "--title": "Titre",
    "--theme": "digital-inclusion",
    "--indicator": "people_helped:People helped",
    "--protocol": "Comptage",
    "--key": "people_helped",
    "--value": "74",
    "--period": "2025-Q2",
    "--session": "rex-2025",
    "--kind": "change",
    "--description": "Texte",
    "--findings": "Constats",
    "--recommendations": "Suites",
    "--name": "Plateforme",
    "--provider": "Grand E-Nov+",
    "--scheme": "fne-call-for-projects",
    "--amount-eur": "1000",
    "--rate": "0.5",
    "--months": "12",
    "--how": "Relance",
    "--on": "2025-01-06",
}


def commands() -> Iterator[tuple[list[str], Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                yield from walk(child, [*path, name])
        else:
            yield path, command

    yield from walk(typer.main.get_command(cli), [])


def invocation(path: list[str], command: Any, tmp: Path) -> list[str]:
    """The sub-command with well-formed arguments: only the broken input may fail it."""
    args = list(path)
    for param in command.params:
        if not param.required:
            continue
        if param.param_type_name == "argument":
            value = ARGUMENTS.get(param.name, PILOT)
            args.append(str(tmp / "missing.jsonl") if param.name == "path" else value)
        elif getattr(param, "is_flag", False):
            args.append(param.opts[0])
        elif param.opts[0] in ("--html", "--out", "--xlsx"):
            args += [param.opts[0], str(tmp / "out" / "file")]
        else:
            args += [param.opts[0], OPTIONS[param.opts[0]]]
    if path == ["demo"]:  # demo writes its own database; give it an unwritable one
        args += ["--path", str(tmp / "no" / "such" / "demo.db")]
    return args


ALL_COMMANDS = list(commands())
# Sub-commands that never open the database (they make a key file of the user's, or print a
# public key, or the rules shipped with the package): a broken database does not concern
# them, and they must not fail for it.
NO_DATABASE = {("gdpr", "init-key"), ("audit", "public-key"), ("regles",), ("rules",)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each broken input: options before the sub-command, and environment variables."""
    tmp = tmp_path_factory.mktemp("broken")
    (tmp / "a-file").write_text("not a folder")
    (tmp / "junk.db").write_bytes(b"not a database, just bytes" * 100)
    newer = tmp / "newer.db"
    Parcours(f"sqlite:///{newer}").close_connections()
    definition = json.loads(load_programme("grand-est-2024").model_dump_json())
    definition.update(id="moselle-2031", quotas={"places": 200})  # a field from the future
    with sqlite3.connect(newer) as db:
        db.execute(
            "INSERT INTO parcours_programmes (id, definition) VALUES (?, ?)",
            ("moselle-2031", json.dumps(definition)),
        )
    port = free_port()
    return {
        "malformed URL": (["--db", "nonsense://x"], {}),
        "not a URL": (["--db", "parcours.db"], {}),
        "missing folder": (["--db", f"sqlite:///{tmp}/no/such/dir/p.db"], {}),
        "path through a file": (["--db", f"sqlite:///{tmp}/a-file/p.db"], {}),
        "not a database": (["--db", f"sqlite:///{tmp}/junk.db"], {}),
        "unreachable PostgreSQL": (
            ["--db", f"postgresql+psycopg://parcours:secret@127.0.0.1:{port}/parcours"],
            {},
        ),
        "missing driver": (["--db", "postgresql://parcours@127.0.0.1/parcours"], {}),
        "newer database": (["--db", f"sqlite:///{newer}"], {}),
        "snapshot interval": ([], {"PARCOURS_SNAPSHOT_INTERVAL": "beaucoup"}),
        "log level": ([], {"PARCOURS_LOG_LEVEL": "bavard"}),
        "master key": ([], {"PARCOURS_MASTER_KEY": "trop-courte"}),
        "flag": ([], {"PARCOURS_PROJECT_AFTER_COMMANDS": "peut-être"}),
    }


BROKEN = [
    "malformed URL",
    "not a URL",
    "missing folder",
    "path through a file",
    "not a database",
    "unreachable PostgreSQL",
    "missing driver",
    "newer database",
    "snapshot interval",
    "log level",
    "master key",
    "flag",
]


@pytest.mark.parametrize("case", BROKEN)
def test_every_sub_command_fails_on_one_line_without_a_traceback(
    case: str, broken: dict[str, tuple[list[str], dict[str, str]]], tmp_path: Path
) -> None:
    before, env = broken[case]
    runner = CliRunner()
    for path, command in ALL_COMMANDS:
        if tuple(path) in NO_DATABASE:
            continue
        args = [*before, *invocation(path, command, tmp_path)]
        result = runner.invoke(
            cli, args, env={"PARCOURS_DATABASE_URL": f"sqlite:///{tmp_path}/ok.db", **env}
        )
        shown = f"{args}: {result.exit_code} {result.stderr!r} {result.exception!r}"
        assert result.exit_code == 1, shown
        assert isinstance(result.exception, SystemExit), shown
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert result.stderr.startswith("erreur : "), shown
        assert result.stderr.count("\n") == 1, shown
        assert "secret" not in result.stderr, "a password from the URL was echoed"


def test_a_usage_mistake_is_one_line_and_exit_2() -> None:
    runner = CliRunner()
    for args in (["--bogus", "list"], ["nosuch"], ["show"], ["log-time", PILOT, "--days", "x"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("erreur : ")
        assert result.stderr.count("\n") == 1
        assert "--help" in result.stderr


def test_report_to_an_unwritable_path_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "report.html"
    result = CliRunner().invoke(
        cli, ["--db", f"sqlite:///{tmp_path}/p.db", "report", "--html", str(target)]
    )
    assert result.exit_code == 1
    assert result.stderr == f"erreur : fichier {target} : dossier ou fichier introuvable\n"


def test_a_database_written_by_a_newer_version_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    runner = CliRunner()
    env = {"PARCOURS_ACTOR": "agency:lead"}
    runner.invoke(cli, ["--db", url, "grant", "agency:lead", "agency"], env=env)
    pilot = runner.invoke(
        cli, ["--db", url, "enroll", "CC X", "--charter-signed-on", "2024-09-02"], env=env
    ).stdout.strip()
    with sqlite3.connect(tmp_path / "p.db") as db:
        db.execute(
            "UPDATE parcours_events SET topic = 'parcours.domain.events:EnrolledV9' "
            "WHERE topic LIKE 'parcours.domain.events%:Enrolled'"
        )
    for args in (["show", pilot], ["history", pilot], ["projections", "rebuild"]):
        result = runner.invoke(cli, ["--db", url, *args], env=env)
        assert result.exit_code == 1, result.stderr
        assert "version plus récente" in result.stderr
        assert result.stderr.count("\n") == 1


def _shell(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parcours", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_parcours_with_a_nonsense_url_prints_one_line_from_the_shell() -> None:
    done = _shell("--db", "nonsense://x", "list")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("erreur : --db")
    assert "nonsense" in done.stderr


def test_a_bad_setting_from_the_shell_names_the_variable(tmp_path: Path) -> None:
    done = _shell(
        "--db", f"sqlite:///{tmp_path}/p.db", "list", env={"PARCOURS_SNAPSHOT_INTERVAL": "x"}
    )
    assert done.returncode == 1
    assert done.stderr == "erreur : PARCOURS_SNAPSHOT_INTERVAL : nombre entier ≥ 0 attendu\n"


@pytest.mark.parametrize(
    ("flags", "env"), [(["--debug"], {}), ([], {"PARCOURS_DEBUG": "1"})], ids=["flag", "env"]
)
def test_debug_shows_the_traceback(flags: list[str], env: dict[str, str]) -> None:
    done = _shell(*flags, "--db", "nonsense://x", "list", env=env)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "NoSuchModuleError" in done.stderr


@pytest.mark.parametrize("content", ['{"x": 1}\n', "[1, 2]\n", '"texte"\n', "{pas du json\n"])
def test_a_file_that_is_no_audit_export_is_one_line(tmp_path: Path, content: str) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", "verify-export", str(export)])
    assert result.exit_code == 1
    assert result.stderr.startswith("erreur : path : ")
    assert result.stderr.count("\n") == 1


def test_a_name_typed_in_latin_1_is_refused_on_one_line(tmp_path: Path) -> None:
    # A terminal in Latin-1 sends é as the byte 0xE9; Python reads it as a lone surrogate.
    command = [sys.executable, "-m", "parcours", "--db", f"sqlite:///{tmp_path}/p.db", "enroll"]
    name, signed = b"Communaut\xe9 de Communes", b"--charter-signed-on=2024-09-02"
    done = subprocess.run(
        [*map(os.fsencode, command), name, signed],
        capture_output=True,
        env={**os.environ, "PARCOURS_ACTOR": "agency:lead"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "erreur : name : caractère U+DCE9 isolé refusé en position 10 : ce n'est pas de l'Unicode "
        "valide (un texte en Latin-1 plutôt qu'en UTF-8 ?)\n"
    )
