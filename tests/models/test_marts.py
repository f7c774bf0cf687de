"""dbt build on real DuckDB files of the small tenant; marts against the generator's ground truth.

The ground truth is ``manifest.json``, which the generator sums while writing the
records; the marts recompute it from the raw tables through staging, intermediate and
marts. Nothing here is mocked.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_build_support import BuiltWarehouse, build_into

from cxlake.build import dbt_target_path
from cxlake.dashboard import unified

PREDICTIVE_MARTS = ("fact_predictive_journey", "dim_predictive_campaign")


def planted(warehouse: BuiltWarehouse, fact: str) -> dict[str, Any]:
    return warehouse.manifest["planted"][fact]


def test_both_builds_pass_with_models_snapshots_data_and_unit_tests(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    assert retrain_warehouse.build_codes == [0, 0]
    results = json.loads((dbt_target_path(retrain_warehouse.path) / "run_results.json").read_text())[
        "results"
    ]
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert {"model", "seed", "snapshot", "test", "unit_test"} <= kinds
    settled = ("success", "pass", "warn", "no-op")
    assert [result["unique_id"] for result in results if result["status"] not in settled] == []


def test_escalation_rate_by_tier_matches_ground_truth(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "escalation_rate_by_tier")["tiers"]
    rows = retrain_warehouse.query(
        "select customer_tier, total_contacts, escalations, escalation_rate_pct from marts.escalation_by_tier"
    )
    assert {tier: (total, escalations) for tier, total, escalations, _ in rows} == {
        tier: (values["total"], values["escalations"]) for tier, values in truth.items()
    }
    for tier, _, _, rate_pct in rows:
        assert round(rate_pct / 100, 4) == truth[tier]["rate"]


def test_connect_rate_per_campaign_matches_ground_truth(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "connect_rate_by_campaign")["campaigns"]
    rows = retrain_warehouse.query(
        "select campaign_id, sum(contacted), sum(connected), sum(voicemail_count) "
        "from marts.campaign_kpis group by campaign_id"
    )
    measured = {
        campaign: (contacted, connected, voicemail) for campaign, contacted, connected, voicemail in rows
    }
    assert measured == {
        campaign: (values["contacted"], values["connected"], values["voicemail"])
        for campaign, values in truth.items()
    }
    for campaign, (contacted, connected, _) in measured.items():
        assert round(connected / contacted, 4) == truth[campaign]["connect_rate"]


def test_skill_group_utilization_matches_ground_truth(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "skill_group_utilization")["groups"]
    rows = retrain_warehouse.query(
        "select group_id, sum(utilization_numerator_ms), sum(utilization_denominator_ms) "
        "from marts.agent_utilization where group_type = 'skill_group' group by group_id"
    )
    measured = {group: (numerator, denominator) for group, numerator, denominator in rows}
    for group, values in truth.items():
        assert measured[group] == (values["interacting_ms"], values["on_queue_ms"]), values[
            "skill_group_name"
        ]
        numerator, denominator = measured[group]
        assert round(100 * numerator / denominator, 2) == values["utilization_pct"]


def test_journey_funnel_matches_ground_truth(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "journey_funnel_example")
    day = truth["date_from"][:10]
    rows = retrain_warehouse.query(
        "select model_version, step_sequence, step_id, step_name, contact_count "
        "from marts.fact_predictive_journey "
        "where campaign_id = ? and extraction_date = cast(? as date) order by model_version, step_sequence",
        [truth["campaign_id"], day],
    )
    expected = [(step["stepId"], step["stepName"], step["contactCount"]) for step in truth["steps"]]
    versions = sorted({version for version, *_ in rows})
    assert versions and "unscored" not in versions
    for version in versions:
        funnel = [(step_id, name, count) for v, sequence, step_id, name, count in rows if v == version]
        assert funnel == expected
        assert [sequence for v, sequence, *_ in rows if v == version] == list(range(1, len(expected) + 1))


def test_enterprise_escalation_spike_after_release(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "enterprise_escalation_after_release")
    release = truth["release_date"]
    split = retrain_warehouse.query(
        "select conversation_start >= cast(? as timestamp) as after_release, count(*), "
        "sum(case when was_escalated then 1 else 0 end) from marts.unified_interactions "
        "where customer_tier = ? and is_crm_linked and not is_in_flight group by 1",
        [release, truth["tier"]],
    )
    measured = {after: (total, escalations) for after, total, escalations in split}
    assert measured[False] == (truth["before"]["total"], truth["before"]["escalations"])
    assert measured[True] == (truth["after"]["total"], truth["after"]["escalations"])

    weekly = retrain_warehouse.query(
        "select week_start_date, escalation_rate_pct, releases_in_week, latest_release_date "
        "from marts.escalation_weekly_by_tier where customer_tier = ? order by week_start_date",
        [truth["tier"]],
    )
    release_day = datetime.fromisoformat(release).date()
    annotated = [week for week, _, releases, _ in weekly if releases and truth["release_name"] in releases]
    assert len(annotated) == 1 and annotated[0] <= release_day < annotated[0] + timedelta(days=7)
    before = [rate for week, rate, _, latest in weekly if latest is None]
    after = [rate for week, rate, _, latest in weekly if latest is not None and week > annotated[0]]
    assert before and after
    assert min(after) > 2 * (sum(before) / len(before))


def test_voicemail_drags_one_campaign_connect_rate(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "voicemail_drags_connect_rate")
    rows = retrain_warehouse.query(
        "select campaign_id, sum(contacted), sum(connected), sum(voicemail_count) "
        "from marts.campaign_kpis group by campaign_id order by 1.0 * sum(connected) / sum(contacted)"
    )
    lowest, contacted, connected, voicemail = rows[0]
    assert lowest == truth["campaign_id"]
    assert round(connected / contacted, 4) == truth["connect_rate"]
    assert round(connected / (contacted - voicemail), 4) == truth["connect_rate_excluding_voicemail"]
    others_rate = sum(row[2] for row in rows[1:]) / sum(row[1] for row in rows[1:])
    assert round(others_rate, 4) == truth["other_campaigns_connect_rate"]
    assert connected / contacted < 0.6 * others_rate


def test_unmapped_skill_group_visible_in_utilization(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "unmapped_skill_group")
    rows = retrain_warehouse.query(
        "select group_id, bool_or(is_mapped_to_queue), sum(utilization_numerator_ms), "
        "sum(utilization_denominator_ms) from marts.agent_utilization where group_type = 'skill_group' "
        "group by group_id"
    )
    by_group = {group: (mapped, numerator, denominator) for group, mapped, numerator, denominator in rows}
    mapped, numerator, denominator = by_group[truth["skill_group_id"]]
    assert (mapped, numerator) == (False, 0) and denominator > 0
    assert [group for group, (is_mapped, _, _) in by_group.items() if not is_mapped] == [
        truth["skill_group_id"]
    ]
    for group, pct in truth["mapped_group_utilization_pct"].items():
        _, group_numerator, group_denominator = by_group[group]
        assert round(100 * group_numerator / group_denominator, 2) == pct
    capacity = retrain_warehouse.query(
        "select distinct group_id from marts.supervisor_campaign_capacity "
        "where campaign_id = ? and group_type = 'skill_group' and is_mapped_to_campaign",
        [truth["campaign_id"]],
    )
    assert sorted(group for (group,) in capacity) == sorted(truth["queue_member_group_ids"])


def test_unlinked_share_matches_ground_truth_and_passes_the_threshold(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    truth = planted(retrain_warehouse, "unlinked_share")
    [(conversations, unlinked, share)] = retrain_warehouse.query(
        "select conversation_count, unlinked_count, unlinked_share_pct from marts.crm_join_audit "
        "where audit_level = 'overall'"
    )
    assert (conversations, unlinked) == (truth["conversations"], truth["unlinked"])
    assert round(share / 100, 4) == truth["unlinked_share"]
    assert share < 30, "above var crm_unlinked_error_pct the build itself fails"


def test_conversion_events_deduplicated_and_orphans_isolated(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "disposition_goal_map")
    [(orphaned,)] = retrain_warehouse.query("select count(*) from marts.orphaned_conversion_events")
    [(kept,)] = retrain_warehouse.query(
        "select count(*) from intermediate.int_conversion_events_deduplicated"
    )
    assert orphaned == truth["orphaned_events"]
    assert kept == truth["conversion_events"] - truth["duplicate_events"]


def test_every_goal_completion_lands_in_an_interval_and_rates_stay_within_one(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    [(completions,)] = retrain_warehouse.query(
        "select count(*) from intermediate.int_campaign_goal_completions"
    )
    [(dated, converted, connected, worst, worst_rolling)] = retrain_warehouse.query(
        "select sum(goal_completions), sum(converted_connected), sum(connected), max(conversion_rate), "
        "max(rolling_conversion_rate) from marts.campaign_kpis"
    )
    assert completions > 0 and dated == completions  # late web conversions are not cut off the grid
    assert 0 < converted <= min(completions, connected)  # one credited call per completion at most
    assert worst <= 1 and worst_rolling <= 1


def test_second_build_leaves_marts_identical(retrain_warehouse: BuiltWarehouse) -> None:
    first, second = retrain_warehouse.marts_after_build
    assert first.keys() == second.keys()
    for mart in first:
        if mart != "fact_predictive_journey":
            assert first[mart] == second[mart], mart


def test_retrain_adds_v2_rows_and_leaves_v1_rows_byte_identical(retrain_warehouse: BuiltWarehouse) -> None:
    truth = planted(retrain_warehouse, "scorecard_retrain")
    first, second = (capture["fact_predictive_journey"] for capture in retrain_warehouse.marts_after_build)
    columns = [
        name
        for (name,) in retrain_warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fact_predictive_journey' order by ordinal_position"
        )
    ]
    version = columns.index("model_version")
    assert "v1" in {row[version] for row in first} and "v2" not in {row[version] for row in first}
    assert "v2" in {row[version] for row in second}
    assert [row for row in second if row[version] != "v2"] == first

    precision = columns.index("precision")
    day = truth["example_day"][:10]
    example = {
        row[version]: row[precision]
        for row in second
        if row[columns.index("campaign_id")] == truth["campaign_id"]
        and str(row[columns.index("extraction_date")]) == day
    }
    assert (
        round(example["v1"], 4) == truth["v1_precision"] and round(example["v2"], 4) == truth["v2_precision"]
    )

    history = retrain_warehouse.query(
        "select model_version, count(*), count(dbt_valid_to) "
        "from snapshots.snap_predictive_engagement__scorecard_history where scorecard_id = ? group by 1",
        [truth["scorecard_id"]],
    )
    assert {v: (rows, closed) for v, rows, closed in history}["v1"][1] == 0
    assert set(dict((v, rows) for v, rows, _ in history)) == {"v1", "v2"}


@pytest.mark.parametrize("mart", PREDICTIVE_MARTS)
def test_org_without_predictive_engagement_builds_with_empty_marts(
    warehouse_without_predictive_engagement: BuiltWarehouse, mart: str
) -> None:
    assert warehouse_without_predictive_engagement.build_codes == [0]
    marts = warehouse_without_predictive_engagement.marts_after_build[0]
    assert marts[mart] == []
    assert marts["unified_interactions"] and marts["campaign_kpis"]


@pytest.mark.parametrize(
    ("threshold_vars", "expected_code"),
    [
        ("{crm_unlinked_warn_pct: 10}", 0),
        ("{crm_unlinked_error_pct: 10}", 1),
    ],
)
def test_unlinked_share_threshold_warns_then_fails_the_build(
    retrain_warehouse: BuiltWarehouse, threshold_vars: str, expected_code: int
) -> None:
    """About 20% of the tenant is unlinked: a 10% warn threshold only warns, a 10% error threshold fails."""
    code = build_into(
        retrain_warehouse.path, ("test", "--select", "crm_join_audit", "--vars", threshold_vars)
    )
    assert code == expected_code
    statuses = {
        result["unique_id"].split(".")[2]: result["status"]
        for result in json.loads((dbt_target_path(retrain_warehouse.path) / "run_results.json").read_text())[
            "results"
        ]
    }
    assert statuses["crm_unlinked_share_warn"] == "warn"
    assert statuses["crm_unlinked_share_error"] == ("fail" if expected_code else "pass")


def test_crm_join_audit_carries_the_thresholds_the_build_used(
    retrain_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """A `--vars` override reaches the mart's threshold columns, and the dashboard badge
    judges the join rate by them rather than by the project's defaults (20% / 30%)."""
    copy = tmp_path / "cxlake.duckdb"
    shutil.copy(retrain_warehouse.path, copy)
    override = "{crm_unlinked_warn_pct: 12.5, crm_unlinked_error_pct: 15}"
    assert build_into(copy, ("run", "--select", "crm_join_audit", "--vars", override)) == 0
    with duckdb.connect(str(copy), read_only=True) as con:
        audit = con.execute("select * from marts.crm_join_audit").df()
    assert set(zip(audit["unlinked_warn_pct"], audit["unlinked_error_pct"], strict=True)) == {(12.5, 15.0)}
    unlinked = float(audit.loc[audit["audit_level"] == "overall", "unlinked_share_pct"].iloc[0])
    assert 15 < unlinked < unified.UNLINKED_BAD_PCT  # about 20% of the tenant is unlinked
    assert unified.join_badge(audit).level == "bad"
    project_badge = unified.join_badge(audit.drop(columns=["unlinked_warn_pct", "unlinked_error_pct"]))
    assert project_badge.level != "bad"


