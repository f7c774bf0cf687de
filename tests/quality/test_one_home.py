"""One home per rule: dbt owns what its tests check, GX what dbt cannot see, thresholds live once."""

from __future__ import annotations

from pathlib import Path

import great_expectations.expectations as gxe
import pandas as pd
import yaml

from cxlake.dashboard import unified
from cxlake.dbt_vars import crm_join_thresholds
from cxlake.quality import suites
from cxlake.quality.checks import key, non_negative, within_window
from cxlake.quality.dbt_tests import check_of, dbt_checks, rechecks_dbt
from cxlake.quality.suites import default_plan

ROOT = Path(__file__).resolve().parents[2]


def _checks(relation: str) -> set[tuple[str, tuple[str, ...]]]:
    suite = next(s for s in default_plan().suites if s.relation == relation)
    return {check for e in suite.expectations if (check := check_of(e)) is not None}


def test_dbt_tests_are_read_from_the_model_yaml() -> None:
    checks = dbt_checks()
    assert ("unique", ("conversation_id",)) in checks["unified_interactions"]
    assert ("accepted_range", ("duration_ms",)) in checks["unified_interactions"]
    assert ("unique_combination", ("campaign_id", "interval_start_at")) in checks["campaign_kpis"]
    assert ("at_most", ("connected", "contacted")) in checks["campaign_kpis"]
    assert ("accepted_values", ("group_type",)) in checks["agent_utilization"]
    # the multi-column tests name each of their columns
    assert ("accepted_values", ("media_type",)) in checks["unified_interactions"]
    assert ("not_null", ("data_source",)) in checks["unified_interactions"]
    assert ("accepted_range", ("talk_time_ms",)) in checks["unified_interactions"]
    assert ("at_most", ("conversation_start", "conversation_end")) in checks["unified_interactions"]


def test_no_expectation_of_the_plan_repeats_a_dbt_test() -> None:
    owned = dbt_checks()
    for suite in default_plan().suites:
        schema, _, model = suite.relation.partition(".")
        for expectation in suite.expectations:
            check = check_of(expectation)
            assert check is None or check not in owned.get(model, frozenset()), (suite.relation, check)
    # the grain and ranges dbt tests are gone from GX, the extraction window stays
    assert ("unique", ("conversation_id",)) not in _checks("marts.unified_interactions")
    assert ("not_null", ("conversation_id",)) not in _checks("marts.unified_interactions")
    assert ("accepted_range", ("duration_ms",)) not in _checks("marts.unified_interactions")
    assert ("accepted_range", ("escalation_rate_pct",)) not in _checks("marts.escalation_by_tier")
    assert ("unique_combination", ("campaign_id", "interval_start_at")) not in _checks("marts.campaign_kpis")
    assert _checks("staging.stg_genesys__conversations") == set()
    window = [
        e
        for s in default_plan().suites
        if s.relation == "marts.unified_interactions"
        for e in s.expectations
        if isinstance(e.configuration.kwargs.get("min_value"), dict)
    ]
    assert [e.configuration.kwargs["column"] for e in window] == ["conversation_start"]


def test_raw_tables_keep_their_grain_checks_in_gx() -> None:
    """dbt's sources carry no tests: the raw grain as dlt landed it is GX's."""
    assert ("unique", ("conversation_id",)) in _checks("raw_genesys.conversations")
    assert not rechecks_dbt("raw_genesys.conversations", key("conversation_id")[-1])


def test_the_crm_join_rate_is_dbt_s_test_not_an_expectation() -> None:
    suite = next(s for s in default_plan().suites if s.relation == "marts.unified_interactions")
    assert not [e for e in suite.expectations if e.configuration.kwargs.get("column") == "crm_account_id"]
    assert not [e for e in suite.expectations if e.configuration.kwargs.get("mostly") is not None]
    assert not hasattr(suites, "JOIN_RATE_CRITICAL") and not hasattr(suites, "JOIN_RATE_WARNING")


def test_a_test_added_to_a_model_s_yaml_removes_the_matching_expectation(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    document = {
        "models": [
            {
                "name": "kpis",
                "columns": [{"name": "kpi_id", "data_tests": ["unique"]}, {"name": "calls"}],
                "data_tests": [{"expression_is_true": {"arguments": {"expression": "answered <= calls"}}}],
            }
        ]
    }
    (models / "_kpis.yml").write_text(yaml.safe_dump(document))
    unique, not_null = key("kpi_id")[1], key("kpi_id")[0]
    answered = gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="calls", column_B="answered", or_equal=True
    )
    assert rechecks_dbt("marts.kpis", unique, tmp_path)
    assert rechecks_dbt("marts.kpis", answered, tmp_path)
    assert not rechecks_dbt("marts.kpis", not_null, tmp_path)  # dbt has no not_null on kpi_id
    assert not rechecks_dbt("marts.kpis", non_negative("calls")[0], tmp_path)
    assert not rechecks_dbt("marts.kpis", within_window("kpi_id")[0], tmp_path)  # the window is GX's
    assert not rechecks_dbt("marts.other", unique, tmp_path)


def test_crm_join_thresholds_have_one_home(tmp_path: Path) -> None:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    thresholds = crm_join_thresholds()
    assert (thresholds.warn_pct, thresholds.error_pct) == (
        float(project["crm_unlinked_warn_pct"]),
        float(project["crm_unlinked_error_pct"]),
    )
    changed = tmp_path / "dbt_project.yml"
    changed.write_text(yaml.safe_dump({"vars": {"crm_unlinked_warn_pct": 5, "crm_unlinked_error_pct": 12.5}}))
    assert crm_join_thresholds(changed).error_pct == 12.5
    # the dashboard badge reads the same values the dbt tests use
    assert (unified.UNLINKED_WARN_PCT, unified.UNLINKED_BAD_PCT) == (
        thresholds.warn_pct,
        thresholds.error_pct,
    )

    def badge(unlinked: float) -> str:
        frame = pd.DataFrame(
            [
                {
                    "audit_level": "overall",
                    "unlinked_share_pct": unlinked,
                    "linked_count": 1,
                    "conversation_count": 1,
                }
            ]
        )
        return unified.join_badge(frame).level

    assert badge(thresholds.warn_pct) == "ok"
    assert badge(thresholds.warn_pct + 0.1) == "warn"
    assert badge(thresholds.error_pct + 0.1) == "bad"
