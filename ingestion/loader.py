"""dlt plumbing shared by every source: resources that yield Arrow tables, one
pipeline per source into the warehouse, run statistics and progress output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.extract.resource import DltResource

from ingestion.destinations import destination_for
from ingestion.http_client import ApiError, AuthError, WriteScopeRefused
from ingestion.records import QUARANTINE_SCHEMA, QUARANTINE_TABLE, LoadMeta, RawTransformer, Split
from ingestion.tables import Column, TableSpec

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# Resources run one after the other, in order: the quarantine resource (last) then
# holds every record the others rejected.
os.environ.setdefault("EXTRACT__NEXT_ITEM_MODE", "fifo")

Producer = Callable[[LoadMeta], Iterator[Split]]
LOAD_SETTINGS = {"memory_limit": "2GB", "force_compression": "zstd"}
"""DuckDB settings of the loading connection: a memory limit (it spills to disk beyond
it) and zstd for the JSON payloads (measured on conversations: 2x faster to write
and 3x smaller than the default string compression analysis)."""

_KIND_TYPES = {
    "text": "text",
    "json": "text",
    "timestamp": "timestamp",
    "interval_start": "timestamp",
    "boolean": "bool",
}
_DERIVED_TYPES = {"model_version": "text", "pending_backfill": "bool"}


@dataclass
class RunStats:
    """What one ingest did, filled while resources run."""

    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    pending_quarantine: list[pa.Table] = field(default_factory=list)
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


def quarantine_resource(stats: RunStats) -> DltResource:
    """``<schema>.quarantine``: the records the source's other resources rejected.

    Must come last in the source (resources run in order). Merges on
    ``quarantine_id`` (hash of resource, field and raw record): a rerun adds no duplicate.
    """

    def rejected() -> Iterator[Any]:
        if not stats.pending_quarantine:
            yield QUARANTINE_SCHEMA.empty_table()  # the table exists even when nothing was rejected
        while stats.pending_quarantine:
            yield stats.pending_quarantine.pop(0)

    return dlt.resource(
        rejected,
        name=QUARANTINE_TABLE,
        columns=QUARANTINE_HINTS,
        primary_key="quarantine_id",
        write_disposition="merge",
    )


class KeyFilter:
    """Drops rows whose primary key was already yielded in this run (first one wins).

    ``repeats`` counts the dropped rows (except those of a replayed read).
    """

    def __init__(self, key_columns: list[str]) -> None:
        self.key_columns = key_columns
        self.seen: set[Any] = set()
        self.repeats = 0

    def __call__(self, rows: pa.Table, count: bool = True) -> pa.Table:
        columns = [rows[name].to_pylist() for name in self.key_columns]
        keys = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
        keep = []
        for key in keys:
            fresh = key not in self.seen
            if fresh:
                self.seen.add(key)
            keep.append(fresh)
        if all(keep):
            return rows
        if count:
            self.repeats += keep.count(False)
        return rows.filter(pa.array(keep))


def make_resource(
    spec: TableSpec,
    produce: Producer,
    method: str,
    stats: RunStats,
    started: datetime,
    transformer: RawTransformer,
    first_load: bool = False,
) -> Any:
    """A dlt resource for ``spec`` whose rows come from ``produce`` (Arrow tables).

    Keys are deduplicated within the run (pages shift, windows overlap, a file-mode
    fallback re-reads a file). ``first_load`` (the table is missing or
    empty) lets a merge table be appended to: same result, one write instead of a
    staging copy plus a merge, which is what makes a first backfill fast.
    """
    merge = spec.write_disposition == "merge"
    unique = KeyFilter(spec.primary_key)

    def rows() -> Iterator[Any]:
        load_id = dlt.current.load_package_state()["load_id"]
        meta = LoadMeta(started, load_id, method)
        total = quarantined = 0
        try:
            for split in produce(meta):
                batch = unique(split.rows, not split.replayed) if split.rows.num_rows else split.rows
                if batch.num_rows:
                    total += batch.num_rows
                    yield batch
                if split.quarantine.num_rows:
                    quarantined += split.quarantine.num_rows
                    stats.pending_quarantine.append(split.quarantine)
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
        if total == 0:
            # An empty table still exists, so that models over it run (zero rows, right types).
            yield transformer.empty_rows(spec, meta)
        stats.add(f"{spec.schema}.{spec.name}", total, quarantined)
        stats.say(
            f"  {spec.schema}.{spec.name}: {total} rows"
            + (f", {quarantined} quarantined" if quarantined else "")
        )

    optional = {c.name for c in spec.keys if not c.required}
    return dlt.resource(
        rows,
        name=spec.name,
        columns=column_hints(spec),
        # a key part that may be absent is not a dlt primary key column (those are NOT NULL);
        # the run's own deduplication (KeyFilter) still keys on it
        primary_key=[name for name in spec.primary_key if name not in optional],
        write_disposition="append" if merge and first_load else spec.write_disposition,
    )


def make_pipeline(warehouse: Path, source: str, schema: str) -> dlt.Pipeline:
    """One dlt pipeline per source, state kept next to the warehouse file."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    pipelines_dir = warehouse.parent / ".dlt_pipelines" / warehouse.stem
    credentials = DuckDbCredentials(str(warehouse), global_config=LOAD_SETTINGS)
    return dlt.pipeline(
        pipeline_name=f"cxlake_{source}",
        destination=destination_for(warehouse, duckdb=dlt.destinations.duckdb(credentials)),
        dataset_name=schema,
        pipelines_dir=str(pipelines_dir),
    )


