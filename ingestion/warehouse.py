"""Where raw data lands: one dlt pipeline per source, its destination, and the warehouse
checks made before a load (tables already holding rows, key columns to relax, packages
an interrupted run left behind)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from cxlake import duck
from ingestion.destinations import destination_for
from ingestion.raw_resources import RunStats
from ingestion.tables import TableSpec
from ingestion.validation import TRANSFORMER_SHARE

LOAD_SETTINGS = {"force_compression": "zstd"}
"""DuckDB settings of the loading connection besides cxlake's memory limit, threads and
temp directory (``cxlake.duck``; beyond the limit it spills to disk): zstd for the JSON
payloads (measured on conversations: 2x faster to write and 3x smaller than the default
string compression analysis)."""


def load_settings(warehouse: Path) -> dict[str, Any]:
    """DuckDB settings of the loading connection: cxlake's limits, less the validator's share."""
    limits = duck.settings(warehouse)
    limits["memory_limit"] = duck.memory_share(1 - TRANSFORMER_SHARE)
    return {**limits, **LOAD_SETTINGS}


def raw_destination(warehouse: Path) -> Any:
    """The dlt destination raw data lands in: the DuckDB warehouse file, or the engine of
    ``CXLAKE_TARGET`` (``ingestion/destinations.py``). The one place it is chosen."""
    credentials = DuckDbCredentials(str(warehouse), global_config=load_settings(warehouse))
    return destination_for(warehouse, duckdb=dlt.destinations.duckdb(credentials))


def make_pipeline(warehouse: Path, source: str, schema: str, destination: Any = None) -> dlt.Pipeline:
    """One dlt pipeline per source, state kept next to the warehouse file.

    ``destination``: a dlt destination; default :func:`raw_destination` of ``warehouse``.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    pipelines_dir = warehouse.parent / ".dlt_pipelines" / warehouse.stem
    return dlt.pipeline(
        pipeline_name=f"cxlake_{source}",
        destination=destination if destination is not None else raw_destination(warehouse),
        dataset_name=schema,
        pipelines_dir=str(pipelines_dir),
    )


def populated_tables(warehouse: Path, schema: str) -> set[str]:
    """Tables of ``schema`` in the warehouse that hold at least one row."""
    if not warehouse.exists():
        return set()
    with duck.connect(warehouse, warehouse=warehouse) as con:
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
    with duck.connect(warehouse, warehouse=warehouse) as con:
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
