"""Every example of README.md and ARCHITECTURE.md runs, in order, as written (issue 20 item 9).

- ```python blocks of a file run one after the other in one shared namespace, in a temporary
  folder (the `sqlite:///parcours.db` of the examples lands there);
- ```sh blocks of a file run one after the other in one bash session (`set -e`: the first
  failing command fails the test), with the venv's real `parcours` entry point first on
  PATH, in another temporary folder: the shell examples start from a new database, as the
  README says ("the first act of a new database");
- in both, the key file, the audit signing key and the user's data folder point into the
  temporary folder, and no PARCOURS_* setting of the test run leaks in;
- a block preceded by `<!-- docs: postgres -->` runs on the test session's throwaway
  PostgreSQL server instead, its placeholder URL and key-file path replaced (PLACEHOLDERS);
- a block preceded by `<!-- docs: not run: REASON -->` is not run: only the ones listed in
  NOT_RUN may be, each for its reason;
- every fence says its language: an illustration is ```text, ```mermaid and the like, and an
  unlabelled fence fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ("README.md", "ARCHITECTURE.md")
RUN = {"python", "sh"}
SHOWN = {"text", "mermaid", "toml", "json"}  # illustrations, never run
# Blocks not run here, by their first line, and why.
NOT_RUN = {
    "make demo": "creates .venv and installs: the demo is CI's and `make demo`'s own",
    "python3 -m venv .venv": "installs into a fresh virtual environment (what `make` does);"
    " test_the_install_block_names_what_pyproject_declares checks its extras and commands",
}
# In a `<!-- docs: postgres -->` block: the README's placeholder → what the test uses.
PLACEHOLDERS = (
    "postgresql+psycopg://parcours@db.example.org/parcours",
    "/etc/parcours/",
)
_FENCE = re.compile(r"^```(\S*)\s*$")
_MARK = re.compile(r"^<!-- docs: (.+?) -->\s*$")


@dataclass(frozen=True)
class Block:
    file: str
    line: int  # of the opening fence
    lang: str
    code: str
    mark: str | None  # the `<!-- docs: … -->` just above, if any

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.lang})"


def blocks(name: str) -> list[Block]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        start, body = i, []
        i += 1
        while not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        above = lines[start - 1] if start else ""
        mark = _MARK.match(above)
        found.append(
            Block(name, start + 1, opened.group(1), "\n".join(body) + "\n", mark and mark[1])
        )
        i += 1
    return found


def _sandbox(folder: Path) -> dict[str, str]:
    """The environment of the examples: nothing of the test run's PARCOURS_* settings, the
    keys and the user's data folder inside `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env.update(
        PARCOURS_KEY_FILE=str(folder / "keys" / "keyring.json"),
        PARCOURS_AUDIT_KEY=str(folder / "keys" / "audit-signing-key.pem"),
        HOME=str(folder / "home"),
        XDG_DATA_HOME=str(folder / "home" / "data"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        COLUMNS="200",
    )
    return env


def _not_run(block: Block) -> bool:
    if block.mark is None or not block.mark.startswith("not run"):
        return False
    first = block.code.lstrip().splitlines()[0]
    assert any(first.startswith(k) for k in NOT_RUN), f"{block}: not in NOT_RUN"
    return True


def _run_shell(script_blocks: list[Block], folder: Path, env: dict[str, str]) -> str:
    script = ["set -e -o pipefail"]
    for block in script_blocks:
        script.append(f"echo '::block {block}::' >&2")
        script.append(block.code)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        where = re.findall(r"::block (.+?)::", done.stderr)
        pytest.fail(
            f"{where[-1] if where else '?'} failed, exit {done.returncode}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
    return done.stdout


@pytest.mark.parametrize("name", FILES)
def test_every_fence_says_its_language(name: str) -> None:
    for block in blocks(name):
        assert block.lang, f"{block}: say ```text for an illustration, or its language"
        assert block.lang in RUN | SHOWN, f"{block}: ```{block.lang} is neither run nor shown"


def test_the_collector_finds_the_examples() -> None:
    """A collector that found nothing would pass everything."""
    readme = blocks("README.md")
    assert sum(b.lang == "python" for b in readme) >= 6
    assert sum(b.lang == "sh" for b in readme) >= 5
    assert sum(b.mark is not None and b.mark.startswith("not run") for b in readme) == len(NOT_RUN)


@pytest.mark.parametrize("name", FILES)
def test_the_python_examples_run_in_order(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runnable = [b for b in blocks(name) if b.lang == "python" and not _not_run(b)]
    for key in [k for k in os.environ if k.startswith("PARCOURS_")]:
        monkeypatch.delenv(key)
    for key, value in _sandbox(tmp_path).items():
        if key != "PATH":
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{name}"}
    try:
        for block in runnable:
            code = compile("\n" * (block.line) + block.code, name, "exec")
            try:
                exec(code, namespace)
            except Exception as error:
                pytest.fail(f"{block} failed: {type(error).__name__}: {error}")
    finally:
        for value in namespace.values():
            close = getattr(value, "close_connections", None)
            if callable(close) and not isinstance(value, type):
                close()
    if name == "README.md":
        assert (tmp_path / "parcours.db").exists()


@pytest.mark.parametrize("name", FILES)
def test_the_shell_examples_run_in_order(name: str, tmp_path: Path) -> None:
    runnable = [
        b for b in blocks(name) if b.lang == "sh" and b.mark != "postgres" and not _not_run(b)
    ]
    if not runnable:
        return
    assert shutil.which("parcours", path=_sandbox(tmp_path)["PATH"])
    out = _run_shell(runnable, tmp_path, _sandbox(tmp_path))
    if name == "README.md":
        assert (tmp_path / "parcours.db").exists()
        assert "agency:project-lead" in out  # `parcours principals`
        assert "R15 — Qui peut faire quoi" in out  # `parcours regles R10 R15`


@pytest.mark.postgres
def test_the_postgres_examples_run(tmp_path: Path, postgres_url: str) -> None:
    runnable = [b for name in FILES for b in blocks(name) if b.mark == "postgres"]
    assert runnable
    keys = tmp_path / "etc" / "parcours"
    keys.mkdir(parents=True)
    for block in runnable:
        assert all(p in block.code for p in PLACEHOLDERS), block
    rewritten = [
        Block(
            b.file,
            b.line,
            b.lang,
            b.code.replace(PLACEHOLDERS[0], postgres_url).replace(PLACEHOLDERS[1], f"{keys}/"),
            b.mark,
        )
        for b in runnable
    ]
    env = _sandbox(tmp_path)
    del env["PARCOURS_KEY_FILE"]  # the example sets its own
    _run_shell(rewritten, tmp_path, env)


def test_the_install_block_names_what_pyproject_declares() -> None:
    """The install block is not run (it makes a venv); what it names must exist."""
    (install,) = [b for b in blocks("README.md") if b.code.startswith("python3 -m venv .venv")]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for extra in re.findall(r"\.\[([\w,]+)\]", install.code):
        assert set(extra.split(",")) <= set(project["optional-dependencies"]), extra
    assert "pip install -e '.[postgres]'" in install.code
    assert "python -m build" in install.code
