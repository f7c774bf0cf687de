"""Organisation configuration of the synthetic tenant (independent of ``--seed``).

Ids of configuration objects are ``uuid5(NAMESPACE, "<kind>:<name>")`` (contract
section 2), so dbt seeds may reference them. Volume (agents, conversations...)
scales with ``--scale``; the configuration below does not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.timestamps import DAY_MS, iso_z

NAMESPACE = uuid.UUID("5b0f3a52-6c1e-4c8e-9d1a-2f7c0e4b9a61")
HOME_TIME_ZONE = "America/New_York"
DEFAULT_DAYS = 28
"""Days a tenant spans unless told otherwise; volumes that scale per day are calibrated on it."""


def org_id(kind: str, name: str) -> str:
    """Seed-independent id of a configuration object."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


@dataclass(frozen=True)
class Division:
    name: str
    description: str
    home: bool
    time_zone: str
    partner_name: str | None = None

    @property
    def id(self) -> str:
        return org_id("division", self.name)


@dataclass(frozen=True)
class SkillGroup:
    """Agents of one routing team. ``shifts`` = (UTC start hour, share of the team's agents)."""

    name: str
    division: str
    skills: tuple[str, ...]
    shifts: tuple[tuple[int, float], ...]
    routed: bool = True  # False: the group is in no queue's memberGroups

    @property
    def id(self) -> str:
        return org_id("skillgroup", self.name)


@dataclass(frozen=True)
class Queue:
    name: str
    division: str
    media: tuple[str, ...]
    member_groups: tuple[str, ...]
    phone: str

    @property
    def id(self) -> str:
        return org_id("queue", self.name)


@dataclass(frozen=True)
class Campaign:
    """An outbound campaign. ``days`` = (first, last) fraction of the period it dials in."""

    name: str
    queue: str
    division: str
    status: str
    dialing_mode: str
    share: float
    days: tuple[float, float]
    dispositions: tuple[float, float, float, float]  # person, machine, busy, noanswer
    intended_group: str | None = None

    @property
    def id(self) -> str:
        return org_id("campaign", self.name)

    @property
    def contact_list_id(self) -> str:
        return org_id("contactlist", self.name)

    @property
    def contact_list_name(self) -> str:
        return f"{self.name} Contacts"


@dataclass(frozen=True)
class Stream:
    """Inbound work of one media type arriving at one queue: ``share`` of all conversations."""

    kind: str  # voice | callback | chat | message | email
    queue: str
    share: float


DIVISIONS: tuple[Division, ...] = (
    Division("Home", "Home division: in-house contact centre", True, HOME_TIME_ZONE),
    Division("Acme BPO Manila", "Outsourced overflow voice and chat", False, "Asia/Manila", "Acme BPO"),
    Division(
        "Nearshore BPO Bogota",
        "Outsourced Spanish voice and outbound",
        False,
        "America/Bogota",
        "Nearshore BPO",
    ),
)

SKILL_GROUPS: tuple[SkillGroup, ...] = (
    SkillGroup(
        "Inbound Support",
        "Home",
        ("Voice Support", "Billing", "Email"),
        ((4, 0.15), (12, 0.40), (15, 0.30), (20, 0.15)),
    ),
    SkillGroup("Chat Agents", "Home", ("Chat", "Messaging"), ((12, 0.5), (16, 0.5))),
    SkillGroup("Sales", "Home", ("Sales", "Outbound Dialing"), ((13, 0.6), (15, 0.4))),
    SkillGroup(
        "Tier 2",
        "Home",
        ("Technical Support", "Voice Support"),
        ((4, 0.15), (12, 0.45), (16, 0.25), (20, 0.15)),
    ),
    SkillGroup("Outbound Team A", "Home", ("Outbound Dialing", "Sales"), ((13, 0.5), (14, 0.5))),
    SkillGroup("Outbound Team B", "Home", ("Outbound Dialing", "Retention"), ((13, 1.0),), routed=False),
    SkillGroup("Manila BPO Agents", "Acme BPO Manila", ("Voice Support", "Chat"), ((0, 0.6), (2, 0.4))),
    SkillGroup(
        "Bogota BPO Agents",
        "Nearshore BPO Bogota",
        ("Spanish", "Voice Support", "Outbound Dialing"),
        ((13, 0.6), (14, 0.4)),
    ),
)

