"""Fixtures for the dbt model tests: real DuckDB files built from the generated small tenant.

``retrain_warehouse`` is the main one (built once per session):

1. the small tenant *before* the scorecard retrain (files without the ``v2`` scorecard rows)
   is ingested in file mode and built (``run_build([])``: seeds, models, snapshots, data
   tests and unit tests), and every mart is captured;
2. the retrain extraction (Predictive Engagement files carrying only the ``v2`` rows, as
   the API serves only the active version) is ingested and the project built again
   (incrementally), and every mart is captured again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dbt_build_support import BuiltWarehouse, build_into, capture_marts, filter_ndjson

from ingestion.run import run_ingest

START = date(2026, 10, 1)
RETRAINED_VERSION = "v2"


@pytest.fixture(scope="session")
def tenant_manifest(small_tenant: Path) -> dict[str, Any]:
    return json.loads((small_tenant / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def retrain_warehouse(
    small_tenant: Path, tenant_manifest: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltWarehouse]:
    root = tmp_path_factory.mktemp("models")
    before_retrain = root / "before_retrain"
    shutil.copytree(small_tenant, before_retrain)
    filter_ndjson(
        before_retrain / "predictive_engagement" / "scorecard_analytics",
        lambda record: record["modelVersion"] != RETRAINED_VERSION,
    )
    retrain_extraction = root / "retrain_extraction"
    shutil.copytree(small_tenant / "predictive_engagement", retrain_extraction / "predictive_engagement")
    filter_ndjson(
        retrain_extraction / "predictive_engagement" / "scorecard_analytics",
        lambda record: record["modelVersion"] == RETRAINED_VERSION,
    )

    warehouse = root / "warehouse.duckdb"
    sources = ["genesys", "predictive_engagement", "salesforce"]
    assert run_ingest(warehouse, sources, from_files=before_retrain, start=START, progress=False).ok
    codes = [build_into(warehouse)]
    captures = [capture_marts(warehouse)]
    assert run_ingest(
        warehouse, ["predictive_engagement"], from_files=retrain_extraction, start=START, progress=False
    ).ok
    codes.append(build_into(warehouse))
    captures.append(capture_marts(warehouse))
    yield BuiltWarehouse(warehouse, tenant_manifest, codes, captures)


@pytest.fixture(scope="session")
def warehouse_without_predictive_engagement(
    small_tenant: Path, tenant_manifest: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """An org without the Predictive Engagement add-on: its raw schema never loads."""
    warehouse = tmp_path_factory.mktemp("no_pe") / "warehouse.duckdb"
    assert run_ingest(
        warehouse, ["genesys", "salesforce"], from_files=small_tenant, start=START, progress=False
    ).ok
    code = build_into(warehouse)
    return BuiltWarehouse(warehouse, tenant_manifest, [code], [capture_marts(warehouse)] if code == 0 else [])
