"""Fast, wall-clock-free timestamp formatting for the generator.

All generator times are integer milliseconds since the Unix epoch (UTC).
Formatting goes through lookup tables (date prefix per day, clock per second
of the day, milliseconds) because ``datetime.strftime`` is too slow for
millions of segments.
"""

from __future__ import annotations

from datetime import date, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_EPOCH = date(1970, 1, 1)
_day_prefix: dict[int, str] = {}
_CLOCK = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}" for second in range(86_400)]
_MILLIS = [f"{millis:03d}" for millis in range(1_000)]


def date_to_ms(day: date) -> int:
    """Milliseconds of ``day`` at 00:00 UTC."""
    return (day - _EPOCH).days * DAY_MS


def _prefix(day_number: int) -> str:
    prefix = _day_prefix.get(day_number)
    if prefix is None:
        prefix = (_EPOCH + timedelta(days=day_number)).isoformat()
        _day_prefix[day_number] = prefix
    return prefix


def _split(ms: int) -> tuple[str, str, str]:
    """(date prefix, ``HH:MM:SS``, ``mmm``) of ``ms``, from lookup tables."""
    day_number, rest = divmod(ms, DAY_MS)
    prefix = _day_prefix.get(day_number) or _prefix(day_number)
    second, millis = divmod(rest, 1000)
    return prefix, _CLOCK[second], _MILLIS[millis]


def iso_z(ms: int) -> str:
    """Genesys format ``2026-10-01T10:00:00.000Z``."""
    prefix, clock, millis = _split(ms)
    return f"{prefix}T{clock}.{millis}Z"


def iso_z_seconds(ms: int) -> str:
    """Predictive Engagement format ``2026-10-01T00:00:00Z``."""
    prefix, clock, _ = _split(ms)
    return f"{prefix}T{clock}Z"


def iso_sf(ms: int) -> str:
    """Salesforce SOQL format ``2026-10-01T10:00:00.000+0000``."""
    prefix, clock, millis = _split(ms)
    return f"{prefix}T{clock}.{millis}+0000"


def iso_date(ms: int) -> str:
    """``2026-10-01`` (UTC day of ``ms``)."""
    return _prefix(ms // DAY_MS)


def interval(start_ms: int, end_ms: int) -> str:
    """Genesys interval string ``start/end``."""
    return f"{iso_z(start_ms)}/{iso_z(end_ms)}"