QUEUES: tuple[Queue, ...] = (
    Queue("Support Voice", "Home", ("voice", "callback"), ("Inbound Support",), "tel:+18005550100"),
    Queue("Sales Voice", "Home", ("voice",), ("Sales",), "tel:+18005550110"),
    Queue("Chat Support", "Home", ("chat", "message"), ("Chat Agents",), "web:chat-support"),
    Queue("Email Support", "Home", ("email",), ("Inbound Support",), "mailto:support@acme.example"),
    Queue(
        "Tier 2 Escalations",
        "Home",
        ("voice", "chat", "message", "email", "callback"),
        ("Tier 2",),
        "tel:+18005550190",
    ),
    Queue("Manila Overflow Voice", "Acme BPO Manila", ("voice",), ("Manila BPO Agents",), "tel:+18005550120"),
    Queue("Manila Chat", "Acme BPO Manila", ("chat", "message"), ("Manila BPO Agents",), "web:chat-overflow"),
    Queue(
        "Bogota Spanish Voice", "Nearshore BPO Bogota", ("voice",), ("Bogota BPO Agents",), "tel:+18005550130"
    ),
    Queue("Outbound Renewals", "Home", ("voice",), ("Outbound Team A",), "tel:+18005550201"),
    Queue("Outbound Winback", "Home", ("voice",), ("Outbound Team A",), "tel:+18005550202"),
    Queue("Outbound Leads", "Home", ("voice",), ("Sales",), "tel:+18005550203"),
    Queue("Outbound Survey", "Home", ("voice",), ("Outbound Team A",), "tel:+18005550204"),
    Queue("Outbound Holiday", "Nearshore BPO Bogota", ("voice",), ("Bogota BPO Agents",), "tel:+18005550205"),
)

TIER2_QUEUE = "Tier 2 Escalations"

_STANDARD_DISPOSITIONS = (0.42, 0.18, 0.10, 0.30)
CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        "Q4 Renewals", "Outbound Renewals", "Home", "on", "power", 0.08, (0.0, 1.0), _STANDARD_DISPOSITIONS
    ),
    Campaign(
        "Winback Offers",
        "Outbound Winback",
        "Home",
        "on",
        "predictive",
        0.07,
        (0.0, 1.0),
        (0.40, 0.20, 0.10, 0.30),
        intended_group="Outbound Team B",
    ),
    Campaign(
        "Evening Lead Follow-up",
        "Outbound Leads",
        "Home",
        "on",
        "progressive",
        0.08,
        (0.0, 1.0),
        (0.22, 0.52, 0.06, 0.20),
    ),
    Campaign(
        "Customer Survey Q3",
        "Outbound Survey",
        "Home",
        "complete",
        "agentless",
        0.02,
        (0.0, 0.25),
        (0.45, 0.15, 0.10, 0.30),
    ),
    Campaign(
        "Holiday Preview",
        "Outbound Holiday",
        "Nearshore BPO Bogota",
        "off",
        "preview",
        0.03,
        (0.0, 0.65),
        (0.44, 0.16, 0.12, 0.28),
    ),
)
VOICEMAIL_CAMPAIGN = "Evening Lead Follow-up"

STREAMS: tuple[Stream, ...] = (
    Stream("voice", "Support Voice", 0.24),
    Stream("voice", "Sales Voice", 0.06),
    Stream("voice", "Manila Overflow Voice", 0.08),
    Stream("voice", "Bogota Spanish Voice", 0.06),
    Stream("callback", "Support Voice", 0.03),
    Stream("chat", "Chat Support", 0.08),
    Stream("message", "Chat Support", 0.06),
    Stream("chat", "Manila Chat", 0.04),
    Stream("email", "Email Support", 0.07),
)

# (name, where the code is used)
WRAPUP_CODES: tuple[tuple[str, str], ...] = (
    ("Sale", "outbound"),
    ("Not Interested", "outbound"),
    ("Callback Requested", "outbound"),
    ("Wrong Party", "outbound"),
    ("Do Not Call", "outbound"),
    ("Resolved", "inbound"),
    ("Billing Question", "inbound"),
    ("Technical Issue", "inbound"),
    ("Follow-up Required", "inbound"),
    ("Escalated to Tier 2", "transfer"),
)
RIGHT_PARTY_CODES = frozenset({"Sale", "Not Interested", "Callback Requested", "Do Not Call"})
OUTBOUND_WRAPUPS: tuple[tuple[str, float], ...] = (
    ("Sale", 0.18),
    ("Not Interested", 0.43),
    ("Callback Requested", 0.17),
    ("Wrong Party", 0.14),
    ("Do Not Call", 0.08),
)
INBOUND_WRAPUPS: tuple[tuple[str, float], ...] = (
    ("Resolved", 0.55),
    ("Billing Question", 0.15),
    ("Technical Issue", 0.15),
    ("Follow-up Required", 0.15),
)
# Disposition -> campaign goal: planted ground truth shipped as a dbt seed.
GOALS: tuple[tuple[str, str, str], ...] = (
    ("Sale", "goal_purchase_001", "Purchase Completed"),
    ("Callback Requested", "goal_qualified_lead_001", "Qualified Lead"),
)

