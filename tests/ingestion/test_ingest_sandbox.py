"""End-to-end ingestion over HTTP against the sandbox simulator (small tenant).

Expected values come from ``manifest.json`` written by the generator, never from
the ingestion code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from ingest_helpers import (
    FAST_ENV,
    conversations_with_attributes,
    query,
    sum_t_handle,
    warehouse_digest,
)

from ingestion.run import IngestSummary, format_summary, run_ingest
from ingestion.tables import SCHEMAS, SOURCES
from sandbox.simulator.server import SandboxServer

ADMIN_CLIENT = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")  # published (contract §1)
START, END = date(2026, 10, 1), date(2026, 10, 29)
# Resources whose HTTP row count equals the generated file count. Not compared:
# scorecard_analytics (the API serves the active model version only) and
# conversation_aggregates (not generated; computed by the simulator).
NOT_SERVED_AS_GENERATED = {("predictive_engagement", "scorecard_analytics")}


def _ingest(warehouse: Path, url: str, sources: list[str] | None = None) -> IngestSummary:
    summary = run_ingest(
        warehouse, sources or list(SOURCES), sandbox_url=url, start=START, end=END, progress=False
    )
    return summary


@pytest.fixture(scope="module")
def flaky_run(
    small_tenant: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, IngestSummary]]:
    """One full ingest against the ``flaky`` simulator, shared by the tests below."""
    warehouse = tmp_path_factory.mktemp("flaky") / "cxlake.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAST_ENV.items():
            patch.setenv(name, value)
        with SandboxServer(small_tenant, faults="flaky", rate_limit_per_minute=0) as server:
            summary = _ingest(warehouse, server.url)
    yield warehouse, summary


def test_flaky_ingest_reproduces_the_manifest(
    flaky_run: tuple[Path, IngestSummary], manifest: dict[str, Any]
) -> None:
    warehouse, summary = flaky_run
    assert summary.ok, format_summary(summary)
    assert summary.retries + summary.throttles > 0, "the flaky profile must have been met and survived"
    for source in SOURCES:
        for resource, expected in manifest["counts"][source].items():
            if (source, resource) in NOT_SERVED_AS_GENERATED:
                continue
            table = f"{SCHEMAS[source]}.{resource}"
            if resource in ("campaign_progress", "campaign_stats", "queue_observations"):
                count = query(warehouse, f"SELECT count(DISTINCT payload) FROM {table}")[0][0]
            else:
                count = query(warehouse, f"SELECT count(*) FROM {table}")[0][0]
            assert count == expected, f"{table}: {count} rows, manifest says {expected}"
    totals = manifest["totals"]["genesys"]
    assert sum_t_handle(warehouse) == totals["sum_t_handle_ms"]
    assert conversations_with_attributes(warehouse) == totals["conversations_with_attributes"]
    in_flight = query(
        warehouse, "SELECT count(*) FROM raw_genesys.conversations WHERE conversation_end IS NULL"
    )
    assert in_flight[0][0] == totals["conversations_in_flight"]
    assert query(warehouse, "SELECT DISTINCT _extract_method FROM raw_genesys.conversations") == [("jobs",)]
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.quarantine")[0][0] == 0
    aggregates = query(
        warehouse, "SELECT count(DISTINCT division_id) FROM raw_genesys.conversation_aggregates"
    )
    assert aggregates[0][0] == manifest["counts"]["genesys"]["divisions"]
    assert "retries:" in format_summary(summary)


def test_second_run_changes_nothing(flaky_run: tuple[Path, IngestSummary], small_tenant: Path) -> None:
    warehouse, _ = flaky_run
    before = warehouse_digest(warehouse)
    with SandboxServer(small_tenant, faults="flaky", rate_limit_per_minute=0) as server:
        again = _ingest(warehouse, server.url)
    assert again.ok, format_summary(again)
    assert warehouse_digest(warehouse) == before


def test_kill_9_mid_ingest_then_rerun_matches_an_uninterrupted_run(
    flaky_run: tuple[Path, IngestSummary], small_tenant: Path, tmp_path: Path
) -> None:
    reference, _ = flaky_run
    warehouse = tmp_path / "killed.duckdb"
    with SandboxServer(small_tenant, faults="none", rate_limit_per_minute=0) as server:
        env = {**os.environ, **FAST_ENV, "CXLAKE_WAREHOUSE": str(warehouse)}
        command = [
            sys.executable, "-m", "cxlake.cli", "ingest", "--sandbox", server.url,
            "--start", START.isoformat(), "--end", END.isoformat(),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        seen: list[str] = []
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if line.startswith("predictive_engagement:"):  # genesys loaded, PE under way
                break
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, "".join(seen[-5:])
        rerun = _ingest(warehouse, server.url)
    assert rerun.ok, format_summary(rerun)
    assert warehouse_digest(warehouse) == warehouse_digest(reference)


def test_hostile_run_quarantines_exactly_the_planted_records(
    small_tenant: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    warehouse = tmp_path / "hostile.duckdb"
    plan = manifest["faults"]["hostile"]
    with SandboxServer(small_tenant, faults="hostile", rate_limit_per_minute=0) as server:
        summary = _ingest(warehouse, server.url)
    assert summary.ok, format_summary(summary)
    found = set()
    for source in SOURCES:
        rows = query(
            warehouse, f"SELECT resource, record_key, field, reason FROM {SCHEMAS[source]}.quarantine"
        )
        for resource, key, field, reason in rows:
            assert reason, f"{resource} {key}: quarantined without a reason"
            found.add((source, resource, key, field))
    expected = set()
    for bad in plan["bad_records"]:
        key = bad["key"]
        key_text = "|".join(str(v) for v in key.values()) if isinstance(key, dict) else str(key)
        expected.add((bad["source"], bad["resource"], key_text, bad["field"]))
    assert found == expected
    assert summary.quarantined_total == len(expected)
    # The bad records never reach the main tables.
    for bad in plan["bad_records"]:
        table = f"{SCHEMAS[bad['source']]}.{bad['resource']}"
        if isinstance(bad["key"], dict):
            where = f"campaign_id = '{bad['key']['campaignId']}' AND date_from = '{bad['key']['dateFrom']}'"
        else:
            column = "conversation_id" if bad["resource"] == "conversations" else "id"
            where = f"{column} = '{bad['key']}'"
        assert query(warehouse, f"SELECT count(*) FROM {table} WHERE {where}") == [(0,)], bad
    archived = plan["archived_campaign_id"]
    assert archived in {s["campaign_id"] for s in summary.skipped}
    log = query(warehouse, "SELECT campaign_id, status, reason FROM raw_predictive_engagement.extraction_log")
    assert archived in {row[0] for row in log} and all(row[2] for row in log)
    unknown = plan["unknown_fields"][0]
    with_unknown = query(
        warehouse,
        f"SELECT count(*) FROM raw_genesys.users WHERE json_exists(payload, '$.{unknown['field']}')",
    )
    assert with_unknown[0][0] == manifest["counts"]["genesys"]["users"], "unknown fields stay in the payload"


def test_write_scoped_client_is_refused(
    small_tenant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__GENESYS__CLIENT_ID", "cxlake-sandbox-admin")
    monkeypatch.setenv("SOURCES__GENESYS__CLIENT_SECRET", "cxlake-sandbox-admin-secret")
    warehouse = tmp_path / "admin.duckdb"
    with SandboxServer(small_tenant, faults="none", rate_limit_per_minute=0) as server:
        summary = run_ingest(
            warehouse, ["genesys"], base_url=server.url, start=START, end=END, progress=False
        )
    assert not summary.ok
    message = " ".join(summary.errors)
    assert (
        "write scopes" in message and "contacts:write" in message and "predictive-engagement:edit" in message
    )
    assert sum(summary.rows.values()) == 0


def test_org_without_predictive_engagement_loads_nothing_and_fails_nothing(
    small_tenant: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "no_pe.duckdb"
    with SandboxServer(
        small_tenant, faults="none", rate_limit_per_minute=0, predictive_engagement=False
    ) as server:
        summary = _ingest(warehouse, server.url, ["predictive_engagement", "salesforce"])
    assert summary.ok, format_summary(summary)
    pe_rows = {
        table: n for table, n in summary.rows.items() if table.startswith("raw_predictive_engagement.")
    }
    assert pe_rows and set(pe_rows.values()) == {0}
    assert any("Predictive Engagement add-on" in message for message in summary.messages)
    assert summary.rows["raw_salesforce.accounts"] > 0


def test_scorecard_retrain_is_extracted_beside_the_old_version(
    small_tenant: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    planted = manifest["planted"]["scorecard_retrain"]
    scorecard = planted["scorecard_id"]
    warehouse = tmp_path / "retrain.duckdb"
    with SandboxServer(small_tenant, faults="none", rate_limit_per_minute=0) as server:
        first = _ingest(warehouse, server.url, ["predictive_engagement"])
        assert first.ok, format_summary(first)
        token = requests.post(
            f"{server.url}/oauth/token",
            auth=ADMIN_CLIENT,
            data={"grant_type": "client_credentials"},
            timeout=10,
        ).json()["access_token"]
        answer = requests.post(
            f"{server.url}/api/v2/predictive-engagement/scorecards/{scorecard}/retrain",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.ok and answer.json()["modelVersion"] == "v2", answer.text
        # Incremental run: no --start, from the stored cursors.
        second = run_ingest(
            warehouse, ["predictive_engagement"], sandbox_url=server.url, end=END, progress=False
        )
    assert second.ok, format_summary(second)
    rows = query(
        warehouse,
        f"""SELECT model_version, count(DISTINCT date_from) FROM raw_predictive_engagement.scorecard_analytics
            WHERE scorecard_id = '{scorecard}' GROUP BY 1 ORDER BY 1""",
    )
    days = (END - START).days
    assert rows == [(version, days) for version in planted["versions"]]
    example = query(
        warehouse,
        f"""SELECT model_version, CAST(json_extract(payload, '$.performanceMetrics.precision') AS DOUBLE)
            FROM raw_predictive_engagement.scorecard_analytics
            WHERE scorecard_id = '{scorecard}' AND date_from = '{planted["example_day"]}' ORDER BY 1""",
    )
    assert example == [("v1", planted["v1_precision"]), ("v2", planted["v2_precision"])]
