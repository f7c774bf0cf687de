"""Dashboard 2, supervisor: agent counts (bars) and utilization % (line, second axis)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import SUPERVISOR_VIEW
from cxlake.dashboard.page import PALETTE, PERCENT_AXIS, Badge, Page, Section, focus_recent, top_legend
from cxlake.dashboard.reader import MartReader

SKILL_GROUP = "skill_group"
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


def _finish(figure: go.Figure, rows: int, count_title: str, times: pd.Series) -> str:
    """Axes, the 50% reference line, legend and the initial time window; returns the window note."""
    figure.update_yaxes(title_text=count_title, secondary_y=False)
    figure.update_yaxes(title_text="utilization %", secondary_y=True, **PERCENT_AXIS)
    for row in range(1, rows + 1):
        figure.add_hline(
            y=LOW_UTILIZATION_PCT,
            row=row,
            col=1,
            secondary_y=True,
            line={"color": "#e03131", "dash": "dot", "width": 1},
        )
    figure.update_xaxes(title_text="interval start (UTC)", row=rows, col=1)
    figure.update_layout(height=max(420, 240 * rows), barmode="stack", bargap=0.1)
    top_legend(figure)
    return focus_recent(figure, times)


def _add_agent_bars(figure: go.Figure, rows: pd.DataFrame, row: int) -> None:
    first = row == 1
    figure.add_trace(
        go.Bar(
            x=rows["interval_start_at"],
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
            x=rows["interval_start_at"],
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


def _add_utilization_line(figure: go.Figure, rows: pd.DataFrame, row: int) -> None:
    figure.add_trace(
        go.Scatter(
            x=rows["interval_start_at"],
            y=rows["utilization_pct"],
            mode="lines",
            name="utilization %",
            line={"color": "#e8590c", "width": 1.5},
            connectgaps=False,
            legendgroup="util",
            showlegend=row == 1,
        ),
        row=row,
        col=1,
        secondary_y=True,
    )


def _skill_group_figure(groups: pd.DataFrame) -> tuple[go.Figure, str]:
    names = sorted(groups["group_name"].unique())
    figure = _dual_axis_rows([f"Skill group {name}" for name in names])
    for row, name in enumerate(names, start=1):
        rows = groups[groups["group_name"] == name]
        _add_agent_bars(figure, rows, row)
        _add_utilization_line(figure, rows, row)
    note = _finish(figure, len(names), "agents", groups["interval_start_at"])
    return figure, note


def campaign_intervals(capacity: pd.DataFrame) -> pd.DataFrame:
    """Per campaign and interval: dialer contacts and the agents/utilization of its mapped skill groups.

    Utilization is recomputed from the summed numerator and denominator, never averaged.
    """
    mapped = capacity[
        capacity["is_mapped_to_campaign"].astype(bool) & (capacity["group_type"] == SKILL_GROUP)
    ]
    grouped = mapped.groupby(
        ["campaign_id", "campaign_name", "interval_start_at"], as_index=False, dropna=False
    )
    frame = grouped.agg(
        contacted=("contacted", "max"),
        agents_on_queue=("agents_on_queue", "sum"),
        inactive_licence_agents=("inactive_licence_agents", "sum"),
        numerator=("utilization_numerator_ms", "sum"),
        denominator=("utilization_denominator_ms", "sum"),
    )
    denominator = frame["denominator"].where(frame["denominator"] > 0)
    frame["utilization_pct"] = (100.0 * frame["numerator"] / denominator).round(1)
    frame["campaign_name"] = frame["campaign_name"].fillna(frame["campaign_id"])
    frame["warned"] = low_utilization_high_volume(frame)
    return frame


def low_utilization_high_volume(intervals: pd.DataFrame) -> pd.Series:
    """Intervals where utilization is below 50% while the campaign's dialer volume is high."""
    busy = intervals[intervals["contacted"] > 0]
    threshold = busy.groupby("campaign_id")["contacted"].quantile(HIGH_VOLUME_QUANTILE)
    high = intervals["contacted"] >= intervals["campaign_id"].map(threshold).fillna(float("inf"))
    low = intervals["utilization_pct"].fillna(100.0) < LOW_UTILIZATION_PCT
    return high & (intervals["contacted"] > 0) & low


