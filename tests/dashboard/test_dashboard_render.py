"""Rendering from a fixture publication: files, audience rules in the data read, planted signals."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dashboard_fixture_marts import (
    AUDIENCES,
    ENTERPRISE_SPIKE_WEEK,
    PARTNER_OF,
    PARTNERS,
    PII,
    RELEASE,
    build_publication,
)
from dashboard_inspect import figures, leaks, page_data

from cxlake.dashboard import AudienceError, PublicationError, render
from cxlake.dashboard.audience import ALLOWED_COLUMNS, parse_audience
from cxlake.dashboard.reader import MartReader
from cxlake.dashboard.unified import join_badge

EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?https?:""", re.IGNORECASE
)
ALL_PAGES = {"campaigns", "supervisor", "unified_cx", "journeys", "bpo_partner", "index"}
PII_STRINGS = [*PII["agent_names"], *PII["customer_names"], *PII["phones"], *PII["emails"]]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_dashboard_renders_with_charts(rendered: dict[str, dict[str, Path]], audience: str) -> None:
    pages = rendered[audience]
    expected = {"bpo_partner", "index"} if audience.startswith("bpo:") else ALL_PAGES
    assert set(pages) == expected
    index = pages["index"].read_text(encoding="utf-8")
    for stem, path in pages.items():
        if stem == "index":
            continue
        assert f'href="{stem}.html"' in index
        charts = figures(path)
        assert charts, f"{path} has no chart"
        assert all(chart["data"] for chart in charts.values()), f"{path} has a chart without traces"
        assert not EXTERNAL.search(page_data(path)), f"{path} loads something from outside the file"


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if a.startswith("bpo:")])
def test_bpo_file_holds_only_its_partner_and_no_pii(
    rendered: dict[str, dict[str, Path]], audience: str
) -> None:
    own = PARTNER_OF[audience]
    others = [text for division, *names in PARTNERS if division != own for text in (division, *names)]
    own_name = next(name for division, name, *_ in PARTNERS if division == own)
    for path in rendered[audience].values():
        text = page_data(path) if path.stem != "index" else path.read_text(encoding="utf-8")
        assert leaks(text, others + PII_STRINGS) == [], path
    page = page_data(rendered[audience]["bpo_partner"])
    assert own_name in page
    interval_traces = figures(rendered[audience]["bpo_partner"])["chart-0"]["data"]
    assert len(interval_traces[0]["x"]) == 288  # one partner's 5-minute intervals, not both partners'


def test_internal_bpo_page_shows_every_partner(rendered: dict[str, dict[str, Path]]) -> None:
    page = page_data(rendered["internal"]["bpo_partner"])
    assert all(name in page for _, name, *_ in PARTNERS)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_dashboard_shows_interaction_level_pii(
    rendered: dict[str, dict[str, Path]], audience: str
) -> None:
    for path in rendered[audience].values():
        text = page_data(path) if path.stem != "index" else path.read_text(encoding="utf-8")
        assert leaks(text, PII_STRINGS) == [], path


def test_supervisor_reads_no_ltv_and_internal_does(
    publication: Path, rendered: dict[str, dict[str, Path]]
) -> None:
    with MartReader(publication, parse_audience("supervisor")) as reader:
        assert "avg_customer_ltv" not in reader.read("escalation_by_tier").columns
    with MartReader(publication, parse_audience("internal")) as reader:
        assert "avg_customer_ltv" in reader.read("escalation_by_tier").columns
    assert "LTV" not in page_data(rendered["supervisor"]["unified_cx"])
    assert "customer LTV" in page_data(rendered["internal"]["unified_cx"])
    for audience in ("supervisor", "bpo"):
        for mart, columns in ALLOWED_COLUMNS[audience].items():
            assert not [c for c in columns if "ltv" in c or "revenue" in c], (audience, mart)


def test_finance_reads_no_agent_identity(publication: Path) -> None:
    for mart, columns in ALLOWED_COLUMNS["finance"].items():
        assert not [c for c in columns if c.startswith(("agent_id", "agent_name", "user_"))], mart
    with MartReader(publication, parse_audience("finance")) as reader, pytest.raises(PermissionError):
        reader.read("unified_interactions")


def test_bpo_reader_filters_rows_in_sql(publication: Path) -> None:
    with MartReader(publication, parse_audience("bpo:acme bpo")) as reader:
        assert reader.partner is not None and reader.partner.time_zone == "Asia/Manila"
        rows = reader.read("bpo_interval_metrics")
        assert set(rows["division_id"]) == {reader.partner.division_id}
        with pytest.raises(PermissionError):
            reader.read("escalation_by_tier")


def test_enterprise_escalation_spike_in_unified_chart(rendered: dict[str, dict[str, Path]]) -> None:
    charts = figures(rendered["internal"]["unified_cx"])
    weekly = next(
        c
        for c in charts.values()
        if any(t.get("name") == "Enterprise" and t["type"] == "scatter" for t in c["data"])
    )
    enterprise = next(t for t in weekly["data"] if t.get("name") == "Enterprise")
    rates = dict(zip((x[:10] for x in enterprise["x"]), enterprise["y"], strict=True))
    before = [rate for week, rate in rates.items() if week < RELEASE[1]]
    assert rates[ENTERPRISE_SPIKE_WEEK] > 2 * max(before)
    annotations = [a["text"] for a in weekly["layout"].get("annotations", [])]
    assert f"release: {RELEASE[0]}" in annotations


