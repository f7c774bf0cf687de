"""Dashboard 4, journeys: funnel per campaign, scorecard metrics by model version."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxlake.dashboard.audience import JOURNEYS
from cxlake.dashboard.page import PALETTE, Page, Section
from cxlake.dashboard.reader import MartReader

FUNNELS_PER_ROW = 3
METRICS = (("precision", "precision"), ("recall", "recall"), ("f1_score", "F1 score"))
PENDING_NOTE = (
    "Scorecard analytics settle about 48 hours after the day they describe: days still flagged "
    "pending_backfill are shaded and drawn with open markers; their values may change."
)


def _campaign_names(campaigns: pd.DataFrame) -> dict[str, str]:
    """Display name per campaign id, with its status when it is not active."""
    names = {}
    for row in campaigns.itertuples():
        name = str(row.campaign_name or row.campaign_id)
        names[str(row.campaign_id)] = name if row.status in (None, "active") else f"{name} [{row.status}]"
    return names


def _funnel_figure(journey: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """Latest extraction of each campaign, one funnel per campaign (steps repeat per model version)."""
    latest = journey.groupby("campaign_id")["extraction_date"].transform("max")
    steps = (
        journey[journey["extraction_date"] == latest]
        .drop_duplicates(subset=["campaign_id", "step_sequence"])
        .sort_values(["campaign_id", "step_sequence"])
    )
    campaigns = sorted(steps["campaign_id"].unique(), key=lambda c: names.get(c, c))
    titles = [
        f"{names.get(c, c)} ({steps.loc[steps['campaign_id'] == c, 'extraction_date'].iloc[0]:%Y-%m-%d})"
        for c in campaigns
    ]
    columns = min(FUNNELS_PER_ROW, len(campaigns))
    grid_rows = -(-len(campaigns) // columns)
    figure = make_subplots(
        rows=grid_rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.15, vertical_spacing=0.12
    )
    for index, campaign in enumerate(campaigns):
        rows = steps[steps["campaign_id"] == campaign]
        figure.add_trace(
            go.Funnel(
                y=rows["step_name"].fillna(rows["step_id"]),
                x=rows["contact_count"],
                name=names.get(campaign, campaign),
                textinfo="value+percent initial",
                marker={"color": PALETTE[index % len(PALETTE)]},
            ),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    figure.update_layout(height=380 * grid_rows, showlegend=False, margin={"t": 60, "l": 10})
    return figure


def _scores(journey: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "campaign_id",
        "extraction_date",
        "model_version",
        "pending_backfill",
        *(m for m, _ in METRICS),
    ]
    return (
        journey[columns]
        .dropna(subset=["precision"])
        .drop_duplicates(subset=["campaign_id", "extraction_date", "model_version"])
        .sort_values(["campaign_id", "model_version", "extraction_date"])
    )


def _mark_retrains(figure: go.Figure, campaigns: pd.DataFrame, scores: pd.DataFrame) -> None:
    """A dashed line at each scorecard retrain inside the charted days, naming campaign and new version."""
    first, last = pd.Timestamp(scores["extraction_date"].min()), pd.Timestamp(scores["extraction_date"].max())
    retrained = campaigns.dropna(subset=["retrained_at"]).sort_values("retrained_at")
    for row in retrained.itertuples():
        when = pd.Timestamp(row.retrained_at)
        if not first <= when <= last + pd.Timedelta(days=1):
            continue  # a scorecard's first training, before the charted days
        figure.add_vline(x=when, line={"color": "#495057", "dash": "dash", "width": 1})
        figure.add_annotation(
            x=when,
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=18,
            showarrow=False,
            font={"size": 11},
            text=f"retrain: {row.campaign_name} -> model {row.current_model_version}",
        )


def _scorecard_figure(scores: pd.DataFrame, names: dict[str, str], campaigns: pd.DataFrame) -> go.Figure:
    figure = make_subplots(
        rows=len(METRICS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[label for _, label in METRICS],
    )
    series = list(scores.groupby(["campaign_id", "model_version"], sort=True))
    for index, ((campaign, version), rows) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        pending = rows["pending_backfill"].fillna(False).astype(bool)
        name = f"{names.get(campaign, campaign)} / model {version}"
        for row, (metric, label) in enumerate(METRICS, start=1):
            figure.add_trace(
                go.Scatter(
                    x=rows["extraction_date"],
                    y=rows[metric],
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=row == 1,
                    line={"color": color},
                    marker={
                        "color": color,
                        "symbol": ["circle-open" if p else "circle" for p in pending],
                        "size": 7,
                    },
                    hovertemplate=f"%{{x|%Y-%m-%d}} {label} %{{y:.3f}}<extra>{name}</extra>",
                ),
                row=row,
                col=1,
            )
    for day in sorted(
        scores.loc[scores["pending_backfill"].fillna(False).astype(bool), "extraction_date"].unique()
    ):
        start = pd.Timestamp(day)
        figure.add_vrect(
            x0=start - pd.Timedelta(hours=12),
            x1=start + pd.Timedelta(hours=12),
            fillcolor="#ffe066",
            opacity=0.35,
            line_width=0,
            layer="below",
        )
    _mark_retrains(figure, campaigns, scores)
    figure.update_yaxes(range=[0, 1])
    figure.update_xaxes(title_text="day (UTC); shaded = pending_backfill", row=len(METRICS), col=1)
    figure.update_layout(height=660, margin={"t": 90})
    return figure


def build(reader: MartReader) -> Page:
    journey = reader.read(
        "fact_predictive_journey", order_by=("campaign_id", "extraction_date", "step_sequence")
    )
    campaigns = reader.read("dim_predictive_campaign")
    names = _campaign_names(campaigns)
    page = Page(
        JOURNEYS,
        "Predictive Engagement journeys",
        "journey funnels per campaign and scorecard model performance",
    )
    if journey.empty:
        page.sections.append(Section("Journey funnel per campaign"))
        page.sections.append(Section("Scorecard performance by model version", notes=[PENDING_NOTE]))
        return page
    page.sections.append(
        Section("Journey funnel per campaign (latest extraction)", _funnel_figure(journey, names))
    )
    scores = _scores(journey)
    pending_days = int(
        scores.loc[scores["pending_backfill"].fillna(False).astype(bool), "extraction_date"].nunique()
    )
    versions = ", ".join(sorted(str(v) for v in scores["model_version"].unique()))
    page.sections.append(
        Section(
            "Scorecard performance over time by model version",
            None if scores.empty else _scorecard_figure(scores, names, campaigns),
            notes=[
                PENDING_NOTE,
                f"Model versions: {versions or 'none'}; {pending_days} day(s) pending backfill. "
                "Rows of older model versions are kept as extracted, never overwritten by a retrain.",
            ],
        )
    )
    return page
