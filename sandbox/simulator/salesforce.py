"""Salesforce REST endpoints of the simulator.

``query`` / ``queryAll`` with ``nextRecordsUrl`` paging and the SOQL subset of
``sandbox/simulator/soql.py``; ``sobjects/<Object>/describe`` with the tenant's fields
(:mod:`sandbox.simulator.sf_describe`: the custom tier / LTV fields under the org's names,
or not at all for an org without them); the parts of the compound
``BillingAddress`` (``BillingCity``, ...) can be selected on their own;
``PATCH sobjects/<Object>/<Id>`` moves ``SystemModstamp`` and ``LastModifiedDate``
to the server clock (after the period end) and appends an ``AccountHistory`` row
when ``Account_Tier__c`` changes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.simulator import sf_describe, soql
from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import ApiError, Request, Response, Route, json_response, salesforce_time

SOBJECTS = {
    "Account": "accounts",
    "AccountHistory": "account_history",
    "Case": "cases",
    "Opportunity": "opportunities",
}
READ_ONLY_FIELDS = {"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "attributes"}
DEFAULT_BATCH = 2000
MIN_BATCH = 200
TRACKED_HISTORY = {("Account", "Account_Tier__c")}
_VERSION = re.compile(r"^v\d{2}\.0$")
_BATCH_OPTION = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class QueryResult:
    kind: str  # "query" | "queryAll"
    version: str
    records: list[dict[str, Any]]


@dataclass
class SalesforceApi:
    ctx: SimContext
    results: dict[str, QueryResult] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    history_added: int = 0

    def routes(self) -> list[Route]:
        base = "/services/data/{version}"
        return [
            Route("GET", f"{base}/query", self.query, "salesforce"),
            Route("GET", f"{base}/queryAll", self.query_all, "salesforce"),
            Route("GET", f"{base}/query/{{locator}}", self.query_more, "salesforce"),
            Route("GET", f"{base}/queryAll/{{locator}}", self.query_more, "salesforce"),
            Route("GET", f"{base}/sobjects/{{sobject}}/describe", self.describe, "salesforce"),
            Route("PATCH", f"{base}/sobjects/{{sobject}}/{{recordId}}", self.update, "salesforce"),
        ]

    # --- helpers --------------------------------------------------------------------------

    def _version(self, request: Request) -> str:
        version = request.params["version"]
        if not _VERSION.match(version):
            raise ApiError(
                404, "NOT_FOUND", f"The requested resource does not exist (API version {version!r})"
            )
        return version

    def _records(self, sobject: str) -> list[dict[str, Any]]:
        resource = SOBJECTS.get(sobject)
        if resource is None:
            raise ApiError(
                400,
                "INVALID_TYPE",
                f"sObject type '{sobject}' is not supported. The sandbox serves {', '.join(SOBJECTS)}.",
            )
        return self.ctx.tenant.records("salesforce", resource)

    def _custom_fields(self) -> tuple[str | None, str | None]:
        """The org's (tier, LTV) field names, None where it has no such field."""
        org = self.ctx.tenant.manifest.get("org") or {}
        if "salesforce_tier_field" not in org:  # a tenant written before the option existed
            return "Account_Tier__c", "Customer_LTV_USD__c"
        return org.get("salesforce_tier_field"), org.get("salesforce_ltv_field")

    def _described(self, sobject: str, version: str) -> dict[str, Any] | None:
        return sf_describe.describe(sobject, version, *self._custom_fields())

    def _resolver(self, sobject: str, records: list[dict[str, Any]]) -> Any:
        canonical: dict[str, str] = {}
        for entry in (self._described(sobject, "v62.0") or {}).get("fields", []):
            canonical[entry["name"].lower()] = entry["name"]
        sample = records[0] if records else {}
        for name, value in sample.items():
            if name == "attributes":
                continue
            canonical[name.lower()] = name
            if isinstance(value, dict):
                for sub in value:
                    if sub != "attributes":
                        canonical[f"{name}.{sub}".lower()] = f"{name}.{sub}"

        def resolve(name: str) -> str:
            found = canonical.get(name.lower())
            if found is None:
                raise soql.SoqlError(
                    "INVALID_FIELD",
                    f"No such column '{name}' on entity '{sobject}'. "
                    "If you are attempting to use a custom field, be sure to append "
                    "the '__c' after the custom field name.",
                )
            return found

        return resolve

    def _project(
        self, sobject: str, version: str, record: dict[str, Any], fields: list[str]
    ) -> dict[str, Any]:
        served = self.ctx.tenant.served(record)
        attributes = served.get("attributes") or {
            "type": sobject,
            "url": f"/services/data/{version}/sobjects/{sobject}/{record['Id']}",
        }
        out: dict[str, Any] = {"attributes": attributes}
        for name in fields:
            if "." in name:
                relation, sub = name.split(".", 1)
                related = served.get(relation)
                if related is None:
                    out[relation] = None
                    continue
                target = out.setdefault(relation, {"attributes": related.get("attributes")})
                target[sub] = related.get(sub)
            elif name in sf_describe.ADDRESS_KEYS and name not in served:
                address = served.get("BillingAddress")
                out[name] = address.get(sf_describe.ADDRESS_KEYS[name]) if address else None
            else:
                out[name] = served.get(name)
        return out

    def _batch_size(self, request: Request) -> int:
        option = request.headers.get("sforce-query-options", "")
        found = _BATCH_OPTION.search(option)
        size = int(found.group(1)) if found else DEFAULT_BATCH
        return min(DEFAULT_BATCH, max(MIN_BATCH, size))

    def _page(self, request: Request, locator: str, result: QueryResult, offset: int) -> Response:
        size = self.ctx.served_size(request, self._batch_size(request))
        records = result.records[offset : offset + size]
        done = offset + size >= len(result.records)
        page: dict[str, Any] = {"totalSize": len(result.records), "done": done}
        if not done:
            page["nextRecordsUrl"] = (
                f"/services/data/{result.version}/{result.kind}/{locator}-{offset + size}"
            )
        page["records"] = records
        return json_response(page)

    # --- endpoints ------------------------------------------------------------------------

    def query(self, request: Request) -> Response:
        return self._run(request, "query")

    def query_all(self, request: Request) -> Response:
        return self._run(request, "queryAll")

    def _run(self, request: Request, kind: str) -> Response:
        version = self._version(request)
        text = request.arg("q")
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "The query string parameter 'q' is required")
        try:
            sobject = soql.sobject_of(text)
            records = self._records(sobject)
            parsed = soql.parse(text, self._resolver(sobject, records))
            if kind == "query":
                records = [record for record in records if not record.get("IsDeleted")]
            chosen = soql.run(parsed, records)
        except soql.SoqlError as error:
            raise ApiError(400, error.code, error.message) from error
        projected = [self._project(sobject, version, record, parsed.fields) for record in chosen]
        result = QueryResult(kind, version, projected)
        with self.lock:
            locator = f"01gSB{len(self.results) + 1:013d}"
            self.results[locator] = result
        return self._page(request, locator, result, 0)

    def describe(self, request: Request) -> Response:
        version = self._version(request)
        sobject = request.params["sobject"]
        described = self._described(sobject, version)
        if described is None:
            raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist (sObject {sobject!r})")
        return json_response(described)

    def query_more(self, request: Request) -> Response:
        self._version(request)
        locator, _, offset_text = request.params["locator"].partition("-")
        result = self.results.get(locator)
        if result is None or not offset_text.isdigit():
            raise ApiError(
                400, "INVALID_QUERY_LOCATOR", f"invalid query locator {request.params['locator']!r}"
            )
        return self._page(request, locator, result, int(offset_text))

    def update(self, request: Request) -> Response:
        self._version(request)
        sobject = request.params["sobject"]
        records = self._records(sobject)
        record_id = request.params["recordId"]
        record = next((r for r in records if r.get("Id") == record_id and not r.get("IsDeleted")), None)
        if record is None:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        changes = request.json()
        for name in changes:
            if name not in record or name in READ_ONLY_FIELDS or isinstance(record[name], dict):
                raise ApiError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}. Please check the security settings "
                    "of this field and verify that it is read/write for your profile or permission set.",
                )
        with self.lock:
            stamp = salesforce_time(self.ctx.clock.tick())
            for name, value in changes.items():
                old = record[name]
                record[name] = value
                if (sobject, name) in TRACKED_HISTORY and old != value:
                    self._append_history(record_id, name, old, value, stamp)
            for name in ("LastModifiedDate", "SystemModstamp"):
                if name in record:
                    record[name] = stamp
        return Response(204)

    def _append_history(self, account_id: str, name: str, old: Any, new: Any, stamp: str) -> None:
        history = self.ctx.tenant.records("salesforce", "account_history")
        self.history_added += 1
        history_id = f"017SB{self.history_added:013d}"
        row = {
            "attributes": {
                "type": "AccountHistory",
                "url": f"/services/data/v62.0/sobjects/AccountHistory/{history_id}",
            },
            "Id": history_id,
            "AccountId": account_id,
            "Field": name,
            "OldValue": old,
            "NewValue": new,
            "CreatedDate": stamp,
            "IsDeleted": False,
        }
        history.append(row)
