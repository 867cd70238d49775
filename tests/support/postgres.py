"""A throwaway PostgreSQL server for the test session, on 127.0.0.1 only."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "parcours"


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = candidates[0] if candidates else shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    # The server refuses to run as root; run it as `nobody`.
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--", *argv]
    return argv


@dataclass
class PostgresServer:
    bin: Path
    home: Path
    port: int

    @classmethod
    def start(cls) -> PostgresServer:
        pg_bin = find_pg_bin()
        assert pg_bin is not None
        home = Path(tempfile.mkdtemp(prefix="parcours-pg-"))
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(home, nobody.pw_uid, nobody.pw_gid)
        data = home / "data"
        subprocess.run(
            _as_server_user(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    USER,
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off"
        subprocess.run(
            _as_server_user(
                [
                    str(pg_bin / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(home / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        return cls(bin=pg_bin, home=home, port=port)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            _as_server_user(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.home / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            ),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.home, ignore_errors=True)
