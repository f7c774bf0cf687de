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
