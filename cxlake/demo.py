"""``make demo``: sandbox tenant -> simulator -> ``cxlake run`` -> scorecard retrain -> ``cxlake run``
again (incremental) -> dashboards, then a short summary.

    python -m cxlake.demo --data sandbox_data/demo --port 8765

The warehouse is ``CXLAKE_WAREHOUSE``; the publication goes to ``cxlake.config.publish_dir()``.
Both are read once, in ``main``; every step gets them (and its options) as arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import requests

from cxlake import config
from cxlake.build import BuildOptions
from cxlake.cli import capped_end
from cxlake.pipeline import IngestRequest, PipelineResult, RunOptions, run_pipeline
from cxlake.publish import current_publication

SEED = 42
START = date(2026, 10, 1)
DAYS = 28
ADMIN_CLIENT = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")
# The second run re-reads this trailing window, so the scorecard analytics of the retrained
# model version land beside the older version's rows.
RERUN_DAYS = 7
DASHBOARD_AUDIENCES = ("internal", "supervisor", "finance")
_RETRYABLE = {429, 500, 502, 503, 504}
# The demo talks to a local simulator, not a cloud org: with the production rate limits
# (300 requests/min per token, 240/min and 80/min client presets) ingestion spends most of its
# time waiting. The demo raises the simulator's limit and the clients' budgets below it, so
# extraction stays rate-limited (and flaky faults still throttle) but finishes in seconds.
DEMO_SIMULATOR_RATE_LIMIT = 3000
DEMO_SOURCE_SETTINGS = {
    "sources.genesys.rate_limit_per_minute": 2400,
    "sources.predictive_engagement.rate_limit_per_minute": 2400,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxlake.demo", description=__doc__)
    parser.add_argument("--data", default="sandbox_data/demo", help="sandbox tenant folder")
    parser.add_argument("--port", type=int, default=8765, help="simulator port (0 = any free port)")
    parser.add_argument("--scale", default="demo", help="tenant scale: demo | small | a number")
    parser.add_argument("--dashboards", default="dashboards", help="where to write the dashboards")
    args = parser.parse_args(argv)
    return run_demo(
        Path(args.data),
        args.port,
        args.scale,
        Path(args.dashboards),
        warehouse=config.warehouse_path(),
        publish_dir=config.publish_dir(),
    )


def run_demo(data: Path, port: int, scale: str, dashboards: Path, warehouse: Path, publish_dir: Path) -> int:
    """Every demo step in order; 1 with the failing step named when the pipeline fails."""
    from sandbox.simulator.server import SandboxServer

    began = time.monotonic()
    manifest = ensure_tenant(data, scale)
    period = manifest["period"]
    start, end = period["start"][:10], period["end"][:10]
    print(f"== demo: warehouse {warehouse}", flush=True)
    with SandboxServer(
        data, port=port, faults="flaky", rate_limit_per_minute=DEMO_SIMULATOR_RATE_LIMIT
    ) as server:
        print(
            f"== demo: simulator at {server.url} (faults=flaky, {DEMO_SIMULATOR_RATE_LIMIT} requests/min "
            f"per token), period {start} .. {end}",
            flush=True,
        )
        first = run_pipeline(warehouse, demo_run(server.url, publish_dir, start, end))
        if not first.ok:
            return _failed("first run", first)
        print("== demo: retraining the Predictive Engagement scorecards through the simulator", flush=True)
        retrained = retrain_scorecards(server.url, data)
        rerun_from = (date.fromisoformat(end) - timedelta(days=RERUN_DAYS)).isoformat()
        print(f"== demo: second run (incremental, re-reading the last {RERUN_DAYS} days)", flush=True)
        second = run_pipeline(warehouse, demo_run(server.url, publish_dir, rerun_from, end))
        if not second.ok:
            return _failed("second run", second)
    publication = current_publication(publish_dir)
    dashboard_paths = render_dashboards(dashboards, publish_dir)
    print(
        summary(
            publication, publish_dir, [first, second], retrained, dashboard_paths, time.monotonic() - began
        )
    )
    return 0


def demo_run(sandbox_url: str, publish_dir: Path, start: str, end: str) -> RunOptions:
    """One quiet ``cxlake run`` of the demo: every source from the simulator over [start, end)."""
    return RunOptions(
        publish_dir=publish_dir,
        ingest=IngestRequest(
            sandbox_url=sandbox_url,
            start=date.fromisoformat(start),
            end=capped_end(date.fromisoformat(end)),
            quiet=True,
            api_settings=DEMO_SOURCE_SETTINGS,
        ),
        build=BuildOptions(dbt_args=("--quiet",)),
    )


def ensure_tenant(data: Path, scale: str) -> dict[str, Any]:
    """The tenant's manifest; generated unless ``data`` already holds one made with the same options."""
    manifest_path = data / "manifest.json"
    wanted = {"seed": SEED, "start": START.isoformat(), "days": DAYS, "scale": scale}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        generator = manifest.get("generator", {})
        if all(str(generator.get(k)) == str(v) for k, v in wanted.items()):
            print(f"== demo: reusing the sandbox tenant in {data}", flush=True)
            return manifest
    from sandbox.generator.generate import generate

    print(f"== demo: generating the sandbox tenant ({scale}) into {data}", flush=True)
    return generate(data, seed=SEED, days=DAYS, start=START, scale=scale)


