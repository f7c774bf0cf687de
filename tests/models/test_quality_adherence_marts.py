"""QA, CSAT and schedule adherence in the marts, compared with the generator's ground truth.

qa_score / csat_score are recomputed here from the conversation records of the tenant files
(definitions of ``sandbox.generator.quality``), independently of the SQL; the adherence marts are
compared with the manifest's per management unit and day truth and planted facts.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from dbt_build_support import BuiltWarehouse, build_into

from ingestion.run import run_ingest
from sandbox.generator.generate import generate


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _expected_scores(tenant: Path) -> dict[str, tuple[float | None, float | None]]:
    """conversation id -> (qa_score, csat_score) from the files, every conversation."""
    scores = {}
    for part in sorted((tenant / "genesys" / "conversations").glob("*.ndjson")):
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            latest: dict[str, dict[str, Any]] = {}
            for entry in record.get("evaluations", []):
                held = latest.get(entry["evaluationId"])
                if held is None or _ms(entry["eventTime"]) > _ms(held["eventTime"]):
                    latest[entry["evaluationId"]] = entry
            qa = [
                e["oTotalScore"]
                for e in latest.values()
                if e["released"] and not e["deleted"] and "calibrationId" not in e
            ]
            csat = [
                s["oSurveyTotalScore"]
                for s in record.get("surveys", [])
                if s["surveyStatus"] == "Finished" and not s["surveyPartialResponse"]
            ]
            scores[record["conversationId"]] = (
                sum(qa) / len(qa) if qa else None,
                sum(csat) / len(csat) if csat else None,
            )
    return scores


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-6)


def test_qa_and_csat_scores_filled_exactly_where_the_data_has_them(
    retrain_warehouse: BuiltWarehouse, small_tenant: Path
) -> None:
    expected = _expected_scores(small_tenant)
    rows = retrain_warehouse.query(
        "select conversation_id, qa_score, csat_score from marts.unified_interactions"
    )
    assert len(rows) == len(expected)
    wrong = [
        (cid, qa, csat, expected[cid])
        for cid, qa, csat in rows
        if not (_close(qa, expected[cid][0]) and _close(csat, expected[cid][1]))
    ]
    assert wrong == []
    truth = retrain_warehouse.manifest["planted"]["quality_scores"]
    assert sum(qa is not None for _, qa, _ in rows) == truth["qa"]["count"] > 50
    assert sum(csat is not None for _, _, csat in rows) == truth["csat"]["count"] > 50


def test_escalation_by_tier_qa_csat_averages_with_counts_match_ground_truth(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    truth = retrain_warehouse.manifest["planted"]["quality_scores"]
    rows = retrain_warehouse.query(
        "select customer_tier, qa_scored_contacts, avg_qa_score, csat_responses, avg_csat_score, nps"
        " from marts.escalation_by_tier"
    )
    assert {tier for tier, *_ in rows} == set(truth["csat_by_tier"])
    for tier, qa_count, qa_mean, csat_count, csat_mean, nps in rows:
        assert qa_count == truth["qa_by_tier"][tier]["count"]
        assert round(qa_mean, 4) == truth["qa_by_tier"][tier]["mean"]
        assert csat_count == truth["csat_by_tier"][tier]["count"]
        assert round(csat_mean, 4) == truth["csat_by_tier"][tier]["mean"]
        assert -100 <= nps <= 100


def test_csat_drop_for_escalated_enterprise_after_release_is_visible(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    fact = retrain_warehouse.manifest["planted"]["csat_drops_for_escalated_enterprise"]
    rows = dict(
        (after, (count, mean))
        for after, count, mean in retrain_warehouse.query(
            "select conversation_date >= cast(? as date), count(csat_score), avg(csat_score)"
            " from marts.unified_interactions"
            " where customer_tier = 'Enterprise' and was_escalated and not is_in_flight group by 1",
            [fact["release_date"]],
        )
    )
    assert rows[False][0] == fact["before"]["count"] and round(rows[False][1], 4) == fact["before"]["mean"]
    assert rows[True][0] == fact["after"]["count"] and round(rows[True][1], 4) == fact["after"]["mean"]
    assert rows[True][1] < rows[False][1] - 15


def test_adherence_marts_match_ground_truth_and_show_the_planted_week(
    retrain_warehouse: BuiltWarehouse,
) -> None:
    planted = retrain_warehouse.manifest["planted"]
    truth = planted["adherence_by_management_unit_day"]["units"]
    rows = retrain_warehouse.query(
        "select management_unit_id, cast(adherence_date as varchar), sum(scheduled_seconds),"
        " sum(exception_seconds), sum(actual_on_queue_seconds), sum(scheduled_on_queue_seconds)"
        " from marts.agent_adherence_daily group by 1, 2"
    )
    got = {(unit, day): (s, e, a, q) for unit, day, s, e, a, q in rows}
    want = {(unit, day): v for unit, days in truth.items() for day, v in days.items()}
    assert set(got) == set(want)
    for key, (scheduled, exceptions, actual, on_queue) in got.items():
        assert scheduled == want[key]["scheduled_seconds"] and exceptions == want[key]["exception_seconds"]
        assert round(100 * (scheduled - exceptions) / scheduled, 4) == want[key]["adherence_pct"]
        assert round(100 * actual / on_queue, 4) == want[key]["conformance_pct"]
    fact = planted["adherence_drop_one_team_one_week"]
    ((during, other),) = retrain_warehouse.query(
        "select 100.0 * (sum(scheduled_seconds) filter (where inside)"
        "   - sum(exception_seconds) filter (where inside)) / sum(scheduled_seconds) filter (where inside),"
        " 100.0 * (sum(scheduled_seconds) filter (where not inside)"
        "   - sum(exception_seconds) filter (where not inside))"
        "   / sum(scheduled_seconds) filter (where not inside)"
        " from (select *, adherence_date >= cast(? as date) and adherence_date < cast(? as date) as inside"
        "       from marts.agent_adherence_daily where management_unit_id = ?)",
        [fact["week_start"], fact["week_end"], fact["management_unit_id"]],
    )
    assert round(during, 4) == fact["during"]["adherence_pct"]
    assert round(other, 4) == fact["other_weeks"]["adherence_pct"]
    assert during < other - 5


def test_skill_group_interval_adherence_matches_the_example_day(retrain_warehouse: BuiltWarehouse) -> None:
    example = retrain_warehouse.manifest["planted"]["adherence_interval_example"]
    rows = retrain_warehouse.query(
        "select strftime(interval_start_at, '%Y-%m-%dT%H:%M:%S.000Z'), scheduled_seconds, exception_seconds"
        " from marts.skill_group_adherence_by_interval where skill_group_id = ?",
        [example["skill_group_id"]],
    )
    got = {start: (scheduled, exceptions) for start, scheduled, exceptions in rows}
    # Shifts of the example day start after 06:00 UTC; earlier intervals hold the previous day's.
    checked = {k: v for k, v in example["intervals"].items() if k >= example["date"] + "T06:00"}
    assert len(checked) > 20
    for start, value in checked.items():
        if start.startswith(example["date"]):
            assert got[start] == (value["scheduled_seconds"], value["exception_seconds"]), start
    assert any(v["exception_seconds"] for v in checked.values())


def test_bpo_partner_quality_and_adherence_without_identity(retrain_warehouse: BuiltWarehouse) -> None:
    identities = {
        value
        for row in retrain_warehouse.query("select user_id, user_name from staging.stg_genesys__users")
        for value in row
        if value
    }
    rows = retrain_warehouse.marts_after_build[-1]["bpo_partner_quality_daily"]
    assert rows
    assert {v for row in rows for v in row if isinstance(v, str) and v in identities} == set()
    partner_ids = {p["division_id"] for p in retrain_warehouse.manifest["partners"]}
    ((qa_scored, csat_responses, scheduled),) = retrain_warehouse.query(
        "select sum(qa_scored_contacts), sum(csat_responses), sum(scheduled_seconds)"
        " from marts.bpo_partner_quality_daily"
    )
    ((want_qa, want_csat),) = retrain_warehouse.query(
        "select count(qa_score), count(csat_score) from marts.unified_interactions"
        " where not is_in_flight and division_id in (select division_id from marts.bpo_partner_quality_daily)"
    )
    assert (qa_scored, csat_responses) == (want_qa, want_csat) and qa_scored > 0
    units = {
        unit
        for (unit,) in retrain_warehouse.query(
            "select management_unit_id from staging.stg_genesys__management_units where division_id in ?",
            [sorted(partner_ids)],
        )
    }
    truth = retrain_warehouse.manifest["planted"]["adherence_by_management_unit_day"]["units"]
    assert scheduled == sum(v["scheduled_seconds"] for u in units for v in truth[u].values()) > 0


@pytest.fixture(scope="module")
def late_release_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tenant loaded once without evaluations/surveys, built, then re-read with them."""
    root = tmp_path_factory.mktemp("late_qa")
    tenant = root / "tenant"
    generate(tenant, scale=300, days=10)
    first = root / "first_read"
    shutil.copytree(tenant, first)
    for part in (first / "genesys" / "conversations").glob("*.ndjson"):
        lines = []
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record.pop("evaluations", None)
            record.pop("surveys", None)
            lines.append(json.dumps(record) + "\n")
        part.write_text("".join(lines), encoding="utf-8")
    return tenant, first


