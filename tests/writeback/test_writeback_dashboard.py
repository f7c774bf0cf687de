"""The Campaign KPIs dashboard lists write-back orphans and dead letters, with PII masked."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from cxlake.dashboard import render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from dashboard_fixture_marts import build_publication  # noqa: E402

EXCEPTIONS = """
create table conversion_writeback_exceptions as select * from (values
    ('WB-1', 'orphaned', 'web.ndjson line 3 (transaction WB-1): phone +12395550199 matches no contact',
     'goal_purchase_001', 120.0, timestamptz '2026-10-02 10:00:00+00', null),
    ('WB-2', 'orphaned', 'web.ndjson line 4 (transaction WB-2): email jane.doe@example.org matches none',
     'goal_purchase_001', 80.0, timestamptz '2026-10-02 11:00:00+00', null),
    ('WB-3', 'dead_lettered', 'bulk job j1 failed: contacts not in list: abc', 'goal_purchase_001', 55.0,
     timestamptz '2026-10-02 12:00:00+00', 'c-renewals')
) as t(transaction_id, exception_kind, reason, goal_id, event_value, occurred_at, campaign_id)
"""


def _campaign_page(publication: Path, out: Path, audience: str = "internal") -> str:
    paths = {path.stem: path for path in render(audience, out, published=publication)}
    return paths["campaigns"].read_text(encoding="utf-8")


def test_campaign_dashboard_shows_orphans_and_dead_letters_with_reasons(tmp_path: Path) -> None:
    publication = build_publication(tmp_path / "pub")
    with duckdb.connect(str(publication / "current" / "marts.duckdb")) as con:
        con.execute(EXCEPTIONS)
    for index, audience in enumerate(("internal", "supervisor")):
        page = _campaign_page(publication, tmp_path / f"out-{index}", audience)
        assert "Write-back orphans and dead letters" in page
        assert "2 orphaned, 1 dead-lettered." in page
        for txn in ("WB-1", "WB-2", "WB-3"):
            assert txn in page
        assert "contacts not in list" in page and "+…0199" in page and "…@example.org" in page
        assert "+12395550199" not in page and "jane.doe" not in page


def test_campaign_dashboard_without_a_push_says_so(tmp_path: Path) -> None:
    publication = build_publication(tmp_path / "pub")
    page = _campaign_page(publication, tmp_path / "out")
    assert "No write-back outbox in this publication" in page
