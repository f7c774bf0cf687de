"""Benchmark: every stage of a first run at growing volumes, with peak memory and growth.

For each volume (default 100k and 1M conversations over 28 days), each in its own process
with the same ``CXLAKE_MEMORY_LIMIT`` (default 4GB; wall time and the process's own peak
RSS from ``os.wait4``):

- ``cxlake ingest --from-files`` of the generated tenant;
- the hand-written DuckDB query flattening the raw conversations to segments (the floor
  any flattening path is compared with; same memory limit);
- ``cxlake build`` on the fresh warehouse (every seed, model, snapshot, data and unit test);
- ``cxlake build`` on an empty warehouse (no source loaded: dbt's fixed cost, measured once);
- ``cxlake validate`` and ``cxlake publish``.

Prints one line per measurement, then a table with "build fresh minus empty-warehouse
build" over the flatten query (target <= 3x) and the growth factor of each stage from one
volume to the next. With ``--models`` also the ten slowest dbt nodes of each fresh build.
Usage:

    .venv/bin/python benchmarks/scale_stages.py [--conversations 100000 1000000]
        [--memory-limit 4GB] [--out DIR] [--models] [--tenants DIR]

Generating 10M conversations takes about 45 minutes and 34 GiB of files; ``--tenants``
lets that happen beforehand (generation is not one of the measured stages).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from dbt_build import FLATTEN_TO_SEGMENTS, PYTHON, Measurement, measure

FLATTEN = "hand-written flatten query"
BUILD = "dbt build (fresh)"
EMPTY = "dbt build (empty warehouse)"
STAGES = ("ingest --from-files", FLATTEN, BUILD, "validate", "publish")


def cxlake(*args: str) -> list[str]:
    return [PYTHON, "-m", "cxlake.cli", *args]


def flatten_command(warehouse: Path) -> list[str]:
    """The hand-written query in a process of its own, under cxlake's memory setting."""
    sql = FLATTEN_TO_SEGMENTS.format(warehouse=warehouse)
    code = (
        f"from cxlake import duck; print(duck.connect(warehouse={str(warehouse)!r}).sql({sql!r}).fetchall())"
    )
    return [PYTHON, "-c", code]


def slowest_nodes(warehouse: Path, top: int = 10) -> list[tuple[str, float]]:
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())["results"]
    timed = sorted(((r["unique_id"], float(r["execution_time"])) for r in results), key=lambda r: -r[1])
    return timed[:top]


def bench(
    conversations: int, work: Path, env: dict[str, str], models: bool, tenants: Path | None
) -> dict[str, Measurement]:
    print(f"{conversations:,} conversations", flush=True)
    tenant = work / "tenant"
    if tenants is not None and (tenants / str(conversations) / "manifest.json").exists():
        tenant = tenants / str(conversations)  # generated before (not a measured stage)
        print(f"  generated before: {tenant}", flush=True)
    else:
        generate = cxlake("sandbox", "generate", "--out", str(tenant), "--scale", str(conversations))
        measure("generate", generate)
    warehouse = work / "warehouse" / "cxlake.duckdb"
    env = {**env, "CXLAKE_WAREHOUSE": str(warehouse)}
    found = {STAGES[0]: measure(STAGES[0], cxlake("ingest", "--from-files", str(tenant), "--quiet"), env)}
    shutil.rmtree(tenant)  # the disk goes to the warehouse (10M: about 34 GiB of files)
    if found[STAGES[0]].exit_code != 0:
        raise SystemExit(f"ingestion failed for {conversations} conversations")
    found[FLATTEN] = measure(FLATTEN, flatten_command(warehouse), env)
    found[BUILD] = measure(BUILD, cxlake("build"), env)
    if models:
        print("  slowest dbt nodes:")
        for node, seconds in slowest_nodes(warehouse):
            print(f"    {seconds:7.1f} s  {node}")
    found["validate"] = measure("validate", cxlake("validate"), env)
    found["publish"] = measure("publish", cxlake("publish"), env)
    return found


def empty_build(work: Path, env: dict[str, str]) -> Measurement:
    warehouse = work / "empty" / "cxlake.duckdb"
    warehouse.parent.mkdir(parents=True)
    return measure(EMPTY, cxlake("build"), {**env, "CXLAKE_WAREHOUSE": str(warehouse)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--memory-limit", default="4GB", help="CXLAKE_MEMORY_LIMIT of every stage")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary folder, removed after)")
    parser.add_argument("--models", action="store_true", help="print the slowest dbt nodes of each build")
    parser.add_argument(
        "--tenants",
        type=Path,
        help="folder of tenants generated before, one per volume (TENANTS/10000000, written by "
        "`cxlake sandbox generate --out TENANTS/10000000 --scale 10000000`); each is removed "
        "once loaded, to leave its disk to the warehouse",
    )
    args = parser.parse_args(argv)
    env = {**os.environ, "CXLAKE_MEMORY_LIMIT": args.memory_limit, "CXLAKE_SANDBOX": "1"}
    work = Path(tempfile.mkdtemp(prefix="cxlake-scale-", dir=args.out))
    table: list[tuple[int, dict[str, Measurement]]] = []
    try:
        empty = empty_build(work, env)
        for conversations in args.conversations:
            folder = work / str(conversations)
            folder.mkdir()
            try:
                table.append((conversations, bench(conversations, folder, env, args.models, args.tenants)))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nmemory limit {args.memory_limit}; {EMPTY}: {empty.seconds:.1f} s, {empty.peak_rss_mb:.0f} MB")
    print("conversations | stage | seconds | peak MB | x previous volume (time, memory)")
    previous: dict[str, Measurement] = {}
    for conversations, found in table:
        for stage in STAGES:
            result = found[stage]
            growth = ""
            if stage in previous:
                before = previous[stage]
                time_x = result.seconds / before.seconds
                growth = f"{time_x:5.1f}x, {result.peak_rss_mb / before.peak_rss_mb:4.1f}x"
            failed = "" if result.exit_code == 0 else f"  (exit {result.exit_code})"
            print(
                f"{conversations:>13,} | {stage:<26} | {result.seconds:7.1f} | "
                f"{result.peak_rss_mb:7.0f} | {growth}{failed}"
            )
        over = (found[BUILD].seconds - empty.seconds) / found[FLATTEN].seconds
        print(f"{conversations:>13,} | build fresh - empty, x flatten query: {over:.1f}x (target <= 3x)")
        previous = found
    return 0


if __name__ == "__main__":
    sys.exit(main())