def test_evaluations_released_later_reach_qa_score_on_the_re_read(
    late_release_warehouse: tuple[Path, Path], tmp_path: Path
) -> None:
    """Genesys rewrites a conversation's details when its evaluation is released or a survey
    completed; the re-read extraction replaces the record and the incremental build refreshes
    qa_score / csat_score of exactly those conversations."""
    tenant, first = late_release_warehouse
    warehouse = tmp_path / "warehouse.duckdb"
    select = ("build", "--select", "+unified_interactions", "--exclude", "test_type:data")
    kwargs = {"start": date(2026, 10, 1), "progress": False}
    assert run_ingest(warehouse, ["genesys", "salesforce"], from_files=first, **kwargs).ok
    assert build_into(warehouse, select) == 0
    built = BuiltWarehouse(warehouse, {}, [], [])
    assert built.query("select count(qa_score) + count(csat_score) from marts.unified_interactions") == [(0,)]
    assert run_ingest(warehouse, ["genesys"], from_files=tenant, **kwargs).ok
    assert build_into(warehouse, select) == 0
    expected = _expected_scores(tenant)
    rows = built.query("select conversation_id, qa_score, csat_score from marts.unified_interactions")
    assert sum(qa is not None for _, qa, _ in rows) > 5
    assert all(_close(qa, expected[c][0]) and _close(csat, expected[c][1]) for c, qa, csat in rows)
