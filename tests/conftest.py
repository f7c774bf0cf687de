"""Shared pytest fixtures.

- ``small_tenant``: a generated tenant (``scale="small"``, seed 42), written once
  per test session; a ``Path`` to its directory. Treat it as read-only.
- ``sandbox_server``: a factory starting the API simulator over ``small_tenant``
  (or another ``data_dir``) on a free port; every server it started is stopped at
  teardown. ``sandbox_server(faults="flaky", rate_limit_per_minute=0)`` returns a
  started :class:`sandbox.simulator.server.SandboxServer` (use ``.url``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.simulator.server import SandboxServer


@pytest.fixture(scope="session")
def small_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.generator.generate import generate

    out = tmp_path_factory.mktemp("small_tenant")
    generate(out, scale="small")
    return out


@pytest.fixture
def sandbox_server(small_tenant: Path) -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def start(
        faults: str = "none", data_dir: Path | None = None, seed: int = 42, **options: Any
    ) -> SandboxServer:
        server = SandboxServer(data_dir or small_tenant, faults=faults, seed=seed, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
