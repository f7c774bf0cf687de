"""Analytics endpoints: the conversation details query and async jobs, users details and
queue observations.

Conversations are served from the tenant's stored records (shapes as in the official
SDK models, see docs/contracts.md); the query answers without participant ``attributes``,
the jobs' results with them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from sandbox.simulator.context import SimContext
from sandbox.simulator.genesys.entities import ID_NAMESPACE
from sandbox.simulator.httpapi import (
    ApiError,
    Request,
    Response,
    Route,
    genesys_time,
    json_response,
    parse_interval,
    time_ms,
)
from sandbox.simulator.paging import decode_cursor, encode_cursor, int_field
from sandbox.simulator.store import DAY_MS, Tenant

QUERY_PAGE_MAX = 100
JOB_PAGE_DEFAULT = 1000
JOB_PAGE_MAX = 10000


def strip_attributes(raw: bytes) -> dict[str, Any]:
    """The query shape of a stored conversation: participants without ``attributes``."""
    record = orjson.loads(raw)
    for participant in record.get("participants") or []:
        participant.pop("attributes", None)
    return record


# --- conversation filters ---------------------------------------------------------------


def _dimension_values(record: dict[str, Any], dimension: str) -> list[Any]:
    """All values of ``dimension`` anywhere in the conversation (conversation, participant,
    session or segment level)."""
    values: list[Any] = []
    if dimension == "divisionId":
        return list(record.get("divisionIds") or [])
    if dimension in record:
        values.append(record[dimension])
    for participant in record.get("participants") or []:
        if dimension in participant:
            values.append(participant[dimension])
        for session in participant.get("sessions") or []:
            if dimension in session:
                values.append(session[dimension])
            for segment in session.get("segments") or []:
                if dimension in segment:
                    values.append(segment[dimension])
    return values


def _predicate_matches(record: dict[str, Any], predicate: dict[str, Any], where: str) -> bool:
    dimension = predicate.get("dimension")
    if not isinstance(dimension, str):
        raise ApiError(400, "bad.request", f"{where}.dimension is required")
    operator = predicate.get("operator", "matches")
    values = _dimension_values(record, dimension)
    if operator == "exists":
        return bool(values)
    if operator == "notExists":
        return not values
    if operator != "matches":
        raise ApiError(400, "bad.request", f"{where}.operator {operator!r} is not supported")
    return predicate.get("value") in values


def _filter_matches(record: dict[str, Any], query_filter: dict[str, Any], where: str) -> bool:
    kind = query_filter.get("type", "and")
    if kind not in ("and", "or"):
        raise ApiError(400, "bad.request", f"{where}.type must be 'and' or 'or'")
    outcomes = [
        _predicate_matches(record, predicate, f"{where}.predicates[{i}]")
        for i, predicate in enumerate(query_filter.get("predicates") or [])
    ]
    outcomes += [
        _filter_matches(record, clause, f"{where}.clauses[{i}]")
        for i, clause in enumerate(query_filter.get("clauses") or [])
    ]
    if not outcomes:
        return True
    return all(outcomes) if kind == "and" else any(outcomes)


def _conversation_filter(body: dict[str, Any]) -> Callable[[dict[str, Any]], bool] | None:
    filters = [
        (name, i, value)
        for name in ("conversationFilters", "segmentFilters")
        for i, value in enumerate(body.get(name) or [])
    ]
    if not filters:
        return None
    return lambda record: all(_filter_matches(record, value, f"{name}[{i}]") for name, i, value in filters)


# --- details jobs -------------------------------------------------------------------------


@dataclass
class Job:
    job_id: str
    indexes: list[int]
    submission_ms: int
    polls: int = 0
    cancelled: bool = False
    completion_ms: int | None = None


@dataclass
class AnalyticsApi:
    ctx: SimContext
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    timelines: dict[str, tuple[list[Any], list[Any]]] | None = None  # per user: presences, routing statuses

    @property
    def tenant(self) -> Tenant:
        return self.ctx.tenant

    def routes(self) -> list[Route]:
        analytics = "/api/v2/analytics/conversations/details"
        return [
            Route("POST", f"{analytics}/query", self.details_query, "genesys", "analytics:readonly"),
            Route("POST", f"{analytics}/jobs", self.create_job, "genesys", "analytics:readonly"),
            Route(
                "GET", f"{analytics}/jobs/availability", self.availability, "genesys", "analytics:readonly"
            ),
            Route("GET", f"{analytics}/jobs/{{jobId}}", self.job_status, "genesys", "analytics:readonly"),
            Route("DELETE", f"{analytics}/jobs/{{jobId}}", self.delete_job, "genesys", "analytics:readonly"),
            Route(
                "GET",
                f"{analytics}/jobs/{{jobId}}/results",
                self.job_results,
                "genesys",
                "analytics:readonly",
            ),
            Route(
                "POST",
                "/api/v2/analytics/users/details/query",
                self.users_details,
                "genesys",
                "analytics:readonly",
            ),
            Route(
                "POST",
                "/api/v2/analytics/queues/observations/query",
                self.queue_observations,
                "genesys",
                "analytics:readonly",
            ),
        ]

    # --- conversation details query -------------------------------------------------------

    def details_query(self, request: Request) -> Response:
        body = request.json()
        start_ms, end_ms = parse_interval(body.get("interval"))
        cap_days = self.ctx.options.max_query_interval_days
        if end_ms - start_ms > cap_days * DAY_MS:
            raise ApiError(
                400,
                "bad.request",
                f"interval exceeds the maximum of {cap_days} days for a query; "
                "use the async details jobs for longer intervals",
            )
        paging = body.get("paging") or {}
        size = int_field(paging, "pageSize", 25, "paging.pageSize", QUERY_PAGE_MAX)
        number = int_field(paging, "pageNumber", 1, "paging.pageNumber", None)
        order = body.get("order", "asc")
        if order not in ("asc", "desc", "unordered"):
            raise ApiError(400, "invalid.value", f"order must be asc, desc or unordered, got {order!r}")
        order_by = body.get("orderBy", "conversationStart")
        if order_by != "conversationStart":
            raise ApiError(
                400,
                "invalid.value",
                f"orderBy {order_by!r} is not supported by the sandbox (conversationStart only)",
            )
        first_day = start_ms // DAY_MS
        last_day = (end_ms - 1) // DAY_MS + 1
        indexes: Sequence[int] = self.tenant.started_between(first_day * DAY_MS, last_day * DAY_MS)
        if order == "desc":
            indexes = indexes[::-1]
        match = _conversation_filter(body)
        conversations = self.tenant.conversations
        if match is None:
            total = len(indexes)
            page = [
                strip_attributes(conversations[i].served)
                for i in indexes[(number - 1) * size : number * size]
            ]
        else:
            matching = [
                strip_attributes(conversations[i].served)
                for i in indexes
                if match(orjson.loads(conversations[i].raw))
            ]
            total = len(matching)
            page = matching[(number - 1) * size : number * size]
        answer: dict[str, Any] = {"totalHits": total}
        if page:
            answer = {"conversations": page, "totalHits": total}
        return json_response(answer)

    # --- async jobs -----------------------------------------------------------------------

    def _availability_ms(self) -> int:
        lag_ms = int(self.ctx.options.availability_lag_hours * 3_600_000)
        return self.tenant.data_availability_ms - lag_ms

    def availability(self, request: Request) -> Response:
        return json_response({"dataAvailabilityDate": genesys_time(self._availability_ms())})

    def create_job(self, request: Request) -> Response:
        body = request.json()
        start_ms, end_ms = parse_interval(body.get("interval"))
        if body.get("startOfDayIntervalMatching"):
            first_day, last_day = start_ms // DAY_MS, (end_ms - 1) // DAY_MS + 1
            indexes = list(self.tenant.started_between(first_day * DAY_MS, last_day * DAY_MS))
        else:
            indexes = self.tenant.overlapping(start_ms, end_ms)
        available = self._availability_ms()
        conversations = self.tenant.conversations
        indexes = [i for i in indexes if conversations[i].start_ms < available]
        match = _conversation_filter(body)
        if match is not None:
            indexes = [i for i in indexes if match(orjson.loads(conversations[i].raw))]
        limit = body.get("limit")
        if limit is not None:
            if not isinstance(limit, int) or limit < 1:
                raise ApiError(400, "invalid.value", f"limit must be a positive integer, got {limit!r}")
            indexes = indexes[:limit]
        submitted = self.ctx.clock.tick()
        with self.lock:
            job_id = str(uuid.uuid5(ID_NAMESPACE, f"{self.ctx.faults.seed}:{len(self.jobs) + 1}"))
            self.jobs[job_id] = Job(job_id, indexes, submitted)
        return json_response({"jobId": job_id}, 202)

    def _job(self, request: Request) -> Job:
        job = self.jobs.get(request.params["jobId"])
        if job is None:
            raise ApiError(404, "not.found", f"Job {request.params['jobId']} not found")
        return job

    def job_status(self, request: Request) -> Response:
        job = self._job(request)
        with self.lock:
            job.polls += 1
            if job.cancelled:
                state = "CANCELLED"
            elif job.polls < 2:
                state = "QUEUED"
            else:
                state = "FULFILLED"
                if job.completion_ms is None:
                    job.completion_ms = self.ctx.clock.tick()
        status: dict[str, Any] = {"state": state, "submissionDate": genesys_time(job.submission_ms)}
        if job.completion_ms is not None and state == "FULFILLED":
            status["completionDate"] = genesys_time(job.completion_ms)
            status["expirationDate"] = genesys_time(job.completion_ms + DAY_MS)
        return json_response(status)

    def delete_job(self, request: Request) -> Response:
        job = self._job(request)
        with self.lock:
            job.cancelled = True
        return Response(204)

    def job_results(self, request: Request) -> Response:
        job = self._job(request)
        if job.cancelled or job.completion_ms is None:
            state = "CANCELLED" if job.cancelled else "not yet FULFILLED (poll the job status)"
            raise ApiError(400, "bad.request", f"Job {job.job_id} is {state}; results are not available")
        size = self.ctx.served_size(request, request.int_arg("pageSize", JOB_PAGE_DEFAULT, 1, JOB_PAGE_MAX))
        cursor = request.arg("cursor")
        offset = decode_cursor(cursor, "cursor", job.job_id) if cursor else 0
        chosen = job.indexes[offset : offset + size]
        conversations = self.tenant.conversations
        parts = [b'{"conversations":[', b",".join(conversations[i].served for i in chosen), b"]"]
        if offset + size < len(job.indexes):
            parts.append(b',"cursor":"' + encode_cursor(offset + size, job.job_id).encode() + b'"')
        parts.append(b',"dataAvailabilityDate":"' + genesys_time(self._availability_ms()).encode() + b'"}')
        return Response(200, b"".join(parts))

    # --- users details, observations -------------------------------------------------------

    def users_details(self, request: Request) -> Response:
        body = request.json()
        start_ms, end_ms = parse_interval(body.get("interval"))
        paging = body.get("paging") or {}
        size = int_field(paging, "pageSize", 25, "paging.pageSize", QUERY_PAGE_MAX)
        number = int_field(paging, "pageNumber", 1, "paging.pageNumber", None)
        wanted = _user_filter_ids(body)
        timelines = self._user_timelines()
        details = []
        for user_id in sorted(timelines):
            if wanted is not None and user_id not in wanted:
                continue
            presences, statuses = timelines[user_id]
            presence_rows = [row for s, e, row in presences if s < end_ms and (e is None or e > start_ms)]
            status_rows = [row for s, e, row in statuses if s < end_ms and (e is None or e > start_ms)]
            if presence_rows or status_rows:
                details.append(
                    {"userId": user_id, "primaryPresence": presence_rows, "routingStatus": status_rows}
                )
        page = details[(number - 1) * size : number * size]
        answer: dict[str, Any] = {"totalHits": len(details)}
        if page:
            answer = {"userDetails": page, "totalHits": len(details)}
        return json_response(answer)

    def _user_timelines(self) -> dict[str, tuple[list[Any], list[Any]]]:
        if self.timelines is not None:
            return self.timelines
        timelines: dict[str, tuple[list[Any], list[Any]]] = {}
        for position, resource in enumerate(("user_presences", "user_routing_statuses")):
            for record in self.tenant.records("genesys", resource):
                user_id = record.get("userId")
                start = record.get("startTime")
                if not user_id or not start:
                    raise ApiError(
                        500, "internal.server.error", f"{resource} record without userId/startTime: {record}"
                    )
                end = record.get("endTime")
                row = {name: value for name, value in self.tenant.served(record).items() if name != "userId"}
                timelines.setdefault(user_id, ([], []))[position].append(
                    (
                        time_ms(start, f"{resource} {user_id} startTime"),
                        time_ms(end, f"{resource} {user_id} endTime") if end else None,
                        row,
                    )
                )
        for presences, statuses in timelines.values():
            presences.sort(key=lambda item: item[0])
            statuses.sort(key=lambda item: item[0])
        self.timelines = timelines
        return timelines

    def queue_observations(self, request: Request) -> Response:
        body = request.json()
        query_filter = body.get("filter")
        if not isinstance(query_filter, dict):
            raise ApiError(400, "bad.request", "filter is required (predicates on queueId and/or mediaType)")
        metrics = body.get("metrics")
        results = []
        for record in self.tenant.records("genesys", "queue_observations"):
            group = record.get("group") or {}
            if not _group_matches(group, query_filter, "filter"):
                continue
            data = record.get("data") or []
            if metrics:
                data = [item for item in data if item.get("metric") in metrics]
            results.append({"group": group, "data": data})
        return json_response({"results": results})


def _user_filter_ids(body: dict[str, Any]) -> set[str] | None:
    wanted: set[str] | None = None
    for i, user_filter in enumerate(body.get("userFilters") or []):
        for j, predicate in enumerate(user_filter.get("predicates") or []):
            if predicate.get("dimension") != "userId":
                raise ApiError(
                    400,
                    "bad.request",
                    f"userFilters[{i}].predicates[{j}]: only the userId "
                    "dimension is supported by the sandbox",
                )
            wanted = (wanted or set()) | {predicate.get("value")}
    for name in ("presenceFilters", "routingStatusFilters"):
        if body.get(name):
            raise ApiError(400, "bad.request", f"{name} are not supported by the sandbox")
    return wanted


def _group_matches(group: dict[str, Any], query_filter: dict[str, Any], where: str) -> bool:
    kind = query_filter.get("type", "or")
    outcomes = []
    for i, predicate in enumerate(query_filter.get("predicates") or []):
        dimension = predicate.get("dimension")
        if dimension not in ("queueId", "mediaType"):
            raise ApiError(
                400, "bad.request", f"{where}.predicates[{i}].dimension must be queueId or mediaType"
            )
        outcomes.append(group.get(dimension) == predicate.get("value"))
    outcomes += [
        _group_matches(group, clause, f"{where}.clauses[{i}]")
        for i, clause in enumerate(query_filter.get("clauses") or [])
    ]
    if not outcomes:
        return True
    return all(outcomes) if kind == "and" else any(outcomes)
