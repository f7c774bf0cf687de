"""Data quality: Great Expectations suites on the warehouse (``cxlake validate``)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from cxlake.quality.stamp import fingerprint, write_stamp

if TYPE_CHECKING:
    from cxlake.quality.runner import ValidationOutcome


def _keep_pyspark_from_exiting() -> None:
    """Let Great Expectations import where pyspark is installed (the Spark engine's extra).

    GX imports ``pyspark.sql.connect``, whose import calls ``sys.exit(0)`` ("Skipping
    doctests") when ``__main__`` has neither ``__spec__`` nor ``__file__`` and grpc is absent:
    true of ``python -c`` and of pytest-xdist's workers. Naming the main module's file keeps
    that doctest check from firing; nothing else reads it.
    """
    # and its import-time FutureWarning about pandas 3 would land in every one-line CLI error
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None and not hasattr(main, "__file__"):
        main.__file__ = "<cxlake>"


_keep_pyspark_from_exiting()


def default_docs_dir(warehouse: Path) -> Path:
    """Data Docs go next to the warehouse unless told otherwise."""
    return warehouse.parent / "data_docs"


def validate(warehouse: Path, docs_dir: Path | None = None) -> ValidationOutcome:
    """Validate ``warehouse``, print the report and leave the validation stamp ``cxlake publish`` needs."""
    import duckdb

    from cxlake.lock import held_open, held_open_error, warehouse_lock
    from cxlake.quality.report import format_report
    from cxlake.quality.runner import validate_warehouse

    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    # held while reading too: a build or ingest writing meanwhile would make the stamp a lie
    with warehouse_lock(warehouse, "cxlake validate"):
        validated_state = fingerprint(warehouse)
        try:
            outcome = validate_warehouse(warehouse, docs_dir or default_docs_dir(warehouse))
        except duckdb.IOException as exc:
            if held_open(exc):
                raise held_open_error(warehouse, exc) from exc
            raise
        print(format_report(outcome))
        write_stamp(
            warehouse, validated_state, outcome.success, len(outcome.critical_failures), len(outcome.warnings)
        )
    return outcome


def run_validate(warehouse: Path, docs_dir: Path | None = None) -> int:
    """``cxlake validate``: 0 when no critical expectation failed, 1 when one did, 2 without a warehouse."""
    if not warehouse.exists():
        print(f"cxlake validate: no warehouse at {warehouse}", file=sys.stderr)
        return 2
    return 0 if validate(warehouse, docs_dir).success else 1