def _campaign_figure(intervals: pd.DataFrame) -> tuple[go.Figure, str]:
    campaigns = sorted(intervals["campaign_name"].unique())
    figure = _dual_axis_rows([f"Campaign {c}" for c in campaigns])
    for row, campaign in enumerate(campaigns, start=1):
        rows = intervals[intervals["campaign_name"] == campaign]
        first = row == 1
        _add_agent_bars(figure, rows, row)
        figure.add_trace(
            go.Scatter(
                x=rows["interval_start_at"],
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
        _add_utilization_line(figure, rows, row)
        flagged = rows[rows["warned"]]
        figure.add_trace(
            go.Scatter(
                x=flagged["interval_start_at"],
                y=flagged["utilization_pct"],
                mode="markers",
                name="warning: utilization < 50% at high dialer volume",
                marker={"color": "#e03131", "size": 9, "symbol": "triangle-down"},
                legendgroup="warn",
                showlegend=first,
            ),
            row=row,
            col=1,
            secondary_y=True,
        )
    note = _finish(figure, len(campaigns), "agents / dialer contacts", intervals["interval_start_at"])
    return figure, note


def _warning_badges(intervals: pd.DataFrame) -> list[Badge]:
    flagged = intervals[intervals["warned"]]
    if flagged.empty:
        return [Badge("No interval with utilization below 50% at high dialer volume", "ok")]
    latest = flagged.groupby("campaign_name")["interval_start_at"].max()
    return [
        Badge(
            f"Warning: {count} interval(s) of {name} with utilization below 50% while dialer volume is high "
            f"(latest {latest[name]:%Y-%m-%d %H:%M} UTC)",
            "bad",
        )
        for name, count in flagged["campaign_name"].value_counts().sort_index().items()
    ]


def _misalignment_badges(capacity: pd.DataFrame) -> list[Badge]:
    """Groups answering a campaign's calls without being mapped to it (the skill-group misalignment trap)."""
    unmapped = capacity[
        (capacity["group_type"] == SKILL_GROUP)
        & capacity["has_handled_campaign_calls"].astype(bool)
        & ~capacity["is_mapped_to_campaign"].astype(bool)
    ]
    pairs = (
        unmapped[["group_name", "campaign_name"]]
        .drop_duplicates()
        .sort_values(["campaign_name", "group_name"])
    )
    return [
        Badge(f"{row.group_name} handles {row.campaign_name} calls but is not mapped to the campaign", "warn")
        for row in pairs.itertuples()
    ]


def _idle_group_badges(groups: pd.DataFrame) -> list[Badge]:
    """Skill groups whose agents sat on queue all period without a single interaction.

    The skill-group trap: a team outside every queue's member groups looks available but never
    receives contacts.
    """
    totals = groups.groupby("group_name")[["agents_on_queue", "utilization_numerator_ms"]].sum()
    idle = totals[(totals["agents_on_queue"] > 0) & (totals["utilization_numerator_ms"] == 0)]
    return [
        Badge(
            f"{name}: agents on queue but no interacting time in the whole period "
            "(not mapped to any queue that receives contacts?)",
            "bad",
        )
        for name in sorted(idle.index)
    ]


def _utilization_section(utilization: pd.DataFrame) -> Section:
    groups = utilization[utilization["group_type"] == SKILL_GROUP]
    if groups.empty:
        return Section("Agent utilization per skill group")
    inactive = int(groups.groupby("group_id")["inactive_licence_agents"].max().sum())
    badge = Badge(
        f"{inactive} agent(s) with an inactive licence, shown as such", "warn" if inactive else "ok"
    )
    figure, focus_note = _skill_group_figure(groups)
    return Section(
        "Agent utilization per skill group",
        figure,
        notes=[UTC_NOTE, LICENCE_NOTE, focus_note],
        badges=[badge, *_idle_group_badges(groups)],
    )


def _capacity_section(capacity: pd.DataFrame) -> Section:
    title = "Campaign capacity: dialer volume against the agents of the campaign's skill groups"
    intervals = campaign_intervals(capacity)
    if intervals.empty:
        return Section(title)
    figure, focus_note = _campaign_figure(intervals)
    return Section(
        title,
        figure,
        badges=_warning_badges(intervals) + _misalignment_badges(capacity),
        notes=[
            f"High dialer volume = at or above the {int(HIGH_VOLUME_QUANTILE * 100)}th percentile of the "
            "campaign's intervals with dialer contacts. Campaigns map to agents through their queue's skill "
            "groups, never by timestamp alone.",
            UTC_NOTE,
            focus_note,
        ],
    )


ADHERENCE_WARN_PCT = 90.0
ADHERENCE_NOTE = (
    "Schedule adherence (Genesys WFM) = share of the scheduled time the agents spent in the scheduled "
    "activity: 100 * (scheduled - out-of-adherence seconds) / scheduled seconds; conformance = actual / "
    "scheduled on-queue time. Summed over the unit's agents per UTC day (never averaged percentages)."
)


def _adherence_section(daily: pd.DataFrame, intervals: pd.DataFrame) -> Section:
    title = "Schedule adherence per management unit (daily, UTC)"
    if daily.empty:
        return Section(
            title, notes=[ADHERENCE_NOTE], empty_message="No WFM adherence results in the published marts."
        )
    units = (
        daily.groupby(["management_unit_name", "adherence_date"], as_index=False)[
            [
                "scheduled_seconds",
                "exception_seconds",
                "scheduled_on_queue_seconds",
                "actual_on_queue_seconds",
            ]
        ]
        .sum()
        .sort_values(["management_unit_name", "adherence_date"])
    )
    units["adherence_pct"] = (
        100
        * (units["scheduled_seconds"] - units["exception_seconds"])
        / units["scheduled_seconds"].where(units["scheduled_seconds"] > 0)
    )
    units["conformance_pct"] = (
        100
        * units["actual_on_queue_seconds"]
        / units["scheduled_on_queue_seconds"].where(units["scheduled_on_queue_seconds"] > 0)
    )
    figure = go.Figure()
    for index, (name, rows) in enumerate(units.groupby("management_unit_name", sort=True)):
        figure.add_trace(
            go.Scatter(
                x=rows["adherence_date"],
                y=rows["adherence_pct"],
                mode="lines+markers",
                name=str(name),
                line={"color": PALETTE[index % len(PALETTE)]},
                customdata=rows[["conformance_pct"]].to_numpy(),
                hovertemplate="%{x|%Y-%m-%d}: adherence %{y:.1f}%, conformance %{customdata[0]:.1f}%<extra>"
                + str(name)
                + "</extra>",
            )
        )
    figure.add_hline(
        y=ADHERENCE_WARN_PCT, line={"color": "#c92a2a", "dash": "dash"}, annotation_text="90% target"
    )
    figure.update_layout(height=420, yaxis_title="adherence %", xaxis_title="day (UTC)", margin={"t": 40})
    badges = []
    low = units[units["adherence_pct"] < ADHERENCE_WARN_PCT]
    for name, rows in low.groupby("management_unit_name", sort=True):
        first, last = rows["adherence_date"].min(), rows["adherence_date"].max()
        badges.append(
            Badge(
                f"{name}: adherence below {ADHERENCE_WARN_PCT:.0f}% on {len(rows)} day(s) "
                f"({first:%Y-%m-%d} to {last:%Y-%m-%d}), lowest {rows['adherence_pct'].min():.1f}%",
                "bad" if len(rows) >= 3 else "warn",
            )
        )
    if not badges:
        badges.append(Badge(f"every management unit at or above {ADHERENCE_WARN_PCT:.0f}% adherence", "ok"))
    notes = [ADHERENCE_NOTE]
    if not intervals.empty:
        worst = intervals[intervals["scheduled_seconds"] > 0].sort_values("adherence_pct").head(1)
        for row in worst.itertuples():
            notes.append(
                f"Lowest 15-minute interval: {row.skill_group_name} at "
                f"{row.interval_start_at:%Y-%m-%d %H:%M} UTC, "
                f"{row.adherence_pct:.1f}% adherence (skill_group_adherence_by_interval)."
            )
    return Section(title, figure, notes=notes, badges=badges)


def build(reader: MartReader) -> Page:
    utilization = reader.read("agent_utilization", order_by=("group_type", "group_id", "interval_start_at"))
    capacity = reader.read(
        "supervisor_campaign_capacity", order_by=("campaign_id", "group_id", "interval_start_at")
    )
    page = Page(
        SUPERVISOR_VIEW,
        "Supervisor: campaigns and agent utilization",
        "dialer activity against agent capacity, UTC",
    )
    page.sections.append(_capacity_section(capacity))
    page.sections.append(_utilization_section(utilization))
    adherence = reader.read("agent_adherence_daily", order_by=("management_unit_id", "adherence_date"))
    intervals = reader.read(
        "skill_group_adherence_by_interval", order_by=("skill_group_id", "interval_start_at")
    )
    page.sections.append(_adherence_section(adherence, intervals))
    return page
