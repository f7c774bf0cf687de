"""File-mode ingestion speed vs DuckDB's own ``read_json`` + write, side by side.

Builds N conversations of NDJSON (default 1,000,000) by replicating the
conversations of a generated small tenant with fresh ids, then runs, each in its
own process so that peak memory is measured per run:

1. DuckDB alone: ``CREATE TABLE ... AS SELECT * FROM read_json(<files>)`` into a new file;
2. cxlake: ``run_ingest(..., from_files=DIR)`` into a new warehouse (raw table with
   keys, cursors, payload and load metadata, through dlt).

Prints both durations, the speed ratio (target >= 1/3) and peak RSS (target <= 4 GB).
A first load of a table is appended in one write; ``--rerun`` also times loading the
same files again, which goes through dlt's merge (staging copy + delete/insert).

    .venv/bin/python benchmarks/ingest_files.py [--conversations 1000000] [--work benchmarks/out/ingest_files]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

PART_RECORDS = 100_000
ROOT = Path(__file__).resolve().parent.parent

DUCKDB_ONLY = """
import duckdb, json, resource, sys, time
files, target = sys.argv[1], sys.argv[2]
started = time.perf_counter()
con = duckdb.connect(target)
con.execute(f"CREATE TABLE conversations AS SELECT * FROM read_json('{files}', format='newline_delimited')")
rows = con.execute("SELECT count(*) FROM conversations").fetchone()[0]
con.close()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CXLAKE = """
import json, resource, sys, time
from pathlib import Path
from ingestion.run import run_ingest
data, target = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
summary = run_ingest(target, ["genesys"], from_files=data, progress=False)
seconds = time.perf_counter() - started
assert summary.ok, summary.errors
print(json.dumps({"seconds": seconds, "rows": summary.rows["raw_genesys.conversations"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build_dataset(work: Path, conversations: int) -> Path:
    """``work/data/genesys/conversations/part-*.ndjson`` with ``conversations`` records."""
    data = work / "data"
    marker = data / f".{conversations}.done"
    if marker.exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    tenant = work / "tenant"
    if not (tenant / "manifest.json").exists():
        sys.path.insert(0, str(ROOT))
        from sandbox.generator.generate import generate

        generate(tenant, scale="small")
    lines = [
        line
        for part in sorted((tenant / "genesys" / "conversations").glob("*.ndjson"))
        for line in part.read_bytes().splitlines()
        if line.strip()
    ]
    folder = data / "genesys" / "conversations"
    folder.mkdir(parents=True)
    written = 0
    copy = 0
    handle = None
    while written < conversations:
        for line in lines:
            if written >= conversations:
                break
            if written % PART_RECORDS == 0:
                if handle is not None:
                    handle.close()
                handle = (folder / f"part-{written // PART_RECORDS:05d}.ndjson").open("wb")
            # ids are "...-<12 hex>"-style uuids: suffix the copy number to keep them unique
            key_end = line.index(b'"', line.index(b'"conversationId":"') + 18)
            assert handle is not None
            handle.write(line[:key_end] + b"-%d" % copy + line[key_end:] + b"\n")
            written += 1
        copy += 1
    if handle is not None:
        handle.close()
    marker.touch()
    return data


def run_child(code: str, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _line(label: str, run: dict[str, float]) -> str:
    rate = run["rows"] / run["seconds"]
    return f"{label:<27} {run['seconds']:8.1f} s {rate:10,.0f} conv/s  peak RSS {run['peak_rss_mb']:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "ingest_files")
    parser.add_argument(
        "--rerun", action="store_true", help="also time a second load of the same files (merge path)"
    )
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    data = build_dataset(work, args.conversations)
    size_gb = sum(p.stat().st_size for p in data.rglob("*.ndjson")) / 1e9
    print(f"dataset: {args.conversations:,} conversations, {size_gb:.2f} GB NDJSON "
          f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    for stale in ("duckdb_only.duckdb", "cxlake.duckdb", ".dlt_pipelines"):
        path = work / stale
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    files = str(data / "genesys" / "conversations" / "*.ndjson")
    duck = run_child(DUCKDB_ONLY, files, str(work / "duckdb_only.duckdb"))
    ours = run_child(CXLAKE, str(data), str(work / "cxlake.duckdb"))

    ratio = duck["seconds"] / ours["seconds"]
    print(_line("duckdb read_json + write", duck))
    print(_line("cxlake ingest --from-files", ours))
    speed_met = "met" if ratio >= 1 / 3 else "NOT met"
    memory_met = "met" if ours["peak_rss_mb"] <= 4096 else "NOT met"
    print(f"speed ratio cxlake/duckdb: {ratio:.2f} (target >= 0.33: {speed_met})")
    print(f"cxlake peak memory: {ours['peak_rss_mb'] / 1024:.2f} GB (target <= 4 GB: {memory_met})")
    if args.rerun:
        again = run_child(CXLAKE, str(data), str(work / "cxlake.duckdb"))
        print(_line("cxlake rerun (merge)", again))
    if duck["rows"] != ours["rows"]:
        print(f"WARNING: row counts differ: duckdb {duck['rows']}, cxlake {ours['rows']}")


if __name__ == "__main__":
    main()
