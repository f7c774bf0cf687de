"""Run the ``cxlake`` command line in a child process, as a user would, for the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run_cxlake(env: dict[str, str], *args: str, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    """``python -m cxlake.cli *args`` from the project folder with ``env``; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "cxlake.cli", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
