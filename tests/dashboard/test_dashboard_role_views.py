"""The roles' interaction-level figures come from their role views (supervisor_interactions,
finance_interactions): what a view leaves out, its role's dashboards never show, and no
Python column list restates it."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import pytest
from dashboard_inspect import page_data, tier_ltv

from cxlake.dashboard import render


def _variant(publication: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "publication"
    shutil.copytree(publication, copy, symlinks=True)
    con = duckdb.connect(str(copy / "current" / "marts.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return copy


def _unified(audience: str, published: Path, out: Path) -> Path:
    (page,) = [p for p in render(audience, out, published=published) if p.stem == "unified_cx"]
    return page


def test_finance_ltv_comes_from_its_role_view(rendered: dict[str, dict[str, Path]]) -> None:
    ltv = tier_ltv(rendered["finance"]["unified_cx"])
    assert ltv is not None
    # finance_interactions: Enterprise 250000; Premium (70000 + 90000) / 2, the out-of-window and
    # in-flight rows left out; no Standard rows. The mart's own figures differ (90000, 12000).
    assert ltv["Enterprise"] == pytest.approx(250000.0)
    assert ltv["Premium"] == pytest.approx(80000.0)
    assert math.isnan(ltv["Standard"])
    assert tier_ltv(rendered["internal"]["unified_cx"]) == {
        "Enterprise": 250000.0,
        "Premium": 90000.0,
        "Standard": 12000.0,
    }
    assert tier_ltv(rendered["supervisor"]["unified_cx"]) is None


def test_the_role_view_alone_decides_what_the_role_sees(publication: Path, tmp_path: Path) -> None:
    changed = _variant(
        publication,
        tmp_path,
        "alter table supervisor_interactions add column ltv_usd double default 123.0",
        "alter table finance_interactions drop column ltv_usd",
    )
    supervisor = _unified("supervisor", changed, tmp_path / "supervisor")
    ltv = tier_ltv(supervisor)
    assert ltv is not None and (ltv["Enterprise"], ltv["Premium"]) == (123.0, 123.0)
    assert math.isnan(ltv["Standard"])
    finance = _unified("finance", changed, tmp_path / "finance")
    assert tier_ltv(finance) is None
    assert "LTV" not in page_data(finance)
