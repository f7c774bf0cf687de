"""Shared pytest fixtures.

- ``small_tenant``: a generated tenant (``scale="small"``, seed 42), written once
  per test session; a ``Path`` to its directory. Treat it as read-only.
- ``sandbox_server``: a factory starting the API simulator over ``small_tenant``
  (or another ``data_dir``) on a free port; every server it started is stopped at
  teardown. ``sandbox_server(faults="flaky", rate_limit_per_minute=0)`` returns a
  started :class:`sandbox.simulator.server.SandboxServer` (use ``.url``).
- ``small_run``: one ``cxlake run --from-files`` of ``small_tenant`` per session (ingest,
  build, validate, publish); a factory copying its folder (warehouse, stamps, dbt target,
  publication) to a fresh place and returning ``(env, run)`` for it: the env points at
  the copy, ``run`` is the completed process of the one run.

The suite runs on two workers (``make test``: pytest-xdist ``-n 2 --dist loadscope``):
a module runs whole on one worker, so its module fixtures are built once; a session
fixture several modules share is built at most once per worker. Tests stay isolated:
their own ``tmp_path`` warehouses, free ports, no ``chdir``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import cxlake.quality  # noqa: F401  (before any GX import: keeps pyspark from exiting an xdist worker)
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


def cxlake_env(root: Path) -> dict[str, str]:
    """Environment of a ``cxlake`` child process whose warehouse and publication are under ``root``."""
    return {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(root / "warehouse" / "cxlake.duckdb"),
        "CXLAKE_PUBLISH_DIR": str(root / "published"),
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }


@pytest.fixture(scope="session")
def _small_run_once(
    small_tenant: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    from cxlake_cli import run_cxlake

    root = tmp_path_factory.mktemp("small_run")
    run = run_cxlake(cxlake_env(root), "run", "--from-files", str(small_tenant), "--quiet")
    return root, run


@pytest.fixture(scope="session")
def small_run(
    _small_run_once: tuple[Path, subprocess.CompletedProcess[str]], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], tuple[dict[str, str], subprocess.CompletedProcess[str]]]:
    root, run = _small_run_once

    def copy() -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
        # copy2 keeps sizes and mtimes, so the build and validation stamps still match the copy
        target = tmp_path_factory.mktemp("small_run_copy")
        shutil.copytree(root, target, symlinks=True, dirs_exist_ok=True)
        return cxlake_env(target), run

    return copy
