"""The GX machinery on real DuckDB files: failing expectations fail, passing ones pass."""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pytest

from cxlake.quality import run_validate
from cxlake.quality.checks import WARNING, TableSuite, accepted, at_most, key, non_negative, percent
from cxlake.quality.runner import validate_warehouse
from cxlake.quality.stamp import fingerprint, read_stamp
from cxlake.quality.suites import Measure, ValidationPlan, default_plan


def _warehouse(path: Path, *statements: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema raw_genesys; create schema marts")
    con.execute(
        "create table raw_genesys.conversations as select * from (values "
        "('c1', timestamptz '2026-10-01 10:00:00+00', timestamptz '2026-10-01 10:05:00+00', 'file'),"
        "('c2', timestamptz '2026-10-02 11:00:00+00', null, 'file'),"
        "('c3', timestamptz '2026-10-03 12:00:00+00', timestamptz '2026-10-03 12:09:00+00', 'jobs')"
        ") t(conversation_id, conversation_start, conversation_end, _extract_method)"
    )
    con.execute(
        "alter table raw_genesys.conversations add column _extracted_at timestamptz "
        "default timestamptz '2026-10-29 00:00:00+00'"
    )
    con.execute(
        "create table marts.unified_interactions as select * from (values "
        "('c1', timestamp '2026-10-01 10:00:00', 300000, 'voice'),"
        "('c2', timestamp '2026-10-02 11:00:00', null, 'chat'),"
        "('c3', timestamp '2026-10-03 12:00:00', 540000, 'voice')"
        ") t(conversation_id, conversation_start, duration_ms, media_type)"
    )
    con.execute(
        "create table marts.escalation_by_tier as select * from (values "
        "('Enterprise', 10, 4, 40.0::double), ('SMB', 20, 2, 10.0::double)"
        ") t(customer_tier, total_contacts, escalations, escalation_rate_pct)"
    )
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def _plan() -> ValidationPlan:
    from cxlake.quality.checks import within_window

    return ValidationPlan(
        suites=[
            TableSuite(
                "raw_genesys.conversations",
                key=("conversation_id",),
                expectations=[
                    *key("conversation_id"),
                    *accepted("_extract_method", ("query", "jobs", "api", "file")),
                    *at_most("conversation_start", "conversation_end"),
                ],
            ),
            TableSuite(
                "marts.unified_interactions",
                key=("conversation_id",),
                expectations=[
                    *key("conversation_id"),
                    *non_negative("duration_ms"),
                    *accepted("media_type", ("voice", "chat"), severity=WARNING),
                    *within_window("conversation_start"),
                ],
            ),
            TableSuite(
                "marts.escalation_by_tier",
                key=("customer_tier",),
                expectations=[*key("customer_tier"), *percent("escalation_rate_pct")],
            ),
            TableSuite(
                "raw_predictive_engagement.campaigns", key=("id",), expectations=key("id"), optional=True
            ),
        ],
        measures=[
            Measure(
                "raw", "raw_genesys.conversations", ("conversation_id",), lambda f: float(f.nunique().iloc[0])
            ),
            Measure("unified", "marts.unified_interactions", ("conversation_id",), lambda f: float(len(f))),
        ],
        reconciliation=[gxe.ExpectColumnPairValuesToBeEqual(column_A="raw", column_B="unified")],
    )


def _failed(outcome) -> set[tuple[str, str, str]]:
    return {(f.suite, f.expectation, f.column) for f in outcome.findings if not f.success}


def test_clean_warehouse_passes(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    outcome = validate_warehouse(warehouse, tmp_path / "docs", _plan())
    assert _failed(outcome) == set()
    assert outcome.success
    # every expectation produced a real result, and the optional source was skipped
    assert len(outcome.findings) == 13
    assert outcome.skipped == ["raw_predictive_engagement.campaigns (not loaded: optional)"]
    assert outcome.measures == {"raw": 3.0, "unified": 3.0}
    assert (tmp_path / "docs" / "index.html").exists()


def test_each_kind_of_bad_row_fails_its_expectation(tmp_path: Path) -> None:
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "insert into marts.unified_interactions values ('c1', timestamp '2026-10-01 10:00:00', 1, 'voice')",
        "update marts.unified_interactions set duration_ms = -5 where conversation_id = 'c3'",
        "update marts.escalation_by_tier set escalation_rate_pct = 140 where customer_tier = 'SMB'",
        "update raw_genesys.conversations set _extract_method = 'scraped' where conversation_id = 'c2'",
        "update raw_genesys.conversations set conversation_end = timestamptz '2026-10-01 09:00:00+00' "
        "where conversation_id = 'c1'",
        "insert into marts.unified_interactions values ('c9', timestamp '2031-01-01 00:00:00', 1, 'fax')",
    )
    outcome = validate_warehouse(warehouse, tmp_path / "docs", _plan())
    assert _failed(outcome) == {
        ("marts.unified_interactions", "expect_column_values_to_be_unique", "conversation_id"),
        ("marts.unified_interactions", "expect_column_values_to_be_between", "duration_ms"),
        ("marts.unified_interactions", "expect_column_values_to_be_in_set", "media_type"),
        ("marts.unified_interactions", "expect_column_values_to_be_between", "conversation_start"),
        ("marts.escalation_by_tier", "expect_column_values_to_be_between", "escalation_rate_pct"),
        ("raw_genesys.conversations", "expect_column_values_to_be_in_set", "_extract_method"),
        (
            "raw_genesys.conversations",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "conversation_end vs conversation_start",
        ),
        ("reconciliation", "expect_column_pair_values_to_be_equal", "raw vs unified"),
    }
    assert not outcome.success
    # the media-type enum is a warning; everything else is critical
    assert [f.column for f in outcome.warnings] == ["media_type"]
    negative = next(f for f in outcome.critical_failures if f.column == "duration_ms")
    assert negative.observed.startswith("1 unexpected of 5 rows")
    assert negative.sample == [{"duration_ms": -5, "conversation_id": "c3"}]


def test_missing_required_relation_and_column_are_critical(tmp_path: Path) -> None:
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "drop table marts.escalation_by_tier",
        "alter table marts.unified_interactions drop column duration_ms",
    )
    outcome = validate_warehouse(warehouse, tmp_path / "docs", _plan())
    assert {(f.suite, f.column, f.observed) for f in outcome.critical_failures} == {
        ("marts.escalation_by_tier", "", "relation is missing"),
        ("marts.unified_interactions", "duration_ms", "columns are missing"),
    }


