"""Readers of ingestion test warehouses (read-only DuckDB connections)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from ingestion.tables import TABLES

# No client-side rate limit (the simulator enforces its own) and short backoffs, so
# that tests spend their time on behaviour, not on sleeping; Retry-After is honoured.
FAST_ENV = {
    "SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE": "0",
    "SOURCES__PREDICTIVE_ENGAGEMENT__RATE_LIMIT_PER_MINUTE": "0",
    "SOURCES__SALESFORCE__RATE_LIMIT_PER_MINUTE": "0",
    "SOURCES__GENESYS__BACKOFF_BASE_S": "0.05",
    "SOURCES__PREDICTIVE_ENGAGEMENT__BACKOFF_BASE_S": "0.05",
    "SOURCES__SALESFORCE__BACKOFF_BASE_S": "0.05",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
}


def merge_tables() -> list[str]:
    """``schema.table`` of every merge (entity) table: what reruns must leave unchanged."""
    return sorted(
        f"{spec.schema}.{spec.name}" for spec in TABLES.values() if spec.write_disposition == "merge"
    )


def table_digest(warehouse: Path, table: str) -> dict[str, str]:
    """{primary key text: payload hash} of a raw table (load metadata excluded)."""
    schema, name = table.split(".")
    spec = next(s for s in TABLES.values() if s.schema == schema and s.name == name)
    keys = " || '|' || ".join(f"coalesce(CAST({k} AS VARCHAR), '')" for k in spec.primary_key)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"SELECT {keys}, payload FROM {table}").fetchall()
    digest = {key: hashlib.sha1(payload.encode()).hexdigest() for key, payload in rows}
    assert len(digest) == len(rows), f"{table}: duplicate primary keys"
    return digest


def warehouse_digest(warehouse: Path) -> dict[str, dict[str, str]]:
    return {table: table_digest(warehouse, table) for table in merge_tables()}


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def sum_t_handle(warehouse: Path) -> int:
    """Sum of every ``tHandle`` metric in the loaded conversations."""
    rows = query(
        warehouse,
        """
        SELECT sum(CAST(json_extract(m, '$.value') AS BIGINT)) FROM (
            SELECT unnest(json_extract(payload, '$.participants[*].sessions[*].metrics[*]')) AS m
            FROM raw_genesys.conversations
        ) WHERE json_extract_string(m, '$.name') = 'tHandle'
        """,
    )
    return int(rows[0][0] or 0)


def conversations_with_attributes(warehouse: Path) -> int:
    rows = query(
        warehouse,
        """
        SELECT count(*) FROM raw_genesys.conversations
        WHERE len(list_filter(json_extract(payload, '$.participants[*].attributes'),
                              lambda a: a IS NOT NULL AND a::VARCHAR <> '{}')) > 0
        """,
    )
    return int(rows[0][0])
