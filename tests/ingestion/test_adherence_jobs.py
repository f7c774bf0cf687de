"""Historical adherence: the asynchronous WFM bulk job against the simulator, and ingestion of it.

The flow is Genesys': POST .../adherence/historical/bulk -> 202 and a job id; GET
.../bulk/jobs/{jobId} until Complete; the results are pre-signed download URLs (fetched
without the bearer token) that expire. Ingestion must survive a job whose links expired
before it read them (it submits the job again) and report, without loading anything
partial, links that keep expiring.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from ingest_helpers import FAST_ENV, query

from ingestion.run import run_ingest
from sandbox.generator.generate import generate
from sandbox.simulator.server import SandboxServer

WFM = "/api/v2/workforcemanagement"
READ = ("cxlake-sandbox", "cxlake-sandbox-secret")


@pytest.fixture(scope="module")
def tiny_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny_wfm")
    generate(out, scale=100, days=3)
    return out


@pytest.fixture
def fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)


def _token(base: str) -> dict[str, str]:
    answer = requests.post(
        f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=READ, timeout=10
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _records(tenant: Path, resource: str) -> list[dict[str, Any]]:
    lines = (tenant / "genesys" / resource / "part-00000.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_bulk_job_202_polling_download_urls_and_expiry(
    tiny_tenant: Path, sandbox_server: Callable[..., SandboxServer]
) -> None:
    server = sandbox_server(data_dir=tiny_tenant)
    auth = _token(server.url)
    units = requests.get(f"{server.url}{WFM}/managementunits", headers=auth, timeout=10).json()["entities"]
    results = _records(tiny_tenant, "historical_adherence")
    unit_id = results[0]["managementUnitId"]
    day = results[0]["startDate"]
    assert unit_id in {unit["id"] for unit in units}
    item = {"managementUnitId": unit_id, "startDate": day, "endDate": results[0]["endDate"]}
    bad_zone = requests.post(
        f"{server.url}{WFM}/adherence/historical/bulk",
        json={"timeZone": "Europe/Paris", "items": [item]},
        headers=auth,
        timeout=10,
    )
    assert bad_zone.status_code == 400
    created = requests.post(
        f"{server.url}{WFM}/adherence/historical/bulk",
        json={"timeZone": "UTC", "items": [item, item]},
        headers=auth,
        timeout=10,
    )
    assert created.status_code == 202
    job = created.json()["job"]
    assert job["status"] == "Processing" and "downloadUrls" not in created.json()
    status_url = f"{server.url}{WFM}/adherence/historical/bulk/jobs/{job['id']}"
    first = requests.get(status_url, headers=auth, timeout=10).json()
    assert first["job"]["status"] == "Processing"
    done = requests.get(status_url, headers=auth, timeout=10).json()
    assert done["job"]["status"] == "Complete" and len(done["downloadUrls"]) == 2
    # Pre-signed: no token needed (the real links are on a storage host that must not get it).
    downloaded = requests.get(done["downloadUrls"][0], timeout=10)
    assert downloaded.status_code == 200
    body = downloaded.json()
    expected = [r for r in results if r["managementUnitId"] == unit_id and r["startDate"] == day]
    assert body["managementUnitId"] == unit_id and body["startDate"] == day
    assert sorted(r["userId"] for r in body["userResults"]) == sorted(r["userId"] for r in expected)
    assert {r["userId"]: r["adherencePercentage"] for r in body["userResults"]} == {
        r["userId"]: r["adherencePercentage"] for r in expected
    }
    pc = pytest.importorskip("PureCloudPlatformClientV2")
    assert set(body) <= set(pc.WfmHistoricalAdherenceBulkResult().attribute_map.values())
    assert set(done) <= set(pc.WfmHistoricalAdherenceBulkResponse().attribute_map.values())

    expiring = sandbox_server(data_dir=tiny_tenant, adherence_download_ttl_s=0.0)
    auth = _token(expiring.url)
    job_id = requests.post(
        f"{expiring.url}{WFM}/adherence/historical/bulk", json={"items": [item]}, headers=auth, timeout=10
    ).json()["job"]["id"]
    poll = f"{expiring.url}{WFM}/adherence/historical/bulk/jobs/{job_id}"
    urls = [requests.get(poll, headers=auth, timeout=10).json() for _ in range(2)][-1]["downloadUrls"]
    expired = requests.get(urls[0], timeout=10)
    assert expired.status_code == 403 and "Request has expired" in expired.text


def test_ingest_resubmits_an_expired_job_and_reports_links_that_keep_expiring(
    tiny_tenant: Path,
    sandbox_server: Callable[..., SandboxServer],
    tmp_path: Path,
    fast_env: None,
) -> None:
    written = _records(tiny_tenant, "historical_adherence")
    window = {"start": date(2026, 10, 1), "end": date(2026, 10, 4), "progress": False}

    once = sandbox_server(data_dir=tiny_tenant, faults="flaky", adherence_expired_jobs=1)
    warehouse = tmp_path / "once.duckdb"
    summary = run_ingest(warehouse, ["genesys"], sandbox_url=once.url, **window)
    assert summary.ok, summary.errors
    loaded = query(
        warehouse, "select management_unit_id, user_id, payload from raw_genesys.historical_adherence"
    )
    assert len(loaded) == len(written) > 0
    by_key = {(r["managementUnitId"], r["userId"], r["startDate"]): r for r in written}
    for unit, user, payload in loaded:
        record = json.loads(payload)
        assert by_key[(unit, user, record["startDate"])]["exceptionInfo"] == record["exceptionInfo"]
    assert query(warehouse, "select count(*) from raw_genesys.agent_schedules")[0][0] == len(
        _records(tiny_tenant, "agent_schedules")
    )
    assert query(warehouse, "select count(*) from raw_genesys.management_units")[0][0] > 0

    always = sandbox_server(data_dir=tiny_tenant, adherence_expired_jobs=99)
    failing = tmp_path / "always.duckdb"
    summary = run_ingest(failing, ["genesys"], sandbox_url=always.url, **window)
    assert not summary.ok
    assert any("historical_adherence" in e and "expiring" in e for e in summary.errors), summary.errors
    # The rest of the source loaded; nothing partial of the adherence table.
    assert query(failing, "select count(*) from raw_genesys.conversations")[0][0] > 0
    assert query(failing, "select count(*) from raw_genesys.historical_adherence")[0][0] == 0
