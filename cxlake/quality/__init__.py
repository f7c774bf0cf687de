"""Data quality: Great Expectations suites on the warehouse (``cxlake validate``)."""

from __future__ import annotations

import sys
from pathlib import Path

from cxlake.quality.stamp import fingerprint, write_stamp


def default_docs_dir(warehouse: Path) -> Path:
    """Data Docs go next to the warehouse unless told otherwise."""
    return warehouse.parent / "data_docs"


def run_validate(warehouse: Path, docs_dir: Path | None = None) -> int:
    """Validate ``warehouse``; print the report; 0 when no critical expectation failed, else 1.

    Leaves a validation stamp beside the warehouse, which ``cxlake publish`` requires.
    Returns 2 when there is no warehouse to validate.
    """
    from cxlake.quality.report import format_report
    from cxlake.quality.runner import validate_warehouse

    if not warehouse.exists():
        print(f"cxlake validate: no warehouse at {warehouse}", file=sys.stderr)
        return 2
    validated_state = fingerprint(warehouse)
    outcome = validate_warehouse(warehouse, docs_dir or default_docs_dir(warehouse))
    print(format_report(outcome))
    write_stamp(
        warehouse, validated_state, outcome.success, len(outcome.critical_failures), len(outcome.warnings)
    )
    return 0 if outcome.success else 1
