"""Dashboard 2, supervisor (seed 001): agent counts (bars) and utilization % (line, second axis)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import SUPERVISOR_VIEW
from cxlake.dashboard.page import Badge, Page, Section
from cxlake.dashboard.reader import MartReader

LOW_UTILIZATION_PCT = 50.0
HIGH_VOLUME_QUANTILE = 0.75
"""Dialer volume is "high" in an interval at or above this quantile of the campaign's busy intervals."""

UTC_NOTE = (
    "All times are UTC (campaign schedules and agent shifts normalised to one reference frame). "
    "Utilization % = 100 x (interacting + communicating) / (idle + interacting + communicating + "
    "not responding) time."
)
LICENCE_NOTE = (
    "Agents whose licence is inactive are drawn as separate grey bars 'inactive licence': they are not "
    "counted as available agents and not as zero utilization."
)


def _dual_axis_rows(titles: list[str]) -> go.Figure:
    return make_subplots(
        rows=len(titles),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.08, 0.5 / len(titles)),
        subplot_titles=titles,
        specs=[[{"secondary_y": True}] for _ in titles],
    )


def _finish(figure: go.Figure, rows: int) -> None:
    figure.update_yaxes(title_text="agents", secondary_y=False)
    figure.update_yaxes(title_text="utilization %", range=[0, 100], secondary_y=True)
    figure.update_xaxes(title_text="interval start (UTC)", row=rows, col=1)
    figure.update_layout(
        height=max(360, 260 * rows),
        barmode="stack",
        margin={"t": 60},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )


def _skill_group_figure(utilization: pd.DataFrame) -> go.Figure:
    groups = sorted(utilization["skill_group_name"].fillna(utilization["skill_group_id"]).unique())
    figure = _dual_axis_rows([f"Skill group {g}" for g in groups])
    frame = utilization.assign(group=utilization["skill_group_name"].fillna(utilization["skill_group_id"]))
    for row, group in enumerate(groups, start=1):
        rows = frame[frame["group"] == group]
        first = row == 1
        figure.add_trace(
            go.Bar(
                x=rows["interval_start"],
                y=rows["agents_on_queue"],
                name="agents on queue",
                marker_color="#4dabf7",
                legendgroup="onq",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=False,
        )
        figure.add_trace(
            go.Bar(
                x=rows["interval_start"],
                y=rows["inactive_licence_agents"],
                name="inactive licence",
                marker_color="#adb5bd",
                legendgroup="inactive",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=False,
        )
        figure.add_trace(
            go.Scatter(
                x=rows["interval_start"],
                y=rows["utilization_pct"],
                mode="lines",
                name="utilization %",
                line={"color": "#e8590c", "width": 1.5},
                legendgroup="util",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=True,
        )
    _finish(figure, len(groups))
    return figure


def low_utilization_high_volume(capacity: pd.DataFrame) -> pd.Series:
    """Rows where utilization is below 50% while the campaign's dialer volume is high."""
    busy = capacity[capacity["contacted"] > 0]
    threshold = busy.groupby("campaign_id")["contacted"].quantile(HIGH_VOLUME_QUANTILE)
    high = capacity["contacted"] >= capacity["campaign_id"].map(threshold).fillna(float("inf"))
    return high & (capacity["contacted"] > 0) & (capacity["utilization_pct"] < LOW_UTILIZATION_PCT)


def _campaign_figure(capacity: pd.DataFrame, warned: pd.Series) -> go.Figure:
    frame = capacity.assign(campaign=capacity["campaign_name"].fillna(capacity["campaign_id"]), warned=warned)
    campaigns = sorted(frame["campaign"].unique())
    figure = _dual_axis_rows([f"Campaign {c}" for c in campaigns])
    for row, campaign in enumerate(campaigns, start=1):
        rows = frame[frame["campaign"] == campaign]
        first = row == 1
        figure.add_trace(
            go.Bar(
                x=rows["interval_start"],
                y=rows["agents_on_queue"],
                name="agents on queue",
                marker_color="#4dabf7",
                legendgroup="onq",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=False,
        )
        figure.add_trace(
            go.Scatter(
                x=rows["interval_start"],
                y=rows["contacted"],
                mode="lines",
                name="dialer contacts",
                line={"color": "#495057", "dash": "dot", "width": 1},
                legendgroup="dial",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=False,
        )
        figure.add_trace(
            go.Scatter(
                x=rows["interval_start"],
                y=rows["utilization_pct"],
                mode="lines",
                name="utilization %",
                line={"color": "#e8590c", "width": 1.5},
                legendgroup="util",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=True,
        )
        flagged = rows[rows["warned"]]
        figure.add_trace(
            go.Scatter(
                x=flagged["interval_start"],
                y=flagged["utilization_pct"],
                mode="markers",
                name="warning: utilization < 50% at high dialer volume",
                marker={"color": "#e03131", "size": 8, "symbol": "triangle-down"},
                legendgroup="warn",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=True,
        )
    _finish(figure, len(campaigns))
    figure.update_yaxes(title_text="agents / dialer contacts", secondary_y=False)
    return figure


def _warning_badges(capacity: pd.DataFrame, warned: pd.Series) -> list[Badge]:
    if not warned.any():
        return [Badge("No interval with utilization below 50% at high dialer volume", "ok")]
    flagged = capacity[warned]
    names = flagged["campaign_name"].fillna(flagged["campaign_id"])
    return [
        Badge(
            f"Warning: {count} interval(s) of {name} with utilization below 50% while dialer volume is high",
            "bad",
        )
        for name, count in names.value_counts().sort_index().items()
    ]


def build(reader: MartReader) -> Page:
    utilization = reader.read("agent_utilization", order_by=("skill_group_id", "interval_start"))
    capacity = reader.read("supervisor_campaign_capacity", order_by=("campaign_id", "interval_start"))
    page = Page(
        SUPERVISOR_VIEW,
        "Supervisor: campaigns and agent utilization",
        "dialer activity against agent capacity, UTC (seed 001)",
    )
    if utilization.empty:
        page.sections.append(Section("Agent utilization per skill group"))
    else:
        inactive = int(utilization.groupby("skill_group_id")["inactive_licence_agents"].max().sum())
        badge = Badge(
            f"{inactive} agent(s) with an inactive licence, shown as such", "warn" if inactive else "ok"
        )
        page.sections.append(
            Section(
                "Agent utilization per skill group",
                _skill_group_figure(utilization),
                notes=[UTC_NOTE, LICENCE_NOTE],
                badges=[badge],
            )
        )
    if capacity.empty:
        page.sections.append(Section("Campaign capacity"))
    else:
        warned = low_utilization_high_volume(capacity)
        page.sections.append(
            Section(
                "Campaign capacity: dialer volume against agents of the campaign's skill groups",
                _campaign_figure(capacity, warned),
                badges=_warning_badges(capacity, warned),
                notes=[
                    f"High dialer volume = at or above the {int(HIGH_VOLUME_QUANTILE * 100)}th percentile of "
                    "the campaign's intervals with dialer contacts. Campaigns map to agents through their "
                    "queue's skill groups, not by timestamp.",
                    UTC_NOTE,
                ],
            )
        )
    return page
