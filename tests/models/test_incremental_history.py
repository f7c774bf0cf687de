"""A daily build re-derives only the lookback window of the workforce models, not the history.

A tenant of eight days is loaded without its last day and built; marker values are written
into stored rows, one older than the lookback window and one inside it; the last day is
loaded and built again. Rows outside the window keep their markers (they were not
re-derived), rows inside lose them, and what the incremental build wrote equals a
``--full-refresh`` of the same models, itself equal to a first build of the grid,
utilization, the conversation legs and the conversation summary run one day at a time.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_build_support import build_into, filter_ndjson

from cxlake.build import dbt_target_path
from ingestion.run import run_ingest

START = date(2026, 10, 1)
DAYS = 8
LAST_DAY = (START + timedelta(days=DAYS - 1)).isoformat()
SELECT = ("run", "--select", "+agent_utilization", "+int_partner_agent_activity")
MARKER = 987_654_321
GRID = "intermediate.int_agent_activity_by_five_minutes"
GRID15 = "intermediate.int_agent_activity_by_fifteen_minutes"
LEGS = "intermediate.int_conversation_legs"
SUMMARY = "intermediate.int_conversations_summarised"
UTILIZATION = "marts.agent_utilization"
PARTNER = "intermediate.int_partner_agent_activity"
ROUTING = "staging.stg_genesys__user_routing_statuses"
DAY_RESOURCES = {"conversations": "conversationStart", "user_presences": "startTime"}
DAY_RESOURCES["user_routing_statuses"] = "startTime"
# starts at midnight after the last day: the span of conversation starts ends exactly on a window
# boundary, and the first build still needs a window holding it
BOUNDARY_CONVERSATION = "conversation-on-the-last-window-boundary"
BOUNDARY_START = f"{(START + timedelta(days=DAYS)).isoformat()}T00:00:00.000Z"
LAST_DAY_WORK = (
    f"select coalesce(sum(on_queue_ms + interacting_ms), 0) from {GRID} "
    f"where interval_start_at >= '{LAST_DAY}'"
)


def _before_last_day(key: str) -> Any:
    return lambda record: record[key][:10] < LAST_DAY


def _on_last_day(key: str) -> Any:
    return lambda record: record[key][:10] >= LAST_DAY


def _query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def daily_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from sandbox.generator.generate import generate

    root = tmp_path_factory.mktemp("daily")
    tenant = root / "tenant"
    generate(tenant, scale=1600, days=DAYS, start=START)
    history, day = root / "history", root / "day"
    shutil.copytree(tenant / "genesys", history / "genesys")
    shutil.copytree(tenant / "genesys", day / "genesys")
    for resource, key in DAY_RESOURCES.items():
        filter_ndjson(history / "genesys" / resource, _before_last_day(key))
        filter_ndjson(day / "genesys" / resource, _on_last_day(key))
    last_part = sorted((day / "genesys" / "conversations").glob("*.ndjson"))[-1]
    boundary = json.loads(last_part.read_text(encoding="utf-8").splitlines()[-1])
    boundary.update(conversationId=BOUNDARY_CONVERSATION, conversationStart=BOUNDARY_START)
    boundary.pop("conversationEnd", None)
    with last_part.open("a", encoding="utf-8") as out:
        out.write(json.dumps(boundary) + "\n")
    warehouse = root / "warehouse" / "cxlake.duckdb"
    assert run_ingest(warehouse, ["genesys"], from_files=history, start=START, progress=False).ok
    assert build_into(warehouse, ("seed", "--select", "bpo_partners")) == 0
    assert build_into(warehouse, SELECT) == 0

    with duckdb.connect(str(warehouse)) as con:
        newest = con.execute(f"select max(interval_start_at) from {GRID}").fetchone()[0]
        last_day_before = con.execute(LAST_DAY_WORK).fetchone()[0]
        old_grid = con.execute(
            f"select user_id, interval_start_at from {GRID} order by 2, 1 limit 1"
        ).fetchone()
        recent_grid = con.execute(
            f"select user_id, interval_start_at from {GRID} where interval_start_at >= ? - interval 1 hour "
            "order by 2, 1 limit 1",
            [newest],
        ).fetchone()
        old_group = con.execute(
            f"select group_interval_id from {UTILIZATION} order by interval_start_at, 1 limit 1"
        )
        old_group = old_group.fetchone()[0]
        old_partner = con.execute(
            f"select division_id, interval_start_at from {PARTNER} order by 2, 1 limit 1"
        ).fetchone()
        old_status = con.execute(
            f"select user_id, started_at from {ROUTING} order by 2, 1 limit 1"
        ).fetchone()
        for key in (old_grid, recent_grid):
            con.execute(
                f"update {GRID} set acw_ms = {MARKER} where user_id = ? and interval_start_at = ?", list(key)
            )
        con.execute(f"update {UTILIZATION} set acw_ms = {MARKER} where group_interval_id = ?", [old_group])
        con.execute(
            f"update {PARTNER} set acw_ms = {MARKER} where division_id = ? and interval_start_at = ?",
            list(old_partner),
        )
        con.execute(
            f"update {ROUTING} set routing_status = 'MARKER' where user_id = ? and started_at = ?",
            list(old_status),
        )

    assert run_ingest(warehouse, ["genesys"], from_files=day, start=START, progress=False).ok
    assert build_into(warehouse, SELECT) == 0
    compiled = dbt_target_path(warehouse) / "compiled" / "cxlake" / "models" / "intermediate"
    legs_sql = (compiled / "interactions" / "int_conversation_legs.sql").read_text()
    incremental = {
        name: _query(warehouse, f"select * exclude (acw_ms) from {name} order by all")
        for name in (GRID, GRID15, UTILIZATION, PARTNER)
    }
    state = {
        "old_grid": old_grid,
        "recent_grid": recent_grid,
        "old_group": old_group,
        "old_status": old_status,
        "last_day_before": last_day_before,
        "markers": {
            "old_grid": _query(
                warehouse,
                f"select acw_ms from {GRID} where user_id = '{old_grid[0]}' "
                f"and interval_start_at = '{old_grid[1].isoformat()}'",
            ),
            "recent_grid": _query(
                warehouse,
                f"select acw_ms from {GRID} where user_id = '{recent_grid[0]}' "
                f"and interval_start_at = '{recent_grid[1].isoformat()}'",
            ),
            "old_group": _query(
                warehouse, f"select acw_ms from {UTILIZATION} where group_interval_id = '{old_group}'"
            ),
            "old_partner": _query(
                warehouse,
                f"select acw_ms from {PARTNER} where division_id = '{old_partner[0]}' "
                f"and interval_start_at = '{old_partner[1].isoformat()}'",
            ),
            "old_status": _query(
                warehouse,
                f"select routing_status from {ROUTING} where user_id = '{old_status[0]}' "
                f"and started_at = '{old_status[1].isoformat()}'",
            ),
        },
        "last_day_after": _query(warehouse, LAST_DAY_WORK)[0][0],
        "incremental": incremental,
        "incremental_legs_sql": legs_sql,
    }
    assert build_into(warehouse, (*SELECT, "--full-refresh")) == 0
    state["full_refresh"] = {
        name: _query(warehouse, f"select * exclude (acw_ms) from {name} order by all")
        for name in (GRID, GRID15, UTILIZATION, PARTNER)
    }
    state["full_refresh_grid"] = _query(warehouse, f"select * from {GRID} order by all")
    state["full_refresh_utilization"] = _query(warehouse, f"select * from {UTILIZATION} order by all")
    columns = "idle_ms, interacting_ms, communicating_ms, not_responding_ms, off_queue_ms, on_queue_ms, acw_ms"
    sums = ", ".join(f"sum({column})::bigint" for column in columns.split(", "))
    state["full_refresh_grid15"] = _query(warehouse, f"select user_id, interval_start_at, {columns} from {GRID15} order by all")
    state["grid_rolled_up"] = _query(
        warehouse,
        f"select user_id, time_bucket(interval 15 minute, interval_start_at) as interval_start_at, {sums} "
        f"from {GRID} group by all order by all",
    )
    state["full_refresh_legs"] = _query(warehouse, f"select * from {LEGS} order by all")
    # the other engines' form: segments and metrics from their flattened views, grouped by session
    rows_form = ("run", "--select", "stg_genesys__conversation_segments", "stg_genesys__session_metrics")
    rows_form += ("int_conversation_legs", "--full-refresh", "--vars", "{nested_list_aggregates: false}")
    assert build_into(warehouse, rows_form) == 0
    state["legs_from_rows"] = _query(warehouse, f"select * from {LEGS} order by all")
    assert build_into(warehouse, ("run", "--select", "int_conversation_legs", "--full-refresh")) == 0
    assert build_into(warehouse, ("run", "--select", "+int_conversations_summarised", "--full-refresh")) == 0
    state["full_refresh_summary"] = _query(warehouse, f"select * from {SUMMARY} order by all")
    # a first build window by window: one UTC day per window here
    windowed = ("run", "--select", "int_conversation_legs", "int_conversations_summarised")
    windowed += ("int_agent_activity_by_five_minutes", "int_agent_activity_by_fifteen_minutes")
    windowed += ("agent_utilization", "--full-refresh")
    # first windows that hold nothing: a table DuckDB creates empty and fills in one transaction
    # needs writing again, or the models after it in the same build join it wrongly
    one_day = "{first_load_window_groups: 1, first_load_window_conversations: 1, first_load_first_window_days: 0}"
    assert build_into(warehouse, (*windowed, "--vars", one_day)) == 0
    state["windowed"] = _query(warehouse, f"select * from {GRID} order by all")
    state["windowed_legs"] = _query(warehouse, f"select * from {LEGS} order by all")
    boundary_legs = f"select count(*) from {LEGS} where conversation_id = '{BOUNDARY_CONVERSATION}'"
    state["windowed_boundary_legs"] = _query(warehouse, boundary_legs)[0][0]
    state["windowed_summary"] = _query(warehouse, f"select * from {SUMMARY} order by all")
    state["windowed_utilization"] = _query(warehouse, f"select * from {UTILIZATION} order by all")
    state["windowed_grid15"] = _query(warehouse, f"select * from {GRID15} order by all")
    days = f"select count(distinct cast(conversation_started_at as date)) from {LEGS}"
    state["leg_days"] = _query(warehouse, days)
    views = "select table_name from information_schema.tables where table_name like '%first_load_window%'"
    state["window_views"] = _query(warehouse, views)
    yield state


def test_the_new_day_reaches_the_grid(daily_built: dict[str, Any]) -> None:
    assert daily_built["last_day_after"] > daily_built["last_day_before"]


def test_rows_older_than_the_lookback_window_are_not_re_derived(daily_built: dict[str, Any]) -> None:
    markers = daily_built["markers"]
    assert markers["old_grid"] == [(MARKER,)]
    assert markers["old_group"] == [(MARKER,)]
    assert markers["old_partner"] == [(MARKER,)]
    # a staging row whose raw record was not extracted again is not parsed again
    assert markers["old_status"] == [("MARKER",)]


def test_rows_inside_the_window_are_re_derived(daily_built: dict[str, Any]) -> None:
    assert daily_built["markers"]["recent_grid"] != [(MARKER,)]
    assert len(daily_built["markers"]["recent_grid"]) == 1


def test_a_first_build_by_day_windows_equals_one_window(daily_built: dict[str, Any]) -> None:
    # a window the post-hook did not append would leave only the first day
    assert daily_built["leg_days"] == [(DAYS + 1,)]  # the eight days and the boundary's midnight
    assert daily_built["windowed_boundary_legs"] > 0
    assert daily_built["windowed_legs"] == daily_built["full_refresh_legs"]
    assert daily_built["windowed_summary"] == daily_built["full_refresh_summary"]
    assert daily_built["windowed"] == daily_built["full_refresh_grid"]
    assert daily_built["windowed_utilization"] == daily_built["full_refresh_utilization"]
    assert daily_built["windowed_grid15"] == daily_built["full_refresh_grid15"]


def test_legs_aggregated_from_lists_equal_legs_aggregated_from_flattened_rows(daily_built: dict[str, Any]) -> None:
    assert len(daily_built["full_refresh_legs"]) > 1000
    assert daily_built["legs_from_rows"] == daily_built["full_refresh_legs"]


def test_the_15_minute_grid_is_the_5_minute_grid_summed(daily_built: dict[str, Any]) -> None:
    # derived from the sources at 15 minutes, not rolled up, so this is what keeps the two grids one
    assert len(daily_built["grid_rolled_up"]) > 1000
    assert daily_built["full_refresh_grid15"] == daily_built["grid_rolled_up"]
    assert daily_built["window_views"] == []


def test_incremental_build_equals_a_full_refresh(daily_built: dict[str, Any]) -> None:
    # the marked old staging row feeds an old bucket only, which the incremental build left alone
    for name, rows in daily_built["incremental"].items():
        assert rows, name  # a partner division with agents, so the comparison is not of two empties
        assert rows == daily_built["full_refresh"][name], name


def test_a_daily_build_bounds_its_inputs_by_literals_read_from_the_stored_rows(
    daily_built: dict[str, Any],
) -> None:
    # a bound left as a scalar subquery on the model itself lets DuckDB skip no stored row group
    sql = daily_built["incremental_legs_sql"]
    assert '"int_conversation_legs"' not in sql
    bounds = re.findall(r"(conversation_started_at >=|extracted_at >) cast\('([^']+)' as timestamp\)", sql)
    # the sessions (on DuckDB their segments and metrics are aggregated from them, not read apart):
    # the recent ones, then the re-extracted ones not recent
    assert len(bounds) == 3, sql
    assert not re.search(r"from\s+\S*(stg_genesys__conversation_segments|stg_genesys__session_metrics)", sql)
    assert " or extracted_at" not in sql  # an `or` across two columns would skip no row group
    assert all(datetime.fromisoformat(value) for _, value in bounds)


ROUTING_MODEL = ("--select", "stg_genesys__user_routing_statuses")
SEGMENTS_MODEL = ("--select", "+stg_genesys__conversation_segments")
DOCUMENTS_ID = "model.cxlake.base_genesys__conversation_documents"


def _accepted_values_failures(warehouse: Path) -> list[tuple[str, int]]:
    results = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())["results"]
    return [
        (result["status"], result["failures"])
        for result in results
        if result["unique_id"].startswith("test.cxlake.accepted_values_stg_genesys__user_routing_statuses")
    ]


@pytest.fixture(scope="module")
def tested_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, int]]]:
    """A bad value planted in a stored (old) row, another arriving with the new day."""
    from sandbox.generator.generate import generate

    root = tmp_path_factory.mktemp("daily_tests")
    generate(root / "tenant", scale=800, days=4, start=START)
    resource = ("genesys", "user_routing_statuses")
    history, day = root / "history", root / "day"
    last_day = (START + timedelta(days=3)).isoformat()
    for target, keep in ((history, lambda r: r["startTime"][:10] < last_day), (day, None)):
        folder = target.joinpath(*resource)
        shutil.copytree(root / "tenant" / "genesys", target / "genesys")
        if keep is not None:
            filter_ndjson(folder, keep)
    bad = {"userId": "planted-user", "startTime": f"{last_day}T01:00:00.000Z"}
    bad |= {"endTime": f"{last_day}T01:05:00.000Z", "routingStatus": "BOGUS"}
    filter_ndjson(day.joinpath(*resource), lambda r: r["startTime"][:10] >= last_day)
    with day.joinpath(*resource, "part-00000.ndjson").open("a", encoding="utf-8") as part:
        part.write(json.dumps(bad) + "\n")
    warehouse = root / "warehouse" / "cxlake.duckdb"
    assert run_ingest(warehouse, ["genesys"], from_files=history, start=START, progress=False).ok
    assert build_into(warehouse, ("build", *ROUTING_MODEL)) == 0
    assert build_into(warehouse, ("build", *SEGMENTS_MODEL)) == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"update {ROUTING} set routing_status = 'PLANTED' where (user_id, started_at) = "
            f"(select (user_id, started_at) from {ROUTING} order by started_at, user_id limit 1)"
        )
    assert run_ingest(warehouse, ["genesys"], from_files=day, start=START, progress=False).ok
    with duckdb.connect(str(warehouse)) as con:  # re-extracted: a segment ending before its start
        conversation_id, payload = con.execute(
            "select conversation_id, payload from raw_genesys.conversations order by conversation_id limit 1"
        ).fetchone()
        planted = json.loads(payload)
        planted["participants"][0]["sessions"][0]["segments"][0]["segmentEnd"] = "2000-01-01T00:00:00.000Z"
        con.execute(
            "update raw_genesys.conversations set payload = ?, _extracted_at = now() "
            "where conversation_id = ?",
            [json.dumps(planted), conversation_id],
        )
    found = {}
    assert build_into(warehouse, ("build", *ROUTING_MODEL)) == 1
    found["daily build"] = _accepted_values_failures(warehouse)
    assert build_into(warehouse, ("test", *ROUTING_MODEL)) == 1
    found["dbt test"] = _accepted_values_failures(warehouse)
    # the segment view's tests, on a daily build: the documents' watermark, never the view's own
    assert build_into(warehouse, ("build", *SEGMENTS_MODEL)) == 1
    watermarks = _query(warehouse, "select model_id from cxlake_meta.test_watermarks")
    found["watermarks"] = [row[0] for row in watermarks]
    compiled = dbt_target_path(warehouse) / "compiled"
    segment_test = "stg_genesys__conversation_segments_row_checks.sql"
    found["segment test"] = [path.read_text() for path in compiled.rglob(segment_test)]
    results = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())["results"]
    failed = [r for r in results if r["status"] == "fail"]
    found["failed"] = sorted((r["unique_id"].split(".")[2], r["failures"]) for r in failed)
    found["failing checks"] = _query(warehouse, found["segment test"][0])
    return found


def test_a_daily_build_tests_only_the_rows_it_wrote(tested_builds: dict[str, Any]) -> None:
    # the new day's bad value fails the test; the old stored row is not read again
    assert tested_builds["daily build"] == [("fail", 1)]


def test_dbt_test_alone_still_scans_every_row(tested_builds: dict[str, Any]) -> None:
    assert tested_builds["dbt test"] == [("fail", 2)]


def test_the_tests_of_the_session_views_read_new_rows_by_the_documents_watermark(
    tested_builds: dict[str, Any],
) -> None:
    # recorded for the documents table; the views are not read to find a maximum of their own
    assert DOCUMENTS_ID in tested_builds["watermarks"]
    assert not [model for model in tested_builds["watermarks"] if "conversation_segments" in model]
    assert not [model for model in tested_builds["watermarks"] if "document_sessions" in model]
    (sql,) = tested_builds["segment test"]
    assert f"model_id = '{DOCUMENTS_ID}'" in sql


def test_a_segment_ending_before_its_start_fails_the_segments_row_checks_by_name(
    tested_builds: dict[str, Any],
) -> None:
    # the segment view's three checks run as one test that names the check a row breaks
    assert tested_builds["failed"] == [("stg_genesys__conversation_segments_row_checks", 1)]
    assert tested_builds["failing checks"] == [("segment_ended_at_not_before_start",)]


def test_a_model_first_built_without_input_reads_the_input_once_it_comes(tmp_path: Path) -> None:
    # a first build before a source is loaded stores empty tables; the next build is incremental,
    # and a null bound read from an empty table (`started >= null`) would read nothing, ever
    from sandbox.generator.generate import generate

    tenant = tmp_path / "tenant"
    generate(tenant, scale=300, days=2, start=START)
    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    users_only = tmp_path / "users_only"
    shutil.copytree(tenant / "genesys" / "users", users_only / "genesys" / "users")
    assert run_ingest(warehouse, ["genesys"], from_files=users_only, start=START, progress=False).ok
    assert build_into(warehouse, ("seed", "--select", "bpo_partners")) == 0
    assert build_into(warehouse, SELECT) == 0
    assert _query(warehouse, f"select count(*) from {LEGS}") == [(0,)]
    assert run_ingest(warehouse, ["genesys"], from_files=tenant, start=START, progress=False).ok
    assert build_into(warehouse, SELECT) == 0
    later = {name: _query(warehouse, f"select * from {name} order by all") for name in (LEGS, GRID, UTILIZATION)}
    assert build_into(warehouse, (*SELECT, "--full-refresh")) == 0
    for name, rows in later.items():
        assert rows, name
        assert rows == _query(warehouse, f"select * from {name} order by all"), name
