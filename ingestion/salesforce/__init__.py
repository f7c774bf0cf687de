"""Salesforce source (REST SOQL), into ``raw_salesforce``: :func:`salesforce_source`, a
``@dlt.source`` whose settings (``sources.salesforce.*``) dlt injects.

Resources: ``accounts`` (Account), ``account_history`` (AccountHistory),
``cases`` (Case), ``opportunities`` (Opportunity). Each is read with
``GET /services/data/vNN.0/queryAll`` (deleted rows included, so deletes propagate
through ``is_deleted``), pages followed through ``nextRecordsUrl`` (dlt's
``JSONLinkPaginator``), incremental on ``SystemModstamp`` (``CreatedDate`` for the
immutable history rows), merge on ``id``. The cursor is the SOQL ``WHERE`` clause,
kept in the resource's dlt state; ``dlt.sources.incremental`` is not used because it
filters the yielded Arrow tables on a cursor column, and a resource's rejected rows
(routed to ``quarantine`` from the same resource) have none.
The first run reads everything (``--start``/``--end`` window the contact-center
data, not the CRM).

Tier history: AccountHistory rows of the tier field are landed as they are; the
tier in force at any time is rebuilt in dbt (history rows + a dbt snapshot of
accounts), so no history is lost even if an account changes tier twice between runs.
The tier and LTV field names are configurable (``tier_field``, ``ltv_field``, see
:func:`ingestion.api_settings.crm_field_mapping`).

Fields an org does not have: Salesforce answers ``400 INVALID_FIELD`` to a SELECT
naming a field that does not exist (an org without the custom tier field, or one
whose field has another name). Before querying, the object's fields are read from
``GET sobjects/<Object>/describe`` and every optional field the org lacks is left
out of the SELECT (``Owner.Name`` is kept when ``OwnerId``'s relationship ``Owner``
exists); the run summary says which. Without a describe endpoint, an
``INVALID_FIELD`` answer naming an optional field drops that field and the query is
sent again. ``Id`` and the cursor field are never dropped. Relationship fields
(``Owner: {Name}``) and compound fields (``BillingAddress: {street, city, ...}``)
land in ``payload`` as the nested objects Salesforce returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import dlt

from ingestion.api_settings import SalesforceSettings
from ingestion.http_client import ApiClient, ApiError
from ingestion.paging import JSONLinkPaginator, pages
from ingestion.raw_resources import Extraction, RecordBatch
from ingestion.windows import parse_time, resource_state

_INVALID_FIELD = re.compile(r"No such column '([^']+)'")


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
                "BillingAddress",
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


@dlt.source(name="cxlake_salesforce", section="salesforce", max_table_nesting=0)
def salesforce_source(
    client: ApiClient = None,  # type: ignore[assignment]
    run: Extraction = None,  # type: ignore[assignment]
    api_version: str = "v62.0",
    tier_field: str = "Account_Tier__c",
    ltv_field: str = "Customer_LTV_USD__c",
    batch_size: int = 2000,
) -> list[Any]:
    """All Salesforce resources. ``client`` and ``run`` are passed; the rest is injected."""
    settings = SalesforceSettings(
        api_version=api_version,
        tier_field=tier_field,
        ltv_field=ltv_field,
        batch_size=batch_size,
    )
    return [
        run.resource(name, _query(client, settings, run, name, sobject, fields, cursor))
        for name, sobject, fields, cursor in _objects(settings)
    ]


def describe_fields(
    client: ApiClient, settings: SalesforceSettings, sobject: str, fields: list[str], cursor: str
) -> tuple[list[str], list[str]]:
    """(fields the org has, optional fields it lacks), from the object's describe.

    When the describe cannot be read (an API without it), every field is kept and
    :func:`_query` drops the ones the query is refused for.
    """
    try:
        described = client.get(f"/services/data/{settings.api_version}/sobjects/{sobject}/describe")
    except ApiError as exc:
        if exc.status in (400, 403, 404, 405, 501):
            return fields, []
        raise
    entries = described.get("fields") if isinstance(described, dict) else None
    if not isinstance(entries, list):
        return fields, []
    names = {str(f.get("name")).lower() for f in entries if isinstance(f, dict)}
    relations = {
        str(f["relationshipName"]).lower()
        for f in entries
        if isinstance(f, dict) and f.get("relationshipName")
    }
    kept, missing = [], []
    for name in fields:
        head = name.split(".", 1)[0].lower()
        present = name.lower() in names if "." not in name else head in relations
        if present or name in ("Id", cursor):
            kept.append(name)
        else:
            missing.append(name)
    return kept, missing


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
        selected, missing = describe_fields(client, settings, sobject, fields, cursor)
        while True:
            try:
                page = client.get(path, {"q": soql(sobject, selected, cursor, since)}, options)
                break
            except ApiError as exc:
                found = _INVALID_FIELD.search(str(exc)) if exc.status == 400 else None
                field = _field_named(selected, found.group(1)) if found else None
                if field is None or field in ("Id", cursor):
                    raise
                selected = [f for f in selected if f != field]
                missing.append(field)
        if missing:
            run.stats.note(
                f"salesforce {name}: the org has no {', '.join(missing)} on {sobject}; "
                "read without (null in staging)"
            )
        total = 0
        newest = since
        records = page.get("records") or [] if isinstance(page, dict) else []
        total += len(records)
        newest = _newest(records, cursor, newest)
        yield RecordBatch(records)
        next_url = page.get("nextRecordsUrl") if isinstance(page, dict) else None
        if isinstance(page, dict) and not page.get("done", True) and next_url:
            paginator = JSONLinkPaginator(next_url_path="nextRecordsUrl")
            for page, _ in pages(client, paginator, "GET", next_url, headers=options):
                if not isinstance(page, dict):
                    break
                records = page.get("records") or []
                total += len(records)
                newest = _newest(records, cursor, newest)
                yield RecordBatch(records)
                if page.get("done", True):
                    break
        state["cursor"] = newest
        run.stats.say(f"  salesforce {name}: {total}")

    return batches


def _field_named(selected: list[str], name: str) -> str | None:
    """The selected field an INVALID_FIELD message names (case-insensitive), None if none."""
    lowered = name.lower()
    return next((f for f in selected if f.lower() == lowered), None)


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
