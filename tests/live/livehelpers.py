"""Reading a live store in tests: the rows exactly as a reader sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def store_rows(store: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted((store / "segments").glob("*.ndjson")):
        for line in path.read_bytes().splitlines():
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue  # a line cut by kill -9
    return rows


def settled_calls(store: Path) -> set[str]:
    return {
        r["conversation_id"]
        for r in store_rows(store)
        if r.get("kind") == "call" and r.get("disposition") and r.get("conversation_id")
    }