PRESENCES: tuple[tuple[str, str], ...] = (
    ("Available", "AVAILABLE"),
    ("Away", "AWAY"),
    ("Busy", "BUSY"),
    ("Offline", "OFFLINE"),
    ("On Queue", "ON_QUEUE"),
    ("Meal", "MEAL"),
    ("Training", "TRAINING"),
    ("Meeting", "MEETING"),
    ("Break", "BREAK"),
    ("Idle", "IDLE"),
)
PRESENCE_IDS: dict[str, str] = {system: org_id("presence", name) for name, system in PRESENCES}

FLOWS: dict[str, tuple[str, str]] = {
    "ivr": ("Main IVR", "INBOUNDCALL"),
    "bot": ("Support Bot", "BOT"),
    "workflow": ("Web Messaging Inbound", "INBOUNDSHORTMESSAGE"),
}


def division_by_name() -> dict[str, Division]:
    return {division.name: division for division in DIVISIONS}


def queue_by_name() -> dict[str, Queue]:
    return {queue.name: queue for queue in QUEUES}


def group_by_name() -> dict[str, SkillGroup]:
    return {group.name: group for group in SKILL_GROUPS}


def all_skills() -> list[str]:
    names: list[str] = []
    for group in SKILL_GROUPS:
        for skill in group.skills:
            if skill not in names:
                names.append(skill)
    return names + ["Legacy Fax Handling"]  # one inactive skill


@dataclass
class OrgRecords:
    """API-shaped configuration records, ready to be written."""

    divisions: list[dict[str, Any]] = field(default_factory=list)
    skills: list[dict[str, Any]] = field(default_factory=list)
    wrapup_codes: list[dict[str, Any]] = field(default_factory=list)
    presence_definitions: list[dict[str, Any]] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    skill_groups: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)


def division_ref(name: str) -> dict[str, str]:
    division = division_by_name()[name]
    return {
        "id": division.id,
        "name": division.name,
        "selfUri": f"/api/v2/authorization/divisions/{division.id}",
    }


def build_org_records(
    configured_ms: int,
    members_per_group: dict[str, int],
    members_per_queue: dict[str, int],
    joined_per_queue: dict[str, int],
) -> OrgRecords:
    """Records of the configuration objects; ``configured_ms`` dates their creation."""
    created = iso_z(configured_ms)
    records = OrgRecords()
    for division in DIVISIONS:
        records.divisions.append(
            {
                "id": division.id,
                "name": division.name,
                "description": division.description,
                "homeDivision": division.home,
                "selfUri": f"/api/v2/authorization/divisions/{division.id}",
            }
        )
    for name in all_skills():
        skill_id = org_id("skill", name)
        records.skills.append(
            {
                "id": skill_id,
                "name": name,
                "state": "inactive" if name == "Legacy Fax Handling" else "active",
                "dateModified": created,
                "version": 1,
                "selfUri": f"/api/v2/routing/skills/{skill_id}",
            }
        )
    for name, use in WRAPUP_CODES:
        code_id = org_id("wrapupcode", name)
        records.wrapup_codes.append(
            {
                "id": code_id,
                "name": name,
                "division": division_ref("Home"),
                "description": f"{name} ({use})",
                "dateCreated": created,
                "dateModified": created,
                "selfUri": f"/api/v2/routing/wrapupcodes/{code_id}",
            }
        )
    for name, system in PRESENCES:
        presence_id = PRESENCE_IDS[system]
        records.presence_definitions.append(
            {
                "id": presence_id,
                # The definitions API spells system presences in CamelCase ("OnQueue");
                # analytics user details spell them upper-case ("ON_QUEUE").
                "systemPresence": system.title().replace("_", ""),
                "languageLabels": {"en_US": name},
                "type": "System",
                "deactivated": False,
                "selfUri": f"/api/v2/presence/definitions/{presence_id}",
            }
        )
    for queue in QUEUES:
        records.queues.append(
            _queue_record(
                queue, created, members_per_queue.get(queue.name, 0), joined_per_queue.get(queue.name, 0)
            )
        )
    for group in SKILL_GROUPS:
        records.skill_groups.append(
            {
                "id": group.id,
                "name": group.name,
                "division": division_ref(group.division),
                "description": f"{group.name} routing team",
                "skillConditions": [
                    {
                        "routingSkillConditions": [
                            {
                                "routingSkill": name,
                                "comparator": "GreaterThanOrEqualTo",
                                "proficiency": 3,
                                "childConditions": [],
                            }
                        ],
                        "languageSkillConditions": [],
                        "operation": "And",
                    }
                    for name in group.skills
                ],
                "memberCount": members_per_group.get(group.name, 0),
                "dateModified": created,
                "status": "Complete",
                "selfUri": f"/api/v2/routing/skillgroups/{group.id}",
            }
        )
    for campaign in CAMPAIGNS:
        records.campaigns.append(_campaign_record(campaign, created))
    return records


