"""Users: agents sized to the expected workload of their skill group, plus non-agent staff.

Agents are volume data (ids from the seeded RNG), so their number grows with
``--scale``; the non-agent staff is fixed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.agents import Agent, build_shifts
from sandbox.generator.ids import uuid4_str
from sandbox.generator.org import (
    CAMPAIGNS,
    DEFAULT_DAYS,
    SKILL_GROUPS,
    STREAMS,
    SkillGroup,
    division_ref,
    queue_by_name,
)
from sandbox.generator.output import TenantWriter

OCCUPANCY_TARGET = 0.35
MIN_PER_SHIFT = 3  # three agents with rotating days off cover a shift template every day
AGENT_MINUTES_PER_DAY = 8 * 60 * 5 / 7
# Agent minutes per conversation of each kind (answered share x handle time), and of Tier 2 work it causes.
_MINUTES = {"voice": 7.2, "callback": 6.5, "chat": 4.2, "message": 3.7, "email": 9.5}
_TIER2_MINUTES = {"voice": 1.1, "callback": 0.7, "chat": 0.0, "message": 0.0, "email": 0.3}
_OUTBOUND_HANDLE_MINUTES = 4.8
_FIRST = (
    "Ava",
    "Liam",
    "Maria",
    "Noah",
    "Olivia",
    "Mateo",
    "Sofia",
    "Lucas",
    "Isabella",
    "Ethan",
    "Mia",
    "James",
    "Camila",
    "Benjamin",
    "Aria",
    "Daniel",
    "Luna",
    "Samuel",
    "Grace",
    "Jose",
    "Chloe",
    "Miguel",
    "Hannah",
    "Diego",
    "Angela",
    "Paolo",
    "Rosa",
    "Andres",
    "Kim",
    "Joy",
)
_LAST = (
    "Smith",
    "Garcia",
    "Santos",
    "Reyes",
    "Johnson",
    "Cruz",
    "Lopez",
    "Brown",
    "Gonzales",
    "Martinez",
    "Davis",
    "Bautista",
    "Torres",
    "Rivera",
    "Miller",
    "Flores",
    "Ramos",
    "Wilson",
    "Mendoza",
    "Castro",
)
# (title, department, count) of non-agent users, the same at every scale.
_STAFF = (
    ("Contact Centre Supervisor", "Operations", 8),
    ("Workforce Analyst", "WFM", 4),
    ("Quality Analyst", "Quality", 4),
    ("Sales Representative", "Sales", 20),
    ("Customer Success Manager", "Customer Success", 12),
    ("IT Administrator", "IT", 3),
    ("Reporting Analyst", "Analytics", 3),
)


@dataclass
class Staff:
    agents: list[Agent] = field(default_factory=list)
    members: dict[str, list[Agent]] = field(default_factory=dict)  # group -> agents incl. inactive licences
    unlicensed: set[str] = field(default_factory=set)  # user ids with an empty licence list


def agents_per_group(n_conversations: int, days: int) -> dict[str, int]:
    """Agents needed per skill group for the expected workload at ``OCCUPANCY_TARGET``."""
    queues = queue_by_name()
    minutes: dict[str, float] = {group.name: 0.0 for group in SKILL_GROUPS}
    for stream in STREAMS:
        per_day = n_conversations * stream.share / days
        minutes[queues[stream.queue].member_groups[0]] += per_day * _MINUTES[stream.kind]
        minutes["Tier 2"] += per_day * _TIER2_MINUTES[stream.kind]
    for campaign in CAMPAIGNS:
        span = max(0.05, campaign.days[1] - campaign.days[0])
        per_day = n_conversations * campaign.share / (days * span)
        minutes[queues[campaign.queue].member_groups[0]] += (
            per_day * campaign.dispositions[0] * _OUTBOUND_HANDLE_MINUTES
        )
    # groups no queue routes to are staffed for the daily volume (the default 28 days of
    # 20,000 conversations give 6 agents), not for the history's length
    scale = n_conversations * DEFAULT_DAYS / (days * 20_000)
    counts = {}
    for group in SKILL_GROUPS:
        if not group.routed:
            counts[group.name] = max(3, round(6 * scale))
        else:
            needed = math.ceil(minutes[group.name] / (AGENT_MINUTES_PER_DAY * OCCUPANCY_TARGET))
            counts[group.name] = max(MIN_PER_SHIFT * len(group.shifts), needed)
    return counts


def shift_hour(group: SkillGroup, rank: int, count: int) -> int:
    """UTC start hour of the ``rank``-th agent's shift: ``MIN_PER_SHIFT`` per template, then by share."""
    guaranteed = MIN_PER_SHIFT * len(group.shifts)
    if rank < guaranteed or count <= guaranteed:
        return group.shifts[min(rank // MIN_PER_SHIFT, len(group.shifts) - 1)][0]
    position = (rank - guaranteed + 0.5) / (count - guaranteed)
    cumulative = 0.0
    for hour, share in group.shifts:
        cumulative += share
        if position < cumulative:
            return hour
    return group.shifts[-1][0]


def _user_record(
    user_id: str, name: str, email: str, state: str, title: str, department: str, division: str
) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": name,
        "division": division_ref(division),
        "email": email,
        "primaryContactInfo": [{"address": email, "mediaType": "EMAIL", "type": "PRIMARY"}],
        "state": state,
        "title": title,
        "department": department,
        "username": email,
        "version": 2,
        "acdAutoAnswer": False,
        "selfUri": f"/api/v2/users/{user_id}",
    }


def generate_users(
    out: TenantWriter,
    rng: random.Random,
    n_conversations: int,
    period_start_ms: int,
    days: int,
) -> Staff:
    """Write users, user_licenses, skill_group_members, queue_members; return the agents."""
    staff = Staff()
    users = out.writer("genesys", "users")
    licences = out.writer("genesys", "user_licenses")
    counter = 0

    def new_user(title: str, department: str, division: str, state: str, licensed: bool) -> tuple[str, str]:
        nonlocal counter
        counter += 1
        user_id = uuid4_str(rng)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        name = f"{first} {last}"
        email = f"{first}.{last}.{counter}@acme.example".lower()
        users.write(_user_record(user_id, name, email, state, title, department, division))
        licences.write(
            {
                "id": user_id,
                "licenses": ["cloudcx3", "wem_addon"]
                if licensed and title == "Agent"
                else (["cloudcx3"] if licensed else []),
                "selfUri": f"/api/v2/license/users/{user_id}",
            }
        )
        return user_id, name

    for group in SKILL_GROUPS:
        count = agents_per_group(n_conversations, days)[group.name]
        unlicensed = max(1, count // 15) if count >= 5 else 0
        staff.members[group.name] = []
        for rank in range(count + unlicensed):
            licensed = rank < count
            user_id, name = new_user("Agent", group.name, group.division, "active", licensed)
            agent = Agent(len(staff.agents), user_id, name, group.name)
            if licensed:
                build_shifts(rng, agent, shift_hour(group, rank, count), period_start_ms, days)
            else:
                staff.unlicensed.add(user_id)
            staff.agents.append(agent)
            staff.members[group.name].append(agent)
    for title, department, count in _STAFF:
        for _ in range(count):
            new_user(title, department, "Home", "active", True)
    for _ in range(3):
        new_user("Agent", "Inbound Support", "Home", "inactive", False)
    for _ in range(2):
        new_user("Agent", "Chat Agents", "Home", "deleted", False)
    _write_memberships(out, staff)
    return staff


def _write_memberships(out: TenantWriter, staff: Staff) -> None:
    group_ids = {group.name: group.id for group in SKILL_GROUPS}
    members = out.writer("genesys", "skill_group_members")
    for group_name, agents in staff.members.items():
        for agent in agents:
            members.write(
                {
                    "skillGroupId": group_ids[group_name],
                    "id": agent.user_id,
                    "name": agent.name,
                    "selfUri": f"/api/v2/users/{agent.user_id}",
                }
            )
    queue_members = out.writer("genesys", "queue_members")
    for queue in queue_by_name().values():
        for group_name in queue.member_groups:
            for agent in staff.members[group_name]:
                queue_members.write(
                    {
                        "queueId": queue.id,
                        "id": agent.user_id,
                        "name": agent.name,
                        "joined": agent.user_id not in staff.unlicensed,
                        "memberBy": "group",
                        "selfUri": f"/api/v2/users/{agent.user_id}",
                    }
                )


def queue_member_counts(staff: Staff) -> tuple[dict[str, int], dict[str, int]]:
    """(members per queue, joined members per queue)."""
    members: dict[str, int] = {}
    joined: dict[str, int] = {}
    for queue in queue_by_name().values():
        agents = [agent for group in queue.member_groups for agent in staff.members[group]]
        members[queue.name] = len(agents)
        joined[queue.name] = sum(agent.user_id not in staff.unlicensed for agent in agents)
    return members, joined