def retrain_scorecards(base_url: str, data: Path) -> list[str]:
    """POST a retrain for every scorecard of the tenant with the admin client; the lines to report."""
    token = _request(
        "POST", f"{base_url}/oauth/token", None, auth=ADMIN_CLIENT, data={"grant_type": "client_credentials"}
    ).json()["access_token"]
    reported, unchanged = [], 0
    for scorecard_id in _scorecard_ids(data):
        url = f"{base_url}/api/v2/predictive-engagement/scorecards/{scorecard_id}/retrain"
        response = _request("POST", url, token, accept={409})
        if response.status_code == 409:  # no later model version to switch to
            unchanged += 1
            continue
        body = response.json()
        reported.append(
            f"scorecard {scorecard_id}: {body.get('previousModelVersion')} -> {body.get('modelVersion')}"
        )
    if unchanged:
        reported.append(f"{unchanged} scorecard(s) have no later model version")
    for line in reported:
        print(f"   {line}", flush=True)
    return reported


def _scorecard_ids(data: Path) -> list[str]:
    ids = []
    for part in sorted((data / "predictive_engagement" / "scorecards").glob("*.ndjson")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ids.append(json.loads(line)["id"])
    return ids


def _request(
    method: str,
    url: str,
    token: str | None,
    accept: set[int] | None = None,
    attempts: int = 6,
    **kwargs: Any,
) -> requests.Response:
    """One call to the (flaky) simulator, retried on 429/5xx with Retry-After or a short backoff."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for attempt in range(attempts):
        response = requests.request(method, url, headers=headers, timeout=30, **kwargs)
        if response.status_code not in _RETRYABLE or attempt == attempts - 1:
            break
        time.sleep(min(float(response.headers.get("Retry-After", 0.5 * 2**attempt)), 5.0))
    if response.status_code >= 300 and response.status_code not in (accept or set()):
        raise RuntimeError(f"{method} {url}: HTTP {response.status_code}: {response.text[:200]}")
    return response


def render_dashboards(out: Path, publish_dir: Path) -> list[Path]:
    """Dashboards per audience when the dashboard module is available."""
    try:
        from cxlake.dashboard import render
    except ImportError:
        print("== demo: dashboards not available (cxlake.dashboard.render missing)", flush=True)
        return []
    paths: list[Path] = []
    for audience in DASHBOARD_AUDIENCES:
        paths += render(audience, out / audience, published=publish_dir)
    return paths


def summary(
    publication: Path,
    publish_dir: Path,
    runs: list[PipelineResult],
    retrained: list[str],
    dashboards: list[Path],
    seconds: float,
) -> str:
    """What the demo shows at the end, read from the publication (never the warehouse)."""
    manifest = json.loads((publication / "publication.json").read_text(encoding="utf-8"))
    lines = ["", "cxlake demo summary", "==================="]
    lines.append("rows per mart:")
    lines += [f"  {name:<36} {info['rows']:>10,}" for name, info in sorted(manifest["relations"].items())]
    lines += _facts(publication / "marts.duckdb")
    for number, run in enumerate(runs, start=1):
        ingest = run.ingest_summary
        if ingest is not None:
            lines.append(
                f"ingest (run {number}): {sum(ingest.rows.values()):,} rows in {ingest.seconds:.1f} s, "
                f"{ingest.retries} retries, {ingest.throttles} throttles, "
                f"{ingest.quarantined_total} quarantined"
            )
    validation = runs[-1].validation
    if validation is not None:
        lines.append(
            f"validation: PASSED, {len(validation.findings)} expectations, "
            f"{len(validation.warnings)} warning(s); Data Docs {validation.docs_index}"
        )
    lines += ["scorecard retrain:"] + [f"  {line}" for line in retrained]
    current = publish_dir / "current" / "marts.duckdb"
    lines.append(f"publication: {publication}")
    lines.append(
        f"  readers: duckdb.connect('{current}', read_only=True), or {publication / 'parquet'}/*.parquet"
    )

    indexes = [path for path in dashboards if path.name == "index.html"]
    if indexes:
        lines += [f"dashboards ({len(dashboards)} HTML files), one index per audience:"]
        lines += [f"  {path.resolve()}" for path in indexes]
    lines.append(f"demo finished in {seconds:.0f} s")
    return "\n".join(lines)


def _facts(database: Path) -> list[str]:
    """Join rate, the tier escalating most, QA / CSAT / adherence, the scorecard model versions."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = {
            row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()
        }
        lines = []
        if "unified_interactions" in tables:
            linked = con.execute(
                "select count(crm_account_id), count(*) from unified_interactions"
            ).fetchone()
            if linked and linked[1]:
                lines.append(
                    f"CRM join rate: {linked[0] / linked[1]:.1%} of {linked[1]:,} conversations linked"
                )
        if "escalation_by_tier" in tables:
            top = con.execute(
                "select customer_tier, escalation_rate_pct from escalation_by_tier "
                "order by escalation_rate_pct desc nulls last limit 1"
            ).fetchone()
            if top:
                lines.append(f"highest escalation rate (trailing 30 days): {top[0]} at {top[1]:.1f}%")
        lines += _quality_facts(con, tables)
        if "fact_predictive_journey" in tables:
            versions = con.execute(
                "select model_version, count(*) from fact_predictive_journey group by 1 order by 1"
            ).fetchall()
            lines.append(
                "scorecard model versions in fact_predictive_journey: "
                + ", ".join(f"{version} ({rows:,} rows)" for version, rows in versions)
            )
        return lines
    finally:
        con.close()


