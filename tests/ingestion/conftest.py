"""Fixtures of the ingestion tests: settings for fast runs and warehouse readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

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


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.fixture(scope="session")
def manifest(small_tenant: Path) -> dict[str, Any]:
    return orjson.loads((small_tenant / "manifest.json").read_bytes())
