"""Dashboard 3, unified CX: escalation by tier, weekly trend with releases, bot containment."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import UNIFIED_CX
from cxlake.dashboard.page import PALETTE, Badge, Page, Section
from cxlake.dashboard.reader import MartReader
from cxlake.dbt_vars import crm_join_thresholds

# the project's thresholds (dbt vars crm_unlinked_error_pct / crm_unlinked_warn_pct), never a
# copy; a mart built with other values (`--vars`) carries those, and the badge uses them
_PROJECT_THRESHOLDS = crm_join_thresholds()  # dbt_project.yml read once
UNLINKED_BAD_PCT = _PROJECT_THRESHOLDS.error_pct
UNLINKED_WARN_PCT = _PROJECT_THRESHOLDS.warn_pct
TIER_ORDER = ("Strategic", "Enterprise", "Mid-Market", "SMB")
"""Display order of the usual Salesforce tiers, largest first; other tiers follow alphabetically."""


def _tier_key(tier: object) -> str:
    """Sort key: known tiers in ``TIER_ORDER``, then any other tier alphabetically."""
    text = str(tier)
    rank = TIER_ORDER.index(text) if text in TIER_ORDER else len(TIER_ORDER)
    return f"{rank:02d} {text}"


def _tier_figure(by_tier: pd.DataFrame) -> go.Figure:
    frame = by_tier.sort_values("customer_tier", key=lambda tiers: tiers.map(_tier_key))
    hover = (
        "%{x}<br>escalation rate %{y:.1f}%<br>contacts %{customdata[0]}<br>escalations %{customdata[1]}"
        "<br>avg handle time %{customdata[2]:.1f} min"
    )
    custom = ["total_contacts", "escalations", "avg_handle_time_minutes"]
    if "avg_customer_ltv" in frame.columns:
        hover += "<br>avg customer LTV $%{customdata[3]:,.0f}"
        custom.append("avg_customer_ltv")
    figure = go.Figure(
        go.Bar(
            x=frame["customer_tier"],
            y=frame["escalation_rate_pct"],
            customdata=frame[custom].to_numpy(),
            hovertemplate=hover + "<extra></extra>",
            text=frame["escalation_rate_pct"].round(1),
            textposition="outside",
            marker_color="#1c7ed6",
        )
    )
    figure.update_layout(
        height=380,
        yaxis_title="escalation rate %",
        xaxis_title="customer tier (at contact time)",
        margin={"t": 30},
    )
    return figure


QUALITY_NOTE = (
    "QA = Genesys quality evaluation total score (0-100) of released, non-deleted evaluations, "
    "calibrations excluded, latest rescore wins. CSAT = the completed post-contact survey's total "
    "score (0-100). NPS = % promoters (9-10) - % detractors (0-6) on the survey's 0-10 "
    "recommend question. n = contacts with a score."
)


def _quality_figure(by_tier: pd.DataFrame) -> go.Figure | None:
    frame = by_tier.sort_values("customer_tier", key=lambda tiers: tiers.map(_tier_key))
    if frame[["qa_scored_contacts", "csat_responses"]].fillna(0).to_numpy().sum() == 0:
        return None
    figure = go.Figure(
        [
            go.Bar(
                x=frame["customer_tier"],
                y=frame["avg_qa_score"],
                name="QA score",
                marker_color="#0b7285",
                customdata=frame[["qa_scored_contacts"]].to_numpy(),
                hovertemplate="%{x}: QA %{y:.1f} (n=%{customdata[0]})<extra></extra>",
                text=[f"n={int(n)}" for n in frame["qa_scored_contacts"].fillna(0)],
                textposition="outside",
            ),
            go.Bar(
                x=frame["customer_tier"],
                y=frame["avg_csat_score"],
                name="CSAT",
                marker_color="#e8590c",
                customdata=frame[["csat_responses", "nps"]].to_numpy(),
                hovertemplate="%{x}: CSAT %{y:.1f} (n=%{customdata[0]}), NPS %{customdata[1]:.0f}"
                "<extra></extra>",
                text=[f"n={int(n)}" for n in frame["csat_responses"].fillna(0)],
                textposition="outside",
            ),
        ]
    )
    figure.update_layout(
        height=380,
        barmode="group",
        yaxis={"title": "score (0-100)", "range": [0, 110]},
        xaxis_title="customer tier (at contact time)",
        margin={"t": 30},
    )
    return figure


def _quality_badges(by_tier: pd.DataFrame) -> list[Badge]:
    """NPS per tier as badges: red below 0, amber below 30."""
    badges = []
    for row in by_tier.sort_values("customer_tier", key=lambda t: t.map(_tier_key)).itertuples():
        if pd.isna(row.nps):
            continue
        level = "bad" if row.nps < 0 else "warn" if row.nps < 30 else "ok"
        badges.append(
            Badge(f"{row.customer_tier}: NPS {row.nps:.0f} ({int(row.csat_responses)} responses)", level)
        )
    return badges


def _weekly_figure(weekly: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for index, tier in enumerate(sorted(weekly["customer_tier"].dropna().unique(), key=_tier_key)):
        rows = weekly[weekly["customer_tier"] == tier].sort_values("week_start_date")
        figure.add_trace(
            go.Scatter(
                x=rows["week_start_date"],
                y=rows["escalation_rate_pct"],
                mode="lines+markers",
                name=str(tier),
                line={"color": PALETTE[index % len(PALETTE)], "width": 3 if tier == "Enterprise" else 1.5},
                customdata=rows[["total_contacts", "escalations"]].to_numpy(),
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}% (%{customdata[1]} of %{customdata[0]})<extra>"
                + str(tier)
                + "</extra>",
            )
        )
    releases = weekly.dropna(subset=["latest_release_date"]).drop_duplicates(
        subset=["latest_release_date", "latest_release_name"]
    )
    for _, release in releases.iterrows():
        when = pd.Timestamp(release["latest_release_date"])
        figure.add_shape(
            type="line",
            x0=when,
            x1=when,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#c92a2a", "dash": "dash", "width": 1},
        )
        figure.add_annotation(
            x=when,
            y=1,
            yref="paper",
            text=f"release: {release['latest_release_name']}",
            showarrow=False,
            yanchor="bottom",
            font={"color": "#c92a2a", "size": 11},
        )
    figure.update_layout(
        height=420, yaxis_title="escalation rate %", xaxis_title="week starting (UTC)", margin={"t": 40}
    )
    return figure


def _containment_figure(containment: pd.DataFrame) -> go.Figure:
    frame = containment.sort_values("industry")
    figure = go.Figure(
        [
            go.Bar(
                x=frame["industry"],
                y=frame["bot_containment_pct"],
                name="bot containment %",
                marker_color="#2f9e44",
                customdata=frame[["total_contacts"]].to_numpy(),
                hovertemplate="%{x}: %{y:.1f}% of %{customdata[0]} contacts<extra></extra>",
            ),
            go.Bar(
                x=frame["industry"],
                y=frame["abandon_rate_pct"],
                name="abandon rate %",
                marker_color="#e8590c",
            ),
        ]
    )
    figure.update_layout(height=380, barmode="group", yaxis_title="%", margin={"t": 30})
    return figure


def join_badge(audit: pd.DataFrame) -> Badge:
    """Join-rate badge from the overall row: red above the build's failing share of unlinked
    conversations, amber above its warning share (the thresholds the mart was built with,
    else the project's)."""
    overall = audit[audit["audit_level"] == "overall"]
    if overall.empty:
        return Badge("CRM join rate: not available", "warn")
    row = overall.iloc[0]
    unlinked = float(row["unlinked_share_pct"])
    bad_pct = _threshold(row, "unlinked_error_pct", UNLINKED_BAD_PCT)
    warn_pct = _threshold(row, "unlinked_warn_pct", UNLINKED_WARN_PCT)
    level = "bad" if unlinked > bad_pct else "warn" if unlinked > warn_pct else "ok"
    return Badge(
        f"CRM join rate {100 - unlinked:.1f}% linked, {unlinked:.1f}% unlinked "
        f"({int(row['linked_count'])} of {int(row['conversation_count'])} conversations linked)",
        level,
    )


def _threshold(row: pd.Series, column: str, default: float) -> float:
    value = row.get(column)
    return default if value is None or pd.isna(value) else float(value)


def _daily_join_figure(audit: pd.DataFrame) -> go.Figure | None:
    daily = audit[audit["audit_level"] == "day"].sort_values("audit_key")
    if daily.empty:
        return None
    figure = make_subplots(rows=1, cols=1)
    figure.add_trace(
        go.Scatter(
            x=daily["audit_key"],
            y=daily["unlinked_share_pct"],
            mode="lines+markers",
            name="unlinked % per day",
            line={"color": "#495057"},
        )
    )
    figure.add_hline(
        y=UNLINKED_BAD_PCT,
        line={"color": "#c92a2a", "dash": "dash"},
        annotation_text=f"{UNLINKED_BAD_PCT:g}% limit",
    )
    figure.update_layout(height=300, yaxis_title="unlinked %", xaxis_title="day (UTC)", margin={"t": 30})
    return figure


def _window_note(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    first, last = frame["window_start_date"].iloc[0], frame["as_of_date"].iloc[0]
    return [f"Window {first:%Y-%m-%d} to {last:%Y-%m-%d}, anchored to the latest data (dbt var as_of_date)."]


ROLE_VIEW_LTV_COLUMNS = ("conversation_date", "customer_tier", "is_in_flight", "ltv_usd")


def role_view_ltv(reader: MartReader, by_tier: pd.DataFrame) -> pd.DataFrame:
    """``by_tier`` with ``avg_customer_ltv`` taken from the audience's role view, when the view
    exposes ``ltv_usd`` (supervisor_interactions does not, finance_interactions does).

    Same population as the mart's figure: the mart's window, tier known, not in flight,
    mean over the contacts with an LTV.
    """
    rows = reader.read_role_view(ROLE_VIEW_LTV_COLUMNS)
    if by_tier.empty or "ltv_usd" not in rows.columns:
        return by_tier
    dates = pd.to_datetime(rows["conversation_date"])
    first = pd.to_datetime(by_tier["window_start_date"]).min()
    last = pd.to_datetime(by_tier["as_of_date"]).max()
    in_window = rows[
        dates.between(first, last)
        & rows["customer_tier"].notna()
        & ~rows["is_in_flight"].fillna(False).astype(bool)
    ]
    ltv = in_window.groupby("customer_tier")["ltv_usd"].mean()
    return by_tier.assign(avg_customer_ltv=by_tier["customer_tier"].map(ltv))


def build(reader: MartReader) -> Page:
    by_tier = reader.read("escalation_by_tier")
    if reader.audience.role_view is not None:
        by_tier = role_view_ltv(reader, by_tier)
    weekly = reader.read("escalation_weekly_by_tier", order_by=("week_start_date", "customer_tier"))
    containment = reader.read("bot_containment_by_industry")
    audit = reader.read("crm_join_audit")
    page = Page(
        UNIFIED_CX,
        "Unified CX: Genesys x Salesforce",
        "escalation by customer tier, releases, bot containment, CRM join quality",
    )
    badge = join_badge(audit)
    join_note = (
        "Cross-system metrics only cover conversations linked to a CRM account; above 30% unlinked "
        "they are biased toward identified customers."
    )
    page.sections += [
        Section(
            "Escalation rate by customer tier (trailing 30 days, tier in force at contact time)",
            None if by_tier.empty else _tier_figure(by_tier),
            notes=_window_note(by_tier),
            badges=[badge],
        ),
        Section(
            "Quality (QA) and customer satisfaction (CSAT) by customer tier (trailing 30 days)",
            None if by_tier.empty else _quality_figure(by_tier),
            notes=[QUALITY_NOTE],
            badges=[] if by_tier.empty else _quality_badges(by_tier),
            empty_message="No QA evaluations or completed surveys in the published marts.",
        ),
        Section(
            "Weekly escalation rate by tier, with product releases",
            None if weekly.empty else _weekly_figure(weekly),
        ),
        Section(
            "Bot containment and abandon rate by industry (trailing 7 days)",
            None if containment.empty else _containment_figure(containment),
            notes=_window_note(containment),
        ),
        Section("CRM join rate per day", _daily_join_figure(audit), notes=[join_note], badges=[badge]),
    ]
    return page
