"""The one configuration surface cxlake's own code needs: where the warehouse lives."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = "warehouse/cxlake.duckdb"
PROJECT_DIR = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    """Absolute path of the shared DuckDB file (env ``CXLAKE_WAREHOUSE``)."""
    return Path(os.environ.get("CXLAKE_WAREHOUSE") or DEFAULT_WAREHOUSE).expanduser().resolve()


def publish_dir() -> Path:
    """Where ``cxlake publish`` writes reader copies (env ``CXLAKE_PUBLISH_DIR``)."""
    default = warehouse_path().parent / "published"
    return Path(os.environ.get("CXLAKE_PUBLISH_DIR") or default).expanduser().resolve()


MEMORY_LIMIT_ENV = "CXLAKE_MEMORY_LIMIT"
THREADS_ENV = "CXLAKE_THREADS"
TEMP_DIRECTORY_ENV = "CXLAKE_TEMP_DIRECTORY"
DEFAULT_MEMORY_SHARE = 0.5
"""Share of the machine's memory (or of the cgroup limit, if lower) DuckDB may use by default."""

_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def machine_memory_bytes() -> int:
    """Physical memory of this machine, or the cgroup's memory limit when that is lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def memory_limit() -> str:
    """DuckDB ``memory_limit`` for every connection cxlake and dbt open (env ``CXLAKE_MEMORY_LIMIT``).

    Accepts a size (``4GB``, ``4GiB``, ``512MB``) or a share of the machine's memory
    (``25%``); default half of it. Returned in MiB, as DuckDB reads it.
    """
    raw = (os.environ.get(MEMORY_LIMIT_ENV) or "").strip()
    if not raw:
        size = machine_memory_bytes() * DEFAULT_MEMORY_SHARE
    else:
        size = _parse_size(raw)
    return f"{max(1, int(size // 1024**2))}MiB"


def _parse_size(raw: str) -> float:
    text = raw.replace(" ", "").lower()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return machine_memory_bytes() * share / 100
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = text[len(number) :] or "b"
        size = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise ValueError(
            f"{MEMORY_LIMIT_ENV}={raw!r} is not a memory size: use e.g. 4GB, 4GiB, 512MB or 25%"
        ) from None
    if size < 64 * 1024**2:
        raise ValueError(f"{MEMORY_LIMIT_ENV}={raw!r} is below the 64MB DuckDB needs to run cxlake")
    return size


def duckdb_threads() -> int:
    """DuckDB worker threads per connection (env ``CXLAKE_THREADS``, default the usable cores)."""
    raw = (os.environ.get(THREADS_ENV) or "").strip()
    if not raw:
        return max(1, len(os.sched_getaffinity(0)))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{THREADS_ENV}={raw!r} is not a positive whole number of threads")
    return int(raw)


def temp_directory(warehouse: str | Path | None = None) -> Path:
    """Where DuckDB spills beyond the memory limit (env ``CXLAKE_TEMP_DIRECTORY``, default
    ``.duckdb_tmp`` beside the warehouse file)."""
    raw = os.environ.get(TEMP_DIRECTORY_ENV)
    if raw:
        return Path(raw).expanduser().resolve()
    return Path(warehouse or warehouse_path()).parent / ".duckdb_tmp"
