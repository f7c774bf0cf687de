"""Time windows of the extractions: UTC days, Genesys intervals, the incremental window."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dlt


def incremental_window(
    state: Mapping[str, Any],
    start: date | None,
    end: datetime,
    lookback_days: int,
    initial_days: int,
) -> tuple[datetime, datetime]:
    """[start, end) of an incremental extraction.

    ``start`` (``--start``) wins; else the stored cursor minus the trailing re-read
    window (and no later than the oldest conversation still in flight); else
    ``initial_days`` before the end.

    Why not ``dlt.sources.incremental``: these reads are windows of time asked of the
    API (intervals, dateFrom/dateTo), not a cursor column filtered on the rows; the
    next window restarts ``lookback_days`` before the last end and no later than the
    oldest conversation still in flight, which a single ``last_value`` cannot express.
    The state is still dlt's (``dlt.current.resource_state()``), committed with the load.
    """
    if start is not None:
        return midnight(start), end
    cursor = state.get("cursor")
    if cursor:
        begin = parse_time(cursor) - timedelta(days=lookback_days)
        in_flight = state.get("oldest_in_flight")
        if in_flight:
            begin = min(begin, parse_time(in_flight))
        return min(begin, end), end
    return end - timedelta(days=initial_days), end


def resource_state() -> dict[str, Any]:
    """Incremental state of the running resource (committed with its load)."""
    return dlt.current.resource_state()


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def parse_time(text: str) -> datetime:
    """ISO-8601 (Genesys ``...Z`` or Salesforce ``...+0000``) -> aware datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def created_day(value: Any) -> datetime | None:
    """Midnight (UTC) of the day a creation date (``createdDate``/``dateCreated``) falls on,
    None when absent or not a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return midnight(parse_time(value).astimezone(UTC).date())
    except ValueError:
        return None


def genesys_time(moment: datetime) -> str:
    """``2026-10-01T10:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def interval(start: datetime, end: datetime) -> str:
    return f"{genesys_time(start)}/{genesys_time(end)}"


def slices(start: datetime, end: datetime, days: int) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut at UTC midnights into pieces of at most ``days`` days."""
    cursor = start
    while cursor < end:
        boundary = midnight(cursor.date()) + timedelta(days=days)
        stop = min(boundary, end)
        yield cursor, stop
        cursor = stop
