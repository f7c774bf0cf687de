"""Helpers shared by the HTTP sources: record batches -> dlt resources, time windows,
incremental state."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dlt
import pyarrow as pa

from ingestion.loader import RunStats, make_resource
from ingestion.records import LoadMeta, RawTransformer, Split, validate_records
from ingestion.tables import spec_for


@dataclass
class RecordBatch:
    """Records of one page/window, with the context some columns come from.

    ``page``/``list_key``: instead of parsed ``records``, the raw body of a response
    page whose records are under ``list_key`` (parsed in bulk by DuckDB).
    ``on_rows`` sees the validated rows (e.g. to track in-flight conversations).
    """

    records: list[Any] = field(default_factory=list)
    context: dict[str, Any] | None = None
    derived: dict[str, str] | None = None
    page: bytes | None = None
    list_key: str = ""
    on_rows: Callable[[pa.Table], None] | None = None


Batches = Callable[[], Iterator[RecordBatch]]


@dataclass
class Extraction:
    """What every HTTP resource of one run shares."""

    source: str
    transformer: RawTransformer
    stats: RunStats
    started: datetime
    start: date | None
    end: date | None
    populated: set[str] = field(default_factory=set)
    """Tables that already hold rows (the others are appended to on this first load)."""
    derived: dict[str, dict[str, str]] = field(default_factory=dict)

    def resource(self, name: str, batches: Batches, method: str = "api") -> Any:
        """A dlt resource of table ``name`` fed by ``batches`` (validated, quarantined)."""
        spec = spec_for(self.source, name)

        def produce(meta: LoadMeta) -> Iterator[Split]:
            for batch in batches():
                derived = batch.derived or self.derived.get(name)
                if batch.page is not None:
                    splits: Iterator[Split] = self.transformer.split_page(
                        spec, batch.page, batch.list_key, meta, derived=derived
                    )
                else:
                    splits = validate_records(
                        self.transformer, spec, batch.records, meta, context=batch.context, derived=derived
                    )
                for split in splits:
                    if batch.on_rows is not None and split.rows.num_rows:
                        batch.on_rows(split.rows)
                    yield split

        first_load = name not in self.populated
        return make_resource(spec, produce, method, self.stats, self.started, self.transformer, first_load)

    @property
    def end_at(self) -> datetime:
        """End of the extraction window: ``--end`` (midnight UTC) or now."""
        return midnight(self.end) if self.end else self.started

    def window(
        self, state: Mapping[str, Any], lookback_days: int, initial_days: int
    ) -> tuple[datetime, datetime]:
        """[start, end) of an incremental extraction.

        ``--start`` wins; else the stored cursor minus the trailing re-read window
        (and no later than the oldest conversation still in flight); else
        ``initial_days`` before the end.
        """
        end = self.end_at
        if self.start is not None:
            return midnight(self.start), end
        cursor = state.get("cursor")
        if cursor:
            start = parse_time(cursor) - timedelta(days=lookback_days)
            in_flight = state.get("oldest_in_flight")
            if in_flight:
                start = min(start, parse_time(in_flight))
            return min(start, end), end
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
