"""Generator: evaluations / surveys inside conversations and WFM adherence, against the manifest.

Every expected value is recomputed here from the files as written (the manifest's ground
truth must agree with the records, and the records must have the real API's field names).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest


def _records(tenant: Path, resource: str) -> list[dict[str, Any]]:
    records = []
    for part in sorted((tenant / "genesys" / resource).glob("*.ndjson")):
        records.extend(json.loads(line) for line in part.read_text(encoding="utf-8").splitlines())
    return records


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture(scope="module")
def tenant_data(small_tenant: Path) -> dict[str, Any]:
    manifest = json.loads((small_tenant / "manifest.json").read_text(encoding="utf-8"))
    return {"manifest": manifest, "conversations": _records(small_tenant, "conversations")}


def _qa(evaluations: list[dict[str, Any]]) -> float | None:
    latest: dict[str, dict[str, Any]] = {}
    for entry in evaluations:
        held = latest.get(entry["evaluationId"])
        if held is None or _ms(entry["eventTime"]) > _ms(held["eventTime"]):
            latest[entry["evaluationId"]] = entry
    scores = [
        e["oTotalScore"]
        for e in latest.values()
        if e["released"] and not e["deleted"] and "calibrationId" not in e
    ]
    return sum(scores) / len(scores) if scores else None


def _csat(surveys: list[dict[str, Any]]) -> float | None:
    done = [
        s["oSurveyTotalScore"]
        for s in surveys
        if s["surveyStatus"] == "Finished" and not s["surveyPartialResponse"]
    ]
    return sum(done) / len(done) if done else None


def test_evaluations_and_surveys_have_realistic_shapes_and_match_ground_truth(
    tenant_data: dict[str, Any],
) -> None:
    manifest, conversations = tenant_data["manifest"], tenant_data["conversations"]
    truth = manifest["planted"]["quality_scores"]
    ended = [c for c in conversations if "conversationEnd" in c]
    evaluated = [c for c in conversations if c.get("evaluations")]
    surveyed = [c for c in conversations if c.get("surveys")]
    assert all("conversationEnd" in c for c in evaluated + surveyed), (
        "only ended contacts are evaluated/surveyed"
    )
    # Realistic shares: QA samples a minority of contacts, a minority of customers answer.
    assert 0.03 < len(evaluated) / len(ended) < 0.2
    qa = [v for c in conversations if (v := _qa(c.get("evaluations", []))) is not None]
    csat = [v for c in conversations if (v := _csat(c.get("surveys", []))) is not None]
    assert 0.03 < len(csat) / len(ended) < 0.2
    assert len(qa) == truth["qa"]["count"] and round(sum(qa) / len(qa), 4) == truth["qa"]["mean"]
    assert len(csat) == truth["csat"]["count"] and round(sum(csat) / len(csat), 4) == truth["csat"]["mean"]
    entries = [e for c in evaluated for e in c["evaluations"]]
    # Evaluated days after the contact; some rescored (same id, later), calibrations, deletions, drafts.
    for conversation in evaluated:
        for entry in conversation["evaluations"]:
            assert _ms(entry["eventTime"]) - _ms(conversation["conversationEnd"]) >= 86_400_000
    assert any(e["rescored"] for e in entries)
    assert any("calibrationId" in e for e in entries)
    assert any(e["deleted"] for e in entries)
    assert any(not e["released"] for e in entries)
    rescored_ids = {e["evaluationId"] for e in entries if e["rescored"]}
    assert all(sum(e["evaluationId"] == i for e in entries) == 2 for i in rescored_ids)
    statuses = {s["surveyStatus"] for c in surveyed for s in c["surveys"]}
    assert {"Finished", "Sent", "Expired"} <= statuses
    # Examples: conversations the models must score exactly (null where nothing qualifies).
    by_id = {c["conversationId"]: c for c in conversations}
    for example in truth["examples"]:
        record = by_id[example["conversation_id"]]
        assert _qa(record.get("evaluations", [])) == example["qa_score"]
        assert _csat(record.get("surveys", [])) == example["csat_score"]


def test_evaluation_and_survey_fields_exist_in_the_sdk_models(tenant_data: dict[str, Any]) -> None:
    pc = pytest.importorskip("PureCloudPlatformClientV2")
    evaluation_keys = set(pc.AnalyticsEvaluation().attribute_map.values())
    survey_keys = set(pc.AnalyticsSurvey().attribute_map.values())
    conversation_keys = set(pc.AnalyticsConversationWithoutAttributes().attribute_map.values())
    written_e = {k for c in tenant_data["conversations"] for e in c.get("evaluations", []) for k in e}
    written_s = {k for c in tenant_data["conversations"] for s in c.get("surveys", []) for k in s}
    assert written_e and written_e <= evaluation_keys, written_e - evaluation_keys
    assert written_s and written_s <= survey_keys, written_s - survey_keys
    assert {"evaluations", "surveys"} <= conversation_keys


def test_csat_planted_fact_recomputed_from_the_records(tenant_data: dict[str, Any]) -> None:
    fact = tenant_data["manifest"]["planted"]["csat_drops_for_escalated_enterprise"]
    before, after = fact["before"], fact["after"]
    assert before["count"] > 0 and after["count"] > 5
    assert after["mean"] < before["mean"] - 15
    assert after["mean"] < fact["other_contacts_after"]["mean"] - 15
    # The split is escalated Enterprise contacts: every such survey sits on an escalated record.
    escalated_after = [
        _csat(c["surveys"])
        for c in tenant_data["conversations"]
        if c.get("surveys")
        and _csat(c["surveys"]) is not None
        and c["conversationStart"] >= fact["release_date"]
        and any(p.get("attributes", {}).get("escalated") == "true" for p in c["participants"])
    ]
    assert len(escalated_after) >= after["count"]


def test_adherence_results_follow_the_schedules_and_plant_one_team_week(small_tenant: Path) -> None:
    manifest = json.loads((small_tenant / "manifest.json").read_text(encoding="utf-8"))
    fact = manifest["planted"]["adherence_drop_one_team_one_week"]
    results = _records(small_tenant, "historical_adherence")
    shifts = _records(small_tenant, "agent_schedules")
    assert len({(r["managementUnitId"], r["userId"], r["startDate"]) for r in results}) == len(results)
    scheduled_by_day: dict[tuple[str, str], int] = defaultdict(int)
    for shift in shifts:
        total = sum(activity["lengthMinutes"] for activity in shift["activities"])
        assert total == shift["lengthMinutes"], "activities tile the shift"
        scheduled_by_day[(shift["userId"], shift["startDate"][:10])] += total * 60
    sums: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    for result in results:
        day = result["dayMetrics"][0]
        assert (
            day["adherenceScheduleSeconds"] == scheduled_by_day[(result["userId"], result["startDate"][:10])]
        )
        exceptions = sum(e["endOffsetSeconds"] - e["startOffsetSeconds"] for e in result["exceptionInfo"])
        assert exceptions == day["exceptionDurationSeconds"]
        expected = round(
            100 * (day["adherenceScheduleSeconds"] - exceptions) / day["adherenceScheduleSeconds"], 4
        )
        assert result["adherencePercentage"] == expected
        if result["managementUnitId"] == fact["management_unit_id"]:
            during = fact["week_start"] <= result["startDate"][:10] < fact["week_end"]
            sums[during][0] += day["adherenceScheduleSeconds"]
            sums[during][1] += exceptions
    assert sums[True] == [fact["during"]["scheduled_seconds"], fact["during"]["exception_seconds"]]
    assert sums[False] == [fact["other_weeks"]["scheduled_seconds"], fact["other_weeks"]["exception_seconds"]]
    assert fact["during"]["adherence_pct"] < fact["other_weeks"]["adherence_pct"] - 5
    assert fact["during"]["adherence_pct"] < fact["other_teams_same_week"]["adherence_pct"] - 5


def test_wfm_records_have_the_sdk_model_fields(small_tenant: Path) -> None:
    pc = pytest.importorskip("PureCloudPlatformClientV2")

    def keys(model: Any) -> set[str]:
        return set(model().attribute_map.values())

    file_only = {"managementUnitId", "userId", "startDate", "endDate", "businessUnitId"}
    unit = _records(small_tenant, "management_units")[0]
    assert set(unit) <= keys(pc.ManagementUnit)
    shift = _records(small_tenant, "agent_schedules")[0]
    assert set(shift) - file_only <= keys(pc.BuAgentScheduleShift)
    assert {k for a in shift["activities"] for k in a} <= keys(pc.BuAgentScheduleActivity)
    result = next(r for r in _records(small_tenant, "historical_adherence") if r["exceptionInfo"])
    assert set(result) - file_only <= keys(pc.WfmHistoricalAdherenceBulkUserResult)
    assert set(result["dayMetrics"][0]) <= keys(pc.WfmHistoricalAdherenceBulkUserDayMetrics)
    assert set(result["exceptionInfo"][0]) <= keys(pc.HistoricalAdherenceExceptionInfo)
    code = _records(small_tenant, "activity_codes")[0]
    assert set(code) - file_only <= keys(pc.BusinessUnitActivityCode)
