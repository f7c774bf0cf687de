"""Benchmark: does a day's run cost the same on a month and on a year of history?

For each history length H (default 30 and 365 days) at the same daily volume:

1. generate a tenant of H + 1 days (``--per-day`` conversations a day; staff follow the
   daily load, so a day's presence, routing and schedule data are the same size);
2. split its files by UTC day: the first H days (history) and the last day (the new
   day). Org configuration and contact lists go into both, as a daily extraction re-reads
   them. Salesforce accounts go into the day only when modified that day (``SystemModstamp``):
   the Salesforce pull is incremental on it, so a daily run receives those, not every account;
3. load the history, build, validate and publish it once (not timed), as the runs before
   the new day did: the daily publish then copies only the marts the day changed;
4. time the daily run on the new day, each stage a separate process (peak RSS per process):
   ``cxlake ingest --from-files DAY``, ``cxlake build``, ``cxlake validate``, ``cxlake publish``.
   Every history is prepared first; then the runs alternate between the histories (30, 365,
   30, 365, ...), so a slow minute of the machine does not fall on one history only.

Prints each stage per history, the ten slowest dbt nodes of the daily build, and the ratio of
the daily run on the longest history to the one on the shortest (target <= 1.3x). Usage:

    .venv/bin/python benchmarks/daily_increment.py [--history 30 365] [--per-day 700]
        [--memory-limit 4GB] [--repeat 3] [--out DIR [--keep]]

With ``--repeat N`` each history's daily run is done N times from a copy of the state before
the day, alternating between the histories, and each stage's median is reported (this
machine's run-to-run spread on one daily run is several seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from dbt_build import PYTHON, Measurement, measure

NEW_DAY = date(2026, 11, 1)
"""The day the daily run adds. History lies before it (never after the extraction time: a
year of history starting in October would reach into the future and fail the extraction
window checks), whatever its length."""
TIME_KEYS = {
    ("genesys", "conversations"): "conversationStart",
    ("genesys", "agent_schedules"): "startDate",
    ("genesys", "historical_adherence"): "startDate",
    ("genesys", "user_presences"): "startTime",
    ("genesys", "user_routing_statuses"): "startTime",
    ("genesys", "conversion_events"): "receivedDate",
    ("predictive_engagement", "campaign_analytics"): "dateFrom",
    ("predictive_engagement", "scorecard_analytics"): "dateFrom",
    ("predictive_engagement", "journey_aggregates"): "interval",
    ("salesforce", "cases"): "CreatedDate",
    ("salesforce", "opportunities"): "CreatedDate",
    ("salesforce", "account_history"): "CreatedDate",
}
"""The record time that puts a record on one day; other resources are configuration."""
MODIFIED_KEYS = {("salesforce", "accounts"): "SystemModstamp"}
"""Resources pulled incrementally on a modification time: every record is history (the state
the earlier runs loaded); the day re-receives those modified on or after the new day."""
STAGES = ("ingest --from-files (day)", "build", "validate", "publish")


def split_tenant(tenant: Path, history: Path, day: Path, new_day: date) -> dict[str, int]:
    """Write ``history`` (records before ``new_day``) and ``day`` (records of ``new_day``)."""
    counts = {"history": 0, "day": 0}
    for folder in sorted(p for p in tenant.glob("*/*") if p.is_dir()):
        source, resource = folder.parent.name, folder.name
        key = TIME_KEYS.get((source, resource)) or MODIFIED_KEYS.get((source, resource))
        modified = (source, resource) in MODIFIED_KEYS
        pattern = re.compile(rf'"{key}":"(\d{{4}}-\d{{2}}-\d{{2}})') if key else None
        for target in (history, day):
            (target / source / resource).mkdir(parents=True, exist_ok=True)
        for part in sorted(folder.glob("*.ndjson")):
            with (
                part.open("rb") as lines,
                (history / source / resource / part.name).open("wb") as old,
                (day / source / resource / part.name).open("wb") as new,
            ):
                for line in lines:
                    if pattern is None:
                        old.write(line)
                        new.write(line)
                        continue
                    found = pattern.search(line.decode())
                    on_new_day = found is not None and date.fromisoformat(found.group(1)) >= new_day
                    if modified:
                        old.write(line)
                        if on_new_day:
                            new.write(line)
                        continue
                    (new if on_new_day else old).write(line)
                    counts["day" if on_new_day else "history"] += 1
    manifest = tenant / "manifest.json"
    for target in (history, day):
        shutil.copy(manifest, target / "manifest.json")
    return counts


def cxlake(*args: str) -> list[str]:
    return [PYTHON, "-m", "cxlake.cli", *args]


def slowest_nodes(warehouse: Path, top: int = 10) -> list[tuple[str, float]]:
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())["results"]
    timed = sorted(((r["unique_id"], float(r["execution_time"])) for r in results), key=lambda r: -r[1])
    return timed[:top]


@dataclass
class History:
    """A prepared history: its warehouse after the runs before the new day, and the day."""

    days: int
    warehouse: Path
    day: Path
    before_day: Path
    env: dict[str, str]
    runs: list[list[Measurement]] = field(default_factory=list)
    nodes: list[tuple[str, float]] = field(default_factory=list)


def prepare(history_days: int, per_day: int, work: Path, env: dict[str, str]) -> History:
    print(f"{history_days} days of history + 1 day, {per_day:,} conversations a day", flush=True)
    tenant, history, day = work / "tenant", work / "history", work / "day"
    days = history_days + 1
    start = NEW_DAY - timedelta(days=history_days)
    measure(
        "generate",
        cxlake(
            "sandbox", "generate", "--out", str(tenant), "--days", str(days),
            "--start", start.isoformat(), "--scale", str(per_day * days),
        ),
    )  # fmt: skip
    counts = split_tenant(tenant, history, day, NEW_DAY)
    print(f"  split: {counts['history']:,} dated records of history, {counts['day']:,} of the new day")
    shutil.rmtree(tenant)
    warehouse = work / "warehouse" / "cxlake.duckdb"
    env = {**env, "CXLAKE_WAREHOUSE": str(warehouse)}
    for label, command in (
        ("history: ingest", cxlake("ingest", "--from-files", str(history), "--quiet")),
        ("history: build", cxlake("build")),
        ("history: validate", cxlake("validate")),
        ("history: publish", cxlake("publish")),
    ):
        if measure(label, command, env).exit_code != 0:
            raise SystemExit(f"{label} failed for {history_days} days")
    shutil.rmtree(history)
    before_day = work / "before-the-day"
    shutil.copytree(warehouse.parent, before_day, symlinks=True)
    return History(history_days, warehouse, day, before_day, env)


def run_day(history: History) -> None:
    """One daily run on ``history``, from its state before the day (always in the same
    folder, so dbt's partial parse stays valid)."""
    if history.runs:
        shutil.rmtree(history.warehouse.parent)
        shutil.copytree(history.before_day, history.warehouse.parent, symlinks=True)
    print(f"  {history.days} days: run {len(history.runs) + 1}, from the state before the day", flush=True)
    env, day = history.env, str(history.day)
    results = [
        measure(STAGES[0], cxlake("ingest", "--from-files", day, "--quiet"), env),
        measure(STAGES[1], cxlake("build"), env),
    ]
    history.nodes = slowest_nodes(history.warehouse)
    results += [measure(STAGES[2], cxlake("validate"), env), measure(STAGES[3], cxlake("publish"), env)]
    history.runs.append(results)


def report(history: History) -> list[Measurement]:
    """Each stage's median over the runs, after the slowest nodes of the last daily build."""
    print(f"  {history.days} days: slowest dbt nodes of the last daily build:")
    for node, seconds in history.nodes:
        print(f"    {seconds:7.1f} s  {node}")
    if len(history.runs) > 1:
        totals = ", ".join(f"{sum(r.seconds for r in results):.1f} s" for results in history.runs)
        print(f"  {history.days} days: daily runs {totals}; the table below takes each stage's median")
    return [median_of([results[i] for results in history.runs]) for i in range(len(STAGES))]


def median_of(measurements: list[Measurement]) -> Measurement:
    """The run with the median time (an odd count gives a real run; exit code: the worst)."""
    ordered = sorted(measurements, key=lambda m: m.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    return replace(
        middle,
        peak_rss_mb=max(m.peak_rss_mb for m in measurements),
        exit_code=max(measurements, key=lambda m: abs(m.exit_code)).exit_code,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--per-day", type=int, default=700)
    parser.add_argument("--memory-limit", default="4GB", help="CXLAKE_MEMORY_LIMIT of every stage")
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="daily runs per history, each from the same state before the day; the median is reported",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary folder, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep each warehouse (under --out) to look into")
    args = parser.parse_args(argv)
    env = {**os.environ, "CXLAKE_MEMORY_LIMIT": args.memory_limit, "CXLAKE_SANDBOX": "1"}
    works = [Path(tempfile.mkdtemp(prefix=f"cxlake-daily-{days}-", dir=args.out)) for days in args.history]
    try:
        histories = [
            prepare(days, args.per_day, work, env) for days, work in zip(args.history, works, strict=True)
        ]
        for _ in range(args.repeat):  # alternate the histories: machine drift hits each alike
            for history in histories:
                run_day(history)
        table = [(history.days, report(history)) for history in histories]
    finally:
        if not args.keep:
            for work in works:
                shutil.rmtree(work, ignore_errors=True)
    print(f"\ndaily run (one new day, {args.per_day:,} conversations), memory limit {args.memory_limit}")
    print("history | " + " | ".join(STAGES) + " | daily run | peak MB | x shortest")
    base = sum(r.seconds for r in table[0][1])
    for history_days, results in table:
        total = sum(r.seconds for r in results)
        stages = " | ".join(f"{r.seconds:6.1f} s" for r in results)
        peak = max(r.peak_rss_mb for r in results)
        failed = [r.label for r in results if r.exit_code != 0]
        note = f"  (exit != 0: {', '.join(failed)})" if failed else ""
        print(f"{history_days:>4} d | {stages} | {total:6.1f} s | {peak:7.0f} | {total / base:5.2f}x{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
