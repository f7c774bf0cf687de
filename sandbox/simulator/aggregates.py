"""``POST /api/v2/analytics/conversations/aggregates/query``, computed from the
served conversations.

Each session metric (``metrics[]`` of acd, agent and customer sessions) is
counted in the bucket of its ``emitDate``, as Genesys counts metrics when they
are emitted. Dimensions: ``queueId`` (first segment queue of the session),
``mediaType``, ``divisionId`` (each of the conversation's ``divisionIds``),
``userId`` (agent participant), ``outboundCampaignId``, ``direction``
(conversation ``originatingDirection``).

``oServiceLevel`` per acd session that was answered or abandoned: numerator =
answered with ``tAcd`` within the queue's ``mediaSettings.<media>.serviceLevel.durationMs``
(default 20 s), denominator = answered + abandoned, target = the queue's
percentage (default 0.8). It is counted at the ``tAcd``/``tAbandon`` emit time.
"""

from __future__ import annotations

import gc
import re
import threading
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import (
    ApiError,
    Request,
    Response,
    Route,
    from_ms,
    genesys_time,
    json_response,
    parse_interval,
    time_ms,
    to_ms,
)

DIMENSIONS = ("queueId", "mediaType", "divisionId", "userId", "outboundCampaignId", "direction")
COUNT_METRICS = (
    "nOffered",
    "nConnected",
    "nOverSla",
    "nTransferred",
    "nBlindTransferred",
    "nConsultTransferred",
)
TIME_METRICS = ("tAcd", "tAbandon", "tAnswered", "tAlert", "tTalk", "tHeld", "tAcw", "tHandle")
SERVICE_LEVEL = "oServiceLevel"
SUPPORTED = COUNT_METRICS + TIME_METRICS + (SERVICE_LEVEL,)
PURPOSES = ("acd", "agent", "customer")
MEDIA_SETTING = {
    "voice": "call",
    "chat": "chat",
    "email": "email",
    "message": "message",
    "callback": "callback",
}
DEFAULT_SL_MS = 20_000
DEFAULT_SL_TARGET = 0.8
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@dataclass(frozen=True, slots=True)
class Observation:
    """One metric value of one session, with the session's dimensions."""

    emit_ms: int
    metric: str
    value: float  # for oServiceLevel: 1.0 = within target, 0.0 = not
    dims: tuple[tuple[str, Any], ...]


def _granularity_ms(value: str) -> tuple[int, bool]:
    """(bucket length in ms, is-whole-days) of an ISO-8601 duration like PT5M or P1D."""
    found = _DURATION.match(value or "")
    if not found or not any(found.groups()):
        raise ApiError(
            400, "invalid.value", f"granularity {value!r} is not an ISO-8601 duration like PT15M or P1D"
        )
    days, hours, minutes = (int(part or 0) for part in found.groups())
    if days and (hours or minutes):
        raise ApiError(400, "invalid.value", f"granularity {value!r}: mix of days and hours is not supported")
    length = ((days * 24 + hours) * 60 + minutes) * 60_000
    return length, bool(days)


