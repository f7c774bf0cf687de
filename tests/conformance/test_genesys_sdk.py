"""The official Genesys Cloud Python SDK against the sandbox simulator.

For every Genesys endpoint cxlake's ingestion calls, the SDK (``PureCloudPlatformClientV2``)
is pointed at the simulator (``ApiClient(host=...)`` with a sandbox token) and makes
the call itself. Each test checks that

- the answer deserializes into the SDK model the SDK declares for that operation;
- every key in the raw JSON body exists in the SDK model at that place (the model's
  ``attribute_map`` / ``swagger_types``, walked recursively through nested models,
  lists and maps): the SDK silently drops unknown keys, so a key the real API
  never sends would otherwise go unnoticed;
- no enum value was unknown to the SDK (its setters replace such values with
  ``outdated_sdk_version``).

Not covered, because the SDK has no model for them: the Predictive Engagement
campaign / scorecard paths (``/api/v2/predictive-engagement/...``, a sandbox
extension of an invented API) and the conversion-events read-back
(``GET /api/v2/contacts/events``, a sandbox extension too).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ingestion.genesys_cloud import AGGREGATE_METRICS, OBSERVATION_METRICS
from ingestion.predictive_engagement import JOURNEY_METRICS
from sandbox.simulator.server import SandboxServer

pc = pytest.importorskip("PureCloudPlatformClientV2")
models = pc.models

READ = ("cxlake-sandbox", "cxlake-sandbox-secret")
PRIMITIVES = {"int", "float", "str", "bool", "date", "datetime", "object", "LocalDateTime", "YearMonth"}
UNKNOWN_ENUM = "outdated_sdk_version"
# A few days at the end of the small tenant's period: in-flight conversations, a few pages.
WINDOW = "2026-10-26T00:00:00.000Z/2026-10-29T00:00:00.000Z"
PERIOD = "2026-10-01T00:00:00.000Z/2026-10-29T00:00:00.000Z"


def unknown_keys(data: Any, model: Any, path: str = "$") -> list[str]:
    """Paths (list indexes as ``[]``) of JSON keys that the SDK model has no attribute for."""
    if data is None:
        return []
    if isinstance(model, str):
        if model.startswith("list["):
            assert isinstance(data, list), f"{path}: {model} expected, got {type(data).__name__}"
            return sorted({p for item in data for p in unknown_keys(item, model[5:-1], f"{path}[]")})
        if model.startswith("dict("):
            assert isinstance(data, dict), f"{path}: {model} expected, got {type(data).__name__}"
            value_model = model[5:-1].split(", ", 1)[1]
            return sorted({p for k, v in data.items() for p in unknown_keys(v, value_model, f"{path}.{k}")})
        if model in PRIMITIVES:
            return []
        model = getattr(models, model)
    instance = model()
    assert isinstance(data, dict), f"{path}: {model.__name__} object expected, got {data!r:.80}"
    types = {json_key: instance.swagger_types[attr] for attr, json_key in instance.attribute_map.items()}
    found: list[str] = []
    for key, value in data.items():
        if key not in types:
            found.append(f"{path}.{key} (not in {model.__name__})")
        else:
            found += unknown_keys(value, types[key], f"{path}.{key}")
    return sorted(set(found))


def outdated_enums(value: Any, path: str = "$") -> list[str]:
    """Paths of attributes whose enum value the SDK did not know."""
    if isinstance(value, list):
        return sorted({p for item in value for p in outdated_enums(item, f"{path}[]")})
    if isinstance(value, dict):
        return sorted({p for k, v in value.items() for p in outdated_enums(v, f"{path}.{k}")})
    if hasattr(value, "swagger_types"):
        found: set[str] = set()
        for attr in value.swagger_types:
            found.update(outdated_enums(getattr(value, attr), f"{path}.{value.attribute_map[attr]}"))
        return sorted(found)
    return [path] if value == UNKNOWN_ENUM else []


class Sdk:
    """The SDK's ApiClient on the simulator, checking every answer it deserializes."""

    def __init__(self, base: str) -> None:
        token = requests.post(
            base + "/oauth/token", auth=READ, data={"grant_type": "client_credentials"}, timeout=30
        ).json()["access_token"]
        self.client = pc.ApiClient(host=base)
        self.client.access_token = token
        pc.configuration.access_token = token
        self.checked: list[str] = []

    def api(self, name: str) -> Any:
        return getattr(pc, name)(self.client)

    def check(self, call: Callable[..., Any], *args: Any, model: str, **kwargs: Any) -> Any:
        """Make one SDK call; assert its answer is ``model`` and conforms to it."""
        answer = call(*args, **kwargs)
        assert type(answer).__name__ == model, f"{call.__name__}: {type(answer).__name__}, not {model}"
        raw = json.loads(self.client.last_response.data)
        assert raw, f"{call.__name__}: empty answer"
        outside = unknown_keys(raw, getattr(models, model))
        assert not outside, f"{call.__name__}: keys outside the SDK: {outside}"
        unknown = outdated_enums(answer)
        assert not unknown, f"{call.__name__}: enum values unknown to the SDK at {unknown}"
        self.checked.append(call.__name__)
        return answer


