"""Fixtures of the write-back tests.

- ``wb_tenant``: a copy of the session's small tenant with its dialer contact lists written
  (``genesys/contact_list_contacts``); read-only for the tests.
- ``base_warehouse``: that tenant ingested from files once per session.
- ``warehouse``: a fresh copy of ``base_warehouse`` per test.
- ``push_options``: fast settings (no pause between writes, quick job polls and backoff).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxlake.writeback.push import PushOptions
from ingestion.run import run_ingest
from sandbox.generator.contact_lists import write_contact_lists


@pytest.fixture(scope="session")
def wb_tenant(small_tenant: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wb") / "tenant"
    shutil.copytree(small_tenant, out)
    assert write_contact_lists(out) > 100
    return out


@pytest.fixture(scope="session")
def base_warehouse(wb_tenant: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb_warehouse") / "cx.duckdb"
    summary = run_ingest(path, ["genesys", "salesforce"], from_files=wb_tenant, progress=False)
    assert summary.ok
    return path


@pytest.fixture
def warehouse(base_warehouse: Path, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse" / "cx.duckdb"
    path.parent.mkdir()
    shutil.copy(base_warehouse, path)
    return path


@pytest.fixture
def push_options() -> PushOptions:
    return PushOptions(
        batch_size=4, interval_s=0.0, rate_limit_per_minute=0, job_poll_s=0.02, backoff_base_s=0.01
    )
