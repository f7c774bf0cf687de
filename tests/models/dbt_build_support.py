"""Helpers of the dbt model tests: build a warehouse with ``cxlake build`` and capture its marts."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from cxlake.build import BuildOptions, run_build


@dataclass
class BuiltWarehouse:
    """A warehouse built by the tests, with what each build returned and the marts it held."""

    path: Path
    manifest: dict[str, Any]
    build_codes: list[int]
    marts_after_build: list[dict[str, list[tuple[Any, ...]]]]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()


def capture_marts(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every relation of schema ``marts`` as its fully sorted rows."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'select * from marts."{name}" order by all').fetchall()
            for name in names
        }


def build_into(warehouse: Path, dbt_args: tuple[str, ...] = ()) -> int:
    """``cxlake build [dbt_args]`` on ``warehouse`` (restoring CXLAKE_WAREHOUSE afterwards)."""
    previous = os.environ.get("CXLAKE_WAREHOUSE")
    os.environ["CXLAKE_WAREHOUSE"] = str(warehouse)
    try:
        return run_build(warehouse, BuildOptions(dbt_args=tuple(dbt_args)))
    finally:
        if previous is None:
            os.environ.pop("CXLAKE_WAREHOUSE", None)
        else:
            os.environ["CXLAKE_WAREHOUSE"] = previous


def filter_ndjson(folder: Path, keep: Any) -> None:
    """Rewrite the NDJSON parts of ``folder`` keeping the records for which ``keep`` is true."""
    for part in sorted(folder.glob("*.ndjson")):
        lines = part.read_text(encoding="utf-8").splitlines()
        part.write_text("".join(line + "\n" for line in lines if keep(json.loads(line))), encoding="utf-8")
