"""Salesforce source (REST SOQL), into ``raw_salesforce``.

Resources: ``accounts`` (Account), ``account_history`` (AccountHistory),
``cases`` (Case), ``opportunities`` (Opportunity). Each is read with
``GET /services/data/vNN.0/queryAll`` (deleted rows included, so deletes propagate
through ``is_deleted``), pages followed through ``nextRecordsUrl``, incremental on
``SystemModstamp`` (``CreatedDate`` for the immutable history rows), merge on ``id``.
The first run reads everything (``--start``/``--end`` window the contact-center
data, not the CRM).

Tier history: AccountHistory rows of the tier field are landed as they are; the
tier in force at any time is rebuilt in dbt (history rows + a dbt snapshot of
accounts), so no history is lost even if an account changes tier twice between runs.
The tier and LTV field names are configurable (``tier_field``, ``ltv_field``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

from ingestion.extract import Extraction, RecordBatch, parse_time, resource_state
from ingestion.http_client import ApiClient
from ingestion.settings import SalesforceSettings


def _objects(settings: SalesforceSettings) -> list[tuple[str, str, list[str], str]]:
    """(resource, sObject, fields, cursor field)."""
    return [
        (
            "accounts",
            "Account",
            [
                "Id",
                "Name",
                "Type",
                "Industry",
                settings.tier_field,
                "OwnerId",
                "Owner.Name",
                "AnnualRevenue",
                settings.ltv_field,
                "CreatedDate",
                "LastModifiedDate",
                "SystemModstamp",
                "IsDeleted",
            ],
            "SystemModstamp",
        ),
        (
            "account_history",
            "AccountHistory",
            ["Id", "AccountId", "Field", "OldValue", "NewValue", "CreatedDate", "IsDeleted"],
            "CreatedDate",
        ),
        (
            "cases",
            "Case",
            [
                "Id",
                "AccountId",
                "CaseNumber",
                "Subject",
                "Status",
                "Type",
                "Priority",
                "Origin",
                "IsClosed",
                "CreatedDate",
                "ClosedDate",
                "SystemModstamp",
                "IsDeleted",
            ],
            "SystemModstamp",
        ),
        (
            "opportunities",
            "Opportunity",
            [
                "Id",
                "AccountId",
                "Name",
                "StageName",
                "Amount",
                "CloseDate",
                "IsClosed",
                "IsWon",
                "CreatedDate",
                "SystemModstamp",
                "IsDeleted",
            ],
            "SystemModstamp",
        ),
    ]


def resources(client: ApiClient, settings: SalesforceSettings, run: Extraction) -> list[Any]:
    """All Salesforce resources."""
    return [
        run.resource(name, _query(client, settings, run, name, sobject, fields, cursor))
        for name, sobject, fields, cursor in _objects(settings)
    ]


def soql(sobject: str, fields: list[str], cursor: str, since: str | None) -> str:
    """The incremental SOQL of one object (everything on the first run)."""
    where = f" WHERE {cursor} > {since}" if since else ""
    return f"SELECT {', '.join(fields)} FROM {sobject}{where} ORDER BY {cursor} ASC"


def _query(
    client: ApiClient,
    settings: SalesforceSettings,
    run: Extraction,
    name: str,
    sobject: str,
    fields: list[str],
    cursor: str,
) -> Any:
    def batches() -> Iterator[RecordBatch]:
        state = resource_state()
        since = state.get("cursor")
        path = f"/services/data/{settings.api_version}/queryAll"
        options = {"Sforce-Query-Options": f"batchSize={settings.batch_size}"}
        page = client.get(path, {"q": soql(sobject, fields, cursor, since)}, options)
        total = 0
        newest = since
        while isinstance(page, dict):
            records = page.get("records") or []
            total += len(records)
            newest = _newest(records, cursor, newest)
            yield RecordBatch(records)
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                break
            page = client.get(next_url, headers=options)
        state["cursor"] = newest
        run.stats.say(f"  salesforce {name}: {total}")

    return batches


def _newest(records: list[Any], cursor: str, newest: str | None) -> str | None:
    """Largest cursor value seen, as a SOQL datetime literal."""
    best = parse_time(newest) if newest else None
    for record in records:
        value = record.get(cursor) if isinstance(record, dict) else None
        if not isinstance(value, str):
            continue
        try:
            moment = parse_time(value.replace("+0000", "+00:00"))
        except ValueError:
            continue
        best = moment if best is None or moment > best else best
    return best.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if best else None
