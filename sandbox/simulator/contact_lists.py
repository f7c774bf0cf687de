"""Outbound contact lists of the simulator: read and write dialer contacts.

Shapes follow the official Genesys Cloud SDK models (``DialerContact``,
``ContactBulkEditRequest``, ``ContactsBulkOperationJob``, ``ContactListingRequest`` /
``ContactListingResponse``):

- ``GET  /api/v2/outbound/contactlists/{listId}/contacts/{contactId}`` -> DialerContact
- ``PUT  /api/v2/outbound/contactlists/{listId}/contacts/{contactId}`` body DialerContact ->
  DialerContact. A PUT replaces the contact's ``data`` with the body's (columns the body
  leaves out are emptied), as a full update does.
- ``POST /api/v2/outbound/contactlists/{listId}/contacts/bulk/update`` body
  ``{"contactIds": [...], "contact": {"data": {...}}}`` -> ContactsBulkOperationJob
  ``{id, state: InProgress|Complete|Failed, type: BulkEdit, totalRecords, completedRecords,
  percentComplete, failureReason?, selfUri}``. One patch for every listed contact: the
  columns named in ``contact.data`` are set, the others kept. The job is asynchronous: it
  completes :attr:`ContactListsApi.job_delay_s` after submission, and only then are the
  contacts changed.
- ``GET  /api/v2/outbound/contactlists/{listId}/contacts/bulk/jobs/{jobId}`` -> the job.
- ``POST /api/v2/outbound/contactlists/{listId}/contacts/search`` body ``{pageNumber,
  pageSize}`` -> ContactListingResponse (``entities``, ``pageCount``, ``nextUri``...).
- ``POST /api/v2/outbound/contactlists/{listId}/contacts/bulk`` body ``[contactId, ...]`` ->
  the DialerContacts found.

Writes need a write-scoped token (the sandbox admin client; a real org needs the
``outbound`` scope and the ``outbound:contact:edit`` permission).

For exactly-once tests the module counts, per conversion transaction id written in the
``cxlake_conversions`` column (entries ``contactId|transactionId|goal|value|epochMs``
separated by ``;``; the ``put`` path): ``deliveries`` (a write that put the transaction on
its contact for the first time) and ``replays`` (a write of a transaction the contact
already carried; harmless, the column is unchanged). A bulk patch carries no transaction
(one patch for every contact of the job), so the module also counts, per
``(contactId, cxlake_conversion_batch)``: ``batch_deliveries`` (the first time that write
reached the contact) and ``batch_replays`` (the same write again). The contacts come from the tenant's
``genesys/contact_list_contacts`` folder (see ``sandbox/generator/contact_lists.py``).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections import Counter
from typing import Any

import orjson

from sandbox.simulator.auth import WRITE_SCOPES
from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import ApiError, Request, Response, Route, json_response

BASE = "/api/v2/outbound/contactlists/{contactListId}/contacts"
JOB_NAMESPACE = uuid.UUID("5b0d0a5e-1b0b-4d0b-8b0b-0000000c0a11")
CONVERSIONS_COLUMN = "cxlake_conversions"
BATCH_COLUMN = "cxlake_conversion_batch"
MAX_BULK_CONTACTS = 1000
"""Largest ``contactIds`` list a bulk update accepts here (the real limit is not documented)."""


def conversion_entries(value: str | None) -> dict[str, str]:
    """``transactionId`` -> ``contactId`` of the entries in a ``cxlake_conversions`` value."""
    found: dict[str, str] = {}
    for entry in (value or "").split(";"):
        parts = entry.split("|")
        if len(parts) >= 2 and parts[0] and parts[1]:
            found[parts[1]] = parts[0]
    return found


class ContactListsApi:
    """Dialer contacts per list, with bulk edit jobs and delivery counters; thread-safe."""

    job_delay_s = 0.2

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.lock = threading.Lock()
        self.lists: dict[str, dict[str, dict[str, Any]]] = {}
        for campaign in ctx.tenant.resources.get(("genesys", "campaigns"), []):
            list_id = (campaign.get("contactList") or {}).get("id")
            if list_id:
                self.lists.setdefault(list_id, {})
        for record in ctx.tenant.resources.get(("genesys", "contact_list_contacts"), []):
            self.lists.setdefault(record["contactListId"], {})[record["id"]] = copy.deepcopy(record)
        self.jobs: dict[str, dict[str, Any]] = {}
        self._pending: list[tuple[float, str, str, list[str], dict[str, str]]] = []
        self.deliveries: Counter[str] = Counter()
        self.replays: Counter[str] = Counter()
        self.batch_deliveries: Counter[tuple[str, str]] = Counter()
        self.batch_replays: Counter[tuple[str, str]] = Counter()
        self._received: dict[str, set[str]] = {}
        self.write_requests = 0

    def routes(self) -> list[Route]:
        read = "outbound:readonly"
        return [
            Route("POST", BASE + "/bulk/update", self.bulk_update, "genesys"),
            Route("GET", BASE + "/bulk/jobs/{jobId}", self.get_job, "genesys", read),
            Route("POST", BASE + "/bulk", self.get_bulk, "genesys", read),
            Route("POST", BASE + "/search", self.search, "genesys", read),
            Route("GET", BASE + "/{contactId}", self.get_contact, "genesys", read),
            Route("PUT", BASE + "/{contactId}", self.put_contact, "genesys"),
        ]

    # --- helpers ---------------------------------------------------------------------------

    def _list(self, request: Request) -> dict[str, dict[str, Any]]:
        self._settle()
        contacts = self.lists.get(request.params["contactListId"])
        if contacts is None:
            raise ApiError(404, "not.found", f"Contact list {request.params['contactListId']} not found")
        return contacts

    @staticmethod
    def _require_write(request: Request) -> None:
        if not any(scope in WRITE_SCOPES or scope == "outbound" for scope in request.scopes):
            raise ApiError(
                403,
                "missing.permissions",
                "Missing required permission for this operation: outbound:contact:edit",
            )

    def _count(self, contact_id: str, before: str | None, written: dict[str, Any]) -> None:
        """Count the transactions and the write a request brought ``contact_id`` (caller holds the lock)."""
        batch = written.get(BATCH_COLUMN)
        if batch:
            received = self._received.setdefault(contact_id, set())
            counter = self.batch_replays if batch in received else self.batch_deliveries
            counter[(contact_id, batch)] += 1
            received.add(batch)
        if CONVERSIONS_COLUMN not in written:
            return
        had = conversion_entries(before)
        for txn, owner in conversion_entries(written[CONVERSIONS_COLUMN]).items():
            if owner != contact_id:
                continue
            if had.get(txn) == contact_id:
                self.replays[txn] += 1
            else:
                self.deliveries[txn] += 1

    def _settle(self) -> None:
        """Apply the bulk jobs whose time has come."""
        now = time.monotonic()
        with self.lock:
            due = [item for item in self._pending if item[0] <= now]
            self._pending = [item for item in self._pending if item[0] > now]
            for _at, job_id, list_id, contact_ids, patch in due:
                contacts = self.lists[list_id]
                for contact_id in contact_ids:
                    contact = contacts[contact_id]
                    self._count(contact_id, contact["data"].get(CONVERSIONS_COLUMN), patch)
                    contact["data"].update(patch)
                job = self.jobs[job_id]
                job.update(state="Complete", completedRecords=len(contact_ids), percentComplete=100)

    # --- handlers --------------------------------------------------------------------------

    def get_contact(self, request: Request) -> Response:
        contacts = self._list(request)
        contact = contacts.get(request.params["contactId"])
        if contact is None:
            raise ApiError(404, "not.found", f"Contact {request.params['contactId']} not found")
        with self.lock:
            return json_response(copy.deepcopy(contact))

    def put_contact(self, request: Request) -> Response:
        self._require_write(request)
        contacts = self._list(request)
        contact_id = request.params["contactId"]
        body = request.json()
        if contact_id not in contacts:
            raise ApiError(404, "not.found", f"Contact {contact_id} not found")
        if body.get("id") not in (None, contact_id):
            raise ApiError(
                400, "invalid.value", f"contact id {body.get('id')!r} does not match the path {contact_id}"
            )
        data = body.get("data")
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ApiError(
                400, "invalid.value", f"contact {contact_id}: data must map column names to strings"
            )
        with self.lock:
            self.write_requests += 1
            contact = contacts[contact_id]
            self._count(contact_id, contact["data"].get(CONVERSIONS_COLUMN), data)
            contact["data"] = {column: data.get(column, "") for column in contact["data"]} | data
            if isinstance(body.get("callable"), bool):
                contact["callable"] = body["callable"]
            return json_response(copy.deepcopy(contact))

    def bulk_update(self, request: Request) -> Response:
        self._require_write(request)
        contacts = self._list(request)
        list_id = request.params["contactListId"]
        body = request.json()
        ids = body.get("contactIds")
        patch = (body.get("contact") or {}).get("data")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, "invalid.value", "contactIds must be a non-empty list of contact ids")
        if len(ids) > MAX_BULK_CONTACTS:
            raise ApiError(
                400, "invalid.value", f"contactIds holds {len(ids)} ids; at most {MAX_BULK_CONTACTS}"
            )
        if not isinstance(patch, dict) or not patch or not all(isinstance(v, str) for v in patch.values()):
            raise ApiError(400, "invalid.value", "contact.data must map column names to strings")
        unknown = sorted(set(ids) - set(contacts))
        with self.lock:
            self.write_requests += 1
            job_id = str(uuid.uuid5(JOB_NAMESPACE, f"{list_id}:{len(self.jobs) + 1}"))
            job: dict[str, Any] = {
                "id": job_id,
                "state": "InProgress",
                "type": "BulkEdit",
                "totalRecords": len(ids),
                "completedRecords": 0,
                "percentComplete": 0,
                "selfUri": f"/api/v2/outbound/contactlists/{list_id}/contacts/bulk/jobs/{job_id}",
            }
            if unknown:
                job.update(
                    state="Failed", failureReason={"message": f"contacts not in list: {', '.join(unknown)}"}
                )
            else:
                columns = set().union(*(c["data"] for c in contacts.values())) if contacts else set()
                missing = sorted(set(patch) - columns)
                if missing:
                    job.update(
                        state="Failed", failureReason={"message": f"unknown columns: {', '.join(missing)}"}
                    )
                else:
                    self._pending.append(
                        (time.monotonic() + self.job_delay_s, job_id, list_id, list(ids), dict(patch))
                    )
            self.jobs[job_id] = job
            return json_response(dict(job))

    def get_job(self, request: Request) -> Response:
        self._list(request)
        with self.lock:
            job = self.jobs.get(request.params["jobId"])
            if job is None:
                raise ApiError(404, "not.found", f"Bulk job {request.params['jobId']} not found")
            return json_response(dict(job))

    def get_bulk(self, request: Request) -> Response:
        contacts = self._list(request)
        try:
            ids = orjson.loads(request.body or b"[]")
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "bad.request", f"Request body is not valid JSON: {exc}") from exc
        if not isinstance(ids, list):
            raise ApiError(400, "bad.request", "Request body must be a list of contact ids")
        with self.lock:
            return json_response([copy.deepcopy(contacts[i]) for i in ids if i in contacts])

    def search(self, request: Request) -> Response:
        contacts = self._list(request)
        body = request.json()
        size = body.get("pageSize", 25)
        number = body.get("pageNumber", 1)
        for name, value, top in (("pageSize", size, 1000), ("pageNumber", number, None)):
            if not isinstance(value, int) or value < 1 or (top and value > top):
                raise ApiError(
                    400, "invalid.value", f"{name} must be a positive integer (at most {top or 'any'})"
                )
        with self.lock:
            ordered = [copy.deepcopy(contacts[key]) for key in sorted(contacts)]
        total = len(ordered)
        pages = max(1, -(-total // size))
        page: dict[str, Any] = {
            "entities": ordered[(number - 1) * size : number * size],
            "pageSize": size,
            "pageNumber": number,
            "total": total,
            "contactsCount": total,
            "pageCount": pages,
            "selfUri": request.path,
        }
        return json_response(page)

    def snapshot(self) -> dict[str, Any]:
        """Counters and contacts, for tests."""
        self._settle()
        with self.lock:
            return {
                "deliveries": dict(self.deliveries),
                "replays": dict(self.replays),
                "batch_deliveries": dict(self.batch_deliveries),
                "batch_replays": dict(self.batch_replays),
                "write_requests": self.write_requests,
                "contacts": {cid: copy.deepcopy(c) for lst in self.lists.values() for cid, c in lst.items()},
            }
