"""Benchmark: ``cxlake validate`` and ``cxlake publish`` at 100k and 1M conversations, before/after.

"Before" is the code just before validation was pushed down into DuckDB (the parent of
the commit that added ``cxlake/quality/pushdown.py``, or ``--baseline REF``), extracted
with ``git archive`` into a temporary folder; "after" is this checkout. Both run on the
same warehouse files, one stage at a time, each in its own process (peak RSS = the
process's ``VmHWM`` at its end, wall time around it).

The warehouses: the demo tenant (20k conversations) is generated, ingested from files and
built with dbt once; each size is a copy whose per-conversation tables (raw conversations,
and every table among staging conversations and the per-conversation marts) are
replicated with suffixed conversation ids up to the size. Aggregated marts keep the demo's
size (they grow with days, queues and campaigns, not with conversations). This measures
the stages, not dbt: building 1M conversations with dbt is the scale benchmarks' job.

Publish is measured twice per size: a first publication (everything copied), then again
after one small mart changed (the daily case: the after code copies only that mart).

Usage::

    .venv/bin/python benchmarks/validate_publish.py [--sizes 100000 1000000] [--work DIR] [--baseline REF]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PER_CONVERSATION = (
    "raw_genesys.conversations",
    "staging.stg_genesys__conversations",
    "marts.unified_interactions",
    "marts.supervisor_interactions",
    "marts.finance_interactions",
)

VALIDATE = (
    """
import sys
from pathlib import Path
import cxlake
assert Path(cxlake.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), cxlake.__file__
from cxlake.quality.runner import validate_warehouse
outcome = validate_warehouse(Path(sys.argv[2]), Path(sys.argv[3]))
print(f"findings={len(outcome.findings)} critical={len(outcome.critical_failures)}")
"""
    + "\n"
    + (
        # this process's own peak (ru_maxrss of a child also counts its parent's pages at fork)
        "print('VmHWM', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
)

PUBLISH = (
    """
import sys
from pathlib import Path
import cxlake
assert Path(cxlake.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), cxlake.__file__
from cxlake.publish import publish
from cxlake.quality.stamp import fingerprint, write_build_stamp, write_stamp
warehouse = Path(sys.argv[2])
write_build_stamp(warehouse, "build", 0)
write_stamp(warehouse, fingerprint(warehouse), True, 0, 0)
publish(warehouse, Path(sys.argv[3]))
"""
    + "\n"
    + ("print('VmHWM', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
)


def _env(code_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(code_root),
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }


def measure(code_root: Path, script: str, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of ``script`` run with ``code_root``'s cxlake."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, "-c", script, str(code_root), *args],
        env=_env(code_root),
        cwd=code_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"stage failed ({code_root}):\n{out[-2000:]}\n{err[-3000:]}")
    peak_kib = next(int(line.split()[1]) for line in out.splitlines() if line.startswith("VmHWM"))
    return elapsed, peak_kib / 1024


def baseline_tree(ref: str | None, into: Path) -> tuple[str, Path]:
    """The repository at ``ref`` (default: before the push-down) extracted into ``into``."""
    if ref is None:
        added = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", "cxlake/quality/pushdown.py"],
            cwd=PROJECT_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        ref = f"{added[-1]}~1"
    archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_DIR, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return ref, into


def base_warehouse(work: Path) -> tuple[Path, int]:
    """The demo tenant ingested from files and built (reused when ``work`` already has it)."""
    warehouse = work / "base" / "cxlake.duckdb"
    done = work / "base" / ".built"
    if not done.exists():
        shutil.rmtree(work / "base", ignore_errors=True)
        tenant = work / "tenant"
        env = {**_env(PROJECT_DIR), "CXLAKE_WAREHOUSE": str(warehouse)}
        cli = [PYTHON, "-m", "cxlake.cli"]
        if not (tenant / "manifest.json").exists():
            subprocess.run([*cli, "sandbox", "generate", "--out", str(tenant)], env=env, check=True)
        subprocess.run([*cli, "ingest", "--from-files", str(tenant)], env=env, check=True, cwd=PROJECT_DIR)
        subprocess.run([*cli, "build"], env=env, check=True, cwd=PROJECT_DIR)
        done.touch()
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        (count,) = con.execute("select count(*) from raw_genesys.conversations").fetchone()
    return warehouse, int(count)


def scaled_copy(base: Path, base_count: int, size: int, target: Path) -> None:
    """``base`` with its per-conversation tables replicated to about ``size`` conversations."""
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, target)
    copies = max(1, round(size / base_count))
    with duckdb.connect(str(target)) as con:
        con.execute("set preserve_insertion_order = false")
        for relation in PER_CONVERSATION:
            schema, table = relation.split(".")
            kind = con.execute(
                "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
            if kind is None or kind[0] != "BASE TABLE":
                continue  # views follow the tables they read
            con.execute(f"create or replace temp table originals as from {relation}")
            con.execute(
                f"insert into {relation} select originals.* replace "
                f"(conversation_id || '#' || copy as conversation_id) "
                f"from originals, range(1, {copies}) r(copy)"
            )
        con.execute("checkpoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=None, help="keep warehouses here (default: temporary)")
    parser.add_argument("--baseline", default=None, help="git ref of the 'before' code")
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="cxlake_validate_publish_"))
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cxlake_baseline_") as tmp:
        ref, before = baseline_tree(options.baseline, Path(tmp))
        base, base_count = base_warehouse(work)
        print(f"before = {ref}, after = this checkout; base tenant {base_count:,} conversations")
        rows = []
        for size in options.sizes:
            warehouse = work / f"size_{size}" / "cxlake.duckdb"
            scaled_copy(base, base_count, size, warehouse)
            for label, root in (("before", before), ("after", PROJECT_DIR)):
                docs, published = work / f"docs_{size}_{label}", work / f"published_{size}_{label}"
                shutil.rmtree(published, ignore_errors=True)
                validate = measure(root, VALIDATE, str(warehouse), str(docs))
                first = measure(root, PUBLISH, str(warehouse), str(published))
                import duckdb

                with duckdb.connect(str(warehouse)) as con:  # the daily case: one small mart rebuilt
                    con.execute("update marts.escalation_by_tier set escalations = escalations + 1")
                again = measure(root, PUBLISH, str(warehouse), str(published))
                rows.append((size, label, validate, first, again))
                print(
                    f"{size:>9,} {label:<6} validate {validate[0]:7.1f} s {validate[1]:7.0f} MiB | "
                    f"publish {first[0]:6.1f} s {first[1]:6.0f} MiB | "
                    f"publish again {again[0]:6.1f} s {again[1]:6.0f} MiB",
                    flush=True,
                )
    print(
        "\n| conversations | code | validate s | validate peak MiB | publish s | publish peak MiB | "
        "publish again s | publish again peak MiB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size, label, validate, first, again in rows:
        print(
            f"| {size:,} | {label} | {validate[0]:.1f} | {validate[1]:.0f} | "
            f"{first[0]:.1f} | {first[1]:.0f} | {again[0]:.1f} | {again[1]:.0f} |"
        )


if __name__ == "__main__":
    main()
