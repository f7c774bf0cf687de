"""``cxlake run`` stops at the first failing stage with a one-line reason and publishes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_failing_stage_is_named_in_one_line_and_nothing_is_published(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(tmp_path / "warehouse" / "cxlake.duckdb"),
        "CXLAKE_PUBLISH_DIR": str(tmp_path / "published"),
    }
    missing = tmp_path / "no-such-export"
    run = subprocess.run(
        [sys.executable, "-m", "cxlake.cli", "run", "--from-files", str(missing), "--quiet"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"cxlake run: FAILED at stage 'ingest': FileNotFoundError: --from-files: {missing} is not a directory"
    ]
    assert not (tmp_path / "published").exists()
