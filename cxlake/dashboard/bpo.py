"""Dashboard 5, BPO partner (seed 004): AHT and occupancy per 5-minute interval, daily roll-up.

For a ``bpo:<division>`` audience the reader has already restricted every row to that
partner's division in SQL; internal audiences see one block per partner.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import BPO_PARTNER
from cxlake.dashboard.page import Page, Section
from cxlake.dashboard.reader import MartReader

PRIVACY_NOTE = (
    "Aggregated partner metrics only: no caller numbers, no agent or customer names, no e-mail addresses."
)


def _interval_figure(intervals: pd.DataFrame, time_zone: str) -> go.Figure:
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            "Average handle time (seconds) per 5-minute interval",
            "Occupancy % per 5-minute interval",
        ),
    )
    figure.add_trace(
        go.Scatter(
            x=intervals["interval_start_local"],
            y=intervals["aht_seconds"],
            mode="lines",
            name="AHT s",
            line={"color": "#1c7ed6", "width": 1},
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=intervals["interval_start_local"],
            y=intervals["occupancy_pct"],
            mode="lines",
            name="occupancy %",
            line={"color": "#2f9e44", "width": 1},
        ),
        row=2,
        col=1,
    )
    figure.update_yaxes(title_text="seconds", row=1, col=1)
    figure.update_yaxes(title_text="%", range=[0, 100], row=2, col=1)
    figure.update_xaxes(title_text=f"interval start, local time ({time_zone})", row=2, col=1)
    figure.update_layout(height=560, showlegend=False, margin={"t": 60})
    return figure


def _daily_figure(daily: pd.DataFrame, time_zone: str) -> go.Figure:
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Contacts per day", "AHT, occupancy, service level"),
        specs=[[{}, {"secondary_y": True}]],
    )
    figure.add_trace(
        go.Bar(x=daily["local_date"], y=daily["offered"], name="offered", marker_color="#a5d8ff"),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(x=daily["local_date"], y=daily["handled"], name="handled", marker_color="#1c7ed6"),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=daily["local_date"],
            y=daily["aht_seconds"],
            name="AHT s",
            mode="lines+markers",
            line={"color": "#495057"},
        ),
        row=1,
        col=2,
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=daily["local_date"],
            y=daily["occupancy_pct"],
            name="occupancy %",
            mode="lines+markers",
            line={"color": "#2f9e44"},
        ),
        row=1,
        col=2,
        secondary_y=True,
    )
    figure.add_trace(
        go.Scatter(
            x=daily["local_date"],
            y=daily["service_level_pct"],
            name="service level %",
            mode="lines+markers",
            line={"color": "#e8590c"},
        ),
        row=1,
        col=2,
        secondary_y=True,
    )
    figure.update_yaxes(title_text="seconds", row=1, col=2, secondary_y=False)
    figure.update_yaxes(title_text="%", range=[0, 100], row=1, col=2, secondary_y=True)
    figure.update_xaxes(title_text=f"day ({time_zone})")
    figure.update_layout(height=400, barmode="group", margin={"t": 60})
    return figure


def _partner_sections(
    name: str, time_zone: str, intervals: pd.DataFrame, daily: pd.DataFrame
) -> list[Section]:
    return [
        Section(
            f"{name}: 5-minute intervals ({time_zone})",
            None if intervals.empty else _interval_figure(intervals, time_zone),
            notes=[f"Times are the partner's local time, {time_zone}.", PRIVACY_NOTE],
        ),
        Section(
            f"{name}: daily roll-up ({time_zone})", None if daily.empty else _daily_figure(daily, time_zone)
        ),
    ]


def build(reader: MartReader) -> Page:
    intervals = reader.read("bpo_interval_metrics", order_by=("division_id", "interval_start_local"))
    daily = reader.read("bpo_daily_metrics", order_by=("division_id", "local_date"))
    if reader.partner is not None:
        title = f"BPO partner: {reader.partner.partner_name}"
    else:
        title = "BPO partners"
    page = Page(BPO_PARTNER, title, "AHT and occupancy per 5-minute interval, daily roll-up (seed 004)")
    partners = (
        pd.concat([intervals, daily])[["division_id", "partner_name", "time_zone"]]
        .drop_duplicates(subset=["division_id"])
        .sort_values("partner_name")
    )
    if partners.empty:
        page.sections.append(Section("Partner metrics", notes=[PRIVACY_NOTE]))
    for partner in partners.itertuples():
        page.sections += _partner_sections(
            str(partner.partner_name),
            str(partner.time_zone),
            intervals[intervals["division_id"] == partner.division_id],
            daily[daily["division_id"] == partner.division_id],
        )
    return page
