"""The same dbt project on DuckDB, PostgreSQL and Spark, fed the same sandbox tenant.

Each engine gets its raw layer the way a deployment would: ``run_ingest`` with the engine as
``CXLAKE_TARGET`` (dlt's duckdb, postgres, or filesystem-Parquet destination), then
``cxlake build --target`` (``run_build``: seeds, models, snapshots where the engine has them,
every data test and unit test). Every mart is then compared with DuckDB's, order-insensitive,
floats within a relative tolerance of 1e-9 (see ``mart_comparison``).

PostgreSQL is a real local server started for the session; Spark a local session (pyspark +
Java). Each is skipped, saying why, when it cannot run here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from mart_comparison import Mart, differences, duckdb_marts, postgres_marts, spark_marts

from cxlake.build import BuildOptions, dbt_target_path, run_build
from ingestion.destinations import postgres_url
from ingestion.run import run_ingest

START = date(2026, 10, 1)
SOURCES = ["genesys", "predictive_engagement", "salesforce"]


@dataclass
class EngineBuild:
    target: str
    ingest_ok: bool
    build_code: int
    marts: dict[str, Mart]
    raw_columns: dict[str, dict[str, str]]
    results: dict[str, int]
    """Statuses of the dbt run results by resource type and status, e.g. ``unit_test:pass``."""


def type_class(data_type: str) -> str:
    """The class of a column type that every engine shares (text, integer, float, ...)."""
    name = data_type.strip().lower()
    classes = {
        "text": ("varchar", "text", "string", "character varying", "json"),
        "integer": ("bigint", "integer", "int", "smallint", "long"),
        "float": ("double", "real", "float"),
        "decimal": ("decimal", "numeric"),
        "boolean": ("bool",),
        "timestamp": ("timestamp",),
        "date": ("date",),
    }
    for kind, prefixes in classes.items():
        if name.startswith(prefixes):
            return kind
    return name


def _results(warehouse: Path) -> dict[str, int]:
    run_results = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for result in run_results["results"]:
        key = f"{result['unique_id'].split('.')[0]}:{result['status']}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def build_on(target: str, settings: dict[str, str], tenant: Path, root: Path) -> EngineBuild:
    warehouse = root / target / "warehouse.duckdb"
    env = {"CXLAKE_TARGET": target, "CXLAKE_WAREHOUSE": str(warehouse), **settings}
    with mock.patch.dict(os.environ, env):
        summary = run_ingest(warehouse, SOURCES, from_files=tenant, start=START, progress=False)
        code = run_build(warehouse, BuildOptions(target=target)) if summary.ok else -1
        if target == "duckdb":
            marts, raw = duckdb_marts(str(warehouse)), duckdb_raw_columns(str(warehouse))
        elif target == "postgres":
            marts, raw = postgres_marts(postgres_url()), postgres_raw_columns(postgres_url())
        else:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
            assert spark is not None, "the Spark build left no active session"
            marts, raw = spark_marts(spark), spark_raw_columns(spark)
    return EngineBuild(target, summary.ok, code, marts, raw, _results(warehouse) if code >= 0 else {})


RAW_SCHEMAS = ("raw_genesys", "raw_predictive_engagement", "raw_salesforce")


def duckdb_raw_columns(path: str) -> dict[str, dict[str, str]]:
    import duckdb

    with duckdb.connect(path, read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
            " where table_schema in ? and table_name not like '\\_dlt%' escape '\\'",
            [list(RAW_SCHEMAS)],
        ).fetchall()
    return _by_table(rows)


def postgres_raw_columns(url: str) -> dict[str, dict[str, str]]:
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
            " where table_schema = any(%s) and table_name not like '\\_dlt%%'",
            [list(RAW_SCHEMAS)],
        )
        rows = cursor.fetchall()
    connection.close()
    return _by_table(rows)


def spark_raw_columns(spark: Any) -> dict[str, dict[str, str]]:
    rows = []
    for schema in RAW_SCHEMAS:
        for table in spark.sql(f"show tables in {schema}").collect():
            if table.isTemporary or table.tableName.startswith("_dlt"):
                continue
            for field in spark.table(f"{schema}.`{table.tableName}`").schema.fields:
                rows.append((schema, table.tableName, field.name, field.dataType.simpleString()))
    return _by_table(rows)


def _by_table(rows: list[tuple[str, str, str, str]]) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        tables.setdefault(f"{schema}.{table}", {})[column] = type_class(data_type)
    return tables


@pytest.fixture(scope="session")
def engines_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engines")


@pytest.fixture(scope="session")
def duckdb_build(small_tenant: Path, engines_root: Path) -> EngineBuild:
    return build_on("duckdb", {}, small_tenant, engines_root)


@pytest.fixture(scope="session")
def postgres_build(small_tenant: Path, engines_root: Path, postgres_env: dict[str, str]) -> EngineBuild:
    return build_on("postgres", postgres_env, small_tenant, engines_root)


@pytest.fixture(scope="session")
def spark_build(small_tenant: Path, engines_root: Path, spark_ready: None) -> Iterator[EngineBuild]:
    built = build_on("spark", {}, small_tenant, engines_root)
    yield built
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()  # the JVM's memory is given back to the rest of the test run


def _assert_built(build: EngineBuild) -> None:
    assert build.ingest_ok, f"{build.target}: ingest failed"
    assert build.build_code == 0, f"{build.target}: dbt build failed; results {build.results}"
    failed = {key: n for key, n in build.results.items() if key.split(":")[1] in ("fail", "error")}
    assert failed == {}
    assert build.results.get("unit_test:pass", 0) > 0, build.results
    assert build.results.get("test:pass", 0) > 100, build.results


def test_duckdb_reference_build_passes(duckdb_build: EngineBuild) -> None:
    _assert_built(duckdb_build)
    assert len(duckdb_build.marts) >= 20
    assert sum(len(rows) for _, rows in duckdb_build.marts.values()) > 10_000


def test_postgres_raw_tables_have_duckdb_shapes(
    duckdb_build: EngineBuild, postgres_build: EngineBuild
) -> None:
    assert postgres_build.ingest_ok
    assert postgres_build.raw_columns == duckdb_build.raw_columns


def test_postgres_builds_every_test_and_mart_equal_to_duckdb(
    duckdb_build: EngineBuild, postgres_build: EngineBuild
) -> None:
    _assert_built(postgres_build)
    assert postgres_build.results.get("unit_test:pass") == duckdb_build.results.get("unit_test:pass")
    assert differences(duckdb_build.marts, postgres_build.marts) == []


def test_spark_raw_tables_have_duckdb_shapes(duckdb_build: EngineBuild, spark_build: EngineBuild) -> None:
    assert spark_build.ingest_ok
    assert spark_build.raw_columns == duckdb_build.raw_columns


def test_spark_builds_every_test_and_mart_equal_to_duckdb(
    duckdb_build: EngineBuild, spark_build: EngineBuild
) -> None:
    _assert_built(spark_build)
    assert spark_build.results.get("unit_test:pass") == duckdb_build.results.get("unit_test:pass")
    assert differences(duckdb_build.marts, spark_build.marts) == []
