"""A throwaway local PostgreSQL server for the engine tests and benchmarks/engines.py.

``initdb`` in a private folder, a free port on 127.0.0.1 and a unix socket folder of its own;
run as the ``postgres`` user when the caller is root (``initdb`` refuses root). The
``settings`` are the ``CXLAKE_POSTGRES_*`` variables that point cxlake (dbt and dlt) at it.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "cxlake-local"


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here (the message says why)."""


def postgres_bin() -> Path | None:
    """Folder of ``initdb`` / ``pg_ctl``: on PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parent.parent.name)
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root and there is no 'postgres' user to run initdb as") from exc
    runuser = shutil.which("runuser")
    return (
        [runuser, "-u", "postgres", "--", *command]
        if runuser
        else ["su", "postgres", "-c", shlex.join(command)]
    )


class LocalPostgres:
    """A server in a fresh temporary folder of its own (the ``postgres`` user must reach it,
    so never under a root-only folder such as pytest's), removed by :meth:`stop`."""

    def __init__(self) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise Unavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install postgresql"
            )
        self.bin_dir, self.root = bin_dir, Path(tempfile.mkdtemp(prefix="cxlake-postgres-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.settings = {
            "CXLAKE_POSTGRES_HOST": "127.0.0.1",
            "CXLAKE_POSTGRES_PORT": str(self.port),
            "CXLAKE_POSTGRES_USER": "cxlake",
            "CXLAKE_POSTGRES_PASSWORD": PASSWORD,
            "CXLAKE_POSTGRES_DB": "cxlake",
        }

    def start(self) -> LocalPostgres:
        import psycopg2

        sockets = self.root / "sockets"
        sockets.mkdir(parents=True)
        password_file = self.root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            self.root.chmod(0o755)
            for path in (self.root, sockets, password_file):
                shutil.chown(path, "postgres")
        initdb = [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "cxlake", "-A", "scram-sha-256"]
        self._run([*initdb, f"--pwfile={password_file}", "--no-sync"])
        options = f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off -c synchronous_commit=off"  # a throwaway server: speed over durability
        self._run(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ]
        )
        login = {"host": "127.0.0.1", "port": self.port, "user": "cxlake", "password": PASSWORD}
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = psycopg2.connect(dbname="postgres", **login)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        connection.autocommit = True
        connection.cursor().execute("create database cxlake")
        connection.close()
        return self

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def _run(command: list[str]) -> None:
        done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
        if done.returncode != 0:
            raise Unavailable(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")
