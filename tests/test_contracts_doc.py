"""docs/contracts.md stands alone: no pointer outside the repository, no private labels."""

from __future__ import annotations

import re
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[1] / "docs" / "contracts.md"
OUTSIDE = re.compile(r"\.\./shared|\b[Ss]eed[ -]?0\d\d\b|\b[Ss]eed guides?\b|\bFACTS\b")


def test_contracts_name_nothing_outside_the_repository() -> None:
    found = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(CONTRACTS.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, found