def populated_tables(warehouse: Path, schema: str) -> set[str]:
    """Tables of ``schema`` in the warehouse that hold at least one row."""
    if not warehouse.exists():
        return set()
    with duckdb.connect(str(warehouse)) as con:
        sql = "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database()"  # noqa: E501
        names = [row[0] for row in con.execute(sql, [schema]).fetchall()]
        return {
            name for name in names if con.execute(f'SELECT 1 FROM "{schema}"."{name}" LIMIT 1').fetchone()
        }


def relax_optional_keys(warehouse: Path, specs: list[TableSpec]) -> None:
    """Drop NOT NULL from key columns that may be absent, in tables created before they could be.

    ``queue_observations.media_type`` was created NOT NULL by earlier versions; a
    queue-level observation group (no ``mediaType``) would fail the load there.
    """
    if not warehouse.exists():
        return
    wanted = [(spec, c.name) for spec in specs for c in spec.keys if not c.required and not c.from_context]
    if not wanted:
        return
    with duckdb.connect(str(warehouse)) as con:
        for spec, column in wanted:
            row = con.execute(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
                [spec.schema, spec.name, column],
            ).fetchone()
            if row is not None and row[0] == "NO":
                con.execute(
                    f'ALTER TABLE "{spec.schema}"."{spec.name}" ALTER COLUMN "{column}" DROP NOT NULL'
                )


def finish_pending(pipeline: dlt.Pipeline, stats: RunStats) -> None:
    """Load packages left by an interrupted run (e.g. ``kill -9``) before extracting again."""
    if not pipeline.has_pending_data:
        return
    stats.say(f"{pipeline.pipeline_name}: completing packages of an interrupted run")
    try:
        pipeline.normalize()
        pipeline.load()
    except Exception as exc:  # noqa: BLE001 - a broken leftover must not block a fresh run
        stats.note(f"{pipeline.pipeline_name}: dropped unfinished packages of an interrupted run ({exc})")
        pipeline.drop_pending_packages()


def utc_now() -> datetime:
    """Now (UTC) at millisecond precision."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


EXTRACTION_LOG_HINTS: list[TColumnSchema] = [
    {"name": "campaign_id", "data_type": "text"},
    {"name": "status", "data_type": "text"},
    {"name": "reason", "data_type": "text"},
    {"name": "_extracted_at", "data_type": "timestamp", "timezone": True},
    {"name": "_load_id", "data_type": "text"},
]


def extraction_log_resource(stats: RunStats, started: datetime) -> DltResource:
    """``raw_predictive_engagement.extraction_log``: campaigns skipped by this run (append).

    Comes after the campaign resources (resources run in order).
    """

    def rows() -> Iterator[Any]:
        load_id = dlt.current.load_package_state()["load_id"]
        skipped = stats.skipped
        yield pa.table(
            {
                "campaign_id": pa.array([s["campaign_id"] for s in skipped], pa.string()),
                "status": pa.array([s["status"] for s in skipped], pa.string()),
                "reason": pa.array([s["reason"] for s in skipped], pa.string()),
                "_extracted_at": pa.array([started] * len(skipped), pa.timestamp("us", tz="UTC")),
                "_load_id": pa.array([load_id] * len(skipped), pa.string()),
            }
        )

    return dlt.resource(rows, name="extraction_log", columns=EXTRACTION_LOG_HINTS, write_disposition="append")
