"""The repository stands alone: no file points outside it or cites private labels.

A user's clone must make sense by itself, so no tracked file names the folder of
material cxlake was designed from, numbered guides or fact sheets; the facts cxlake
relies on are written into its own docs (docs/contracts.md, ingestion/README.md).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# built from parts so that this file does not match itself
OUTSIDE = re.compile(
    r"\.\./" + "shared" + r"|\b[Ss]eed[ -]?0\d\d\b|\b[Ss]eed guides?\b|\b" + "FA" + "CTS" + r"\b"
)


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return [ROOT / name for name in listed]


def test_no_tracked_file_names_anything_outside_the_repository() -> None:
    found = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found += [
            f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
            for number, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert not found, found
