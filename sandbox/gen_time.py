"""Fast, wall-clock-free timestamp formatting for the generator.

All generator times are integer milliseconds since the Unix epoch (UTC).
Formatting goes through a per-day prefix cache because ``datetime.strftime``
is too slow for millions of segments.
"""

from __future__ import annotations

from datetime import date, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_EPOCH = date(1970, 1, 1)
_day_prefix: dict[int, str] = {}


def date_to_ms(day: date) -> int:
    """Milliseconds of ``day`` at 00:00 UTC."""
    return (day - _EPOCH).days * DAY_MS


def _prefix(day_number: int) -> str:
    prefix = _day_prefix.get(day_number)
    if prefix is None:
        prefix = (_EPOCH + timedelta(days=day_number)).isoformat()
        _day_prefix[day_number] = prefix
    return prefix


def _clock(ms: int) -> tuple[str, int, int, int, int]:
    day_number, rest = divmod(ms, DAY_MS)
    hours, rest = divmod(rest, HOUR_MS)
    minutes, rest = divmod(rest, MINUTE_MS)
    seconds, millis = divmod(rest, 1000)
    return _prefix(day_number), hours, minutes, seconds, millis


def iso_z(ms: int) -> str:
    """Genesys format ``2026-10-01T10:00:00.000Z``."""
    prefix, hours, minutes, seconds, millis = _clock(ms)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def iso_z_seconds(ms: int) -> str:
    """Predictive Engagement (seed 003) format ``2026-10-01T00:00:00Z``."""
    prefix, hours, minutes, seconds, _ = _clock(ms)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}Z"


def iso_sf(ms: int) -> str:
    """Salesforce SOQL format ``2026-10-01T10:00:00.000+0000``."""
    prefix, hours, minutes, seconds, millis = _clock(ms)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}+0000"


def iso_date(ms: int) -> str:
    """``2026-10-01`` (UTC day of ``ms``)."""
    return _prefix(ms // DAY_MS)


def interval(start_ms: int, end_ms: int) -> str:
    """Genesys interval string ``start/end``."""
    return f"{iso_z(start_ms)}/{iso_z(end_ms)}"
