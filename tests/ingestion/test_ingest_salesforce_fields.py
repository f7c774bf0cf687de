"""Salesforce orgs whose Account fields differ from the defaults: without the custom
tier / LTV fields, with differently-named ones, relationship and compound fields,
and a page with only ``Id, Name``."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from ingest_helpers import query

from ingestion.api_settings import (
    SalesforceSettings,
    crm_field_mapping,
    salesforce_connection,
    sandbox_credentials,
)
from ingestion.http_client import (
    ApiClient,
    ClientCredentials,
    HttpCounters,
    OAuth,
    RetryPolicy,
    TokenBucket,
    new_session,
)
from ingestion.run import format_summary, run_ingest
from ingestion.salesforce import describe_fields
from sandbox.generator.generate import generate
from sandbox.simulator.httpapi import ApiError, Request, Response
from sandbox.simulator.salesforce import SalesforceApi
from sandbox.simulator.server import SandboxServer

CUSTOM = ("Account_Tier__c", "Customer_LTV_USD__c")


def _rewrite_accounts(tenant: Path, change: Any) -> int:
    """Apply ``change`` to every generated Account record; the number of accounts."""
    count = 0
    for part in sorted((tenant / "salesforce" / "accounts").glob("*.ndjson")):
        records = [orjson.loads(line) for line in part.read_bytes().splitlines() if line.strip()]
        for record in records:
            change(record)
        part.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        count += len(records)
    return count


def _declare_fields(tenant: Path, tier: str | None, ltv: str | None) -> None:
    """Make the tenant's manifest (which the simulator's describe follows) name these fields."""
    manifest = orjson.loads((tenant / "manifest.json").read_bytes())
    manifest["org"] |= {"salesforce_tier_field": tier, "salesforce_ltv_field": ltv}
    (tenant / "manifest.json").write_bytes(orjson.dumps(manifest))


def _ingest_salesforce(tenant: Path, warehouse: Path, answers: list[tuple[str, int]] | None = None) -> Any:
    """Ingest Salesforce from the simulator; ``answers`` collects (path, status) of each request."""
    with SandboxServer(tenant, faults="none", rate_limit_per_minute=0) as server:
        if answers is not None:
            handle = server.app.handle

            def recorded(request: Any) -> Any:
                response = handle(request)
                answers.append((request.path, response.status))
                return response

            server.app.handle = recorded  # type: ignore[method-assign]
        return run_ingest(
            warehouse,
            ["salesforce"],
            sandbox_url=server.url,
            start=date(2026, 10, 1),
            end=date(2026, 10, 29),
            progress=False,
        )


def test_org_without_the_custom_fields_loads_every_account(
    small_tenant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = tmp_path / "tenant"
    shutil.copytree(small_tenant, tenant)
    # an API without describe: the refused fields are found from the INVALID_FIELD answers
    monkeypatch.setattr(SalesforceApi, "describe", _no_describe)

    def strip(record: dict[str, Any]) -> None:
        for name in CUSTOM:
            record.pop(name, None)

    accounts = _rewrite_accounts(tenant, strip)
    _declare_fields(tenant, None, None)
    warehouse = tmp_path / "plain.duckdb"
    summary = _ingest_salesforce(tenant, warehouse)
    assert summary.ok, format_summary(summary)
    assert query(warehouse, "SELECT count(*) FROM raw_salesforce.accounts")[0][0] == accounts
    # without describe, each refused field is dropped and the query sent again
    notes = [m for m in summary.messages if m.startswith("salesforce accounts: the org has no")]
    assert len(notes) == 1 and all(name in notes[0] for name in CUSTOM), summary.messages
    assert not query(
        warehouse,
        "SELECT count(*) FROM raw_salesforce.accounts WHERE json_exists(payload, '$.Account_Tier__c')",
    )[0][0]
    # the relationship field lands as the nested object Salesforce returns
    owners = query(
        warehouse,
        "SELECT count(*) FROM raw_salesforce.accounts "
        "WHERE json_extract_string(payload, '$.Owner.Name') <> ''",
    )
    assert owners[0][0] == accounts
    assert query(warehouse, "SELECT count(*) FROM raw_salesforce.cases")[0][0] > 0


def _no_describe(self: SalesforceApi, request: Request) -> Response:
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


@pytest.mark.parametrize("mode", ["absent", "renamed"])
def test_describe_spares_refused_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    tenant = tmp_path / "tenant"
    manifest = generate(tenant, scale=300, days=3, crm_fields=mode)
    org = manifest["org"]
    if mode == "renamed":
        monkeypatch.setenv("SOURCES__SALESFORCE__TIER_FIELD", org["salesforce_tier_field"])
        monkeypatch.setenv("SOURCES__SALESFORCE__LTV_FIELD", org["salesforce_ltv_field"])
    answers: list[tuple[str, int]] = []
    warehouse = tmp_path / "crm.duckdb"
    summary = _ingest_salesforce(tenant, warehouse, answers)
    assert summary.ok, format_summary(summary)
    refused = [(path, status) for path, status in answers if status >= 400]
    assert not refused, refused
    objects = ("Account", "AccountHistory", "Case", "Opportunity")
    described = [path.rsplit("/", 2)[-2] for path, _ in answers if path.endswith("/describe")]
    assert sorted(described) == sorted(objects)
    queries = [path for path, _ in answers if "/queryAll" in path]
    assert len(queries) >= len(objects)
    notes = [m for m in summary.messages if "the org has no" in m]
    accounts = manifest["counts"]["salesforce"]["accounts"]
    assert query(warehouse, "SELECT count(*) FROM raw_salesforce.accounts")[0][0] == accounts
    with_address = query(
        warehouse,
        "SELECT count(*) FROM raw_salesforce.accounts "
        "WHERE json_extract_string(payload, '$.BillingAddress.city') <> ''",
    )[0][0]
    assert 0.8 * accounts < with_address < accounts
    if mode == "absent":
        assert len(notes) == 1 and all(name in notes[0] for name in CUSTOM), summary.messages
    else:
        assert not notes, notes
        tiers = query(
            warehouse,
            "SELECT count(*) FROM raw_salesforce.accounts "
            f"WHERE json_extract_string(payload, '$.{org['salesforce_tier_field']}') <> ''",
        )[0][0]
        assert tiers == accounts


def test_differently_named_tier_field_is_read_from_the_one_setting(
    small_tenant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = tmp_path / "tenant"
    shutil.copytree(small_tenant, tenant)

    def rename(record: dict[str, Any]) -> None:
        record["Tier__c"] = record.pop("Account_Tier__c", None)
        record["Lifetime_Value__c"] = record.pop("Customer_LTV_USD__c", None)

    _rewrite_accounts(tenant, rename)
    _declare_fields(tenant, "Tier__c", "Lifetime_Value__c")
    monkeypatch.setenv("SOURCES__SALESFORCE__TIER_FIELD", "Tier__c")
    monkeypatch.setenv("SOURCES__SALESFORCE__LTV_FIELD", "Lifetime_Value__c")
    assert crm_field_mapping() == {
        "salesforce_tier_field": "Tier__c",
        "salesforce_ltv_field": "Lifetime_Value__c",
    }
    warehouse = tmp_path / "renamed.duckdb"
    summary = _ingest_salesforce(tenant, warehouse)
    assert summary.ok, format_summary(summary)
    tiers = query(
        warehouse,
        "SELECT count(*) FROM raw_salesforce.accounts WHERE json_extract_string(payload, '$.Tier__c') <> ''",
    )
    assert tiers[0][0] > 0
    assert not any("Tier__c" in m for m in summary.messages), summary.messages


def test_accounts_page_with_only_id_and_name_loads(tmp_path: Path) -> None:
    folder = tmp_path / "export" / "salesforce" / "accounts"
    folder.mkdir(parents=True)
    page = {
        "totalSize": 2,
        "done": True,
        "records": [
            {"attributes": {"type": "Account", "url": "/x/001A"}, "Id": "001A", "Name": "Acme"},
            {
                "attributes": {"type": "Account", "url": "/x/001B"},
                "Id": "001B",
                "Name": "Globex",
                "BillingAddress": {"street": "1 Main St", "city": "Springfield", "country": "US"},
            },
        ],
    }
    (folder / "page-1.json").write_bytes(orjson.dumps(page))
    warehouse = tmp_path / "minimal.duckdb"
    summary = run_ingest(warehouse, ["salesforce"], from_files=tmp_path / "export", progress=False)
    assert summary.ok, format_summary(summary)
    rows = query(
        warehouse,
        "SELECT id, system_modstamp, json_extract_string(payload, '$.BillingAddress.city') "
        "FROM raw_salesforce.accounts ORDER BY id",
    )
    assert rows == [("001A", None, None), ("001B", None, "Springfield")]


@pytest.fixture
def describe_server() -> Iterator[tuple[str, list[str]]]:
    """A Salesforce-like API answering the Account describe of an org without the custom fields."""
    calls: list[str] = []
    describe = {
        "name": "Account",
        "fields": [
            {"name": name, "relationshipName": "Owner" if name == "OwnerId" else None}
            for name in ("Id", "Name", "Type", "Industry", "OwnerId", "AnnualRevenue", "BillingAddress")
            + ("CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted")
        ],
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._reply({"access_token": "t", "token_type": "bearer", "expires_in": 3600})

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            calls.append(self.path)
            self._reply(describe)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls
    server.shutdown()
    server.server_close()


def test_describe_leaves_out_the_fields_the_org_lacks(describe_server: tuple[str, list[str]]) -> None:
    base, calls = describe_server
    session = new_session()
    oauth = OAuth(ClientCredentials(f"{base}/oauth/token", "id", "secret", basic_auth=False), session, 5.0)
    policy = RetryPolicy(budget=1, throttle_budget=1, backoff_base_s=0.01, backoff_cap_s=0.05)
    client = ApiClient(base, oauth, TokenBucket(0), HttpCounters(), policy, 5.0)
    settings = SalesforceSettings(api=salesforce_connection(**sandbox_credentials(base)))
    wanted = ["Id", "Name", *CUSTOM, "Owner.Name", "BillingAddress", "SystemModstamp"]
    kept, missing = describe_fields(client, settings, "Account", wanted, "SystemModstamp")
    assert kept == ["Id", "Name", "Owner.Name", "BillingAddress", "SystemModstamp"]
    assert missing == list(CUSTOM)
    assert calls == [f"/services/data/{settings.api_version}/sobjects/Account/describe"]


def test_uncastable_ltv_is_quarantined_under_the_configured_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__SALESFORCE__LTV_FIELD", "Lifetime_Value__c")
    folder = tmp_path / "export" / "salesforce" / "accounts"
    folder.mkdir(parents=True)
    records = [
        {"Id": "001A", "Name": "Acme", "Lifetime_Value__c": 1200.5, "Customer_LTV_USD__c": "n/a"},
        {"Id": "001B", "Name": "Globex", "Lifetime_Value__c": "lots"},
    ]
    (folder / "a.ndjson").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    warehouse = tmp_path / "ltv.duckdb"
    summary = run_ingest(warehouse, ["salesforce"], from_files=tmp_path / "export", progress=False)
    assert summary.ok, format_summary(summary)
    assert query(warehouse, "SELECT id FROM raw_salesforce.accounts") == [("001A",)]
    assert query(warehouse, "SELECT record_key, field, reason FROM raw_salesforce.quarantine") == [
        ("001B", "Lifetime_Value__c", "not a number")
    ]
