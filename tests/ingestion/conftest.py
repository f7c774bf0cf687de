"""Fixtures of the ingestion tests: settings for fast runs and warehouse readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from ingest_helpers import FAST_ENV


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.fixture(scope="session")
def manifest(small_tenant: Path) -> dict[str, Any]:
    return orjson.loads((small_tenant / "manifest.json").read_bytes())
