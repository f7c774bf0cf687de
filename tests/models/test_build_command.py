"""How ``cxlake build [dbt args]`` turns its arguments into a dbt invocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxlake.build import PROJECT_DIR, dbt_command, dbt_target_path

WAREHOUSE = Path("/data/warehouse/cxlake.duckdb")


def _flag(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_no_arguments_run_dbt_build_on_the_project() -> None:
    args = dbt_command([], WAREHOUSE)
    assert args[0] == "build"
    assert _flag(args, "--project-dir") == str(PROJECT_DIR)
    assert _flag(args, "--profiles-dir") == str(PROJECT_DIR)
    assert _flag(args, "--target-path") == str(dbt_target_path(WAREHOUSE)) == "/data/warehouse/dbt_target"
    assert _flag(args, "--log-path") == "/data/warehouse/dbt_logs"


def test_options_alone_are_passed_to_dbt_build() -> None:
    args = dbt_command(["--select", "marts", "--full-refresh"], WAREHOUSE)
    assert args[:4] == ["build", "--select", "marts", "--full-refresh"]


def test_a_leading_dbt_subcommand_replaces_build() -> None:
    test_args = ["test", "--select", "crm_join_audit"]
    assert dbt_command(test_args, WAREHOUSE)[:3] == test_args
    assert dbt_command(["--", "run"], WAREHOUSE)[0] == "run"


def test_caller_choices_win_over_defaults() -> None:
    args = dbt_command(["run", "--target-path", "/tmp/elsewhere"], WAREHOUSE)
    assert args.count("--target-path") == 1 and _flag(args, "--target-path") == "/tmp/elsewhere"


def test_crm_field_mapping_reaches_dbt_from_the_ingestion_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxlake.dbt_vars import crm_vars, given_vars, with_vars

    monkeypatch.setenv("SOURCES__SALESFORCE__TIER_FIELD", "Service_Tier__c")
    monkeypatch.delenv("SOURCES__SALESFORCE__LTV_FIELD", raising=False)
    args = with_vars(["build", "--select", "x"], crm_vars())
    assert given_vars(args) == {
        "salesforce_tier_field": "Service_Tier__c",
        "salesforce_ltv_field": "Customer_LTV_USD__c",
    }
    # the caller's own --vars win, other given vars are kept
    mine = with_vars(["build", "--vars", "{salesforce_tier_field: Mine__c, x: 1}"], crm_vars())
    assert given_vars(mine) == {
        "salesforce_tier_field": "Mine__c",
        "x": 1,
        "salesforce_ltv_field": "Customer_LTV_USD__c",
    }