def _quality_facts(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """QA score, CSAT and NPS over the scored contacts; schedule adherence and its lowest unit-day."""
    lines = []
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_name = 'unified_interactions'"
        ).fetchall()
    }
    if {"qa_score", "csat_score", "nps_promoter_score"} <= columns:
        qa, qa_n, csat, csat_n, promoters, detractors = con.execute(
            "select avg(qa_score), count(qa_score), avg(csat_score), count(csat_score),"
            " count(*) filter (where nps_promoter_score >= 9),"
            " count(*) filter (where nps_promoter_score <= 6)"
            " from unified_interactions"
        ).fetchone()
        lines.append(
            "quality: QA score "
            + (f"{qa:.1f} over {qa_n:,} evaluated contacts" if qa_n else "n/a (no released evaluations)")
            + "; CSAT "
            + (
                f"{csat:.1f} over {csat_n:,} completed surveys, "
                f"NPS {100 * (promoters - detractors) / csat_n:+.0f}"
                if csat_n
                else "n/a (no completed surveys)"
            )
        )
    if "agent_adherence_daily" in tables:
        overall = con.execute(
            "select 100.0 * (sum(scheduled_seconds) - sum(exception_seconds))"
            " / nullif(sum(scheduled_seconds), 0)"
            " from agent_adherence_daily"
        ).fetchone()
        lowest = con.execute(
            "select management_unit_name, adherence_date,"
            " 100.0 * (sum(scheduled_seconds) - sum(exception_seconds)) / sum(scheduled_seconds) as pct"
            " from agent_adherence_daily group by all having sum(scheduled_seconds) > 0"
            " order by pct, management_unit_name, adherence_date limit 1"
        ).fetchone()
        if overall and overall[0] is not None and lowest:
            lines.append(
                f"schedule adherence: {overall[0]:.1f}% overall; lowest management unit day: "
                f"{lowest[0]} on {lowest[1]:%Y-%m-%d} at {lowest[2]:.1f}%"
            )
    return lines


def _failed(step: str, result: PipelineResult) -> int:
    print(f"demo FAILED in the {step} at stage '{result.failed_stage}': {result.reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
