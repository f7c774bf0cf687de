"""Dashboards of a real build: small tenant -> `cxlake run --from-files` -> dashboards for every audience.

Checks what only real marts can show: the CLI path, the generator's planted Enterprise
escalation spike in the Unified CX chart, and that BPO files hold none of the tenant's
people (agent names and ids, account and owner names, e-mail addresses, phone numbers)
nor the other partner.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from cxlake_cli import run_cxlake
from dashboard_browser import CHROMIUM, SKIP_REASON, check_in_browser
from dashboard_inspect import figures, leaks, page_data, tier_ltv

from cxlake.dashboard import render

pytestmark = pytest.mark.slow


def _records(tenant: Path, source: str, resource: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for part in sorted((tenant / source / resource).glob("part-*.ndjson")):
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line]
    return rows


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory, small_tenant: Path) -> dict[str, object]:
    """Publish the small tenant with one `cxlake run`; render `internal` with the CLI, the rest in-process."""
    root = tmp_path_factory.mktemp("dashboard_real_build")
    env = {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(root / "warehouse" / "cxlake.duckdb"),
        "CXLAKE_PUBLISH_DIR": str(root / "published"),
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    run = run_cxlake(env, "run", "--from-files", str(small_tenant), "--quiet")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    manifest = json.loads((small_tenant / "manifest.json").read_text(encoding="utf-8"))
    partners = manifest["partners"]
    cli = run_cxlake(
        env, "dashboard", "--audience", "internal", "--out", str(root / "dashboards" / "internal")
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    pages = {"internal": {Path(line).stem: Path(line) for line in cli.stdout.splitlines()}}
    audiences = ["supervisor", "finance", f"bpo:{partners[0]['partner_name']}"]
    audiences += [f"bpo:{p['division_id']}" for p in partners[1:]]
    for index, audience in enumerate(audiences):
        paths = render(audience, root / "dashboards" / f"audience-{index}", published=root / "published")
        pages[audience] = {path.stem: path for path in paths}
    return {"manifest": manifest, "pages": pages, "tenant": small_tenant}


def _people(tenant: Path) -> list[str]:
    """Every agent name/id/e-mail and every account/owner name of the tenant files."""
    found: set[str] = set()
    for user in _records(tenant, "genesys", "users"):
        found |= {str(user["id"]), str(user["name"]), str(user.get("email") or "")}
    for resource in ("queue_members", "skill_group_members"):
        found |= {str(member["name"]) for member in _records(tenant, "genesys", resource)}
    for account in _records(tenant, "salesforce", "accounts"):
        owner = account.get("Owner") or {}
        found |= {str(account["Name"]), str(owner.get("Name") if isinstance(owner, dict) else "")}
    return sorted(name for name in found if name)


def test_cli_renders_every_audience(real_build: dict[str, object]) -> None:
    pages = real_build["pages"]
    assert isinstance(pages, dict)
    for audience, files in pages.items():
        expected = (
            {"bpo_partner", "index"}
            if audience.startswith("bpo:")
            else {"campaigns", "supervisor", "unified_cx", "journeys", "bpo_partner", "index"}
        )
        assert set(files) == expected, audience
        for stem, path in files.items():
            if stem != "index":
                assert figures(path), f"{path} has no chart"


def test_bpo_files_hold_only_their_partner_and_no_people(real_build: dict[str, object]) -> None:
    manifest, pages, tenant = real_build["manifest"], real_build["pages"], real_build["tenant"]
    assert isinstance(manifest, dict) and isinstance(pages, dict) and isinstance(tenant, Path)
    people = _people(tenant)
    assert len(people) > 50  # the scan has real names to look for
    for partner in manifest["partners"]:
        audience = next(
            a for a in pages if a in (f"bpo:{partner['partner_name']}", f"bpo:{partner['division_id']}")
        )
        others = [
            value
            for other in manifest["partners"]
            if other["division_id"] != partner["division_id"]
            for value in (other["division_id"], other["division_name"], other["partner_name"])
        ]
        page = page_data(pages[audience]["bpo_partner"])
        assert partner["partner_name"] in page and partner["time_zone"] in page
        assert leaks(page, others + people) == []
        assert leaks(pages[audience]["index"].read_text(encoding="utf-8"), others + people) == []


def test_enterprise_escalation_spike_visible_in_unified_cx(real_build: dict[str, object]) -> None:
    manifest, pages = real_build["manifest"], real_build["pages"]
    assert isinstance(manifest, dict) and isinstance(pages, dict)
    planted = manifest["planted"]["enterprise_escalation_after_release"]
    charts = figures(pages["internal"]["unified_cx"])
    weekly = next(
        c
        for c in charts.values()
        if any(a["text"].startswith("release:") for a in c["layout"].get("annotations", []))
    )
    assert f"release: {planted['release_name']}" in [a["text"] for a in weekly["layout"]["annotations"]]
    enterprise = next(t for t in weekly["data"] if t.get("name") == planted["tier"])
    weeks = [(str(x)[:10], y) for x, y in zip(enterprise["x"], enterprise["y"], strict=True) if y is not None]
    release = date.fromisoformat(planted["release_date"])
    before = [y for week, y in weeks if date.fromisoformat(week) + timedelta(days=7) <= release]
    after = [y for week, y in weeks if date.fromisoformat(week) > release]  # whole weeks after it
    assert before and after and max(after) > 1.5 * max(before)
    others_after = [
        y
        for trace in weekly["data"]
        if trace.get("name") not in (planted["tier"], None)
        for x, y in zip(trace["x"], trace["y"], strict=True)
        if y is not None and str(x)[:10] > planted["release_date"]
    ]
    assert max(after) > max(others_after)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
@pytest.mark.parametrize("which", ["internal/unified_cx", "bpo/bpo_partner"])
def test_real_pages_render_in_chromium(real_build: dict[str, object], tmp_path: Path, which: str) -> None:
    pages = real_build["pages"]
    assert isinstance(pages, dict)
    kind, stem = which.split("/")
    audience = next(a for a in pages if a.startswith("bpo:")) if kind == "bpo" else kind
    check_in_browser(pages[audience][stem], tmp_path)


def test_unmapped_skill_group_flagged_on_supervisor_page(real_build: dict[str, object]) -> None:
    manifest, pages = real_build["manifest"], real_build["pages"]
    assert isinstance(manifest, dict) and isinstance(pages, dict)
    planted = manifest["planted"]["unmapped_skill_group"]
    page = page_data(pages["supervisor"]["supervisor"])
    assert f"{planted['skill_group_name']}: agents on queue but no interacting time" in page
    flagged = page.count(": agents on queue but no interacting time in the whole period")
    assert flagged == 1  # only the planted group, not every quiet one


def test_planted_adherence_drop_and_quality_measures_on_real_dashboards(
    real_build: dict[str, object],
) -> None:
    manifest, pages = real_build["manifest"], real_build["pages"]
    assert isinstance(manifest, dict) and isinstance(pages, dict)
    drop = manifest["planted"]["adherence_drop_one_team_one_week"]
    text = page_data(pages["supervisor"]["supervisor"])
    assert f"{drop['skill_group_name']} MU: adherence below 90%" in text
    assert sum(f"{name}: adherence below" in text for name in ("Inbound Support MU", "Tier 2 MU")) == 0
    truth = manifest["planted"]["quality_scores"]["csat_by_tier"]
    unified = figures(pages["internal"]["unified_cx"])
    csat = next(t for chart in unified.values() for t in chart["data"] if t.get("name") == "CSAT")
    shown = dict(zip(csat["x"], csat["y"], strict=True))
    assert {tier: round(value, 4) for tier, value in shown.items()} == {
        tier: value["mean"] for tier, value in truth.items()
    }


def test_finance_ltv_from_its_role_view_equals_the_marts(real_build: dict[str, object]) -> None:
    """The role view's per-tier LTV (finance) is the figure dbt computes in escalation_by_tier."""
    pages = real_build["pages"]
    assert isinstance(pages, dict)
    finance = tier_ltv(pages["finance"]["unified_cx"])
    internal = tier_ltv(pages["internal"]["unified_cx"])
    assert finance is not None and internal is not None and internal
    assert finance.keys() == internal.keys()
    for tier, value in internal.items():
        assert finance[tier] == pytest.approx(value, rel=1e-9), tier
    assert tier_ltv(pages["supervisor"]["unified_cx"]) is None
