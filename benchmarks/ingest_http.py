"""Conversations over HTTP through the async jobs path, from the sandbox simulator.

Generates a tenant of N conversations (default 50,000), serves it from a separate
process (faults off, no server rate limit), then loads ``raw_genesys.conversations``
with the jobs path (availability -> job -> poll -> cursor pages of 1000 ->
validation -> dlt -> DuckDB), client rate limit off. Prints conversations/s
(target >= 5,000/s).

    .venv/bin/python benchmarks/ingest_http.py [--conversations 50000] [--work benchmarks/out/ingest_http]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVE = """
import sys, time
from pathlib import Path
from sandbox.simulator.server import SandboxServer
server = SandboxServer(Path(sys.argv[1]), port=int(sys.argv[2]), faults="none", rate_limit_per_minute=0)
server.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "ingest_http")
    args = parser.parse_args()
    work = args.work.resolve()
    tenant = work / f"tenant-{args.conversations}"
    if not (tenant / "manifest.json").exists():
        from sandbox.generator.generate import generate

        started = time.perf_counter()
        generate(tenant, scale=args.conversations)
        print(f"tenant generated in {time.perf_counter() - started:.1f} s")
    from ingestion.api_clients import genesys_client
    from ingestion.api_settings import genesys_connection, sandbox_credentials
    from ingestion.genesys_cloud import genesys_cloud_source
    from ingestion.http_client import HttpCounters
    from ingestion.raw_resources import Extraction, RunStats, quarantine_resource, utc_now
    from ingestion.validation import RecordValidator
    from ingestion.warehouse import make_pipeline

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tenant), str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        warehouse = work / "http.duckdb"
        warehouse.unlink(missing_ok=True)
        shutil.rmtree(work / ".dlt_pipelines", ignore_errors=True)
        stats = RunStats(progress=False)
        validator = RecordValidator()
        counters = HttpCounters()
        api = genesys_connection(rate_limit_per_minute=0, **sandbox_credentials(f"http://127.0.0.1:{port}"))
        run = Extraction("genesys", validator, stats, utc_now(), date(2026, 10, 1), date(2026, 10, 29))
        source = genesys_cloud_source(genesys_client(api, counters), run).with_resources("conversations")
        source.resources.add(quarantine_resource())
        started = time.perf_counter()
        pipeline = make_pipeline(warehouse, "genesys", "raw_genesys")
        pipeline.run(source, loader_file_format="parquet")
        seconds = time.perf_counter() - started
        validator.close()
    finally:
        server.kill()
        server.wait()
    rows = stats.rows["raw_genesys.conversations"]
    rate = rows / seconds
    met = "met" if rate >= 5000 else "NOT met"
    print(f"jobs path: {rows:,} conversations in {seconds:.1f} s = {rate:,.0f} conversations/s")
    print(f"  ({counters.requests} requests; target >= 5,000/s: {met})")


if __name__ == "__main__":
    main()
