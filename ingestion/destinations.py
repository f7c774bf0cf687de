"""Where the raw layer lands: the dlt destination of the engine cxlake builds on.

The engine is the dbt target (``CXLAKE_TARGET``, or ``cxlake build --target``): ``duckdb``
(default: the ``CXLAKE_WAREHOUSE`` file), ``postgres`` (dlt's postgres destination, into the
same database dbt builds in) or ``spark`` (dlt's filesystem destination writing Parquet
under ``CXLAKE_SPARK_RAW_DIR``, then registered as Spark tables of the raw schemas by
:func:`register_spark_raw_tables`, which ``cxlake build`` calls before dbt runs on Spark).

Connection settings come from environment variables only (the same ones ``profiles.yml``
reads), never from files of the repository:

- ``CXLAKE_POSTGRES_HOST`` / ``_PORT`` / ``_USER`` / ``_PASSWORD`` / ``_DB``: default
  127.0.0.1 / 5432 / cxlake / (empty) / cxlake;
- ``CXLAKE_SPARK_RAW_DIR``: default ``<warehouse folder>/spark_raw``;
- ``CXLAKE_SPARK_WAREHOUSE``: default ``<warehouse folder>/spark-warehouse`` (tables and
  the Derby metastore of the local session).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dlt.common.destination import Destination
from dlt.destinations import filesystem as filesystem_destination
from dlt.destinations import postgres as postgres_destination

TARGET_ENV = "CXLAKE_TARGET"
TARGETS = ("duckdb", "postgres", "spark")
DEFAULT_TARGET = "duckdb"


class UnknownTarget(ValueError):
    """A target name that is not one of :data:`TARGETS`."""


def target_name(explicit: str | None = None) -> str:
    """The engine: ``explicit`` (``--target``) if given, else ``CXLAKE_TARGET``, else duckdb."""
    name = (explicit or os.environ.get(TARGET_ENV) or DEFAULT_TARGET).strip().lower()
    if name not in TARGETS:
        raise UnknownTarget(f"unknown target {name!r}; expected one of {', '.join(TARGETS)}")
    return name


def postgres_settings() -> dict[str, Any]:
    """Connection settings of the PostgreSQL target (env vars only)."""
    return {
        "host": os.environ.get("CXLAKE_POSTGRES_HOST", "127.0.0.1"),
        "port": int(os.environ.get("CXLAKE_POSTGRES_PORT", "5432")),
        "user": os.environ.get("CXLAKE_POSTGRES_USER", "cxlake"),
        "password": os.environ.get("CXLAKE_POSTGRES_PASSWORD", ""),
        "dbname": os.environ.get("CXLAKE_POSTGRES_DB", "cxlake"),
    }


def postgres_url() -> str:
    """``postgresql://`` URL of :func:`postgres_settings` (for dlt and psycopg2)."""
    s = postgres_settings()
    auth = quote(s["user"], safe="") + (":" + quote(s["password"], safe="") if s["password"] else "")
    return f"postgresql://{auth}@{s['host']}:{s['port']}/{quote(s['dbname'], safe='')}"


def spark_raw_dir(warehouse: Path) -> Path:
    """Folder of the Parquet raw layer for Spark (one folder per raw schema, then per table)."""
    configured = os.environ.get("CXLAKE_SPARK_RAW_DIR")
    return Path(configured).expanduser().resolve() if configured else warehouse.parent / "spark_raw"


def spark_warehouse_dir(warehouse: Path) -> Path:
    """``spark.sql.warehouse.dir`` of the local Spark session (the Derby metastore lives inside)."""
    configured = os.environ.get("CXLAKE_SPARK_WAREHOUSE")
    return Path(configured).expanduser().resolve() if configured else warehouse.parent / "spark-warehouse"


def destination_for(
    warehouse: Path, duckdb: Destination[Any, Any], target: str | None = None
) -> Destination[Any, Any]:
    """The dlt destination that lands the raw layer on the engine of ``target``: ``duckdb``
    (the warehouse file's destination, as the loader configures it) for the DuckDB target."""
    name = target_name(target)
    if name == "postgres":
        return postgres_destination(credentials=postgres_url())
    if name == "spark":
        raw = spark_raw_dir(warehouse)
        raw.mkdir(parents=True, exist_ok=True)
        return filesystem_destination(bucket_url=raw.as_uri())
    return duckdb


def spark_session_settings(warehouse: Path) -> dict[str, str]:
    """Settings of the local Spark session: the same values ``profiles.yml`` gives dbt-spark
    (``server_side_parameters``), so whichever creates the session first, both share it."""
    home = spark_warehouse_dir(warehouse)
    return {
        "spark.master": os.environ.get("CXLAKE_SPARK_MASTER", "local[2]"),
        "spark.sql.warehouse.dir": str(home),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("CXLAKE_SPARK_SHUFFLE_PARTITIONS", "2"),
        "spark.ui.enabled": "false",
        "spark.sql.ansi.enabled": "false",
    }


def raw_parquet_tables(raw_dir: Path) -> dict[tuple[str, str], Path]:
    """(schema, table) -> folder, for every table folder of ``raw_dir`` holding Parquet files
    (dlt's own ``_dlt_*`` tables included; dlt's folders of other files are not tables)."""
    found: dict[tuple[str, str], Path] = {}
    if not raw_dir.is_dir():
        return found
    for schema in sorted(p for p in raw_dir.iterdir() if p.is_dir()):
        for table in sorted(p for p in schema.iterdir() if p.is_dir()):
            if any(table.glob("*.parquet")):
                found[(schema.name, table.name)] = table
    return found


def register_spark_raw_tables(warehouse: Path, spark: Any | None = None) -> list[str]:
    """Declare every Parquet table of the Spark raw layer as a table of its raw schema
    (``create table ... using parquet location``), refreshed so that files loaded since
    are read. Returns the names registered. Tables that dlt never created stay absent,
    as on DuckDB (``source_or_empty`` then reads an empty relation)."""
    if spark is None:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for key, value in spark_session_settings(warehouse).items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
    names = []
    tables = raw_parquet_tables(spark_raw_dir(warehouse))
    for schema in sorted({schema for schema, _ in tables}):
        spark.sql(f"create schema if not exists `{schema}`")
    for (schema, table), folder in tables.items():
        location = folder.as_uri().replace("'", "\\'")
        # external tables (a location): dropping one keeps its files; re-created on every
        # build so that columns added by later loads are read (Parquet schema merging)
        spark.sql(f"drop table if exists `{schema}`.`{table}`")
        spark.sql(
            f"create table `{schema}`.`{table}` using parquet "
            f"options (mergeSchema 'true') location '{location}'"
        )
        names.append(f"{schema}.{table}")
    return names