def _queue_record(queue: Queue, created: str, members: int, joined: int) -> dict[str, Any]:
    media_settings = {}
    for media in ("call", "callback", "chat", "email", "message"):
        source_media = "voice" if media == "call" else media
        if source_media in queue.media:
            target_ms = 24 * 3_600_000 if media == "email" else 20_000
            media_settings[media] = {
                "alertingTimeoutSeconds": 8 if media != "email" else 300,
                "serviceLevel": {"percentage": 0.8, "durationMs": target_ms},
            }
    return {
        "id": queue.id,
        "name": queue.name,
        "division": division_ref(queue.division),
        "description": f"{queue.name} ({', '.join(queue.media)})",
        "dateCreated": created,
        "dateModified": created,
        "memberCount": members,
        "userMemberCount": members,
        "joinedMemberCount": joined,
        "memberGroups": [
            {
                "id": org_id("skillgroup", name),
                "name": name,
                "type": "SKILLGROUP",
                "memberCount": 0,
                "selfUri": f"/api/v2/routing/skillgroups/{org_id('skillgroup', name)}",
            }
            for name in queue.member_groups
        ],
        "mediaSettings": media_settings,
        "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 120_000},
        "skillEvaluationMethod": "BEST",
        "queueFlow": {"id": org_id("flow", "In-Queue Standard"), "name": "In-Queue Standard"},
        "selfUri": f"/api/v2/routing/queues/{queue.id}",
    }


def _campaign_record(campaign: Campaign, created: str) -> dict[str, Any]:
    queue = queue_by_name()[campaign.queue]
    return {
        "id": campaign.id,
        "name": campaign.name,
        "dateCreated": created,
        "dateModified": created,
        "version": 3,
        "campaignStatus": campaign.status,
        "dialingMode": campaign.dialing_mode,
        "contactList": {
            "id": campaign.contact_list_id,
            "name": campaign.contact_list_name,
            "selfUri": f"/api/v2/outbound/contactlists/{campaign.contact_list_id}",
        },
        "queue": {"id": queue.id, "name": queue.name, "selfUri": f"/api/v2/routing/queues/{queue.id}"},
        "script": {"id": org_id("script", "Outbound Default"), "name": "Outbound Default"},
        "callAnalysisResponseSet": {
            "id": org_id("responseset", "Transfer Live Voice"),
            "name": "Transfer Live Voice",
        },
        "dncLists": [{"id": org_id("dnclist", "Internal DNC"), "name": "Internal DNC"}],
        "phoneColumns": [{"columnName": "Cell", "type": "cell"}, {"columnName": "Home", "type": "home"}],
        "abandonRate": 5.0,
        "outboundLineCount": 10,
        "callerName": "Acme",
        "callerAddress": queue.phone[4:],
        "noAnswerTimeout": 30,
        "priority": 5,
        "alwaysRunning": False,
        "division": division_ref(campaign.division),
        "selfUri": f"/api/v2/outbound/campaigns/{campaign.id}",
    }


def configured_ms(period_start_ms: int) -> int:
    """When the configuration was created: 400 days before the period, 09:00 UTC."""
    return period_start_ms - 400 * DAY_MS + 9 * 3_600_000