def test_run_validate_prints_report_exits_non_zero_and_stamps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "alter table raw_genesys.conversations add column _load_id varchar default '1'",
        "insert into raw_genesys.conversations by name "
        "select * from raw_genesys.conversations where conversation_id = 'c2'",
    )
    code = run_validate(warehouse, tmp_path / "docs")
    out = capsys.readouterr().out
    assert code == 1
    # the default plan: the duplicate raw conversation is named with its key and a sample row
    assert (
        "[CRITICAL] raw_genesys.conversations :: expect_column_values_to_be_unique :: column conversation_id"
        in out
    )
    assert "observed: 2 unexpected of 4 rows (50.00%)" in out
    assert '{"conversation_id": "c2"}' in out
    # required relations that are absent are named; optional sources are only skipped
    assert "[CRITICAL] raw_salesforce.accounts :: expect_relation_to_match_contract" in out
    assert "[CRITICAL] raw_predictive_engagement" not in out
    assert "raw_predictive_engagement (not loaded: optional): campaigns," in out
    assert "Validation FAILED" in out
    # freshness from load metadata: the synthetic load is weeks old
    assert "raw_genesys                  2026-10-29 00:00:00Z" in out
    assert "stale (error)" in out
    stamp = read_stamp(warehouse)
    assert stamp is not None and not stamp.success and stamp.fingerprint == fingerprint(warehouse)
    assert (tmp_path / "docs" / "index.html").exists()


def test_default_plan_covers_every_raw_table_and_mart() -> None:
    from ingestion.tables import TABLES

    relations = {suite.relation for suite in default_plan().suites}
    assert {f"{spec.schema}.{spec.name}" for spec in TABLES.values()} <= relations
    marts_dir = Path(__file__).resolve().parents[2] / "models" / "marts"
    marts = {p.stem for p in marts_dir.rglob("*.sql")}
    assert {f"marts.{name}" for name in marts} <= relations
