"""Benchmark: the same tenant ingested and built on DuckDB, PostgreSQL and Spark, side by side.

For each volume (the small sandbox tenant, then N conversations), the tenant is generated
once; then for each engine, in separate processes: ``cxlake ingest --from-files`` with the
engine as ``CXLAKE_TARGET`` (dlt's duckdb / postgres / filesystem-Parquet destination) and
``cxlake build --target ENGINE`` (every seed, model, data test and unit test; snapshots where
the engine has them). PostgreSQL is a throwaway local server started for the run; Spark a
local session (``local[2]``). A build that passes ``--timeout`` seconds is stopped and
reported as such (what was measured is printed). Baseline: DuckDB.

    .venv/bin/python benchmarks/engines.py [--conversations small 100000] [--engines duckdb postgres spark]
                                           [--timeout 1800]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(PROJECT_DIR / "tests" / "engines"))


@dataclass
class Measurement:
    volume: str
    engine: str
    step: str
    seconds: float
    status: str


def measure(
    volume: str, engine: str, step: str, command: list[str], env: dict[str, str], timeout: float
) -> Measurement:
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout
        )
        status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        if done.returncode != 0:
            sys.stderr.write((done.stdout + done.stderr)[-3000:])
    except subprocess.TimeoutExpired:
        status = f"stopped after {timeout:.0f} s"
    seconds = time.perf_counter() - began
    print(f"  {volume:>8} {engine:<9} {step:<7} {seconds:8.1f} s  {status}", flush=True)
    return Measurement(volume, engine, step, seconds, status)


def generate(volume: str, out: Path) -> None:
    command = [PYTHON, "-m", "cxlake.cli", "sandbox", "generate", "--out", str(out), "--scale", volume]
    subprocess.run(command, cwd=PROJECT_DIR, check=True, capture_output=True)


def bench(
    volume: str, engines: list[str], work: Path, postgres: dict[str, str], timeout: float
) -> list[Measurement]:
    tenant = work / "tenant"
    generate(volume, tenant)
    results = []
    for engine in engines:
        warehouse = work / engine / "warehouse.duckdb"
        env = {**os.environ, **postgres, "CXLAKE_TARGET": engine, "CXLAKE_WAREHOUSE": str(warehouse)}
        if engine == "postgres":
            _reset_postgres_database(postgres)
        ingest = [
            PYTHON,
            "-m",
            "cxlake.cli",
            "ingest",
            "--from-files",
            str(tenant),
            "--start",
            "2026-10-01",
            "--quiet",
        ]
        loaded = measure(volume, engine, "ingest", ingest, env, timeout)
        results.append(loaded)
        if loaded.status != "ok":
            continue
        build = [PYTHON, "-m", "cxlake.cli", "build", "--target", engine, "--quiet"]
        results.append(measure(volume, engine, "build", build, env, timeout))
    shutil.rmtree(tenant)
    return results


def _reset_postgres_database(settings: dict[str, str]) -> None:
    import psycopg2

    login = {
        "host": settings["CXLAKE_POSTGRES_HOST"],
        "port": int(settings["CXLAKE_POSTGRES_PORT"]),
        "user": settings["CXLAKE_POSTGRES_USER"],
        "password": settings["CXLAKE_POSTGRES_PASSWORD"],
    }
    connection = psycopg2.connect(dbname="postgres", **login)
    connection.autocommit = True
    database = settings["CXLAKE_POSTGRES_DB"]
    connection.cursor().execute(f'drop database if exists "{database}"')
    connection.cursor().execute(f'create database "{database}"')
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", nargs="+", default=["small", "100000"])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "postgres", "spark"])
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds one step may take (default 1800)"
    )
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary folder, removed after)")
    args = parser.parse_args(argv)

    server = None
    postgres: dict[str, str] = {}
    if "postgres" in args.engines:
        from local_postgres import LocalPostgres

        server = LocalPostgres().start()
        postgres = server.settings
    table: list[Measurement] = []
    try:
        for volume in args.conversations:
            work = Path(tempfile.mkdtemp(prefix=f"cxlake-engines-{volume}-", dir=args.out))
            try:
                table += bench(volume, args.engines, work, postgres, args.timeout)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()

    print("\nvolume | engine | ingest s | build s | build x DuckDB | status")
    for volume in args.conversations:
        rows = {(m.engine, m.step): m for m in table if m.volume == volume}
        baseline = rows.get(("duckdb", "build"))
        for engine in args.engines:
            ingest, build = rows.get((engine, "ingest")), rows.get((engine, "build"))
            ratio = (
                f"{build.seconds / baseline.seconds:.1f}x"
                if build and build.status == "ok" and baseline and baseline.status == "ok"
                else "-"
            )
            status = ", ".join(m.status for m in (ingest, build) if m is not None)
            print(
                f"{volume} | {engine} | {ingest.seconds if ingest else float('nan'):.1f} | "
                f"{build.seconds if build else float('nan'):.1f} | {ratio} | {status}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
