"""Request/response plumbing shared by the simulator's API modules.

Nothing here knows an API: it holds the request and response value types, the
error type the handlers raise, time formatting in the Genesys and Salesforce
styles, and the Genesys paged-list shape.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Request:
    """One HTTP request as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # path parameters
    scopes: frozenset[str] = frozenset()
    endpoint: str = ""  # route name, for fault decisions
    number: int = 0  # request number on that endpoint
    correlation_id: str = ""  # ININ-Correlation-Id, also the contextId of a Genesys error

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
        """Integer query parameter with bounds; a bad value is a 400 naming the parameter."""
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ApiError(
                400, "bad.request", f"Query parameter '{name}' must be an integer, got {raw!r}"
            ) from exc
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and {maximum}" if maximum is not None else ""
            raise ApiError(400, "bad.request", f"Query parameter '{name}' must be between {minimum}{upper}")
        return value

    def json(self) -> dict[str, Any]:
        """The body parsed as a JSON object (400 when it is not one)."""
        if not self.body:
            return {}
        try:
            value = orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "bad.request", f"Request body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ApiError(400, "bad.request", "Request body must be a JSON object")
        return value


@dataclass
class Response:
    """Status, body bytes and extra headers of one answer."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class ApiError(Exception):
    """An error answer: Genesys ErrorBody or Salesforce error array, by the API that raised it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, orjson.dumps(payload), headers or {})


def parse_time(value: str, what: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z``, ``+0000`` or ``+00:00``); 400 naming ``what`` when bad."""
    text = value.strip()
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(400, "invalid.date", f"{what}: cannot parse timestamp {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_DAY_MS_CACHE: dict[str, int] = {}


def time_ms(value: str, what: str) -> int:
    """Epoch ms of a timestamp; a fast path for the usual ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    if len(value) == 24 and value[10] == "T" and value[19] == "." and value[23] == "Z":
        day = _DAY_MS_CACHE.get(value[:10])
        if day is None:
            day = to_ms(parse_time(value[:10] + "T00:00:00Z", what))
            _DAY_MS_CACHE[value[:10]] = day
        try:
            clock = int(value[11:13]) * 3_600_000 + int(value[14:16]) * 60_000 + int(value[17:19]) * 1000
            return day + clock + int(value[20:23])
        except ValueError:
            pass
    return to_ms(parse_time(value, what))


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def genesys_time(ms: int) -> str:
    """``2026-10-01T10:00:00.000Z``."""
    moment = from_ms(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def salesforce_time(ms: int) -> str:
    """``2026-10-01T10:00:00.000+0000``."""
    return genesys_time(ms)[:-1] + "+0000"


def parse_interval(value: Any, what: str = "interval") -> tuple[int, int]:
    """``"start/end"`` -> (start_ms, end_ms), end after start."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ApiError(400, "bad.request", f"'{what}' must be a string 'start/end', got {value!r}")
    start_text, end_text = value.split("/")
    start = to_ms(parse_time(start_text, what))
    end = to_ms(parse_time(end_text, what))
    if end <= start:
        raise ApiError(400, "bad.request", f"'{what}' end must be after its start: {value!r}")
    return start, end


def paged_list(
    request: Request,
    entities: Sequence[Any],
    page_size: int,
    page_number: int,
    extra_query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The Genesys ``{entities, pageSize, pageNumber, total, pageCount, ...Uri}`` page.

    ``entities`` is the full, ordered collection; the page is cut here. URIs carry
    the same filters (``extra_query``) so a client following ``nextUri`` stays on
    the same listing.
    """
    total = len(entities)
    page_count = max(1, -(-total // page_size))
    start = (page_number - 1) * page_size
    query = dict(extra_query or {})

    def uri(number: int) -> str:
        return request.path + "?" + urlencode({**query, "pageSize": page_size, "pageNumber": number})

    page: dict[str, Any] = {
        "entities": list(entities[start : start + page_size]),
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count),
    }
    if page_number < page_count:
        page["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        page["previousUri"] = uri(min(page_number - 1, page_count))
    return page


@dataclass(frozen=True)
class Route:
    """One endpoint: ``pattern`` uses ``{name}`` for a path segment."""

    method: str
    pattern: str
    handler: Any  # Callable[[Request], Response]
    api: str  # "genesys" | "salesforce" | "open"
    scope: str | None = None  # scope the token must hold (genesys)

    @property
    def name(self) -> str:
        """Stable endpoint name used for fault counters."""
        return f"{self.method} {self.pattern}"


class Clock:
    """Deterministic server clock: starts just after the period end, +1 s per reading."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms
        self._lock = threading.Lock()

    def tick(self) -> int:
        with self._lock:
            self._now += 1000
            return self._now
