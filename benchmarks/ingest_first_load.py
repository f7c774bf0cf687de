"""First load without ``--start`` of a 2-day sandbox tenant, at the default client rate limits.

Generates a 2-day tenant (``scale="small"``), serves it, and runs ``cxlake ingest --sandbox``
(all sources, no ``--start``, so the window is ``initial_days`` = 90 days before ``--end``).
Prints the wall time and the Predictive Engagement analytics requests made, beside what
the 90-day window alone would ask (one request per campaign/scorecard and day: the
baseline a load without creation dates makes), from the simulator's request log.

    .venv/bin/python benchmarks/ingest_first_load.py [--end 2026-11-01] [--work DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="exclusive end (default: now)")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "ingest_first_load")
    args = parser.parse_args()

    from ingestion.run import format_summary, run_ingest
    from sandbox.generator.generate import generate
    from sandbox.simulator.server import SandboxServer

    work = args.work.resolve()
    tenant = work / "tenant-2-days"
    if not (tenant / "manifest.json").exists():
        generate(tenant, days=2, scale="small")
    warehouse = work / "first.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(work / ".dlt_pipelines", ignore_errors=True)
    with SandboxServer(tenant) as server:
        started = time.perf_counter()
        summary = run_ingest(
            warehouse,
            ["genesys", "predictive_engagement", "salesforce"],
            sandbox_url=server.url,
            end=args.end,
            progress=False,
        )
        seconds = time.perf_counter() - started
        journey = server.app.journey
        asked = list(journey.analytics_days)
        things = {kind: set() for kind in ("campaign", "scorecard")}
        for kind, thing, _ in asked:
            things[kind].add(thing)
    if not summary.ok:
        print(format_summary(summary))
    window_days = 90
    extractable = len(things["campaign"])
    scorecards = len(journey.ctx.tenant.records("predictive_engagement", "scorecards"))
    baseline = window_days * (extractable + scorecards)
    print(f"first load without --start (all sources, default rate limits): {seconds:.1f} s, ok={summary.ok}")
    print(
        f"  analytics requests: {len(asked)} "
        f"(campaign days {sum(1 for k, _, _ in asked if k == 'campaign')}, "
        f"scorecard days {sum(1 for k, _, _ in asked if k == 'scorecard')})"
    )
    print(
        f"  baseline, every day of the {window_days}-day window: about {baseline} "
        f"({extractable} extractable campaigns + {scorecards} scorecards x {window_days} days)"
    )


if __name__ == "__main__":
    main()
