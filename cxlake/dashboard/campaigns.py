"""Dashboard 1, campaign KPIs: connect rate and conversions per campaign."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import CAMPAIGNS
from cxlake.dashboard.page import PALETTE, PERCENT_AXIS, Page, Section, focus_recent
from cxlake.dashboard.reader import MartReader, PublicationError

LATENCY_NOTE = (
    "Data latency: goal completions from dispositions reach analytics 30-60 s after the call, and "
    "conversion events pushed by external systems can arrive later still, so conversions of the most "
    "recent intervals lag the connect rate and are provisional. Rolling 15-minute windows smooth the "
    "batching jitter of single intervals."
)
CARRIED_NOTE = (
    "Intervals without data carry the last stable value forward (flagged in the mart, never a division "
    "by zero); they are drawn as grey crosses on a dotted line, not as measured points."
)


def _label(frame: pd.DataFrame) -> pd.Series:
    return frame["campaign_name"].fillna(frame["campaign_id"])


def _pct(ratio: pd.Series) -> pd.Series:
    """A 0-1 ratio column of the mart as a percentage for display."""
    return (100.0 * ratio.astype("float64")).round(1)


def _totals_figure(kpis: pd.DataFrame) -> go.Figure:
    measured = kpis[~kpis["is_carried_forward"].astype(bool)]
    totals = (
        measured.assign(campaign=_label(measured))
        .groupby("campaign", as_index=False)[["contacted", "connected", "goal_completions"]]
        .sum()
        .sort_values("campaign")
    )
    rate = (100.0 * totals["connected"] / totals["contacted"].where(totals["contacted"] > 0)).round(1)
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=("Connect rate % (whole period)", "Goal completions")
    )
    figure.add_trace(
        go.Bar(
            x=totals["campaign"],
            y=rate,
            name="connect rate %",
            marker_color="#1c7ed6",
            text=rate,
            textposition="outside",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=totals["campaign"],
            y=totals["goal_completions"],
            name="goal completions",
            marker_color="#37b24d",
            text=totals["goal_completions"],
            textposition="outside",
        ),
        row=1,
        col=2,
    )
    figure.update_yaxes(title_text="%", row=1, col=1)
    figure.update_layout(height=420, showlegend=False, margin={"t": 60, "b": 40})
    return figure


def _daily_figure(kpis: pd.DataFrame) -> go.Figure:
    """Connect rate and goal completions per campaign per UTC day (sums of the measured intervals)."""
    measured = kpis[~kpis["is_carried_forward"].astype(bool)]
    daily = (
        measured.assign(campaign=_label(measured), day=measured["interval_start_at"].dt.floor("D"))
        .groupby(["campaign", "day"], as_index=False)[["contacted", "connected", "goal_completions"]]
        .sum()
    )
    daily["connect_rate_pct"] = (
        100.0 * daily["connected"] / daily["contacted"].where(daily["contacted"] > 0)
    ).round(1)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=("Connect rate % per UTC day", "Goal completions per UTC day"),
    )
    for index, (campaign, rows) in enumerate(daily.groupby("campaign", sort=True)):
        color = PALETTE[index % len(PALETTE)]
        figure.add_trace(
            go.Scatter(
                x=rows["day"],
                y=rows["connect_rate_pct"],
                mode="lines+markers",
                name=str(campaign),
                legendgroup=str(campaign),
                line={"color": color},
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Bar(
                x=rows["day"],
                y=rows["goal_completions"],
                name=str(campaign),
                legendgroup=str(campaign),
                showlegend=False,
                marker_color=color,
            ),
            row=2,
            col=1,
        )
    figure.update_yaxes(title_text="connect rate %", row=1, col=1, **PERCENT_AXIS)
    figure.update_yaxes(title_text="goal completions", row=2, col=1)
    figure.update_xaxes(title_text="day (UTC)", row=2, col=1)
    figure.update_layout(height=560, barmode="group", margin={"t": 60})
    return figure


def _only(values: pd.Series, keep: pd.Series) -> list[float | None]:
    """``values`` where ``keep`` holds, ``None`` elsewhere (a gap in the line, not a zero)."""
    return [float(v) if k and pd.notna(v) else None for v, k in zip(values, keep, strict=True)]


def _campaign_traces(figure: go.Figure, campaign: str, rows: pd.DataFrame, color: str) -> None:
    times = rows["interval_start_at"]
    carried = rows["is_carried_forward"].astype(bool)
    rolling_measured = ~rows["is_rolling_carried_forward"].astype(bool)
    connect_pct, rolling_pct = _pct(rows["connect_rate"]), _pct(rows["rolling_connect_rate"])
    traces = [
        go.Scatter(
            x=times,
            y=_only(rolling_pct, rolling_measured),
            mode="lines",
            name=campaign,
            legendgroup=campaign,
            connectgaps=False,
            line={"color": color, "width": 1.5},
        ),
        go.Scatter(
            x=times,
            y=_only(connect_pct, ~carried),
            mode="markers",
            name=f"{campaign} (interval)",
            legendgroup=campaign,
            showlegend=False,
            marker={"color": color, "size": 4},
            customdata=rows[["contacted", "connected", "voicemail_count"]].to_numpy(),
            hovertemplate="%{x|%Y-%m-%d %H:%M} UTC: %{y:.1f}% connected (%{customdata[1]} of "
            "%{customdata[0]} contacted, %{customdata[2]} voicemail)<extra>" + campaign + "</extra>",
        ),
        go.Scatter(
            x=times,
            y=_only(connect_pct, carried),
            mode="lines+markers",
            name=f"{campaign}: carried forward",
            legendgroup=campaign,
            connectgaps=False,
            line={"color": "#adb5bd", "dash": "dot", "width": 1},
            marker={"color": "#868e96", "symbol": "x", "size": 4},
        ),
    ]
    for trace in traces:
        figure.add_trace(trace, row=1, col=1)
    figure.add_trace(
        go.Bar(
            x=times,
            y=rows["goal_completions"],
            name=f"{campaign} conversions",
            legendgroup=campaign,
            showlegend=False,
            marker_color=color,
        ),
        row=2,
        col=1,
    )


def _timeline_figure(kpis: pd.DataFrame) -> tuple[go.Figure, str]:
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        row_heights=[0.6, 0.4],
        subplot_titles=(
            "Connect rate % (line: rolling 15-minute window, dots: intervals, grey: carried forward)",
            "Goal completions per 15-minute interval",
        ),
    )
    frame = kpis.assign(campaign=_label(kpis))
    for index, (campaign, rows) in enumerate(frame.groupby("campaign", sort=True)):
        _campaign_traces(figure, str(campaign), rows, PALETTE[index % len(PALETTE)])
    figure.update_yaxes(title_text="connect rate %", row=1, col=1, **PERCENT_AXIS)
    figure.update_yaxes(title_text="goal completions", row=2, col=1)
    figure.update_xaxes(title_text="interval start (UTC)", row=2, col=1)
    figure.update_layout(height=760, barmode="stack")
    return figure, focus_recent(figure, kpis["interval_start_at"])


def _voicemail_note(kpis: pd.DataFrame) -> str:
    counted = bool(kpis["voicemail_counts_as_connect"].iloc[0])
    return (
        f"Voicemail {'counts' if counted else 'does not count'} as a connect "
        "(dbt var voicemail_counts_as_connect): a machine answer is a SIP connect, but most campaigns "
        "treat it as a failed contact."
    )


WRITEBACK_NOTE = (
    "Conversions `cxlake push conversions` did not write back to the dialer contacts: orphans match "
    "no contact a campaign dialled and are never sent; dead letters were refused by the API. Both "
    "stay in the outbox with their reason; written conversions count in the KPIs above once each."
)


_PHONE = re.compile(r"\+\d{3,}(\d{4})")
_EMAIL = re.compile(r"[^\s@'\"]+@([^\s@'\"]+)")


def masked(reason: str) -> str:
    """A reason as the dashboards show it: phone numbers and e-mail addresses masked (the mart keeps
    them for analysts)."""
    return _EMAIL.sub(r"…@\1", _PHONE.sub(r"+…\1", reason))


def _writeback_section(reader: MartReader) -> Section:
    """Orphans and dead letters of the write-back (absent before the first push: said so)."""
    try:
        rows = reader.read("conversion_writeback_exceptions", order_by=("exception_kind", "transaction_id"))
    except (PublicationError, PermissionError):
        return Section(
            "Write-back orphans and dead letters",
            notes=[WRITEBACK_NOTE],
            empty_message="No write-back outbox in this publication (no push has run).",
        )
    counts = rows["exception_kind"].value_counts().to_dict() if not rows.empty else {}
    notes = [
        WRITEBACK_NOTE,
        f"{counts.get('orphaned', 0)} orphaned, {counts.get('dead_lettered', 0)} dead-lettered.",
    ]
    if rows.empty:
        return Section("Write-back orphans and dead letters", notes=notes, empty_message="None.")
    shown = rows.head(200).assign(reason=lambda frame: frame["reason"].astype(str).map(masked))
    columns = [c for c in ("transaction_id", "exception_kind", "campaign_id", "reason") if c in shown]
    figure = go.Figure(
        go.Table(
            header={"values": columns, "align": "left"},
            cells={"values": [shown[c].astype(str).tolist() for c in columns], "align": "left"},
            columnwidth=[1, 1, 2, 6][: len(columns)],
        )
    )
    figure.update_layout(height=min(900, 120 + 28 * len(shown)), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return Section("Write-back orphans and dead letters", figure, notes=notes)


def build(reader: MartReader) -> Page:
    kpis = reader.read("campaign_kpis", order_by=("campaign_id", "interval_start_at"))
    page = Page(CAMPAIGNS, "Campaign KPIs", "connect rate and conversions per outbound campaign")
    if kpis.empty:
        page.sections.append(Section("Campaign KPIs", notes=[LATENCY_NOTE]))
        page.sections.append(_writeback_section(reader))
        return page
    latest = kpis["interval_start_at"].max()
    carried = int(kpis["is_carried_forward"].astype(bool).sum())
    notes = [
        f"Latest interval in the data: {latest:%Y-%m-%d %H:%M} UTC.",
        LATENCY_NOTE,
        _voicemail_note(kpis),
    ]
    page.sections.append(Section("Per campaign, whole period", _totals_figure(kpis), notes=notes))
    page.sections.append(Section("Per campaign and day", _daily_figure(kpis)))
    timeline, focus_note = _timeline_figure(kpis)
    page.sections.append(
        Section(
            "15-minute intervals and rolling window",
            timeline,
            notes=[CARRIED_NOTE, f"{carried} carried-forward interval(s) in the data.", focus_note],
        )
    )
    page.sections.append(_writeback_section(reader))
    return page
