"""Engines for the parity tests: a real local PostgreSQL server and a local Spark session.

- ``postgres_env``: a throwaway PostgreSQL server (``initdb`` in a temporary folder, a free
  port on 127.0.0.1, run as the ``postgres`` user when the tests run as root, since
  ``initdb`` refuses root) and the ``CXLAKE_POSTGRES_*`` settings that point cxlake at it.
  Skipped, with the reason, when no PostgreSQL server binaries are installed.
- ``spark_ready``: skipped, with the reason, when pyspark or Java is missing.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PASSWORD = "cxlake-test"


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
    except KeyError:
        pytest.skip("PostgreSQL: running as root and there is no 'postgres' user to run initdb as")
    runuser = shutil.which("runuser")
    return (
        [runuser, "-u", "postgres", "--", *command]
        if runuser
        else ["su", "postgres", "-c", shlex.join(command)]
    )


@pytest.fixture(scope="session")
def postgres_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install postgresql")
    pytest.importorskip(
        "psycopg2", reason="dbt-postgres / psycopg2 not installed (pip install -e '.[engines]')"
    )
    root = tmp_path_factory.mktemp("postgres")
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        root.chmod(0o755)
        for path in (root, sockets, password_file):
            shutil.chown(path, "postgres")
    port = _free_port()
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "cxlake", "-A", "scram-sha-256",
             f"--pwfile={password_file}", "--no-sync"]
        ),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    pg_ctl = str(bin_dir / "pg_ctl")
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
    subprocess.run(_as_server_user(start), check=True, capture_output=True, text=True)
    try:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg2.connect(
                    host="127.0.0.1", port=port, user="cxlake", password=PASSWORD, dbname="postgres"
                ).close()
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        connection = psycopg2.connect(
            host="127.0.0.1", port=port, user="cxlake", password=PASSWORD, dbname="postgres"
        )
        connection.autocommit = True
        connection.cursor().execute("create database cxlake")
        connection.close()
        yield {
            "CXLAKE_POSTGRES_HOST": "127.0.0.1",
            "CXLAKE_POSTGRES_PORT": str(port),
            "CXLAKE_POSTGRES_USER": "cxlake",
            "CXLAKE_POSTGRES_PASSWORD": PASSWORD,
            "CXLAKE_POSTGRES_DB": "cxlake",
        }
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )


@pytest.fixture(scope="session")
def spark_ready() -> None:
    pytest.importorskip("pyspark", reason="pyspark / dbt-spark not installed (pip install -e '.[engines]')")
    pytest.importorskip("dbt.adapters.spark", reason="dbt-spark not installed (pip install -e '.[engines]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (apt-get install openjdk-17-jre-headless); none found")
