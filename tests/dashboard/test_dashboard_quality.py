"""QA, CSAT and schedule adherence on the dashboards (fixture publication).

Unified CX shows QA and CSAT per tier with their counts and NPS; Supervisor shows adherence
per management unit per day and flags the unit whose adherence dropped; the BPO page shows
partner QA / CSAT / adherence, each partner only its own. Adherence is read without agent
identity (the fixture mart carries agent names that must never appear).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_browser import CHROMIUM, SKIP_REASON, check_in_browser
from dashboard_fixture_marts import NEARSHORE_DIVISION, PII
from dashboard_inspect import figures, leaks, page_data


def _trace(page: Path, name: str) -> dict:
    return next(t for chart in figures(page).values() for t in chart["data"] if t.get("name") == name)


@pytest.mark.parametrize("audience", ["internal", "supervisor", "finance"])
def test_unified_cx_shows_qa_and_csat_per_tier_with_counts_and_nps(
    rendered: dict[str, dict[str, Path]], audience: str
) -> None:
    page = rendered[audience]["unified_cx"]
    qa, csat = _trace(page, "QA score"), _trace(page, "CSAT")
    assert dict(zip(qa["x"], qa["y"], strict=True))["Enterprise"] == 81.5
    assert dict(zip(csat["x"], csat["y"], strict=True))["Enterprise"] == 58.2
    assert "n=52" in csat["text"] and "n=40" in qa["text"]
    text = page_data(page)
    assert "Enterprise: NPS -12 (52 responses)" in text
    assert "latest rescore wins" in text  # the definition is on the page


@pytest.mark.parametrize("audience", ["internal", "supervisor", "finance"])
def test_supervisor_shows_adherence_and_flags_the_unit_that_dropped(
    rendered: dict[str, dict[str, Path]], audience: str
) -> None:
    page = rendered[audience]["supervisor"]
    chat = _trace(page, "Chat Agents MU")
    by_day = dict(zip((str(x)[:10] for x in chat["x"]), chat["y"], strict=True))
    # 2 agents x 28800 s scheduled, 2 x 3600 s out of adherence on days 7-13: 87.5%.
    assert by_day["2026-10-08"] == pytest.approx(87.5)
    assert by_day["2026-10-01"] == pytest.approx(100 * (28800 - 120) / 28800)
    text = page_data(page)
    assert "Chat Agents MU: adherence below 90% on 7 day(s) (2026-10-08 to 2026-10-14)" in text
    assert "Inbound Support MU: adherence below" not in text
    assert "Lowest 15-minute interval: Chat Agents at 2026-10-08 12:00 UTC" in text
    assert leaks(text, list(PII["agent_names"])) == []


def test_bpo_pages_show_partner_quality_and_adherence_only_for_their_partner(
    rendered: dict[str, dict[str, Path]],
) -> None:
    internal = figures(rendered["internal"]["bpo_partner"])
    qa_traces = [t for chart in internal.values() for t in chart["data"] if t.get("name") == "QA score"]
    assert len(qa_traces) == 2  # one block per partner
    partner_page = rendered["bpo:Acme BPO"]["bpo_partner"]
    partner = [t for chart in figures(partner_page).values() for t in chart["data"]]
    assert [t["y"] for t in partner if t.get("name") == "schedule adherence %"] == [
        [97.5 - d % 3 for d in range(7)]
    ]
    text = page_data(partner_page)
    assert "Acme BPO" in text
    assert NEARSHORE_DIVISION not in text and "Nearshore BPO" not in text


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_partner_page_with_quality_renders_in_chromium(
    rendered: dict[str, dict[str, Path]], tmp_path: Path
) -> None:
    check_in_browser(rendered["bpo:Acme BPO"]["bpo_partner"], tmp_path)


def test_demo_summary_names_qa_csat_nps_and_adherence(tmp_path: Path) -> None:
    import duckdb

    from cxlake.demo import _facts

    database = tmp_path / "marts.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create table unified_interactions as select * from (values"
            " ('c1', 'a1', 80.0, 90.0, 10.0), ('c2', 'a1', 60.0, 40.0, 3.0), ('c3', null, null, null, null))"
            " as t(conversation_id, crm_account_id, qa_score, csat_score, nps_promoter_score)"
        )
        con.execute(
            "create table agent_adherence_daily as select * from (values"
            " ('Chat Agents MU', date '2026-10-08', 1000, 200),"
            " ('Chat Agents MU', date '2026-10-09', 1000, 0),"
            " ('Voice MU', date '2026-10-08', 2000, 20)) as t(management_unit_name, adherence_date,"
            " scheduled_seconds, exception_seconds)"
        )
    lines = _facts(database)
    assert (
        "quality: QA score 70.0 over 2 evaluated contacts; CSAT 65.0 over 2 completed surveys, NPS +0"
        in lines
    )
    assert (
        "schedule adherence: 94.5% overall; lowest management unit day: Chat Agents MU on 2026-10-08 at 80.0%"
        in lines
    )
