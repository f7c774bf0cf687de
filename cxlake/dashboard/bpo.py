"""Dashboard 5, BPO partner: AHT and occupancy per 5-minute interval, daily roll-up.

For a ``bpo:<division>`` audience the reader has already restricted every row to that
partner's division in SQL; internal audiences see one block per partner. Metric names
are the business labels of ``bpo_metric_labels``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import BPO_PARTNER
from cxlake.dashboard.page import PERCENT_AXIS, Page, Section, focus_recent
from cxlake.dashboard.reader import MartReader

PRIVACY_NOTE = (
    "Aggregated partner metrics only: no caller numbers, no agent or customer names, no e-mail addresses."
)


def _line(x: pd.Series, y: pd.Series, name: str, color: str, marker_size: int = 3) -> go.Scatter:
    """Lines with markers: an interval between two empty ones still shows as a dot."""
    return go.Scatter(
        x=x,
        y=y,
        mode="lines+markers",
        name=name,
        connectgaps=False,
        line={"color": color, "width": 1},
        marker={"color": color, "size": marker_size},
    )


def _interval_figure(
    intervals: pd.DataFrame, time_zone: str, labels: dict[str, str]
) -> tuple[go.Figure, str]:
    aht, occupancy = labels["aht_seconds"], labels["occupancy_pct"]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(f"{aht} per 5-minute interval", f"{occupancy} per 5-minute interval"),
    )
    x = intervals["interval_start_local"]
    figure.add_trace(_line(x, intervals["aht_seconds"], aht, "#1c7ed6"), row=1, col=1)
    figure.add_trace(_line(x, intervals["occupancy_pct"], occupancy, "#2f9e44"), row=2, col=1)
    figure.update_yaxes(title_text="seconds", row=1, col=1)
    figure.update_yaxes(title_text="%", row=2, col=1, **PERCENT_AXIS)
    figure.update_xaxes(title_text=f"interval start, local time ({time_zone})", row=2, col=1)
    figure.update_layout(height=600, showlegend=False)
    return figure, focus_recent(figure, intervals["interval_start_local"])


def _daily_figure(daily: pd.DataFrame, time_zone: str, labels: dict[str, str]) -> go.Figure:
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Contacts per day", "Handle time, occupancy, service level per day"),
        specs=[[{}, {"secondary_y": True}]],
    )
    x = daily["local_date"]
    for metric, color in (("offered_count", "#a5d8ff"), ("handled_count", "#1c7ed6")):
        figure.add_trace(go.Bar(x=x, y=daily[metric], name=labels[metric], marker_color=color), row=1, col=1)
    figure.add_trace(
        _line(x, daily["aht_seconds"], labels["aht_seconds"], "#495057", marker_size=6),
        row=1,
        col=2,
        secondary_y=False,
    )
    for metric, color in (("occupancy_pct", "#2f9e44"), ("service_level_pct", "#e8590c")):
        figure.add_trace(
            _line(x, daily[metric], labels[metric], color, marker_size=6), row=1, col=2, secondary_y=True
        )
    figure.update_yaxes(title_text="seconds", row=1, col=2, secondary_y=False)
    figure.update_yaxes(title_text="%", row=1, col=2, secondary_y=True, **PERCENT_AXIS)
    figure.update_xaxes(title_text=f"day ({time_zone})")
    figure.update_layout(height=420, barmode="group", margin={"t": 60})
    return figure


def _labels(reader: MartReader) -> dict[str, str]:
    """Business label per metric id; a metric without a label keeps its id."""
    metrics = ("offered_count", "handled_count", "aht_seconds", "occupancy_pct", "service_level_pct")
    rows = reader.read("bpo_metric_labels")
    known = dict(zip(rows["metric_id"], rows["business_label"], strict=True))
    return {metric: str(known.get(metric, metric)) for metric in metrics}


QUALITY_NOTE = (
    "QA = average quality evaluation score (0-100; released, non-deleted, non-calibration evaluations, "
    "latest rescore) of the partner's contacts; CSAT = average completed-survey total score (0-100); "
    "adherence / conformance from the partner agents' summed WFM seconds. UTC days; n = contacts scored."
)


def _quality_figure(quality: pd.DataFrame) -> go.Figure | None:
    if quality.empty:
        return None
    x = quality["metric_date"]
    figure = go.Figure()
    for column, name, color, counts in (
        ("avg_qa_score", "QA score", "#0b7285", "qa_scored_contacts"),
        ("avg_csat_score", "CSAT", "#e8590c", "csat_responses"),
        ("adherence_pct", "schedule adherence %", "#5c940d", "scheduled_agents"),
    ):
        trace = _line(x, quality[column], name, color, marker_size=6)
        trace.customdata = quality[[counts]].to_numpy()
        trace.hovertemplate = "%{x|%Y-%m-%d}: %{y:.1f} (n=%{customdata[0]})<extra>" + name + "</extra>"
        figure.add_trace(trace)
    figure.update_yaxes(title_text="score / %", **PERCENT_AXIS)
    figure.update_xaxes(title_text="day (UTC)")
    figure.update_layout(height=380, margin={"t": 40})
    return figure


def _partner_sections(
    name: str,
    time_zone: str,
    intervals: pd.DataFrame,
    daily: pd.DataFrame,
    labels: dict[str, str],
    quality: pd.DataFrame | None = None,
) -> list[Section]:
    notes = [f"Times are the partner's local time, {time_zone}.", PRIVACY_NOTE]
    figure = None
    if not intervals.empty:
        figure, focus_note = _interval_figure(intervals, time_zone, labels)
        notes.append(focus_note)
    return [
        Section(f"{name}: 5-minute intervals ({time_zone})", figure, notes=notes),
        Section(
            f"{name}: daily roll-up ({time_zone})",
            None if daily.empty else _daily_figure(daily, time_zone, labels),
        ),
        Section(
            f"{name}: quality (QA), customer satisfaction (CSAT) and schedule adherence per day",
            _quality_figure(quality if quality is not None else pd.DataFrame()),
            notes=[QUALITY_NOTE],
        ),
    ]


def build(reader: MartReader) -> Page:
    intervals = reader.read("bpo_interval_metrics", order_by=("division_id", "interval_start_local"))
    daily = reader.read("bpo_daily_metrics", order_by=("division_id", "local_date"))
    quality = reader.read("bpo_partner_quality_daily", order_by=("division_id", "metric_date"))
    labels = _labels(reader)
    title = "BPO partners" if reader.partner is None else f"BPO partner: {reader.partner.partner_name}"
    page = Page(BPO_PARTNER, title, "AHT and occupancy per 5-minute interval, daily roll-up")
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
            labels,
            quality[quality["division_id"] == partner.division_id],
        )
    return page
