"""Benchmark: ``cxlake build`` (dbt) against one hand-written DuckDB flattening query.

For each volume: generate a tenant, load it in file mode, then time in separate
processes (peak RSS measured per process with ``os.wait4``):

- ``dbt build``: every seed, model, snapshot, data test and unit test (what ``make demo`` runs);
- ``dbt build`` again on the same data (incremental models re-derive only their lookback);
- ``dbt run --full-refresh``: every model rebuilt from raw, no tests;
- ``dbt run --full-refresh`` of the flattening path only (raw conversations -> typed
  documents -> staging segments, the last two views), then those segments read into a
  table: together the like-for-like comparison with
- a hand-written DuckDB query that flattens the same raw conversations to one row per
  segment (chained ``unnest``), materialised as a table, the floor any flattening path is
  compared with (target: ``dbt build`` within 3x);
- ``dbt build`` on an empty warehouse (no source ever loaded): dbt's fixed cost of start-up,
  parse and every model, test, unit test and snapshot on zero rows, which no work on the
  models' SQL can reduce.

Prints one line per measurement and a comparison table. Usage:

    .venv/bin/python benchmarks/dbt_build.py --conversations 100000 [1000000] [--out DIR]
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
from datetime import date
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

FLATTEN_TO_SEGMENTS = """
attach '{warehouse}' as warehouse (read_only);
create table segments as
with conversations as (
    select
        json_extract_string(payload, '$.conversationId') as conversation_id,
        unnest(json_extract(payload, '$.participants[*]')) as participant
    from warehouse.raw_genesys.conversations
),
sessions as (
    select
        conversation_id,
        json_extract_string(participant, '$.participantId') as participant_id,
        json_extract_string(participant, '$.purpose') as purpose,
        json_extract_string(participant, '$.userId') as user_id,
        unnest(json_extract(participant, '$.sessions[*]')) as session
    from conversations
),
segments as (
    select
        conversation_id,
        participant_id,
        purpose,
        user_id,
        json_extract_string(session, '$.sessionId') as session_id,
        json_extract_string(session, '$.mediaType') as media_type,
        unnest(json_extract(session, '$.segments[*]')) as segment
    from sessions
)
select
    conversation_id,
    participant_id,
    purpose,
    user_id,
    session_id,
    media_type,
    json_extract_string(segment, '$.segmentType') as segment_type,
    cast(json_extract_string(segment, '$.segmentStart') as timestamptz) as segment_started_at,
    cast(json_extract_string(segment, '$.segmentEnd') as timestamptz) as segment_ended_at,
    json_extract_string(segment, '$.queueId') as queue_id,
    json_extract_string(segment, '$.wrapUpCode') as wrap_up_code
from segments;
select count(*) from segments;
"""


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: float
    peak_rss_mb: float
    exit_code: int


def measure(label: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` in a child process; wall time and the child's own peak RSS."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        code = os.waitstatus_to_exitcode(status)
        if code != 0:  # what the command said, so a failed stage names its reason
            for stream in (out, err):
                stream.seek(0)
                sys.stderr.write(stream.read().decode(errors="replace")[-1500:])
    result = Measurement(label, seconds, usage.ru_maxrss / 1024, code)
    print(f"  {label:<28} {seconds:8.1f} s  {result.peak_rss_mb:8.0f} MB  exit {code}", flush=True)
    return result


def prepare(conversations: int, work: Path) -> Path:
    """Generate a tenant of ``conversations`` and load it in file mode; the warehouse path."""
    tenant = work / "tenant"
    warehouse = work / "warehouse.duckdb"
    measure(
        "generate",
        [
            PYTHON,
            "-m",
            "cxlake.cli",
            "sandbox",
            "generate",
            "--out",
            str(tenant),
            "--scale",
            str(conversations),
        ],
    )
    env = {**os.environ, "CXLAKE_WAREHOUSE": str(warehouse)}
    start = date(2026, 10, 1).isoformat()
    loaded = measure(
        "ingest --from-files",
        [PYTHON, "-m", "cxlake.cli", "ingest", "--from-files", str(tenant), "--start", start, "--quiet"],
        env,
    )
    if loaded.exit_code != 0:
        raise SystemExit(f"ingestion failed for {conversations} conversations")
    shutil.rmtree(tenant)
    return warehouse


def materialise_segments_view(warehouse: Path) -> list[str]:
    """Read ``stg_genesys__conversation_segments`` (a view) into a temporary table, in its own process."""
    sql = "create temp table segments as select * from staging.stg_genesys__conversation_segments"
    path = str(warehouse)
    code = f"from cxlake import duck; duck.connect({path!r}, warehouse={path!r}).execute({sql!r})"
    return [PYTHON, "-c", code]


def bench(conversations: int, work: Path) -> list[Measurement]:
    print(f"{conversations:,} conversations", flush=True)
    warehouse = prepare(conversations, work)
    env = {**os.environ, "CXLAKE_WAREHOUSE": str(warehouse)}
    hand_written = FLATTEN_TO_SEGMENTS.format(warehouse=warehouse)
    flatten = [PYTHON, "-c", f"import duckdb; print(duckdb.connect().sql({hand_written!r}).fetchall())"]
    results = [measure("hand-written flatten query", flatten)]
    results.append(measure("dbt build (fresh warehouse)", [PYTHON, "-m", "cxlake.cli", "build"], env))
    results.append(measure("dbt build (incremental rerun)", [PYTHON, "-m", "cxlake.cli", "build"], env))
    run = [PYTHON, "-m", "cxlake.cli", "build", "run", "--full-refresh"]
    results.append(measure("dbt run --full-refresh", run, env))
    segments_path = [*run, "--select", "+stg_genesys__conversation_segments"]
    results.append(measure("dbt run, flatten to segments", segments_path, env))
    # the session and segment models are views: reading the segments into a table, as the
    # hand-written query does, is the rest of the like-for-like path
    results.append(measure("read the segments view", materialise_segments_view(warehouse)))
    empty_env = {**os.environ, "CXLAKE_WAREHOUSE": str(work / "empty" / "warehouse.duckdb")}
    (work / "empty").mkdir()
    results.append(measure("dbt build, empty warehouse", [PYTHON, "-m", "cxlake.cli", "build"], empty_env))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, nargs="+", default=[100_000])
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary folder, removed after)")
    args = parser.parse_args(argv)
    table: list[tuple[int, list[Measurement]]] = []
    for conversations in args.conversations:
        work = Path(tempfile.mkdtemp(prefix=f"cxlake-bench-{conversations}-", dir=args.out))
        try:
            table.append((conversations, bench(conversations, work)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("\nconversations | measurement | seconds | peak MB | x hand-written")
    for conversations, results in table:
        floor = results[0].seconds
        for result in results:
            ratio = result.seconds / floor if floor else float("nan")
            print(
                f"{conversations:>13,} | {result.label:<28} | {result.seconds:7.1f} | "
                f"{result.peak_rss_mb:7.0f} | {ratio:5.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