@dataclass
class AggregatesApi:
    ctx: SimContext
    observations: list[Observation] | None = None  # sorted by emit time
    emit_times: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> list[Route]:
        return [
            Route(
                "POST",
                "/api/v2/analytics/conversations/aggregates/query",
                self.query,
                "genesys",
                "analytics:readonly",
            )
        ]

    def _service_levels(self) -> dict[tuple[str, str], tuple[int, float]]:
        levels: dict[tuple[str, str], tuple[int, float]] = {}
        for queue in self.ctx.tenant.records("genesys", "queues"):
            for media, setting in (queue.get("mediaSettings") or {}).items():
                level = (setting or {}).get("serviceLevel") or {}
                target = float(level.get("percentage", DEFAULT_SL_TARGET))
                levels[(queue["id"], media)] = (int(level.get("durationMs", DEFAULT_SL_MS)), target)
        return levels

    def _observations(self) -> list[Observation]:
        with self.lock:
            if self.observations is None:
                levels = self._service_levels()
                gc.disable()  # a million small objects: no cyclic-GC passes while building them
                try:
                    found = [
                        observation
                        for conversation in self.ctx.tenant.conversations
                        for observation in _conversation_observations(orjson.loads(conversation.raw), levels)
                    ]
                finally:
                    gc.enable()
                found.sort(key=lambda observation: observation.emit_ms)
                self.observations = found
                self.emit_times = [observation.emit_ms for observation in found]
            return self.observations

    def query(self, request: Request) -> Response:
        body = request.json()
        start_ms, end_ms = parse_interval(body.get("interval"))
        zone = _zone(body.get("timeZone", "UTC"))
        granularity = body.get("granularity")
        bucket = _granularity_ms(granularity) if granularity else None
        group_by = body.get("groupBy") or []
        for name in group_by:
            if name not in DIMENSIONS:
                raise ApiError(
                    400, "invalid.value", f"groupBy {name!r} is not supported; use {', '.join(DIMENSIONS)}"
                )
        metrics = body.get("metrics") or list(SUPPORTED)
        for name in metrics:
            if name not in SUPPORTED:
                raise ApiError(
                    400, "invalid.value", f"metric {name!r} is not supported; use {', '.join(SUPPORTED)}"
                )
        query_filter = body.get("filter")
        wanted = set(metrics)
        cells: dict[tuple[Any, ...], dict[int, dict[str, list[float]]]] = {}
        bucket_cache: dict[int, int] = {}
        observations = self._observations()
        first, last = bisect_left(self.emit_times, start_ms), bisect_left(self.emit_times, end_ms)
        for observation in observations[first:last]:
            if observation.metric not in wanted:
                continue
            dims = dict(observation.dims)
            if query_filter and not _filter_matches(dims, query_filter, "filter"):
                continue
            start = _bucket_start(observation.emit_ms, start_ms, bucket, zone, bucket_cache)
            for key in _group_keys(dims, group_by):
                cell = cells.setdefault(key, {}).setdefault(start, {})
                cell.setdefault(observation.metric, []).append(observation.value)
        results = []
        for key in sorted(cells, key=lambda item: tuple(str(part) for part in item)):
            group = {name: value for name, value in zip(group_by, key, strict=True) if value is not None}
            data = []
            for start in sorted(cells[key]):
                stop = _bucket_end(start, end_ms, bucket, zone)
                data.append(
                    {
                        "interval": f"{genesys_time(start)}/{genesys_time(stop)}",
                        "metrics": [
                            _stats(name, cells[key][start][name])
                            for name in metrics
                            if name in cells[key][start]
                        ],
                    }
                )
            results.append({"group": group, "data": data})
        return json_response({"results": results})


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(400, "invalid.value", f"timeZone {name!r} is not an IANA time zone") from exc


def _bucket_start(
    ms: int, origin: int, bucket: tuple[int, bool] | None, zone: ZoneInfo, cache: dict[int, int]
) -> int:
    if bucket is None:
        return origin
    minute = ms // 60_000
    found = cache.get(minute)
    if found is not None:
        return found
    length, whole_days = bucket
    local = from_ms(ms).astimezone(zone)
    if whole_days:
        floored = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        since = (local - midnight) // timedelta(milliseconds=1)
        floored = midnight + timedelta(milliseconds=since - since % length)
    start = to_ms(floored.astimezone(UTC))
    cache[minute] = start
    return start