def test_bpo_marts_hold_no_agent_or_customer_identity(retrain_warehouse: BuiltWarehouse) -> None:
    identities = {
        value
        for row in retrain_warehouse.query("select user_id, user_name from staging.stg_genesys__users")
        for value in row
        if value
    }
    identities |= {
        name
        for (name,) in retrain_warehouse.query("select account_name from staging.stg_salesforce__accounts")
    }
    second = retrain_warehouse.marts_after_build[-1]
    for mart in ("bpo_interval_metrics", "bpo_daily_metrics", "bpo_agent_daily_metrics"):
        assert second[mart], mart
        leaked = {
            value for row in second[mart] for value in row if isinstance(value, str) and value in identities
        }
        assert leaked == set(), mart
    partners = {
        division for (division,) in retrain_warehouse.query("select division_id from marts.bpo_daily_metrics")
    }
    assert partners == {partner["division_id"] for partner in retrain_warehouse.manifest["partners"]}


def test_analyses_compile_and_answer_the_seed_questions(retrain_warehouse: BuiltWarehouse) -> None:
    assert build_into(retrain_warehouse.path, ("compile", "--select", "path:analyses")) == 0
    compiled = dbt_target_path(retrain_warehouse.path) / "compiled" / "cxlake" / "analyses"
    results = {
        path.stem: retrain_warehouse.query(path.read_text(encoding="utf-8"))
        for path in sorted(compiled.glob("*.sql"))
    }
    assert set(results) == {
        "campaign_connect_rate_voicemail_sensitivity",
        "escalation_before_after_release",
        "unlinked_conversations_by_queue",
    }
    truth = planted(retrain_warehouse, "enterprise_escalation_after_release")
    rate = {
        (row[2], row[3]): row[6]
        for row in results["escalation_before_after_release"]
        if row[0] == truth["release_name"]
    }
    assert rate[(truth["tier"], "after")] > 2 * rate[(truth["tier"], "before")]
    voicemail = planted(retrain_warehouse, "voicemail_drags_connect_rate")
    worst = results["campaign_connect_rate_voicemail_sensitivity"][0]
    assert worst[1] == voicemail["campaign_name"]
    assert worst[7] == round(voicemail["connected"] / (voicemail["contacted"] - voicemail["voicemail"]), 3)
    assert (
        sum(row[4] for row in results["unlinked_conversations_by_queue"])
        == planted(retrain_warehouse, "unlinked_share")["unlinked"]
    )


def test_docs_generate_and_every_model_and_column_is_described(retrain_warehouse: BuiltWarehouse) -> None:
    assert build_into(retrain_warehouse.path, ("docs", "generate")) == 0
    target = dbt_target_path(retrain_warehouse.path)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    undescribed: list[str] = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "snapshot", "seed") or node["package_name"] != "cxlake":
            continue
        if not node["description"].strip():
            undescribed.append(unique_id)
        documented = {
            name.lower() for name, column in node["columns"].items() if column["description"].strip()
        }
        built = catalog["nodes"].get(unique_id, {}).get("columns", {})
        assert built or node["resource_type"] == "seed", f"{unique_id} missing from the catalog"
        undescribed += [f"{unique_id}.{name}" for name in built if name.lower() not in documented]
    assert undescribed == []
    assert len(manifest["exposures"]) >= 5