def test_carried_forward_intervals_are_marked(
    publication: Path, rendered: dict[str, dict[str, Path]]
) -> None:
    con = duckdb.connect(str(publication / "current" / "marts.duckdb"), read_only=True)
    carried = con.execute("select count(*) from campaign_kpis where is_carried_forward").fetchone()[0]
    con.close()
    traces = [t for chart in figures(rendered["internal"]["campaigns"]).values() for t in chart["data"]]
    carried_traces = [t for t in traces if t.get("name", "").endswith("carried forward")]
    marked = sum(y is not None for t in carried_traces for y in t["y"])
    assert carried > 0 and marked == carried
    assert "Data latency" in page_data(rendered["internal"]["campaigns"])


def test_low_utilization_warning(rendered: dict[str, dict[str, Path]]) -> None:
    page = page_data(rendered["supervisor"]["supervisor"])
    assert "interval(s) of Winback with utilization below 50% while dialer volume is high" in page
    assert "of Renewals with utilization below 50%" not in page
    assert "inactive licence" in page
    assert "Outbound Team B handles Winback calls but is not mapped to the campaign" in page
    assert "Outbound Team B: agents on queue but no interacting time in the whole period" in page
    assert "Sales: agents on queue but no interacting" not in page


def test_pending_backfill_days_marked(rendered: dict[str, dict[str, Path]]) -> None:
    charts = figures(rendered["internal"]["journeys"])
    shapes = [s for chart in charts.values() for s in chart["layout"].get("shapes", [])]
    assert len({s["x0"] for s in shapes if s["type"] == "rect"}) == 2  # the two pending_backfill days
    versions = {
        t["name"].rsplit(" ", 1)[-1] for c in charts.values() for t in c["data"] if "model" in t["name"]
    }
    assert versions == {"v1", "v2"}  # the 'unscored' action map has no scorecard line
    annotations = [a["text"] for c in charts.values() for a in c["layout"].get("annotations", [])]
    assert "retrain: Onboarding Nudge -> model v2" in annotations
    funnels = [t for c in charts.values() for t in c["data"] if t["type"] == "funnel"]
    assert sorted(t["name"] for t in funnels) == [
        "Onboarding Nudge",
        "Upsell Offer [paused]",
        "Welcome action map",
    ]


def test_bad_audience_and_unknown_partner(publication: Path, tmp_path: Path) -> None:
    with pytest.raises(AudienceError, match="unknown audience 'boss'"):
        render("boss", tmp_path, published=publication)
    with pytest.raises(PublicationError, match="bpo:Mystery Partner"):
        render("bpo:Mystery Partner", tmp_path, published=publication)


def test_missing_publication_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(PublicationError, match="no marts.duckdb"):
        render("internal", tmp_path / "out", published=tmp_path)
    con = duckdb.connect(str(tmp_path / "marts.duckdb"))
    con.execute("create table campaign_kpis as select 'c1' as campaign_id")
    con.close()
    with pytest.raises(PublicationError, match="mart 'campaign_kpis' .* lacks column.*campaign_name"):
        render("internal", tmp_path / "out", published=tmp_path)


@pytest.mark.parametrize(("unlinked", "level"), [(12.0, "ok"), (25.0, "warn"), (30.0, "warn"), (31.5, "bad")])
def test_join_rate_badge_turns_red_above_30_percent_unlinked(unlinked: float, level: str) -> None:
    audit = pd.DataFrame(
        {
            "audit_level": ["overall", "day"],
            "audit_key": ["all", "2026-10-01"],
            "conversation_count": [200, 100],
            "linked_count": [round(200 * (100 - unlinked) / 100), 50],
            "unlinked_share_pct": [unlinked, 50.0],
        }
    )
    badge = join_badge(audit)
    assert badge.level == level
    assert f"{unlinked:.1f}% unlinked" in badge.text


def test_rendering_is_deterministic(
    publication: Path, rendered: dict[str, dict[str, Path]], tmp_path: Path
) -> None:
    again = {path.stem: path for path in render("internal", tmp_path, published=publication)}
    for stem, path in rendered["internal"].items():
        assert again[stem].read_bytes() == path.read_bytes(), stem


def test_org_without_predictive_engagement_renders_empty_journeys(tmp_path: Path) -> None:
    folder = build_publication(tmp_path / "publication")
    con = duckdb.connect(str(folder / "current" / "marts.duckdb"))
    con.execute("delete from fact_predictive_journey; delete from dim_predictive_campaign")
    con.close()
    pages = {path.stem: path for path in render("internal", tmp_path / "out", published=folder)}
    journeys = pages["journeys"].read_text(encoding="utf-8")
    assert "No data in the published marts for this view." in journeys and "Plotly.newPlot" not in journeys
    assert figures(pages["unified_cx"])  # the other dashboards are unaffected