def _bucket_end(start: int, end_ms: int, bucket: tuple[int, bool] | None, zone: ZoneInfo) -> int:
    if bucket is None:
        return end_ms
    length, whole_days = bucket
    if whole_days:
        local = from_ms(start).astimezone(zone)
        following = (local.replace(tzinfo=None) + timedelta(days=length // 86_400_000)).replace(tzinfo=zone)
        return to_ms(following.astimezone(UTC))
    return start + length


def _group_keys(dims: dict[str, Any], group_by: list[str]) -> Iterator[tuple[Any, ...]]:
    """One key per combination; ``divisionId`` is multi-valued (one group per division)."""
    keys: list[tuple[Any, ...]] = [()]
    for name in group_by:
        value = dims.get(name)
        values = list(value) if isinstance(value, tuple) else [value]
        keys = [key + (item,) for key in keys for item in (values or [None])]
    yield from keys


def _filter_matches(dims: dict[str, Any], query_filter: dict[str, Any], where: str) -> bool:
    kind = query_filter.get("type", "and")
    if kind not in ("and", "or"):
        raise ApiError(400, "invalid.value", f"{where}.type must be 'and' or 'or'")
    outcomes = []
    for i, predicate in enumerate(query_filter.get("predicates") or []):
        dimension = predicate.get("dimension")
        if dimension not in DIMENSIONS:
            raise ApiError(
                400, "invalid.value", f"{where}.predicates[{i}].dimension {dimension!r} is not supported"
            )
        value = dims.get(dimension)
        values = value if isinstance(value, tuple) else (value,)
        outcomes.append(predicate.get("value") in values)
    outcomes += [
        _filter_matches(dims, clause, f"{where}.clauses[{i}]")
        for i, clause in enumerate(query_filter.get("clauses") or [])
    ]
    if not outcomes:
        return True
    return all(outcomes) if kind == "and" else any(outcomes)


def _stats(name: str, values: list[float]) -> dict[str, Any]:
    if name == SERVICE_LEVEL:
        numerator = int(sum(values))
        denominator = len(values)
        return {
            "metric": name,
            "stats": {
                "ratio": round(numerator / denominator, 6) if denominator else 0.0,
                "numerator": numerator,
                "denominator": denominator,
                "target": DEFAULT_SL_TARGET,
            },
        }
    if name.startswith("n"):
        return {"metric": name, "stats": {"count": int(sum(values))}}
    return {
        "metric": name,
        "stats": {
            "max": int(max(values)),
            "min": int(min(values)),
            "count": len(values),
            "sum": int(sum(values)),
        },
    }


def _conversation_observations(
    record: dict[str, Any], levels: dict[tuple[str, str], tuple[int, float]]
) -> Iterator[Observation]:
    conversation_id = record.get("conversationId")
    divisions = tuple(record.get("divisionIds") or ())
    direction = record.get("originatingDirection")
    for participant in record.get("participants") or []:
        purpose = participant.get("purpose")
        if purpose not in PURPOSES:
            continue
        for session in participant.get("sessions") or []:
            queue_id = next(
                (segment["queueId"] for segment in session.get("segments") or [] if segment.get("queueId")),
                None,
            )
            dims = (
                ("queueId", queue_id),
                ("mediaType", session.get("mediaType")),
                ("divisionId", divisions),
                ("userId", participant.get("userId")),
                ("outboundCampaignId", session.get("outboundCampaignId")),
                ("direction", direction),
            )
            values: dict[str, tuple[float, int]] = {}
            for metric in session.get("metrics") or []:
                name = metric.get("name")
                if name not in SUPPORTED:
                    continue
                emitted = metric.get("emitDate")
                if not emitted:
                    raise ApiError(
                        500,
                        "internal.server.error",
                        f"conversation {conversation_id}: metric {name} has no emitDate",
                    )
                emit_ms = time_ms(emitted, f"conversation {conversation_id} {name}.emitDate")
                values[name] = (float(metric.get("value", 0)), emit_ms)
                yield Observation(emit_ms, name, float(metric.get("value", 0)), dims)
            if purpose == "acd" and "nOffered" in values:
                yield from _service_level(values, dims, queue_id, session.get("mediaType"), levels)


def _service_level(
    values: dict[str, tuple[float, int]],
    dims: tuple[tuple[str, Any], ...],
    queue_id: str | None,
    media: str | None,
    levels: dict[tuple[str, str], tuple[int, float]],
) -> Iterator[Observation]:
    threshold, _ = levels.get(
        (queue_id or "", MEDIA_SETTING.get(media or "", "")), (DEFAULT_SL_MS, DEFAULT_SL_TARGET)
    )
    if "tAbandon" in values:
        yield Observation(values["tAbandon"][1], SERVICE_LEVEL, 0.0, dims)
    elif "tAcd" in values:
        waited, emitted = values["tAcd"]
        yield Observation(emitted, SERVICE_LEVEL, 1.0 if waited <= threshold else 0.0, dims)
