"""Every DuckDB connection cxlake opens, bounded by one memory setting.

DuckDB's default memory limit is 80% of the machine's memory, per process, and a query
that needs more fails instead of spilling unless a temp directory is set. cxlake's own
code (ingestion, validation, publish, dashboards, live, write-back, the build summary)
opens DuckDB only through :func:`connect`; dbt reads the same values through
``profiles.yml`` (``cxlake build`` passes them as dbt vars, see :func:`dbt_vars`). The values come
from :mod:`cxlake.config`: ``CXLAKE_MEMORY_LIMIT``, ``CXLAKE_THREADS``,
``CXLAKE_TEMP_DIRECTORY``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cxlake import config

DBT_VARS = {
    "memory_limit": "cxlake_memory_limit",
    "threads": "cxlake_duckdb_threads",
    "temp_directory": "cxlake_temp_directory",
}
"""dbt vars ``profiles.yml`` reads the resolved settings from (passed by ``cxlake build``)."""


def settings(warehouse: Path | None = None) -> dict[str, Any]:
    """DuckDB settings from the one memory setting: ``memory_limit``, ``threads``, ``temp_directory``.

    The temp directory is beside ``warehouse`` (default: the configured warehouse), where
    a query beyond the memory limit spills.
    """
    return {
        "memory_limit": config.memory_limit(),
        "threads": config.duckdb_threads(),
        "temp_directory": str(config.temp_directory(warehouse)),
    }


def memory_share(fraction: float) -> str:
    """``fraction`` of the memory limit, for a process that opens two DuckDB databases at once
    (each has its own buffer pool): their shares add up to the one limit."""
    mib = int(config.memory_limit().removesuffix("MiB"))
    return f"{max(64, int(mib * fraction))}MiB"


def connect(
    database: str | Path = ":memory:",
    *,
    read_only: bool = False,
    warehouse: str | Path | None = None,
    extra: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with cxlake's memory limit, threads and temp directory applied.

    ``warehouse`` places the temp directory (default: the configured warehouse); ``extra``
    adds DuckDB settings of the caller's own (e.g. compression).
    """
    options = {**settings(warehouse), **(extra or {})}
    _spill_parent(options["temp_directory"])
    return duckdb.connect(str(database), read_only=read_only, config=options)


def dbt_vars(warehouse: Path) -> dict[str, str | int]:
    """The dbt vars ``profiles.yml`` reads the DuckDB settings from, for builds of ``warehouse``."""
    values = settings(warehouse)
    _spill_parent(values["temp_directory"])
    return {DBT_VARS[name]: value for name, value in values.items()}


def _spill_parent(temp_directory: str) -> None:
    """DuckDB creates the temp directory itself on the first spill, but not its parents."""
    Path(temp_directory).parent.mkdir(parents=True, exist_ok=True)