@pytest.fixture(scope="module")
def sdk(small_tenant: Path) -> Iterator[Sdk]:
    with SandboxServer(small_tenant).start() as server:
        yield Sdk(server.url)


def records(tenant: Path, source: str, resource: str) -> list[dict[str, Any]]:
    lines = (tenant / source / resource / "part-00000.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_walk_reports_keys_outside_the_model() -> None:
    """The checker itself: a key the SDK model lacks is reported with its path, nested and in lists."""
    answer = {
        "conversations": [
            {
                "conversationId": "c1",
                "participants": [{"purpose": "agent", "sessions": [{"segments": [{"madeUp": 1}]}]}],
                "alsoMadeUp": True,
            }
        ],
        "totalHits": 1,
    }
    assert unknown_keys(answer, models.AnalyticsConversationQueryResponse) == [
        "$.conversations[].alsoMadeUp (not in AnalyticsConversationWithoutAttributes)",
        "$.conversations[].participants[].sessions[].segments[].madeUp (not in AnalyticsConversationSegment)",
    ]
    # The listing model of skill groups is slimmer than the single skill group.
    group = {"id": "g", "name": "G", "status": "ACTIVE", "skillConditions": []}
    assert unknown_keys({"entities": [group]}, models.SkillGroupEntityListing) == [
        "$.entities[].skillConditions (not in SkillGroupDefinition)",
        "$.entities[].status (not in SkillGroupDefinition)",
    ]
    assert unknown_keys(group, models.SkillGroup) == []


def test_conversation_details_query(sdk: Sdk) -> None:
    conversations = sdk.api("ConversationsApi")
    seen = 0
    for number in (1, 2):
        body = {"interval": WINDOW, "order": "asc", "paging": {"pageSize": 100, "pageNumber": number}}
        page = sdk.check(
            conversations.post_analytics_conversations_details_query,
            body,
            model="AnalyticsConversationQueryResponse",
        )
        seen += len(page.conversations)
    assert seen == 200


def test_conversation_details_jobs(sdk: Sdk, small_tenant: Path) -> None:
    """One job over the whole period: every conversation the generator wrote goes through the SDK."""
    conversations = sdk.api("ConversationsApi")
    availability = sdk.check(
        conversations.get_analytics_conversations_details_jobs_availability, model="DataAvailabilityResponse"
    )
    assert availability.data_availability_date is not None
    job = sdk.check(
        conversations.post_analytics_conversations_details_jobs,
        {"interval": PERIOD, "order": "asc"},
        model="AsyncQueryResponse",
    )
    for _ in range(20):
        status = sdk.check(
            conversations.get_analytics_conversations_details_job, job.job_id, model="AsyncQueryStatus"
        )
        if status.state == "FULFILLED":
            break
        time.sleep(0.05)
    assert status.state == "FULFILLED"
    cursor = None
    seen: list[str] = []
    with_attributes = 0
    while True:
        kwargs = {"page_size": 1000} | ({"cursor": cursor} if cursor else {})
        page = sdk.check(
            conversations.get_analytics_conversations_details_job_results,
            job.job_id,
            model="AnalyticsConversationAsyncQueryResponse",
            **kwargs,
        )
        seen += [c.conversation_id for c in page.conversations]
        with_attributes += sum(
            1
            for c in page.conversations
            for p in c.participants
            if p.attributes and "sfAccountId" in p.attributes
        )
        cursor = page.cursor
        if not cursor:
            break
    written = records(small_tenant, "genesys", "conversations")
    assert sorted(seen) == sorted(c["conversationId"] for c in written)
    assert with_attributes > 0  # the jobs shape carries participant attributes


@pytest.mark.parametrize(
    ("api", "method", "model", "kwargs"),
    [
        ("AuthorizationApi", "get_authorization_divisions", "AuthzDivisionEntityListing", {"page_size": 100}),
        ("UsersApi", "get_users", "UserEntityListing", {"page_size": 100, "state": "any"}),
        ("LicenseApi", "get_license_users", "UserLicensesEntityListing", {"page_size": 100}),
        ("RoutingApi", "get_routing_queues", "QueueEntityListing", {"page_size": 100}),
        ("RoutingApi", "get_routing_skills", "SkillEntityListing", {"page_size": 100}),
        ("RoutingApi", "get_routing_skillgroups", "SkillGroupEntityListing", {"page_size": 100}),
        ("RoutingApi", "get_routing_wrapupcodes", "WrapupCodeEntityListing", {"page_size": 100}),
        ("PresenceApi", "get_presence_definitions", "OrganizationPresenceDefinitionEntityListing", {}),
        ("OutboundApi", "get_outbound_campaigns", "CampaignEntityListing", {"page_size": 100}),
        ("JourneyApi", "get_journey_outcomes", "OutcomeListing", {"page_size": 100}),
        ("JourneyApi", "get_journey_segments", "SegmentListing", {"page_size": 100}),
        ("JourneyApi", "get_journey_actionmaps", "ActionMapListing", {"page_size": 100}),
    ],
)
def test_entity_listing(sdk: Sdk, api: str, method: str, model: str, kwargs: dict[str, Any]) -> None:
    listing = sdk.check(getattr(sdk.api(api), method), model=model, **kwargs)
    assert listing.entities, f"{method}: no entities"


def test_members_and_single_entities(sdk: Sdk, small_tenant: Path) -> None:
    routing = sdk.api("RoutingApi")
    outbound = sdk.api("OutboundApi")
    queue_id = records(small_tenant, "genesys", "queue_members")[0]["queueId"]
    members = sdk.check(
        routing.get_routing_queue_members, queue_id, model="QueueMemberEntityListing", page_size=100
    )
    assert members.entities
    group_id = records(small_tenant, "genesys", "skill_group_members")[0]["skillGroupId"]
    group_members = sdk.check(
        routing.get_routing_skillgroup_members, group_id, model="SkillGroupMemberEntityListing", page_size=100
    )
    assert group_members.entities
    group = sdk.check(routing.get_routing_skillgroup, group_id, model="SkillGroup")
    assert group.skill_conditions  # the single skill group carries its conditions; the listing does not
    campaign_id = records(small_tenant, "genesys", "campaigns")[0]["id"]
    sdk.check(outbound.get_outbound_campaign, campaign_id, model="Campaign")
    progress = sdk.check(outbound.get_outbound_campaign_progress, campaign_id, model="CampaignProgress")
    assert progress.campaign.id == campaign_id
    sdk.check(outbound.get_outbound_campaign_stats, campaign_id, model="CampaignStats")


def test_analytics_queries(sdk: Sdk, small_tenant: Path) -> None:
    queue_ids = [queue["id"] for queue in records(small_tenant, "genesys", "queues")]
    users = sdk.check(
        sdk.api("UsersApi").post_analytics_users_details_query,
        {"interval": WINDOW, "order": "asc", "paging": {"pageSize": 100, "pageNumber": 1}},
        model="AnalyticsUserDetailsQueryResponse",
    )
    assert users.user_details and users.user_details[0].routing_status
    observations = sdk.check(
        sdk.api("RoutingApi").post_analytics_queues_observations_query,
        {
            "filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": q} for q in queue_ids]},
            "metrics": OBSERVATION_METRICS,
        },
        model="QueueObservationQueryResponse",
    )
    assert observations.results
    division_id = records(small_tenant, "genesys", "divisions")[0]["id"]
    aggregates = sdk.check(
        sdk.api("ConversationsApi").post_analytics_conversations_aggregates_query,
        {
            "interval": "2026-10-20T00:00:00.000Z/2026-10-21T00:00:00.000Z",
            "granularity": "PT30M",
            "timeZone": "UTC",
            "groupBy": ["queueId", "mediaType"],
            "filter": {
                "type": "and",
                "predicates": [{"type": "dimension", "dimension": "divisionId", "value": division_id}],
            },
            "metrics": AGGREGATE_METRICS,
        },
        model="ConversationAggregateQueryResponse",
    )
    assert aggregates.results
    journeys = sdk.check(
        sdk.api("JourneyApi").post_analytics_journeys_aggregates_query,
        {
            "interval": "2026-10-01T00:00:00.000Z/2026-10-08T00:00:00.000Z",
            "granularity": "P1D",
            "groupBy": ["journeyActionMapId"],
            "metrics": JOURNEY_METRICS,
        },
        model="JourneyAggregateQueryResponse",
    )
    action_maps = {m["id"] for m in records(small_tenant, "predictive_engagement", "action_maps")}
    assert {result.group["journeyActionMapId"] for result in journeys.results} <= action_maps


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/predictive-engagement/campaigns",
        "/api/v2/predictive-engagement/campaigns/{id}/analytics",
        "/api/v2/predictive-engagement/scorecards",
        "/api/v2/predictive-engagement/scorecards/{id}/analytics",
        "GET /api/v2/contacts/events",
    ],
)
def test_endpoints_without_an_sdk_model(path: str) -> None:
    pytest.skip(
        f"{path}: sandbox extension of an invented API (no public Genesys endpoint), so the SDK has "
        "no model to check it against; tests/sandbox/test_simulator.py covers its contract"
    )


