"""Generator tests: determinism, record invariants, and every planted fact recomputed from the raw files.

The recomputations below read only the written files (never generator
internals) and compare with ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest

from sandbox.generator.generate import generate, resolve_scale
from sandbox.generator.ids import uuid4_str
from sandbox.generator.timestamps import iso_sf, iso_z, iso_z_seconds

SOURCES = ("genesys", "predictive_engagement", "salesforce")
TIME_FIELDS = ("segmentStart", "segmentEnd")


def records(tenant: Path, source: str, resource: str) -> Iterator[dict[str, Any]]:
    for part in sorted((tenant / source / resource).glob("part-*.ndjson")):
        with part.open("rb") as handle:
            for line in handle:
                yield orjson.loads(line)


def parse(value: str) -> datetime:
    """Genesys ``...Z``, Salesforce ``...+0000`` and Predictive Engagement ``...Z`` timestamps."""
    return datetime.fromisoformat(value.replace("+0000", "+00:00").replace("Z", "+00:00"))


def digest_tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@cache
def _load(tenant: Path) -> dict[str, Any]:
    manifest = orjson.loads((tenant / "manifest.json").read_bytes())
    return {"manifest": manifest, "conversations": list(records(tenant, "genesys", "conversations"))}


@pytest.fixture(scope="module")
def tenant(small_tenant: Path) -> Path:
    return small_tenant


@pytest.fixture(scope="module")
def manifest(tenant: Path) -> dict[str, Any]:
    return _load(tenant)["manifest"]


@pytest.fixture(scope="module")
def conversations(tenant: Path) -> list[dict[str, Any]]:
    return _load(tenant)["conversations"]


def customer_attributes(conversation: dict[str, Any]) -> dict[str, str] | None:
    for participant in conversation["participants"]:
        if participant["purpose"] == "customer":
            return participant.get("attributes")
    return None


def metrics_of(session: dict[str, Any]) -> dict[str, int]:
    """Metric values by name; repeated metrics (several tTalk / tHeld parts) are summed."""
    values: dict[str, int] = {}
    for metric in session["metrics"]:
        values[metric["name"]] = values.get(metric["name"], 0) + metric["value"]
    return values


def answered(participant: dict[str, Any]) -> bool:
    """An agent participant that answered: an interact segment or a tAnswered metric."""
    return participant["purpose"] == "agent" and any(
        any(segment["segmentType"] == "interact" for segment in session["segments"])
        or any(metric["name"] == "tAnswered" for metric in session["metrics"])
        for session in participant["sessions"]
    )


def _segments(participant: dict[str, Any]) -> list[dict[str, Any]]:
    return [segment for session in participant["sessions"] for segment in session["segments"]]


def answering_agents(conversation: dict[str, Any]) -> set[str]:
    return {p["userId"] for p in conversation["participants"] if answered(p)}


# ------------------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7, days=3, scale=600)
    generate(tmp_path / "b", seed=7, days=3, scale=600)
    first, second = digest_tree(tmp_path / "a"), digest_tree(tmp_path / "b")
    assert first == second
    assert "genesys/conversations/part-00000.ndjson" in first


def test_other_seed_changes_volume_data_but_not_config_ids(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7, days=3, scale=600)
    generate(tmp_path / "b", seed=8, days=3, scale=600)
    first, second = digest_tree(tmp_path / "a"), digest_tree(tmp_path / "b")
    for resource in ("conversations", "users", "user_routing_statuses"):
        key = f"genesys/{resource}/part-00000.ndjson"
        assert first[key] != second[key], resource
    assert first["salesforce/accounts/part-00000.ndjson"] != second["salesforce/accounts/part-00000.ndjson"]
    for resource in ("divisions", "skills", "wrapup_codes", "presence_definitions", "campaigns"):
        key = f"genesys/{resource}/part-00000.ndjson"
        assert first[key] == second[key], resource


def test_regenerating_into_a_used_directory_leaves_no_stale_parts(tmp_path: Path) -> None:
    generate(tmp_path / "t", seed=1, days=2, scale=800)
    stale = tmp_path / "t" / "genesys" / "conversations" / "part-00009.ndjson"
    stale.write_bytes(b"{}\n")
    manifest = generate(tmp_path / "t", seed=1, days=2, scale=800)
    assert not stale.exists()
    assert manifest["counts"]["genesys"]["conversations"] == len(
        list(records(tmp_path / "t", "genesys", "conversations"))
    )


@pytest.mark.parametrize("bad", ["huge", "-5", 12, "1e6"])
def test_bad_scale_is_refused_with_a_clear_error(bad: object) -> None:
    with pytest.raises(ValueError, match="scale"):
        resolve_scale(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "field"),
    [({"seed": "42"}, "seed"), ({"days": 1}, "days"), ({"start": datetime(2026, 10, 1)}, "start")],
)
def test_bad_options_are_refused_naming_the_option(
    tmp_path: Path, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        generate(tmp_path, scale=200, **options)


def test_named_scales() -> None:
    assert resolve_scale("demo") == 20_000
    assert resolve_scale("small") == 4_000
    assert resolve_scale("1000000") == 1_000_000


def test_fast_formatters_agree_with_the_standard_library() -> None:
    rng = random.Random(11)
    for _ in range(2_000):
        ms = rng.randrange(0, 4_102_444_800_000)  # 1970 .. 2100
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
        expected = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}"
        assert iso_z(ms) == expected + "Z"
        assert iso_sf(ms) == expected + "+0000"
        assert iso_z_seconds(ms) == expected[:19] + "Z"
    ids, twin = random.Random(12), random.Random(12)
    for _ in range(2_000):
        assert uuid4_str(ids) == str(uuid.UUID(int=twin.getrandbits(128), version=4))


# ------------------------------------------------------------------------------ manifest basics
def test_counts_match_the_files(tenant: Path, manifest: dict[str, Any]) -> None:
    for source in SOURCES:
        folders = sorted(path.name for path in (tenant / source).iterdir() if path.is_dir())
        assert sorted(manifest["counts"][source]) == folders
        for resource, count in manifest["counts"][source].items():
            assert sum(1 for _ in records(tenant, source, resource)) == count, f"{source}/{resource}"
    deleted = Counter()
    for resource in ("accounts", "cases", "opportunities"):
        deleted[resource] = sum(record["IsDeleted"] for record in records(tenant, "salesforce", resource))
    assert manifest["counts"]["salesforce_deleted"] == dict(deleted)
    assert all(deleted.values())


def test_small_scale_volume_and_org(manifest: dict[str, Any]) -> None:
    counts = manifest["counts"]
    assert 3_400 <= counts["genesys"]["conversations"] <= 4_600
    assert manifest["period"] == {"start": "2026-10-01T00:00:00.000Z", "end": "2026-10-29T00:00:00.000Z"}
    assert manifest["data_availability_date"] == manifest["period"]["end"]
    partners = manifest["partners"]
    assert len(partners) >= 2
    assert {p["time_zone"] for p in partners} >= {"Asia/Manila", "America/Bogota"}


def test_totals_recomputed(manifest: dict[str, Any], conversations: list[dict[str, Any]]) -> None:
    handle = sum(
        metric["value"]
        for conversation in conversations
        for participant in conversation["participants"]
        for session in participant["sessions"]
        for metric in session["metrics"]
        if metric["name"] == "tHandle"
    )
    totals = manifest["totals"]["genesys"]
    assert totals["sum_t_handle_ms"] == handle
    assert totals["conversations_in_flight"] == sum("conversationEnd" not in c for c in conversations) > 0
    assert totals["linked_conversations"] == sum(customer_attributes(c) is not None for c in conversations)


# ------------------------------------------------------------------------------ invariants
def test_segments_inside_their_conversation_and_ordered(conversations: list[dict[str, Any]]) -> None:
    for conversation in conversations:
        start = conversation["conversationStart"]
        end = conversation.get("conversationEnd")
        for participant in conversation["participants"]:
            for session in participant["sessions"]:
                for segment in session["segments"]:
                    where = f"conversation {conversation['conversationId']} segment {segment}"
                    assert segment["segmentStart"] >= start, where
                    if end is not None:
                        assert segment["segmentEnd"] <= end, where
                    if "segmentEnd" in segment:
                        assert segment["segmentEnd"] >= segment["segmentStart"], where
                    elif end is not None:
                        pytest.fail(f"open segment in an ended conversation: {where}")


def test_metrics_non_negative_and_handle_rule(conversations: list[dict[str, Any]]) -> None:
    handled = 0
    for conversation in conversations:
        for participant in conversation["participants"]:
            for session in participant["sessions"]:
                values = metrics_of(session)
                assert all(metric["value"] >= 0 for metric in session["metrics"]), conversation[
                    "conversationId"
                ]
                assert all(
                    metric["emitDate"] >= conversation["conversationStart"] for metric in session["metrics"]
                )
                if "tHandle" in values:
                    handled += 1
                    expected = values["tTalk"] + values.get("tHeld", 0) + values["tAcw"]
                    assert values["tHandle"] == expected, conversation["conversationId"]
                if answered(participant) and "conversationEnd" in conversation:
                    assert "tHandle" in values, (
                        f"answered leg without tHandle: {conversation['conversationId']}"
                    )
    assert handled > 1_000


def test_in_flight_conversations_have_no_end_and_no_late_metrics(
    conversations: list[dict[str, Any]], manifest: dict[str, Any]
) -> None:
    period_end = manifest["period"]["end"]
    in_flight = [c for c in conversations if "conversationEnd" not in c]
    assert in_flight
    for conversation in in_flight:
        open_segments = [
            segment
            for p in conversation["participants"]
            for s in p["sessions"]
            for segment in s["segments"]
            if "segmentEnd" not in segment
        ]
        assert open_segments, conversation["conversationId"]
        for participant in conversation["participants"]:
            for session in participant["sessions"]:
                assert all(metric["emitDate"] <= period_end for metric in session["metrics"])
                if any("segmentEnd" not in segment for segment in session["segments"]):
                    assert not {"tHandle", "tAcw"} & set(metrics_of(session))


def _timestamps(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _timestamps(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _timestamps(item, f"{path}[]")
    elif isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10:11] == "T":
        for part in value.split("/"):  # intervals are "start/end"
            yield path, part


def test_nothing_is_dated_after_the_period(tenant: Path, manifest: dict[str, Any]) -> None:
    """Everything in the files happened before the end of the period (data_availability_date)."""
    end = parse(manifest["period"]["end"])
    for source in SOURCES:
        for folder in sorted((tenant / source).iterdir()):
            for record in records(tenant, source, folder.name):
                for path, value in _timestamps(record, folder.name):
                    assert parse(value) <= end, f"{source}/{path} = {value}"


def test_ids_unique(tenant: Path, conversations: list[dict[str, Any]]) -> None:
    conversation_ids = [c["conversationId"] for c in conversations]
    assert len(set(conversation_ids)) == len(conversation_ids)
    participant_ids = [p["participantId"] for c in conversations for p in c["participants"]]
    assert len(set(participant_ids)) == len(participant_ids)
    session_ids = [s["sessionId"] for c in conversations for p in c["participants"] for s in p["sessions"]]
    assert len(set(session_ids)) == len(session_ids)
    for source, resource, key in (
        ("genesys", "users", "id"),
        ("genesys", "queues", "id"),
        ("genesys", "conversion_events", "id"),
        ("salesforce", "accounts", "Id"),
        ("salesforce", "cases", "Id"),
        ("salesforce", "opportunities", "Id"),
        ("salesforce", "account_history", "Id"),
        ("predictive_engagement", "campaigns", "id"),
    ):
        values = [record[key] for record in records(tenant, source, resource)]
        assert len(set(values)) == len(values), f"{source}/{resource}"


def test_conversation_shapes_cover_the_contract(conversations: list[dict[str, Any]]) -> None:
    purposes = Counter(p["purpose"] for c in conversations for p in c["participants"])
    assert {"customer", "ivr", "botflow", "acd", "agent", "outbound"} <= set(purposes)
    media = Counter(s["mediaType"] for c in conversations for p in c["participants"] for s in p["sessions"])
    assert {"voice", "chat", "message", "email", "callback"} <= set(media)
    segment_types = Counter(
        seg["segmentType"]
        for c in conversations
        for p in c["participants"]
        for s in p["sessions"]
        for seg in s["segments"]
    )
    assert {"hold", "wrapup", "dialing", "contacting", "ivr", "alert", "interact"} <= set(segment_types)
    metric_names = {
        m["name"]
        for c in conversations
        for p in c["participants"]
        for s in p["sessions"]
        for m in s["metrics"]
    }
    assert {"tAbandon", "nBlindTransferred", "nConsultTransferred", "tHeld"} <= metric_names
    dispositions = {
        s.get("dispositionName")
        for c in conversations
        for p in c["participants"]
        if p["purpose"] == "outbound"
        for s in p["sessions"]
    }
    assert dispositions == {
        f"disposition.classification.callable.{k}" for k in ("person", "machine", "busy", "noanswer")
    }


def test_abandons_follow_the_convention(conversations: list[dict[str, Any]]) -> None:
    abandoned = 0
    for conversation in conversations:
        if "conversationEnd" not in conversation:
            continue
        acd = [p for p in conversation["participants"] if p["purpose"] == "acd"]
        if len(acd) == 1 and "tAbandon" in metrics_of(acd[0]["sessions"][0]):
            abandoned += 1
            assert not answering_agents(conversation)  # at most missed alerts before the hang-up
            customer = conversation["participants"][0]
            assert customer["sessions"][0]["segments"][-1]["disconnectType"] == "client"
    assert abandoned > 50


def test_outbound_sessions_carry_campaign_ids(conversations: list[dict[str, Any]], tenant: Path) -> None:
    campaigns = {record["id"]: record for record in records(tenant, "genesys", "campaigns")}
    outbound = [c for c in conversations if c["originatingDirection"] == "outbound"]
    assert outbound
    for conversation in outbound:
        ids = {
            (s["outboundCampaignId"], s["outboundContactId"], s["outboundContactListId"])
            for p in conversation["participants"]
            for s in p["sessions"]
        }
        assert len(ids) == 1, conversation["conversationId"]
        campaign_id, _, list_id = ids.pop()
        assert campaigns[campaign_id]["contactList"]["id"] == list_id
        dialer = next((p for p in conversation["participants"] if p["purpose"] == "outbound"), None)
        if dialer is None:  # a preview the agent skipped: never dialled
            assert campaigns[campaign_id]["dialingMode"] == "preview"
            wrapups = [s.get("wrapUpCode") for p in conversation["participants"] for s in _segments(p)]
            assert "ININ-OUTBOUND-PREVIEW-SKIPPED" in wrapups, conversation["conversationId"]
            continue
        segments = dialer["sessions"][0]["segments"]
        assert [s["segmentType"] for s in segments] == ["dialing", "contacting"]
        assert segments[-1]["wrapUpCode"].startswith("ININ-OUTBOUND-")
    statuses = {record["campaignStatus"] for record in campaigns.values()}
    assert "complete" in statuses and statuses & {"off", "stopping"}
    assert len(campaigns) >= 4


def test_campaign_progress_and_stats_match_the_calls(
    conversations: list[dict[str, Any]], tenant: Path
) -> None:
    counts = _connect_counts(conversations)
    contacts: dict[str, set[str]] = defaultdict(set)
    for conversation in conversations:
        session = conversation["participants"][0]["sessions"][0]
        dialled = any(p["purpose"] == "outbound" for p in conversation["participants"])
        if "outboundCampaignId" in session and dialled:  # skipped previews were never called
            contacts[session["outboundCampaignId"]].add(session["outboundContactId"])
    statuses = {c["id"]: c["campaignStatus"] for c in records(tenant, "genesys", "campaigns")}
    for progress in records(tenant, "genesys", "campaign_progress"):
        campaign_id = progress["campaign"]["id"]
        assert progress["numberOfContactsCalled"] == len(contacts[campaign_id])
        assert progress["numberOfContactsCalled"] <= progress["totalNumberOfContacts"]
        if statuses[campaign_id] == "complete":
            assert progress["percentage"] == 100
    for stats in records(tenant, "genesys", "campaign_stats"):
        attempts, connects, _ = counts[stats["campaignId"]]
        assert (stats["contactRate"]["attempts"], stats["contactRate"]["connects"]) == (attempts, connects)


def test_attributes_only_on_linked_and_equal_to_structure(
    conversations: list[dict[str, Any]], tenant: Path
) -> None:
    accounts = {record["Id"]: record for record in records(tenant, "salesforce", "accounts")}
    cases = {record["Id"]: record for record in records(tenant, "salesforce", "cases")}
    with_case = 0
    for conversation in conversations:
        for participant in conversation["participants"][1:]:
            assert "attributes" not in participant
        attributes = customer_attributes(conversation)
        if attributes is None:
            continue
        account = accounts[attributes["sfAccountId"]]
        assert account["IsDeleted"] is False
        if "sfCaseId" in attributes:
            with_case += 1
            case = cases[attributes["sfCaseId"]]
            assert case["IsDeleted"] is False and case["AccountId"] == account["Id"]
        purposes = [p["purpose"] for p in conversation["participants"]]
        agents = answering_agents(conversation)
        abandoned = any(
            "tAbandon" in metrics_of(s) for p in conversation["participants"] for s in p["sessions"]
        )
        escalated = ("botflow" in purposes and bool(agents)) or len(agents) > 1
        bot_handled = "botflow" in purposes and not agents and not abandoned
        assert attributes["escalated"] == ("true" if escalated else "false"), conversation["conversationId"]
        assert attributes["botHandled"] == ("true" if bot_handled else "false"), conversation[
            "conversationId"
        ]
    assert with_case > 100


def test_config_references_resolve(tenant: Path) -> None:
    users = {record["id"]: record for record in records(tenant, "genesys", "users")}
    groups = {record["id"] for record in records(tenant, "genesys", "skill_groups")}
    queues = {record["id"]: record for record in records(tenant, "genesys", "queues")}
    divisions = {record["id"] for record in records(tenant, "genesys", "divisions")}
    for queue in queues.values():
        assert queue["division"]["id"] in divisions
        assert {group["id"] for group in queue["memberGroups"]} <= groups
    for member in records(tenant, "genesys", "queue_members"):
        assert member["queueId"] in queues and member["id"] in users
    for member in records(tenant, "genesys", "skill_group_members"):
        assert member["skillGroupId"] in groups and member["id"] in users
    licences = {record["id"]: record["licenses"] for record in records(tenant, "genesys", "user_licenses")}
    assert set(licences) == set(users)
    assert any(not value for value in licences.values())
    assert {user["state"] for user in users.values()} == {"active", "inactive", "deleted"}
    codes = {record["name"] for record in records(tenant, "genesys", "wrapup_codes")}
    assert {
        "Sale",
        "Not Interested",
        "Callback Requested",
        "Wrong Party",
        "Resolved",
        "Escalated to Tier 2",
    } <= codes


# ------------------------------------------------------------------------------ timelines
def _intervals(tenant: Path, resource: str, field: str) -> dict[str, list[tuple[str, str, str]]]:
    by_user: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for record in records(tenant, "genesys", resource):
        by_user[record["userId"]].append((record["startTime"], record["endTime"], record[field]))
    for intervals in by_user.values():
        intervals.sort()
    return by_user


def test_routing_status_is_contiguous_and_covers_agent_legs(
    tenant: Path, manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    period = manifest["period"]
    routing = _intervals(tenant, "user_routing_statuses", "routingStatus")
    for user, intervals in routing.items():
        assert intervals[0][0] == period["start"] and intervals[-1][1] == period["end"], user
        for (_, end, status), (start, _, next_status) in zip(intervals, intervals[1:], strict=False):
            assert end == start and status != next_status, user
    legs = 0
    for conversation in conversations:
        for participant in conversation["participants"]:
            if participant["purpose"] != "agent":
                continue
            segments = participant["sessions"][0]["segments"]
            leg_start = segments[0]["segmentStart"]
            missed = not answered(participant)  # interacting while alerted, then Not Responding
            leg_end = (segments[0] if missed else segments[-1]).get("segmentEnd", period["end"])
            leg_end = min(leg_end, period["end"])
            intervals = routing[participant["userId"]]
            covering = [i for i in intervals if i[0] <= leg_start < i[1]]
            assert covering and covering[0][2] == "INTERACTING", conversation["conversationId"]
            assert covering[0][1] >= leg_end, conversation["conversationId"]
            if missed and leg_end < period["end"]:
                after = next(i for i in intervals if i[0] == covering[0][1])
                assert after[2] == "NOT_RESPONDING", conversation["conversationId"]
            legs += 1
    assert legs > 1_000


def test_presence_on_queue_exactly_while_routing_not_off_queue(tenant: Path) -> None:
    routing = _intervals(tenant, "user_routing_statuses", "routingStatus")
    presence = _intervals(tenant, "user_presences", "systemPresence")
    assert set(routing) == set(presence)
    for user in routing:
        on_queue_routing = _merge([(s, e) for s, e, status in routing[user] if status != "OFF_QUEUE"])
        on_queue_presence = _merge([(s, e) for s, e, status in presence[user] if status == "ON_QUEUE"])
        assert on_queue_routing == on_queue_presence, user


def _merge(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# ------------------------------------------------------------------------------ planted facts
def _tier_lookup(tenant: Path) -> dict[str, list[tuple[datetime, str]]]:
    """Per account: [(from, tier)] built from AccountHistory (independent of the generator)."""
    history: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for row in records(tenant, "salesforce", "account_history"):
        assert row["Field"] == "Account_Tier__c"
        history[row["AccountId"]].append((parse(row["CreatedDate"]), row["OldValue"], row["NewValue"]))
    tiers: dict[str, list[tuple[datetime, str]]] = {}
    for account in records(tenant, "salesforce", "accounts"):
        changes = sorted(history.get(account["Id"], []))
        if changes:
            assert changes[-1][2] == account["Account_Tier__c"], account["Id"]
            timeline = [(datetime.min.replace(tzinfo=changes[0][0].tzinfo), changes[0][1])]
            timeline += [(at, new) for at, _, new in changes]
        else:
            timeline = [
                (
                    datetime.min.replace(tzinfo=parse(account["CreatedDate"]).tzinfo),
                    account["Account_Tier__c"],
                )
            ]
        tiers[account["Id"]] = timeline
    return tiers


def _tier_at(timeline: list[tuple[datetime, str]], at: datetime) -> str:
    tier = timeline[0][1]
    for since, value in timeline:
        if since <= at:
            tier = value
    return tier


def _escalations(
    tenant: Path, conversations: list[dict[str, Any]], release: datetime | None = None
) -> dict[str, list[int]]:
    tiers = _tier_lookup(tenant)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for conversation in conversations:
        attributes = customer_attributes(conversation)
        if attributes is None or "conversationEnd" not in conversation:
            continue
        start = parse(conversation["conversationStart"])
        tier = _tier_at(tiers[attributes["sfAccountId"]], start)
        key = tier if release is None else f"{tier}|{'after' if start >= release else 'before'}"
        counts[key][0] += attributes["escalated"] == "true"
        counts[key][1] += 1
    return counts


def test_escalation_rate_by_tier_in_force(
    tenant: Path, manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    counts = _escalations(tenant, conversations)
    expected = manifest["planted"]["escalation_rate_by_tier"]["tiers"]
    assert set(expected) == {"SMB", "Mid-Market", "Enterprise", "Strategic"}
    for tier, values in expected.items():
        assert [values["escalations"], values["total"]] == counts[tier], tier
        assert values["rate"] == round(values["escalations"] / values["total"], 4)


def test_tier_changes_happen_inside_the_period_and_matter(
    tenant: Path, manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    history = list(records(tenant, "salesforce", "account_history"))
    assert history
    start, end = parse(manifest["period"]["start"]), parse(manifest["period"]["end"])
    assert all(start <= parse(row["CreatedDate"]) < end for row in history)
    current = {a["Id"]: a["Account_Tier__c"] for a in records(tenant, "salesforce", "accounts")}
    tiers = _tier_lookup(tenant)
    differing = 0
    for conversation in conversations:
        attributes = customer_attributes(conversation)
        if attributes is not None:
            in_force = _tier_at(tiers[attributes["sfAccountId"]], parse(conversation["conversationStart"]))
            differing += in_force != current[attributes["sfAccountId"]]
    assert differing > 0, "no conversation happened under an older tier: the tier-in-force truth is untested"


def test_enterprise_escalation_rises_after_release(
    tenant: Path, manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    fact = manifest["planted"]["enterprise_escalation_after_release"]
    release = parse(fact["release_date"] + "T00:00:00Z")
    counts = _escalations(tenant, conversations, release)
    before, after = fact["before"], fact["after"]
    assert [before["escalations"], before["total"]] == counts["Enterprise|before"]
    assert [after["escalations"], after["total"]] == counts["Enterprise|after"]
    assert after["rate"] - before["rate"] > 0.12
    for tier in ("SMB", "Mid-Market", "Strategic"):
        other_before = counts[f"{tier}|before"]
        other_after = counts[f"{tier}|after"]
        assert abs(other_after[0] / other_after[1] - other_before[0] / other_before[1]) < 0.06, tier


def _connect_counts(conversations: list[dict[str, Any]]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for conversation in conversations:
        for participant in conversation["participants"]:
            if participant["purpose"] == "outbound":
                session = participant["sessions"][0]
                tally = counts[session["outboundCampaignId"]]
                tally[0] += 1
                tally[1] += session["dispositionName"].endswith("callable.person")
                tally[2] += session["dispositionName"].endswith("callable.machine")
    return counts


def test_connect_rate_by_campaign_and_voicemail_drag(
    manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    counts = _connect_counts(conversations)
    expected = manifest["planted"]["connect_rate_by_campaign"]["campaigns"]
    assert set(expected) == set(counts)
    for campaign_id, values in expected.items():
        assert [values["contacted"], values["connected"], values["voicemail"]] == counts[campaign_id]
    fact = manifest["planted"]["voicemail_drags_connect_rate"]
    dragged = counts[fact["campaign_id"]]
    assert [fact["contacted"], fact["connected"], fact["voicemail"]] == dragged
    others = [value for key, value in counts.items() if key != fact["campaign_id"]]
    other_rate = sum(v[1] for v in others) / sum(v[0] for v in others)
    assert fact["other_campaigns_connect_rate"] == round(other_rate, 4)
    assert dragged[1] / dragged[0] < other_rate - 0.1
    assert abs(dragged[1] / (dragged[0] - dragged[2]) - other_rate) < abs(
        dragged[1] / dragged[0] - other_rate
    )


def _utilization(tenant: Path) -> dict[str, tuple[int, int]]:
    group_of: dict[str, str] = {}
    for member in records(tenant, "genesys", "skill_group_members"):
        group_of[member["id"]] = member["skillGroupId"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in records(tenant, "genesys", "user_routing_statuses"):
        group = group_of.get(row["userId"])
        if group is None or row["routingStatus"] == "OFF_QUEUE":
            continue
        duration = (parse(row["endTime"]) - parse(row["startTime"])) // timedelta(milliseconds=1)
        totals[group][1] += duration
        if row["routingStatus"] in ("INTERACTING", "COMMUNICATING"):
            totals[group][0] += duration
    return {group: (values[0], values[1]) for group, values in totals.items()}


def test_skill_group_utilization_and_unmapped_group(tenant: Path, manifest: dict[str, Any]) -> None:
    utilization = _utilization(tenant)
    expected = manifest["planted"]["skill_group_utilization"]["groups"]
    for group_id, values in expected.items():
        assert (values["interacting_ms"], values["on_queue_ms"]) == utilization[group_id], values
    fact = manifest["planted"]["unmapped_skill_group"]
    queues = {record["id"]: record for record in records(tenant, "genesys", "queues")}
    campaign = next(c for c in records(tenant, "genesys", "campaigns") if c["id"] == fact["campaign_id"])
    queue = queues[campaign["queue"]["id"]]
    member_groups = {group["id"] for group in queue["memberGroups"]}
    assert fact["skill_group_id"] not in member_groups
    assert set(fact["queue_member_group_ids"]) == member_groups
    for queue_record in queues.values():
        assert fact["skill_group_id"] not in {g["id"] for g in queue_record["memberGroups"]}
    interacting, on_queue = utilization[fact["skill_group_id"]]
    assert on_queue > 0 and interacting == 0 and fact["utilization_pct"] == 0.0
    for group_id, pct in fact["mapped_group_utilization_pct"].items():
        mapped_interacting, mapped_on_queue = utilization[group_id]
        assert pct == round(100 * mapped_interacting / mapped_on_queue, 2) > 1.0


def test_scorecard_retrain(tenant: Path, manifest: dict[str, Any]) -> None:
    fact = manifest["planted"]["scorecard_retrain"]
    scorecard = next(
        s for s in records(tenant, "predictive_engagement", "scorecards") if s["id"] == fact["scorecard_id"]
    )
    assert scorecard["modelVersion"] == "v2" and scorecard["retrainedAt"] == fact["retrained_at"]
    rows = [
        r
        for r in records(tenant, "predictive_engagement", "scorecard_analytics")
        if r["scorecardId"] == fact["scorecard_id"]
    ]
    days = {
        version: {r["dateFrom"] for r in rows if r["modelVersion"] == version} for version in ("v1", "v2")
    }
    assert days["v1"] == days["v2"] and len(days["v2"]) == manifest["generator"]["days"]
    example = {
        r["modelVersion"]: r["performanceMetrics"] for r in rows if r["dateFrom"] == fact["example_day"]
    }
    assert example["v1"]["precision"] == fact["v1_precision"]
    assert example["v2"]["precision"] == fact["v2_precision"]
    assert fact["v2_precision"] > fact["v1_precision"]
    period = manifest["period"]
    assert period["start"][:10] < fact["retrain_date"] < period["end"][:10]


def test_unlinked_share(manifest: dict[str, Any], conversations: list[dict[str, Any]]) -> None:
    fact = manifest["planted"]["unlinked_share"]
    unlinked = sum(customer_attributes(c) is None for c in conversations)
    assert fact["unlinked"] == unlinked and fact["conversations"] == len(conversations)
    assert 0.16 < unlinked / len(conversations) < 0.24


def test_journey_funnel_example_and_analytics_shape(tenant: Path, manifest: dict[str, Any]) -> None:
    fact = manifest["planted"]["journey_funnel_example"]
    analytics = list(records(tenant, "predictive_engagement", "campaign_analytics"))
    row = next(
        r for r in analytics if r["campaignId"] == fact["campaign_id"] and r["dateFrom"] == fact["date_from"]
    )
    assert [(s["stepId"], s["stepName"], s["contactCount"]) for s in row["steps"]] == [
        (s["stepId"], s["stepName"], s["contactCount"]) for s in fact["steps"]
    ]
    for record in analytics:
        counts = [step["contactCount"] for step in record["steps"]]
        assert 4 <= len(counts) <= 6 and counts == sorted(counts, reverse=True)
        assert record["metrics"]["totalContacts"] == counts[0]
    campaigns = {c["id"]: c for c in records(tenant, "predictive_engagement", "campaigns")}
    assert {c["status"] for c in campaigns.values()} == {"active", "paused", "archived"}
    archived = manifest["faults"]["hostile"]["archived_campaign_id"]
    assert campaigns[archived]["status"] == "active"
    assert sum(r["campaignId"] == archived for r in analytics) == manifest["generator"]["days"]


def test_conversion_events_keyed_by_sale_contacts(
    tenant: Path, manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    mapping = manifest["planted"]["disposition_goal_map"]["mapping"]
    sale = next(m for m in mapping if m["wrapup_code_name"] == "Sale")
    assert sale["goal_id"] == "goal_purchase_001"
    sale_contacts = set()
    for conversation in conversations:
        for participant in conversation["participants"]:
            if participant["purpose"] == "agent":
                session = participant["sessions"][0]
                if (
                    session["segments"][-1].get("wrapUpCode") == sale["wrapup_code_id"]
                    and "outboundContactId" in session
                ):
                    sale_contacts.add(session["outboundContactId"])
    events = list(records(tenant, "genesys", "conversion_events"))
    orphans = [e for e in events if e["contactId"] not in sale_contacts]
    fact = manifest["planted"]["disposition_goal_map"]
    assert len(orphans) == fact["orphaned_events"] > 0
    transactions = Counter(e["data"]["metadata"]["transactionId"] for e in events)
    assert sum(n - 1 for n in transactions.values()) == fact["duplicate_events"]
    assert len(events) == fact["conversion_events"]
    assert all(
        e["eventType"] == "goalCompletion" and e["data"]["goalId"] == "goal_purchase_001" for e in events
    )


def test_hostile_plan_targets_existing_records(tenant: Path, manifest: dict[str, Any]) -> None:
    plan = manifest["faults"]["hostile"]
    assert {record["resource"] for record in plan["bad_records"]} == {
        "conversations",
        "cases",
        "campaign_analytics",
    }
    for bad in plan["bad_records"]:
        rows = list(records(tenant, bad["source"], bad["resource"]))
        if isinstance(bad["key"], dict):
            matches = [r for r in rows if all(r[k] == v for k, v in bad["key"].items())]
        else:
            key_field = {"conversations": "conversationId", "cases": "Id"}[bad["resource"]]
            matches = [r for r in rows if r[key_field] == bad["key"]]
        assert len(matches) == 1, bad
        target: Any = matches[0]
        for part in bad["field"].replace("]", "").replace("[", ".").split("."):
            target = target[int(part)] if part.isdigit() else target[part]
        assert target is not None
    users = next(records(tenant, "genesys", "users"))
    assert all(field["field"] not in users for field in plan["unknown_fields"])


def test_linked_share_is_configurable(tmp_path: Path) -> None:
    manifest = generate(tmp_path, seed=5, days=3, scale=1_500, linked_share=0.5)
    conversations = list(records(tmp_path, "genesys", "conversations"))
    linked = sum(customer_attributes(c) is not None for c in conversations)
    assert manifest["planted"]["unlinked_share"]["linked"] == linked
    assert 0.4 < linked / len(conversations) < 0.6
    with pytest.raises(ValueError, match="linked_share"):
        generate(tmp_path, linked_share=1.5)


def test_generation_accepts_other_start_and_days(tmp_path: Path) -> None:
    manifest = generate(tmp_path, seed=3, days=7, start=date(2026, 1, 5), scale=1_000)
    assert manifest["period"] == {"start": "2026-01-05T00:00:00.000Z", "end": "2026-01-12T00:00:00.000Z"}
    assert manifest["planted"]["enterprise_escalation_after_release"]["release_date"] == "2026-01-09"
    conversations = list(records(tmp_path, "genesys", "conversations"))
    assert all("2026-01-05" <= c["conversationStart"] < "2026-01-12" for c in conversations)


# --- real-org shapes (missed alerts, voicemail, workflow, previews, callbacks, talk parts) ----------


def _metric_names(participant: dict[str, Any]) -> list[str]:
    return [metric["name"] for session in participant["sessions"] for metric in session["metrics"]]


def test_missed_alerts_are_alert_only_legs_at_a_real_rate(
    manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    totals = manifest["totals"]["genesys"]
    missed = realerted = abandoned_after = wrapup_timeouts = legs = 0
    for conversation in conversations:
        agents = [p for p in conversation["participants"] if p["purpose"] == "agent"]
        legs += len(agents)
        # Timed out and never answered (an alert still ringing at the end of the period is not).
        misses = [p for p in agents if not answered(p) and "tNotResponding" in _metric_names(p)]
        for participant in misses:
            missed += 1
            kinds = [segment["segmentType"] for segment in _segments(participant)]
            assert kinds in (["alert"], ["alert", "wrapup"]), conversation["conversationId"]
            assert sorted(_metric_names(participant)) == ["tAlert", "tNotResponding"]
            if kinds[-1] == "wrapup":
                assert _segments(participant)[-1]["wrapUpCode"] == "ININ-WRAP-UP-TIMEOUT"
                wrapup_timeouts += 1
        if misses:
            missed_users = {p["userId"] for p in misses}
            realerted += bool(missed_users & answering_agents(conversation))
            acd = [p for p in conversation["participants"] if p["purpose"] == "acd"]
            abandoned_after += not answering_agents(conversation) and any(
                "tAbandon" in metrics_of(s) for p in acd for s in p["sessions"]
            )
    assert missed == totals["missed_alerts"] and missed > 50
    assert realerted == totals["same_agent_realerted"] and realerted > 0
    assert abandoned_after == totals["abandoned_after_missed_alert"] and abandoned_after > 0
    assert 0.1 < wrapup_timeouts / missed < 0.5
    assert 0.02 < missed / legs < 0.1  # a few percent of alerts time out


def test_missed_alerts_do_not_escalate(conversations: list[dict[str, Any]]) -> None:
    """A missed alert then another agent answering: two agent legs, one handling agent, no escalation."""
    found = 0
    for conversation in conversations:
        attributes = customer_attributes(conversation)
        purposes = {p["purpose"] for p in conversation["participants"]}
        agents = [p for p in conversation["participants"] if p["purpose"] == "agent"]
        if attributes is None or "botflow" in purposes or "conversationEnd" not in conversation:
            continue
        if len({p["userId"] for p in agents}) >= 2 and len(answering_agents(conversation)) == 1:
            found += 1
            assert attributes["escalated"] == "false", conversation["conversationId"]
    assert found > 10


def test_voicemail_and_workflow_participants(
    manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    totals = manifest["totals"]["genesys"]
    voicemails = workflows = 0
    for conversation in conversations:
        participants = conversation["participants"]
        purposes = [p["purpose"] for p in participants]
        if "voicemail" in purposes:
            voicemails += 1
            voicemail = participants[purposes.index("voicemail")]
            assert [s["segmentType"] for s in _segments(voicemail)] == ["voicemail"]
            assert _metric_names(voicemail) == ["tVoicemail"]
            acd = participants[purposes.index("acd")]
            assert not {"tAbandon", "tAcd"} & set(metrics_of(acd["sessions"][0]))
            assert not answering_agents(conversation)
        media = participants[0]["sessions"][0]["mediaType"]
        if media == "message":
            assert purposes[1] == "workflow", conversation["conversationId"]
            flow = participants[1]["sessions"][0]["flow"]
            assert flow["flowType"] == "INBOUNDSHORTMESSAGE"
            workflows += 1
        else:
            assert "workflow" not in purposes
    assert voicemails == totals["voicemails"] > 20
    assert workflows == totals["workflow_conversations"] > 20


def test_skipped_previews_are_not_dial_attempts(
    manifest: dict[str, Any], conversations: list[dict[str, Any]], tenant: Path
) -> None:
    modes = {c["id"]: c["dialingMode"] for c in records(tenant, "genesys", "campaigns")}
    skipped: Counter[str] = Counter()
    attempts: Counter[str] = Counter()
    for conversation in conversations:
        session = conversation["participants"][0]["sessions"][0]
        campaign_id = session.get("outboundCampaignId")
        if campaign_id is None:
            continue
        wrapups = {s.get("wrapUpCode") for p in conversation["participants"] for s in _segments(p)}
        dialler = [p for p in conversation["participants"] if p["purpose"] == "outbound"]
        if "ININ-OUTBOUND-PREVIEW-SKIPPED" in wrapups:
            skipped[campaign_id] += 1
            assert modes[campaign_id] == "preview" and not dialler
            agent = next(p for p in conversation["participants"] if p["purpose"] == "agent")
            agent_session = agent["sessions"][0]
            assert agent_session["mediaType"] == "callback" and agent_session["skipEnabled"] is True
            assert agent_session["callbackNumbers"] and agent_session["scriptId"]
            assert not any(s["segmentType"] in ("dialing", "contacting") for s in _segments(agent))
        else:
            assert dialler, conversation["conversationId"]
            attempts[campaign_id] += 1
    campaigns = manifest["planted"]["connect_rate_by_campaign"]["campaigns"]
    for campaign_id, values in campaigns.items():
        assert values["skipped_previews"] == skipped[campaign_id]
        assert values["contacted"] == attempts[campaign_id]
    (preview,) = [c for c, mode in modes.items() if mode == "preview"]
    assert sum(skipped.values()) == skipped[preview] == manifest["totals"]["genesys"]["skipped_previews"]
    assert 0.04 < skipped[preview] / (skipped[preview] + attempts[preview]) < 0.2


def test_callbacks_carry_numbers_and_some_a_scheduled_time(
    manifest: dict[str, Any], conversations: list[dict[str, Any]]
) -> None:
    scheduled = callbacks = 0
    for conversation in conversations:
        customer = conversation["participants"][0]["sessions"][0]
        if customer["mediaType"] != "callback" or customer["direction"] != "inbound":
            continue
        callbacks += 1
        for participant in conversation["participants"]:
            if participant["purpose"] in ("customer", "acd", "agent"):
                assert participant["sessions"][0]["callbackNumbers"] == customer["callbackNumbers"]
        if "callbackScheduledTime" in customer:
            scheduled += 1
            assert parse(customer["callbackScheduledTime"]) > parse(conversation["conversationStart"])
            acd = next(p for p in conversation["participants"] if p["purpose"] == "acd")
            assert acd["sessions"][0]["segments"][0]["segmentStart"] == customer["callbackScheduledTime"]
    assert scheduled == manifest["totals"]["genesys"]["scheduled_callbacks"]
    assert 0.2 < scheduled / callbacks < 0.5


def test_talk_and_hold_parts_and_their_complete_totals(conversations: list[dict[str, Any]]) -> None:
    repeated = complete = 0
    for conversation in conversations:
        if "conversationEnd" not in conversation:
            continue
        for participant in conversation["participants"]:
            for session in participant["sessions"]:
                names = [metric["name"] for metric in session["metrics"]]
                values = metrics_of(session)  # parts summed
                repeated += names.count("tTalk") > 1
                for part, total in (("tTalk", "tTalkComplete"), ("tHeld", "tHeldComplete")):
                    if total in values:
                        complete += 1
                        assert values[total] == values[part], conversation["conversationId"]
                if "tHeld" in values:  # a held leg always carries both totals
                    assert {"tTalkComplete", "tHeldComplete"} <= set(names)
    assert repeated > 100 and complete > repeated


def test_transfers_blind_and_consult(conversations: list[dict[str, Any]]) -> None:
    kinds: Counter[str] = Counter()
    for conversation in conversations:
        for participant in conversation["participants"]:
            if not answered(participant):
                continue
            names = set(_metric_names(participant))
            if "nTransferred" not in names:
                continue
            kind = "blind" if "nBlindTransferred" in names else "consult"
            assert kind == "blind" or "nConsultTransferred" in names
            ending = [s for s in _segments(participant) if s["segmentType"] in ("interact", "hold")][-1]
            if "segmentEnd" in ending:
                assert ending["disconnectType"] == "transfer", conversation["conversationId"]
            kinds[kind] += 1
    assert kinds["blind"] > 20 and kinds["consult"] > 20


@pytest.mark.parametrize(
    ("mode", "tier_field", "ltv_field"),
    [("renamed", "Tier__c", "Lifetime_Value__c"), ("absent", None, None)],
)
def test_crm_field_modes(
    tmp_path: Path, tenant: Path, mode: str, tier_field: str | None, ltv_field: str | None
) -> None:
    manifest = generate(tmp_path, scale=300, days=7, crm_fields=mode)
    assert manifest["generator"]["crm_fields"] == mode
    assert (manifest["org"]["salesforce_tier_field"], manifest["org"]["salesforce_ltv_field"]) == (
        tier_field,
        ltv_field,
    )
    accounts = list(records(tmp_path, "salesforce", "accounts"))
    standard = {"Id", "Name", "Type", "Industry", "OwnerId", "Owner", "AnnualRevenue", "SystemModstamp"}
    for account in accounts:
        assert standard <= set(account)
        assert "Account_Tier__c" not in account and "Customer_LTV_USD__c" not in account
        if tier_field is not None:
            assert account[tier_field] in ("SMB", "Mid-Market", "Enterprise", "Strategic")
            assert isinstance(account[ltv_field], float)
    history = list(records(tmp_path, "salesforce", "account_history"))
    if tier_field is None:
        assert history == [] and manifest["counts"]["salesforce"].get("account_history", 0) == 0
        tiers = manifest["planted"]["escalation_rate_by_tier"]["tiers"]
        assert {tier for tier, values in tiers.items() if values["total"]} == {"Unknown"}
    else:
        assert history and {row["Field"] for row in history} == {tier_field}


def test_crm_fields_option_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="crm_fields"):
        generate(tmp_path, scale=300, days=2, crm_fields="guess")
