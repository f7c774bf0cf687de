"""Assemble one self-contained HTML page from plotly figures, notes and badges.

The plotly.js bundle is inlined once per page (``include_plotlyjs=True`` on the first
figure), so the file works offline; no CDN, no external fonts or styles.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

PALETTE = ("#1c7ed6", "#e8590c", "#2f9e44", "#9c36b5", "#c2255c", "#0b7285", "#5c940d", "#862e9c")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

PERCENT_AXIS = {"range": [0, 100], "tickmode": "linear", "tick0": 0, "dtick": 25}
"""A 0-100 % axis with its own ticks (not synced to a neighbouring count axis)."""

_RANGE_BUTTONS = {
    "buttons": [
        {"count": 1, "label": "1 day", "step": "day", "stepmode": "backward"},
        {"count": 2, "label": "2 days", "step": "day", "stepmode": "backward"},
        {"count": 7, "label": "1 week", "step": "day", "stepmode": "backward"},
        {"step": "all", "label": "all"},
    ],
    "x": 0,
    "xanchor": "left",
    "yanchor": "bottom",
}
TOP_MARGIN = 110
BOTTOM_MARGIN = 60


def above_plot(figure: go.Figure, pixels: int) -> float:
    """Paper y coordinate ``pixels`` above the plot area (room for subplot titles below it)."""
    height = figure.layout.height or 450
    return 1 + pixels / max(height - TOP_MARGIN - BOTTOM_MARGIN, 1)


def top_legend(figure: go.Figure) -> None:
    """Horizontal legend at the top right, above the first subplot title."""
    figure.update_layout(
        margin={"t": TOP_MARGIN, "b": BOTTOM_MARGIN},
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": above_plot(figure, 34),
            "yanchor": "bottom",
        },
    )


def focus_recent(figure: go.Figure, times: pd.Series, days: int = 2) -> str:
    """Open a dense time chart on its last ``days`` days (buttons switch to the whole period).

    Call after the layout height is set. Returns a note saying so; every point stays in the data.
    """
    end = pd.Timestamp(times.max())
    start = max(pd.Timestamp(times.min()), end - pd.Timedelta(days=days))
    figure.update_xaxes(range=[start, end + pd.Timedelta(minutes=15)])
    buttons = {**_RANGE_BUTTONS, "y": above_plot(figure, 34)}
    figure.update_layout(margin={"t": TOP_MARGIN, "b": BOTTOM_MARGIN}, xaxis={"rangeselector": buttons})
    return f"Opens on the last {days} days of data; the 'all' button above the chart shows the whole period."


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2933;
       background: #f5f7fa; }
header { background: #1f3a5f; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; font-size: 13px; opacity: .85; }
main { padding: 12px 24px 32px; }
section { background: #fff; border-radius: 6px; padding: 12px 16px; margin: 12px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section h2 { font-size: 17px; margin: 0 0 6px; }
.note { font-size: 13px; color: #52606d; margin: 4px 0; }
.badge { display: inline-block; padding: 4px 10px; border-radius: 12px; font-weight: 600; font-size: 13px;
         margin: 4px 6px 4px 0; }
.badge.ok { background: #d3f9d8; color: #2b8a3e; }
.badge.warn { background: #fff3bf; color: #8d6e00; }
.badge.bad { background: #ffe3e3; color: #c92a2a; }
.empty { color: #7b8794; font-style: italic; }
nav a { color: #fff; margin-right: 14px; }
ul.links li { margin: 6px 0; }
"""


@dataclass
class Badge:
    """A coloured status pill: ``ok`` green, ``warn`` amber, ``bad`` red."""

    text: str
    level: Literal["ok", "warn", "bad"] = "ok"


@dataclass
class Section:
    """One titled block: notes, badges and at most one figure (``None`` = no data message)."""

    title: str
    figure: go.Figure | None = None
    notes: list[str] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    empty_message: str = "No data in the published marts for this view."


@dataclass
class Page:
    slug: str
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)


def _figure_html(figure: go.Figure, div_id: str, first: bool) -> str:
    return figure.to_html(
        full_html=False,
        include_plotlyjs=first,
        include_mathjax=False,
        config=PLOTLY_CONFIG,
        div_id=div_id,
    )


def _section_html(section: Section, index: int, first_figure: bool) -> str:
    parts = [f"<section><h2>{html.escape(section.title)}</h2>"]
    parts += [f'<span class="badge {b.level}">{html.escape(b.text)}</span>' for b in section.badges]
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in section.notes]
    if section.figure is None:
        parts.append(f'<p class="empty">{html.escape(section.empty_message)}</p>')
    else:
        parts.append(_figure_html(section.figure, f"chart-{index}", first_figure))
    parts.append("</section>")
    return "\n".join(parts)


def page_html(page: Page, audience_label: str, footer: str) -> str:
    """Full HTML document of ``page``; the plotly bundle is inlined with its first figure."""
    body: list[str] = []
    bundle_pending = True
    for index, section in enumerate(page.sections):
        body.append(_section_html(section, index, bundle_pending))
        if section.figure is not None:
            bundle_pending = False
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(page.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{html.escape(page.title)}</h1>"
        f"<p>{html.escape(page.subtitle)} &middot; audience: {html.escape(audience_label)}</p>"
        '<nav><a href="index.html">all dashboards</a></nav></header>'
        f'<main>{"".join(body)}<p class="note">{html.escape(footer)}</p></main></body></html>\n'
    )


def index_html(pages: list[Page], audience_label: str, footer: str) -> str:
    links = "".join(
        f'<li><a href="{html.escape(p.slug)}.html">{html.escape(p.title)}</a> '
        f'<span class="note">{html.escape(p.subtitle)}</span></li>'
        for p in pages
    )
    # The live views are served by `cxlake live serve`; named as text, since these pages never
    # link outside their folder (they work offline).
    live = os.environ.get("CXLAKE_LIVE_URL", "http://127.0.0.1:8770/")
    links += (
        f"<li>Live views (campaign and supervisor, sub-minute): <code>{html.escape(live)}</code> "
        '<span class="note">while <code>cxlake live serve</code> runs</span></li>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>cxlake dashboards</title>'
        f"<style>{_CSS}</style></head><body><header><h1>cxlake dashboards</h1>"
        f"<p>audience: {html.escape(audience_label)}</p></header>"
        f'<main><section><ul class="links">{links}</ul></section>'
        f'<p class="note">{html.escape(footer)}</p></main></body></html>\n'
    )


def write_page(out: Path, name: str, text: str) -> Path:
    path = out / f"{name}.html"
    path.write_text(text, encoding="utf-8")
    return path