def test_workforce_management_endpoints(sdk: Sdk, small_tenant: Path) -> None:
    """WFM: management units, activity codes, schedule search, the historical adherence bulk job.

    The job's download links are pre-signed storage URLs (no SDK call): their body is checked
    against the SDK's ``WfmHistoricalAdherenceBulkResult`` with the same walk.
    """
    wfm = sdk.api("WorkforceManagementApi")
    units = sdk.check(
        wfm.get_workforcemanagement_managementunits, model="ManagementUnitListing", page_size=100
    )
    assert {unit.id for unit in units.entities} == {
        u["id"] for u in records(small_tenant, "genesys", "management_units")
    }
    unit = units.entities[0]
    codes = sdk.check(
        wfm.get_workforcemanagement_businessunit_activitycodes,
        unit.business_unit.id,
        model="BusinessUnitActivityCodeListing",
    )
    assert {code.category for code in codes.entities} >= {"OnQueueWork", "Break", "Meal"}
    shifts = [
        s for s in records(small_tenant, "genesys", "agent_schedules") if s["managementUnitId"] == unit.id
    ]
    day = shifts[0]["startDate"][:10]
    search = sdk.check(
        wfm.post_workforcemanagement_managementunit_agentschedules_search,
        unit.id,
        {"startDate": f"{day}T00:00:00.000Z", "endDate": f"{day}T23:59:59.999Z"},
        model="BuAsyncAgentSchedulesSearchResponse",
    )
    assert search.status == "Complete"
    served = sum(len(agent.shifts) for agent in search.result.agent_schedules)
    assert served == sum(1 for s in shifts if s["startDate"].startswith(day)) > 0
    item = {
        "managementUnitId": unit.id,
        "startDate": f"{day}T00:00:00.000Z",
        "endDate": f"{day}T23:59:59.999Z",
    }
    job = sdk.check(
        wfm.post_workforcemanagement_adherence_historical_bulk,
        {"timeZone": "UTC", "items": [item]},
        model="WfmHistoricalAdherenceBulkResponse",
    )
    assert job.job.status == "Processing"
    for _ in range(5):
        status = sdk.check(
            wfm.get_workforcemanagement_adherence_historical_bulk_job,
            job.job.id,
            model="WfmHistoricalAdherenceBulkResponse",
        )
        if status.job.status == "Complete":
            break
    assert status.job.status == "Complete" and len(status.download_urls) == 1
    body = requests.get(status.download_urls[0], timeout=30).json()
    assert unknown_keys(body, models.WfmHistoricalAdherenceBulkResult) == []
    assert body["userResults"] and body["managementUnitId"] == unit.id
