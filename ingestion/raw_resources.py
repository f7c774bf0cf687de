"""dlt resources of the raw tables: validated Arrow rows to the table, rejected rows
routed to ``<schema>.quarantine`` (``dlt.mark.with_hints``), run statistics and
progress output.

Every source builds its resources through :class:`Extraction`: ``resource`` for a
list the API gives on its own, ``transformer`` for one read per item of another
resource (``@dlt.transformer(data_from=...)``: queue members per queue, stats per
campaign, ...). Both yield the rows of their table and, marked for the source's
``quarantine`` table, the records they rejected; no resource depends on another one
having run first.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from hashlib import blake2b
from typing import Any

import dlt
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.resource import DltResource

from ingestion.http_client import ApiError, AuthError, WriteScopeRefused
from ingestion.tables import Column, TableSpec, spec_for
from ingestion.validation import (
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    LoadMeta,
    RecordValidator,
    Split,
    validate_records,
)
from ingestion.windows import incremental_window, midnight

DLT_DEFAULTS = {
    "runtime.dlthub_telemetry": False,
    "load.delete_completed_jobs": True,
}
"""cxlake's defaults for dlt settings, applied where the user's dlt configuration (env vars,
``.dlt/*.toml``) leaves them unset; no env var is written. ``delete_completed_jobs``: dlt
keeps a loaded package's data files by default, the raw data a second time next to the
warehouse (11 GB after a first load of 10M conversations); the package folder and its state
stay, and a package with a failed job keeps everything."""
for _key, _value in DLT_DEFAULTS.items():
    if dlt.config.get(_key) is None:
        dlt.config[_key] = _value

_KIND_TYPES = {
    "text": "text",
    "json": "text",
    "timestamp": "timestamp",
    "interval_start": "timestamp",
    "boolean": "bool",
}
_DERIVED_TYPES = {"model_version": "text", "pending_backfill": "bool"}
PROGRESS_EVERY_S = 30.0
"""Seconds between two progress lines of one long read (requests left and an estimate)."""


@dataclass
class RunStats:
    """What one ingest did, filled while resources run."""

    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    progress: bool = True

    def add(self, table: str, rows: int, quarantined: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + rows
        if quarantined:
            self.quarantined[table] = self.quarantined.get(table, 0) + quarantined

    def say(self, line: str) -> None:
        """A progress line (stderr) when progress output is on."""
        if self.progress:
            print(line, file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        """A message kept for the run summary (and shown as progress)."""
        self.messages.append(message)
        self.say(message)


class RequestProgress:
    """Progress of a read whose number of requests is known: one line at most every
    ``every_s`` seconds with requests done, left and an estimate of the time left."""

    def __init__(self, stats: RunStats, what: str, total: int, every_s: float | None = None) -> None:
        self.stats = stats
        self.what = what
        self.total = total
        self.every_s = PROGRESS_EVERY_S if every_s is None else every_s
        self.done = 0
        self.began = time.monotonic()
        self.last = self.began

    def step(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= self.every_s and self.done < self.total:
            self.last = now
            self.stats.say(self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.began
        left = max(0, self.total - self.done)
        eta = elapsed / self.done * left if self.done else 0.0
        return f"  {self.what}: {self.done}/{self.total} requests, {left} left, about {_duration(eta)} to go"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _column_schema(column: Column) -> TColumnSchema:
    hint: TColumnSchema = {"name": column.name, "data_type": _KIND_TYPES[column.kind]}
    if hint["data_type"] == "timestamp":
        hint["timezone"] = True
    return hint


def column_hints(spec: TableSpec) -> list[TColumnSchema]:
    """dlt column schema of the raw table, in column order."""
    hints = [_column_schema(c) for c in spec.columns]
    hints.append({"name": "payload", "data_type": "text"})
    hints.append({"name": "_extracted_at", "data_type": "timestamp", "timezone": True})
    hints.append({"name": "_load_id", "data_type": "text"})
    hints.append({"name": "_extract_method", "data_type": "text"})
    if spec.snapshot:
        hints.append({"name": "observed_at", "data_type": "timestamp", "timezone": True})
    if spec.extraction:
        hints.append({"name": "extracted_at", "data_type": "timestamp", "timezone": True})
    for name in spec.derived:
        hints.append({"name": name, "data_type": _DERIVED_TYPES[name]})
    return hints


QUARANTINE_HINTS: list[TColumnSchema] = [
    {"name": "quarantine_id", "data_type": "text"},
    {"name": "resource", "data_type": "text"},
    {"name": "record_key", "data_type": "text"},
    {"name": "field", "data_type": "text"},
    {"name": "reason", "data_type": "text"},
    {"name": "raw_record", "data_type": "text"},
    {"name": "source_file", "data_type": "text"},
    {"name": "line_number", "data_type": "bigint"},
    {"name": "_load_id", "data_type": "text"},
    {"name": "_extracted_at", "data_type": "timestamp", "timezone": True},
]


def to_quarantine(rejected: pa.Table) -> Any:
    """``rejected`` marked for the source's ``quarantine`` table (merge on ``quarantine_id``: a
    rerun adds no duplicate), whichever resource yields it (see :func:`routes_to`)."""
    return dlt.mark.with_table_name(rejected, QUARANTINE_TABLE)


def routes_to(
    resource: DltResource,
    table: str,
    columns: list[TColumnSchema],
    write_disposition: str,
    primary_key: Any = (),
) -> DltResource:
    """Give ``resource`` the hints of another ``table`` it routes rows to (``dlt.mark.with_table_name``).

    A table variant starts as a copy of the resource's own hints; its columns and key are
    emptied first so that the other table gets exactly ``columns``, not the resource's as well.
    """
    resource.apply_hints(
        table_name=table,
        columns={},
        primary_key=list(primary_key),
        merge_key=[],
        write_disposition=write_disposition,  # type: ignore[arg-type]
        create_table_variant=True,
    )
    resource.apply_hints(table_name=table, columns=columns, create_table_variant=True)
    return resource


def quarantine_resource() -> DltResource:
    """Declares ``<schema>.quarantine`` so that it exists, empty, when nothing was rejected.

    The rejected rows themselves come from the resources that read them (:func:`to_quarantine`).
    """

    def declared() -> Iterator[Any]:
        yield QUARANTINE_SCHEMA.empty_table()

    return dlt.resource(
        declared,
        name=QUARANTINE_TABLE,
        columns=QUARANTINE_HINTS,
        primary_key="quarantine_id",
        write_disposition="merge",
    )


EXTRACTION_LOG_HINTS: list[TColumnSchema] = [
    {"name": "campaign_id", "data_type": "text"},
    {"name": "status", "data_type": "text"},
    {"name": "reason", "data_type": "text"},
    {"name": "_extracted_at", "data_type": "timestamp", "timezone": True},
    {"name": "_load_id", "data_type": "text"},
]


def _log_table(skipped: list[dict[str, str]], started: datetime, load_id: str) -> pa.Table:
    return pa.table(
        {
            "campaign_id": pa.array([s["campaign_id"] for s in skipped], pa.string()),
            "status": pa.array([s["status"] for s in skipped], pa.string()),
            "reason": pa.array([s["reason"] for s in skipped], pa.string()),
            "_extracted_at": pa.array([started] * len(skipped), pa.timestamp("us", tz="UTC")),
            "_load_id": pa.array([load_id] * len(skipped), pa.string()),
        }
    )


def to_extraction_log(skipped: list[dict[str, str]], started: datetime) -> Any:
    """Rows of ``raw_predictive_engagement.extraction_log`` (campaigns skipped, append), marked for it."""
    load_id = dlt.current.load_package_state()["load_id"]
    return dlt.mark.with_table_name(_log_table(skipped, started, load_id), "extraction_log")


def extraction_log_resource(started: datetime) -> DltResource:
    """Declares ``extraction_log`` so that it exists when no campaign was skipped."""

    def declared() -> Iterator[Any]:
        yield _log_table([], started, dlt.current.load_package_state()["load_id"])

    return dlt.resource(
        declared, name="extraction_log", columns=EXTRACTION_LOG_HINTS, write_disposition="append"
    )


KEY_DIGEST_BYTES = 16
"""Keys are remembered as 128-bit BLAKE2b digests: 16 bytes a key where a Python set of the
keys took over 100 (10M conversations and 14.5M routing intervals held 4 GB). Two different
keys of one table share a digest with probability about n^2 / 2^129 (1e-25 for 15M keys)."""
_NULL_PART = "\x00"
_KEY_SEPARATOR = "\x1f"


def key_digests(rows: pa.Table, key_columns: list[str]) -> list[bytes]:
    """One 16-byte digest per row of the key columns (a null part distinct from any text)."""
    parts = [pc.fill_null(pc.cast(rows[name], pa.string()), _NULL_PART) for name in key_columns]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, _KEY_SEPARATOR)
    return [blake2b(text.encode(), digest_size=KEY_DIGEST_BYTES).digest() for text in joined.to_pylist()]


class DigestSet:
    """The key digests seen, as sorted runs of two uint64 halves (the first sorted, the second
    beside it), merged like a binary counter: a few runs, each searched in one vectorised pass."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(first) for first, _ in self.runs)

    def add_unseen(self, digests: list[bytes]) -> np.ndarray:
        """Mask of the digests seen neither before nor earlier in ``digests``; remembers them."""
        fresh = np.zeros(len(digests), dtype=bool)
        if not digests:
            return fresh
        first_at: dict[bytes, int] = {}
        for position, digest in enumerate(digests):
            first_at.setdefault(digest, position)
        fresh[list(first_at.values())] = True
        halves = np.frombuffer(b"".join(digests), dtype=np.uint64).reshape(-1, 2)
        for high, low in self.runs:
            candidates = np.flatnonzero(fresh)
            if not len(candidates):
                break
            fresh[candidates[_found(high, low, halves[candidates])]] = False
        added = halves[fresh]
        if len(added):
            order = np.argsort(added[:, 0], kind="stable")
            self.runs.append((added[order, 0].copy(), added[order, 1].copy()))
            while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
                (high_b, low_b), (high_a, low_a) = self.runs.pop(), self.runs.pop()
                high, low = np.concatenate([high_a, high_b]), np.concatenate([low_a, low_b])
                order = np.argsort(high, kind="stable")
                self.runs.append((high[order], low[order]))
        return fresh


def _found(high: np.ndarray, low: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which (high, low) ``values`` one sorted run holds."""
    order = np.argsort(values[:, 0])  # sorted keys let the binary search start where it ended
    start = np.empty(len(values), dtype=np.intp)
    start[order] = np.searchsorted(high, values[order, 0])
    inside = start < len(high)
    at = np.where(inside, start, 0)
    found = inside & (high[at] == values[:, 0]) & (low[at] == values[:, 1])
    # equal first halves (about 1 in 2^64 a pair): the whole equal range is checked
    repeated = inside & (high[at] == values[:, 0]) & (at + 1 < len(high))
    repeated &= high[np.minimum(at + 1, len(high) - 1)] == values[:, 0]
    for index in np.flatnonzero(repeated & ~found):
        end = np.searchsorted(high, values[index, 0], side="right")
        found[index] = bool((low[at[index] : end] == values[index, 1]).any())
    return found


class KeyFilter:
    """Drops rows whose primary key was already yielded in this run (first one wins).

    ``repeats`` counts the dropped rows (except those of a replayed read). The keys are
    remembered as digests (:data:`KEY_DIGEST_BYTES`), so memory stays small at tens of
    millions of rows.
    """

    def __init__(self, key_columns: list[str]) -> None:
        self.key_columns = key_columns
        self.seen = DigestSet()
        self.repeats = 0

    def __call__(self, rows: pa.Table, count: bool = True) -> pa.Table:
        keep = self.seen.add_unseen(key_digests(rows, self.key_columns))
        if keep.all():
            return rows
        if count:
            self.repeats += int((~keep).sum())
        return rows.filter(pa.array(keep))


@dataclass
class RecordBatch:
    """Records of one page/window, with the context some columns come from.

    ``page``/``list_key``: instead of parsed ``records``, the raw body of a response
    page whose records are under ``list_key`` (parsed in bulk by DuckDB).
    ``on_rows`` sees the validated rows (e.g. to track in-flight conversations).
    ``log``: campaigns skipped while reading this batch, for ``extraction_log``.
    """

    records: list[Any] = field(default_factory=list)
    context: dict[str, Any] | None = None
    derived: dict[str, str] | None = None
    page: bytes | None = None
    list_key: str = ""
    on_rows: Callable[[pa.Table], None] | None = None
    log: list[dict[str, str]] = field(default_factory=list)


Producer = Callable[[LoadMeta], Iterator[Split | RecordBatch]]


def parent_rows(item: Any, meta: Any) -> pa.Table | None:
    """The rows of the parent's own table in an item a transformer receives (None for the
    rejected rows or log rows the parent routed to another table)."""
    if meta is not None or not isinstance(item, pa.Table) or item.num_rows == 0:
        return None
    return item


def ids_of(rows: pa.Table, column: str = "id") -> list[str]:
    """The (non-empty) ids in a batch of a parent resource's validated rows."""
    return [str(value) for value in rows[column].to_pylist() if value]


def payloads(rows: pa.Table) -> list[dict[str, Any]]:
    """The records (as received) of a batch of a parent resource's validated rows."""
    records = (orjson.loads(text) for text in rows["payload"].to_pylist() if text)
    return [record for record in records if isinstance(record, dict)]


@dataclass
class Extraction:
    """What every resource of one run of one source shares (no data: the run's context)."""

    source: str
    validator: RecordValidator
    stats: RunStats
    started: datetime
    start: date | None = None
    end: date | None = None
    populated: set[str] = field(default_factory=set)
    """Tables that already hold rows (the others are appended to on this first load)."""
    derived: dict[str, dict[str, str]] = field(default_factory=dict)
    method: str = "api"
    windows: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    """The window each resource computed first in this run: a transformer called once per
    parent page reads the same window on every call, whatever it stored in its state meanwhile."""

    @property
    def end_at(self) -> datetime:
        """End of the extraction window: ``--end`` (midnight UTC) or now."""
        return midnight(self.end) if self.end else self.started

    def window(
        self, state: dict[str, Any], lookback_days: int, initial_days: int, key: str | None = None
    ) -> tuple[datetime, datetime]:
        """[start, end) of an incremental extraction (see :func:`ingestion.windows.incremental_window`);
        with ``key``, the one computed first for that key in this run."""
        if key is not None and key in self.windows:
            return self.windows[key]
        window = incremental_window(state, self.start, self.end_at, lookback_days, initial_days)
        if key is not None:
            self.windows[key] = window
        return window

    def resource(
        self, name: str, batches: Callable[[], Iterator[RecordBatch]], method: str | None = None
    ) -> Any:
        """A dlt resource of table ``name`` fed by ``batches`` (validated, rejects quarantined)."""
        return self._raw(name, lambda: batches(), method)

    def transformer(
        self,
        name: str,
        parent: DltResource,
        batches: Callable[[pa.Table], Iterator[RecordBatch]],
        method: str | None = None,
    ) -> Any:
        """A ``dlt.transformer`` of table ``name``: ``batches(rows)`` for every batch of
        ``parent``'s validated rows (the ids it reads come from them)."""
        return self._raw(name, batches, method, parent)

    def rows_resource(self, spec: TableSpec, splits: Callable[[LoadMeta], Iterator[Split]]) -> Any:
        """A dlt resource of ``spec`` fed by already validated splits (file mode)."""
        return _raw_resource(self, spec, lambda meta: splits(meta), self.method, None)

    def _raw(
        self, name: str, batches: Callable[..., Iterator[RecordBatch]], method: str | None, parent: Any = None
    ) -> Any:
        spec = spec_for(self.source, name)

        def produce(meta: LoadMeta, *rows: pa.Table) -> Iterator[Split | RecordBatch]:
            for batch in batches(*rows):
                if batch.log:
                    yield batch
                derived = batch.derived or self.derived.get(name)
                if batch.page is not None:
                    splits: Iterator[Split] = self.validator.split_page(
                        spec, batch.page, batch.list_key, meta, derived=derived
                    )
                else:
                    splits = validate_records(
                        self.validator, spec, batch.records, meta, context=batch.context, derived=derived
                    )
                for split in splits:
                    if batch.on_rows is not None and split.rows.num_rows:
                        batch.on_rows(split.rows)
                    yield split

        return _raw_resource(self, spec, produce, method or self.method, parent)


def _raw_resource(run: Extraction, spec: TableSpec, produce: Any, method: str, parent: Any) -> Any:
    """The dlt resource (or transformer of ``parent``) of ``spec``.

    Keys are deduplicated within the run (pages shift, windows overlap, a file-mode
    fallback re-reads a file). A table that is missing or empty (not in
    ``run.populated``) is appended to on this first load: same result as a merge, one
    write instead of a staging copy plus a merge, which is what makes a first backfill fast.
    """
    merge = spec.write_disposition == "merge"
    first_load = spec.name not in run.populated
    unique = KeyFilter(spec.primary_key)
    stats = run.stats

    def rows(*parent_items: pa.Table) -> Iterator[Any]:
        meta = LoadMeta(run.started, dlt.current.load_package_state()["load_id"], method)
        total = quarantined = 0
        try:
            for split in produce(meta, *parent_items):
                if isinstance(split, RecordBatch):
                    stats.skipped.extend(split.log)
                    yield to_extraction_log(split.log, run.started)
                    continue
                batch = unique(split.rows, not split.replayed) if split.rows.num_rows else split.rows
                if batch.num_rows:
                    total += batch.num_rows
                    yield batch
                if split.quarantine.num_rows:
                    quarantined += split.quarantine.num_rows
                    yield to_quarantine(split.quarantine)
        except (WriteScopeRefused, AuthError):
            raise  # the whole source cannot run with these credentials
        except ApiError as exc:
            # One failing endpoint does not stop the others; its cursor does not move,
            # so the next run reads the same window again.
            stats.errors.append(f"{spec.schema}.{spec.name}: {exc}")
            stats.say(f"  {spec.schema}.{spec.name}: FAILED: {exc}")
        if unique.repeats and method == "file":
            stats.note(
                f"{spec.schema}.{spec.name}: {unique.repeats} records repeat a key read earlier in this "
                "run; the one from the last file (by name) was kept"
            )
            unique.repeats = 0
        if total == 0:
            # An empty table still exists, so that models over it run (zero rows, right types).
            yield run.validator.empty_rows(spec, meta)
        stats.add(f"{spec.schema}.{spec.name}", total, quarantined)
        stats.say(
            f"  {spec.schema}.{spec.name}: {total} rows"
            + (f", {quarantined} quarantined" if quarantined else "")
        )

    optional = {c.name for c in spec.keys if not c.required}
    hints: dict[str, Any] = {
        "name": spec.name,
        "columns": column_hints(spec),
        # a key part that may be absent is not a dlt primary key column (those are NOT NULL);
        # the run's own deduplication (KeyFilter) still keys on it
        "primary_key": [name for name in spec.primary_key if name not in optional],
        "write_disposition": "append" if merge and first_load else spec.write_disposition,
    }
    if parent is None:

        def resource_rows() -> Iterator[Any]:
            yield from rows()

        return _routing(dlt.resource(resource_rows, **hints))

    def transformer_rows(item: Any, meta: Any = None) -> Iterator[Any]:
        parent_table = parent_rows(item, meta)
        if parent_table is not None:
            yield from rows(parent_table)
        elif meta is None and isinstance(item, pa.Table):
            yield from rows(item.slice(0, 0))  # the parent read nothing: this table still exists, empty

    return _routing(dlt.transformer(transformer_rows, data_from=parent, **hints))


def _routing(resource: DltResource) -> DltResource:
    """The other tables every raw resource may route rows to: quarantine and the extraction log."""
    routes_to(resource, QUARANTINE_TABLE, QUARANTINE_HINTS, "merge", ["quarantine_id"])
    return routes_to(resource, "extraction_log", EXTRACTION_LOG_HINTS, "append")


def utc_now() -> datetime:
    """Now (UTC) at millisecond precision."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
