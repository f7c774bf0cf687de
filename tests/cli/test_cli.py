"""The ``cxlake`` command line: argument routing and one-line errors instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cxlake_cli import run_cxlake

from cxlake.cli import parse_args


def _cxlake(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **extra_env,
        "CXLAKE_WAREHOUSE": str(tmp_path / "warehouse" / "cxlake.duckdb"),
        "CXLAKE_PUBLISH_DIR": str(tmp_path / "published"),
    }
    return run_cxlake(env, *args, timeout=120)


def test_build_passes_every_following_argument_to_dbt() -> None:
    assert parse_args(["build", "--full-refresh"]).dbt_args == ["--full-refresh"]
    assert parse_args(["build", "--quiet", "--select", "marts"]).dbt_args == ["--quiet", "--select", "marts"]
    assert parse_args(["build", "test", "--select", "x"]).dbt_args == ["test", "--select", "x"]
    assert parse_args(["build"]).dbt_args == []


def test_publish_refusal_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    run = _cxlake(tmp_path, "publish")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cxlake publish: error:")
    assert "does not exist" in lines[0]


def test_ingest_bad_window_names_the_options(tmp_path: Path) -> None:
    run = _cxlake(
        tmp_path, "ingest", "--from-files", str(tmp_path), "--start", "2026-10-05", "--end", "2026-10-01"
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "--start 2026-10-05 must be before --end 2026-10-01" in run.stderr


def test_unknown_bpo_partner_is_one_line(tmp_path: Path) -> None:
    run = _cxlake(tmp_path, "dashboard", "--audience", "bpo:nobody", "--published", str(tmp_path / "none"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith("cxlake dashboard: error:")


def test_debug_setting_shows_the_traceback(tmp_path: Path) -> None:
    run = _cxlake(tmp_path, "publish", CXLAKE_DEBUG="1")
    assert run.returncode != 0 and "Traceback" in run.stderr and "PublishError" in run.stderr
