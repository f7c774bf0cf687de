"""Markup planted in source data stays text: Great Expectations Data Docs and the dashboards, loaded
in headless Chromium, run no planted script and grow no planted element."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cxlake.dashboard import render
from cxlake.quality.checks import TableSuite, accepted, key, percent
from cxlake.quality.runner import validate_warehouse
from cxlake.quality.suites import ValidationPlan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from dashboard_fixture_marts import build_publication  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_REASON = "headless Chromium not found: `apt-get install chromium` to run the browser checks"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
)
PAYLOAD = (
    "Gold<script>document.title='PWNED'</script>"
    "<img id=pwned src=x onerror=\"document.title='PWNED'\"><b id=pwnedb>x</b>"
)
"""A tier or name as a hostile source system could send it: a script, a handler, an element."""


def _dom_after_scripts(page: Path, work: Path) -> str:
    run = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={work / 'profile'}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return run.stdout


def _assert_inert(page: Path, work: Path) -> str:
    dom = _dom_after_scripts(page, work)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is None or "PWNED" not in title.group(1), f"a planted script ran in {page}"
    for element in ('id="pwned"', 'id="pwnedb"'):  # a real element's attribute is serialised quoted
        assert element not in dom, f"planted markup became an element in {page}: {element}"
    return dom


def _data_docs_with_payload(root: Path) -> list[Path]:
    warehouse = root / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.escalation_by_tier as select * from "
            "(values ('Enterprise', 10.0), (?, 250.0)) as t(customer_tier, escalation_rate_pct)",
            [PAYLOAD],
        )
    suite = TableSuite(
        "marts.escalation_by_tier",
        ("customer_tier",),
        [*key("customer_tier"), *accepted("customer_tier", ["Enterprise"]), *percent("escalation_rate_pct")],
    )
    outcome = validate_warehouse(warehouse, root / "docs", ValidationPlan([suite], [], []))
    assert not outcome.success  # the planted value is unexpected, so it is sampled into the docs
    pages = sorted((root / "docs").rglob("*.html"))
    assert any("escalation_by_tier" in str(p) and "validations" in str(p) for p in pages)
    return pages


def test_data_docs_show_planted_markup_as_text(tmp_path: Path) -> None:
    pages = _data_docs_with_payload(tmp_path)
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "<script>document.title" not in text and "<img id=pwned" not in text
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in text  # shown, as text


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_data_docs_run_no_planted_script_in_chromium(tmp_path: Path) -> None:
    for page in _data_docs_with_payload(tmp_path):
        if "validations" in page.parts:
            _assert_inert(page, tmp_path)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_dashboards_run_no_planted_script_in_chromium(tmp_path: Path) -> None:
    publication = build_publication(tmp_path / "publication")
    marts = publication / "current" / "marts.duckdb"
    with duckdb.connect(str(marts)) as con:
        for table, column, old in (
            ("escalation_by_tier", "customer_tier", "Premium"),
            ("escalation_weekly_by_tier", "customer_tier", "Premium"),
            ("campaign_kpis", "campaign_name", "Winback"),
            ("bot_containment_by_industry", "industry", "Retail"),
            ("crm_join_audit", "audit_key", "Support Voice"),
            ("dim_predictive_campaign", "campaign_name", "Upsell Offer"),
            ("fact_predictive_journey", "step_name", "Engaged"),
            ("bpo_metric_labels", "business_label", "Contacts Offered"),
        ):
            con.execute(f"update {table} set {column} = ? where {column} = ?", [PAYLOAD + old, old])
        con.execute(
            "update escalation_weekly_by_tier set releases_in_week = ?, latest_release_name = ? "
            "where releases_in_week is not null",
            [PAYLOAD, PAYLOAD],
        )
    pages = render("internal", tmp_path / "dashboards", published=publication)
    assert len(pages) >= 5
    shown = [page.stem for page in pages if "Gold" in _assert_inert(page, tmp_path)]
    assert {"campaigns", "unified_cx", "journeys"} <= set(shown)  # the planted values were drawn
