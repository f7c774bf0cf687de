"""Shared pytest fixtures.

- ``small_tenant``: a generated tenant (``scale="small"``, seed 42), written once
  per test session; a ``Path`` to its directory. Treat it as read-only.
- ``sandbox_server``: a factory starting the API simulator over ``small_tenant``
  (or another ``data_dir``) on a free port; every server it started is stopped at
  teardown. ``sandbox_server(faults="flaky", rate_limit_per_minute=0)`` returns a
  started :class:`sandbox.server.SandboxServer` (use ``.url``).

The suite runs on two workers (``make test``: pytest-xdist ``-n 2 --dist loadgroup``).
Every test is grouped with the others that share its expensive fixtures, so each is
built once, on one worker: a module is one group (module fixtures), and a folder whose
``conftest.py`` builds session fixtures for several modules (``SHARED_FOLDERS``) is one
group. Tests stay isolated anyway: their own ``tmp_path`` warehouses, free ports, no
``chdir``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer

TESTS_DIR = Path(__file__).resolve().parent
SHARED_FOLDERS = ("models", "writeback", "dashboard")
"""Folders whose session fixtures (built warehouses, publications) serve several modules."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """An ``xdist_group`` per module, or per folder of ``SHARED_FOLDERS`` (no effect without xdist)."""
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(TESTS_DIR)
        group = relative.parts[0] if relative.parts[0] in SHARED_FOLDERS else relative.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def small_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.generate import generate

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
