"""Validation at scale: DuckDB hands GX only the rows that can fail, and computes the counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import great_expectations.expectations as gxe
import pytest

from cxlake.quality import runner
from cxlake.quality.checks import TableSuite, accepted, at_most, key, non_negative, within_window
from cxlake.quality.runner import validate_warehouse
from cxlake.quality.suites import ValidationPlan, measures, reconciliation

ROWS = 50_000


def _warehouse(path: Path, *statements: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema raw_genesys; create schema marts")
    con.execute(
        "create table raw_genesys.conversations as select 'c' || i as conversation_id, "
        "timestamptz '2026-10-01 00:00:00+00' + to_minutes(i) as conversation_start, "
        "timestamptz '2026-11-30 00:00:00+00' as _extracted_at from range(?) t(i)",
        [ROWS],
    )
    con.execute(
        "create table marts.unified_interactions as select conversation_id, "
        "conversation_start::timestamp as conversation_start, "
        "conversation_start::timestamp + interval 5 minute as conversation_end, "
        "(random() * 1e6)::bigint as duration_ms, "
        "case when hash(conversation_id) % 2 = 0 then 'voice' else 'chat' end as media_type "
        "from raw_genesys.conversations"
    )
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def _plan(*extra: Any) -> ValidationPlan:
    return ValidationPlan(
        suites=[
            TableSuite(
                "marts.unified_interactions",
                key=("conversation_id",),
                expectations=[
                    *key("conversation_id"),
                    *non_negative("duration_ms"),
                    *accepted("media_type", ("voice", "chat")),
                    *within_window("conversation_start"),
                    *at_most("conversation_start", "conversation_end"),
                    *extra,
                ],
            )
        ],
        measures=[],
        reconciliation=[],
    )


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Rows of each frame handed to GX, by suite."""
    seen: dict[str, int] = {}
    validate = runner._validate

    def recording(context: Any, suite: TableSuite, frame: Any, *args: Any, **kwargs: Any) -> Any:
        seen[suite.name] = len(frame)
        return validate(context, suite, frame, *args, **kwargs)

    monkeypatch.setattr(runner, "_validate", recording)
    return seen


def test_a_clean_relation_reaches_gx_as_an_empty_frame(tmp_path: Path, frames: dict[str, int]) -> None:
    outcome = validate_warehouse(_warehouse(tmp_path / "w.duckdb"), tmp_path / "docs", _plan())
    assert outcome.success and len(outcome.findings) == 6
    assert frames == {"marts.unified_interactions": 0}
    assert {f.observed for f in outcome.findings} == {f"0 unexpected of {ROWS} rows (0.00%)"}


def test_bad_rows_anywhere_are_found_and_counted_on_the_whole_relation(
    tmp_path: Path, frames: dict[str, int]
) -> None:
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "update marts.unified_interactions set duration_ms = -1 where conversation_id in ('c7', 'c49990')",
        "update marts.unified_interactions set media_type = 'fax' where conversation_id = 'c123'",
        # a duplicate of the first row, appended last: only the pair is a candidate
        "insert into marts.unified_interactions select * from marts.unified_interactions "
        "where conversation_id = 'c0'",
        "update marts.unified_interactions set conversation_start = timestamp '2031-01-01' "
        "where conversation_id = 'c9'",
    )
    outcome = validate_warehouse(warehouse, tmp_path / "docs", _plan())
    failed = {f.column: f for f in outcome.findings if not f.success}
    assert set(failed) == {
        "duration_ms",
        "media_type",
        "conversation_id",
        "conversation_start",
        "conversation_end vs conversation_start",
    }
    total = ROWS + 1
    assert failed["duration_ms"].observed == f"2 unexpected of {total} rows ({200 / total:.2f}%)"
    assert {row["conversation_id"] for row in failed["duration_ms"].sample} == {"c7", "c49990"}
    assert failed["media_type"].sample == [{"media_type": "fax", "conversation_id": "c123"}]
    assert failed["conversation_id"].observed.startswith(f"2 unexpected of {total} rows")
    assert failed["conversation_start"].observed.startswith(f"1 unexpected of {total} rows")
    # the 6 rows that can fail (c9 breaks the window and start <= end), not the relation
    assert frames == {"marts.unified_interactions": 6}


def test_an_expectation_on_a_share_of_rows_reads_the_whole_relation(
    tmp_path: Path, frames: dict[str, int]
) -> None:
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "update marts.unified_interactions set media_type = null where duration_ms < 400000",
    )
    mostly = gxe.ExpectColumnValuesToNotBeNull(column="media_type", mostly=0.9)
    outcome = validate_warehouse(warehouse, tmp_path / "docs", _plan(mostly))
    assert frames == {"marts.unified_interactions": ROWS}
    share = next(f for f in outcome.findings if f.expected.startswith("no nulls (at least 90%"))
    assert not share.success


def test_reconciliation_measures_are_computed_in_duckdb(tmp_path: Path) -> None:
    """Same count, one id swapped: the checksum of the ids (a DuckDB aggregate) tells them apart."""
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "update marts.unified_interactions set conversation_id = 'c-other' where conversation_id = 'c42'",
    )
    relations = ("raw_genesys.conversations", "marts.unified_interactions")
    plan = ValidationPlan(
        suites=[TableSuite(relation, key=(), expectations=[]) for relation in relations],
        measures=[m for m in measures() if m.relation in relations],
        reconciliation=reconciliation(),
    )
    assert all(m.sql is not None and m.compute is None for m in plan.measures)
    outcome = validate_warehouse(warehouse, tmp_path / "docs", plan)
    assert outcome.measures["raw_conversations"] == outcome.measures["unified_interactions"] == ROWS
    failed = [f.column for f in outcome.findings if not f.success]
    assert failed == ["raw_conversation_ids_checksum vs unified_conversation_ids_checksum"]
