"""Workforce management endpoints of the simulator (paths and shapes as the official SDK's
``WorkforceManagementApi`` declares them).

- ``GET /api/v2/workforcemanagement/managementunits``: ``ManagementUnitListing`` (page-number paged).
- ``GET /api/v2/workforcemanagement/businessunits/{businessUnitId}/activitycodes``:
  ``BusinessUnitActivityCodeListing`` ``{entities}`` (not paged).
- ``POST /api/v2/workforcemanagement/managementunits/{managementUnitId}/agentschedules/search``
  ``{startDate, endDate, userIds?}``: ``BuAsyncAgentSchedulesSearchResponse`` answered at once
  (``status: Complete``, ``result{agentSchedules[{user, shifts}], businessUnitTimeZone}``);
  shifts starting in [startDate, endDate).
- Historical adherence, asynchronous as in Genesys: ``POST
  /api/v2/workforcemanagement/adherence/historical/bulk`` ``{timeZone, items[{managementUnitId,
  startDate, endDate, userIds?, includeExceptions}]}`` answers 202 with
  ``{job{id, status: Processing}}``; ``GET .../bulk/jobs/{jobId}`` reports ``Processing`` on the
  first poll, then ``Complete`` with one ``downloadUrls`` entry per item. Each URL is a
  pre-signed download (no bearer token, like the real storage links) answering a
  ``WfmHistoricalAdherenceBulkResult`` ``{startDate, endDate, managementUnitId, userResults}``.
  Download URLs expire ``adherence_download_ttl_s`` seconds after the job completed (403
  ``Request has expired``, as object stores answer); ``adherence_expired_jobs`` makes the first
  N jobs' URLs already expired when read (a client that polls too slowly). Only ``timeZone``
  ``UTC`` is served (the tenant's adherence days are UTC days); another zone is a 400.
  Faults of the active profile apply to the authenticated endpoints like everywhere else.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import ApiError, Request, Response, Route, json_response, time_ms
from sandbox.simulator.paging import list_page

WFM = "/api/v2/workforcemanagement"
SCOPE = "workforce-management:readonly"
JOB_NAMESPACE = uuid.UUID("0a7c3e2d-4b1f-4f61-9c55-2d3e4f5a6b7c")
MAX_ITEMS = 100  # items per bulk query served (more is a 400)
MAX_ITEM_DAYS = 32
DAY_MS = 86_400_000
_FILE_ONLY = {"activity_codes": ("businessUnitId",)}  # keys the generator adds for file mode


@dataclass
class _AdherenceJob:
    job_id: str
    items: list[dict[str, Any]]
    polls: int = 0
    completed_at: float | None = None  # time.monotonic() when Complete
    expired: bool = False


@dataclass
class WfmApi:
    ctx: SimContext
    jobs: dict[str, _AdherenceJob] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _adherence: dict[tuple[str, int], list[dict[str, Any]]] | None = None

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{WFM}/managementunits", self.management_units, "genesys", SCOPE),
            Route(
                "GET",
                f"{WFM}/businessunits/{{businessUnitId}}/activitycodes",
                self.activity_codes,
                "genesys",
                SCOPE,
            ),
            Route(
                "POST",
                f"{WFM}/managementunits/{{managementUnitId}}/agentschedules/search",
                self.schedules_search,
                "genesys",
                SCOPE,
            ),
            Route("POST", f"{WFM}/adherence/historical/bulk", self.create_job, "genesys", SCOPE),
            Route(
                "GET", f"{WFM}/adherence/historical/bulk/jobs/{{jobId}}", self.job_status, "genesys", SCOPE
            ),
            Route("GET", "/sandbox-downloads/adherence/{jobId}/{item}", self.download, "open"),
        ]

    # --- entities -----------------------------------------------------------------------

    def management_units(self, request: Request) -> Response:
        return list_page(
            self.ctx, request, self.ctx.tenant.records("genesys", "management_units"), max_size=100
        )

    def activity_codes(self, request: Request) -> Response:
        unit = request.params["businessUnitId"]
        codes = [
            {k: v for k, v in code.items() if k not in _FILE_ONLY["activity_codes"]}
            for code in self.ctx.tenant.records("genesys", "activity_codes")
            if code.get("businessUnitId") == unit
        ]
        if not codes:
            raise ApiError(404, "not.found", f"Business unit {unit} not found")
        return json_response({"entities": codes})

    def _unit(self, unit_id: str) -> dict[str, Any]:
        unit = self.ctx.tenant.lookup("genesys", "management_units", "id", unit_id)
        if unit is None:
            raise ApiError(404, "not.found", f"Management unit {unit_id} not found")
        return unit

    def schedules_search(self, request: Request) -> Response:
        unit = self._unit(request.params["managementUnitId"])
        body = request.json()
        start, end = _range(body, "startDate", "endDate", "body")
        users = body.get("userIds")
        by_user: dict[str, list[dict[str, Any]]] = {}
        for shift in self.ctx.tenant.records("genesys", "agent_schedules"):
            if shift["managementUnitId"] != unit["id"] or (users and shift["userId"] not in users):
                continue
            if start <= time_ms(shift["startDate"], "shift startDate") < end:
                served = {k: v for k, v in shift.items() if k not in ("managementUnitId", "userId")}
                by_user.setdefault(shift["userId"], []).append(served)
        schedules = [
            {"user": {"id": user_id, "selfUri": f"/api/v2/users/{user_id}"}, "shifts": shifts}
            for user_id, shifts in sorted(by_user.items())
        ]
        return json_response(
            {
                "status": "Complete",
                "operationId": str(uuid.uuid5(JOB_NAMESPACE, f"schedules:{unit['id']}:{start}:{end}")),
                "result": {"agentSchedules": schedules, "businessUnitTimeZone": unit.get("timeZone", "UTC")},
            }
        )

    # --- historical adherence bulk job --------------------------------------------------

    def create_job(self, request: Request) -> Response:
        body = request.json()
        zone = body.get("timeZone", "UTC")
        if zone != "UTC":
            raise ApiError(
                400, "invalid.value", f"timeZone {zone!r}: the sandbox serves adherence in UTC only"
            )
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise ApiError(400, "invalid.value", "items: at least one item is required")
        if len(items) > MAX_ITEMS:
            raise ApiError(400, "invalid.value", f"items: at most {MAX_ITEMS} per query, got {len(items)}")
        parsed = []
        for number, item in enumerate(items):
            if not isinstance(item, dict):
                raise ApiError(400, "invalid.value", f"items[{number}] must be an object")
            unit = self._unit(str(item.get("managementUnitId")))
            start, end = _range(item, "startDate", "endDate", f"items[{number}]")
            if end - start > MAX_ITEM_DAYS * DAY_MS:
                raise ApiError(400, "invalid.value", f"items[{number}]: at most {MAX_ITEM_DAYS} days")
            parsed.append(
                {"managementUnitId": unit["id"], "start": start, "end": end, "userIds": item.get("userIds")}
            )
        with self.lock:
            number = len(self.jobs) + 1
            job_id = str(uuid.uuid5(JOB_NAMESPACE, f"{self.ctx.faults.seed}:{number}"))
            self.jobs[job_id] = _AdherenceJob(
                job_id, parsed, expired=number <= self.ctx.options.adherence_expired_jobs
            )
        return json_response({"job": _job_reference(job_id, "Processing")}, 202)

    def job_status(self, request: Request) -> Response:
        job = self.jobs.get(request.params["jobId"])
        if job is None:
            raise ApiError(404, "not.found", f"Job {request.params['jobId']} not found")
        with self.lock:
            job.polls += 1
            if job.polls < 2:
                return json_response({"job": _job_reference(job.job_id, "Processing")})
            if job.completed_at is None:
                job.completed_at = time.monotonic()
        base = request.headers.get("x-sandbox-base", "")
        urls = [f"{base}/sandbox-downloads/adherence/{job.job_id}/{n}" for n in range(len(job.items))]
        return json_response({"job": _job_reference(job.job_id, "Complete"), "downloadUrls": urls})

    def download(self, request: Request) -> Response:
        job = self.jobs.get(request.params["jobId"])
        try:
            item = job.items[int(request.params["item"])] if job is not None else None
        except (ValueError, IndexError):
            item = None
        if job is None or item is None or job.completed_at is None:
            return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
        ttl = self.ctx.options.adherence_download_ttl_s
        if job.expired or time.monotonic() - job.completed_at > ttl:
            return _storage_error(403, "AccessDenied", "Request has expired")
        results = []
        for day in range(item["start"] // DAY_MS, -(-item["end"] // DAY_MS)):
            for record in self._adherence_index().get((item["managementUnitId"], day), []):
                if item["userIds"] and record["userId"] not in item["userIds"]:
                    continue
                results.append(
                    {k: v for k, v in record.items() if k not in ("managementUnitId", "startDate", "endDate")}
                )
        payload = {
            "startDate": _iso(item["start"]),
            "endDate": _iso(item["end"]),
            "managementUnitId": item["managementUnitId"],
            "userResults": results,
        }
        return json_response(payload)

    def _adherence_index(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        if self._adherence is None:
            index: dict[tuple[str, int], list[dict[str, Any]]] = {}
            for record in self.ctx.tenant.records("genesys", "historical_adherence"):
                day = time_ms(record["startDate"], "adherence startDate") // DAY_MS
                index.setdefault((record["managementUnitId"], day), []).append(record)
            self._adherence = index
        return self._adherence


def _range(body: dict[str, Any], start_key: str, end_key: str, where: str) -> tuple[int, int]:
    start, end = body.get(start_key), body.get(end_key)
    if not isinstance(start, str) or not isinstance(end, str):
        raise ApiError(400, "invalid.value", f"{where}: {start_key} and {end_key} are required")
    start_ms, end_ms = time_ms(start, f"{where}.{start_key}"), time_ms(end, f"{where}.{end_key}")
    if end_ms <= start_ms:
        raise ApiError(400, "invalid.value", f"{where}: {end_key} must be after {start_key}")
    return start_ms, end_ms


def _job_reference(job_id: str, status: str) -> dict[str, Any]:
    return {"id": job_id, "status": status, "selfUri": f"{WFM}/adherence/historical/bulk/jobs/{job_id}"}


def _iso(ms: int) -> str:
    from sandbox.simulator.httpapi import genesys_time

    return genesys_time(ms)


def _storage_error(status: int, code: str, message: str) -> Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
    body += f"<Message>{message}</Message></Error>"
    return Response(status, body.encode(), {}, "application/xml")
