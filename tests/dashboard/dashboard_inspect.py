"""Read back what a rendered dashboard file holds: its own HTML and the plotly figures' data.

``page_data`` removes the inlined plotly.js bundle after checking it is byte-identical
to the one shipped with the installed plotly (so nothing can hide in it); everything
else in the file (markup, notes, figure JSON) is what the scans look at.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import plotly.offline

_BUNDLE = plotly.offline.get_plotlyjs()
_NEW_PLOT = re.compile(r'Plotly\.newPlot\(\s*"([^"]+)",\s*')
PHONE = re.compile(r"tel:|(?<![\w.])\+\d[\d ().-]{6,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def page_data(path: Path) -> str:
    """The file's text without the plotly.js bundle, which must appear exactly once."""
    text = path.read_text(encoding="utf-8")
    count = text.count(_BUNDLE)
    if count != 1:
        raise AssertionError(f"{path}: plotly.js bundle inlined {count} times, expected once")
    return text.replace(_BUNDLE, "")


def _decode(value: Any) -> Any:
    """Turn plotly's typed-array encoding ``{"dtype", "bdata"}`` back into lists."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def figures(path: Path) -> dict[str, dict[str, Any]]:
    """``{div id: {"data": [...traces], "layout": {...}}}`` of every chart in the file."""
    text = page_data(path)
    decoder = json.JSONDecoder()
    found: dict[str, dict[str, Any]] = {}
    for match in _NEW_PLOT.finditer(text):
        data, end = decoder.raw_decode(text, match.end())
        layout, _ = decoder.raw_decode(text, text.index("{", end))
        found[match.group(1)] = {"data": _decode(data), "layout": layout}
    return found


def tier_ltv(unified_page: Path) -> dict[str, Any] | None:
    """Per tier, the avg customer LTV in the Unified CX escalation-by-tier chart (None: not shown)."""
    for chart in figures(unified_page).values():
        for trace in chart["data"]:
            if trace.get("type") == "bar" and "escalation rate" in str(trace.get("hovertemplate")):
                if "customer LTV" not in trace["hovertemplate"]:
                    return None
                return {tier: row[3] for tier, row in zip(trace["x"], trace["customdata"], strict=True)}
    raise AssertionError(f"no escalation-by-tier chart in {unified_page}")


def leaks(text: str, forbidden: list[str]) -> list[str]:
    """Forbidden strings (case-insensitive), phone numbers and e-mail addresses found in ``text``."""
    lowered = text.lower()
    found = [item for item in forbidden if item and item.lower() in lowered]
    found += [f"phone-like {m.group(0)!r}" for m in PHONE.finditer(text)]
    found += [f"e-mail {m.group(0)!r}" for m in EMAIL.finditer(text)]
    return found
