"""Simulator live mode: the tenant keeps running after its generated period.

``cxlake sandbox serve --live [--speed N]`` starts a :class:`LiveWorld` beside the
batch simulator. Its clock starts at the current time (the tenant's period end if later) and advances with the
wall clock, ``speed`` times faster. Every simulated second it may start dialer calls
for the campaigns that are ``on``, end calls with a call-analysis disposition (live
voice, answering machine, busy, no answer) and an agent wrap-up code, and change
agents' presence and routing status. What it produces is published three ways:

- Notifications (``sandbox/simulator/notifications.py``): queue conversation events,
  user presence + routing status, queue observations and campaign stats/progress,
  in the shapes of the Genesys Notifications API;
- the real-time REST endpoints, answering current state: queue and user
  observation queries, campaign progress and stats;
- the conversation details query, for intervals after the tenant's period: the live
  calls in the same record shape as the generated conversations (so the batch path
  can load a closed interval of the live tenant).

Random choices come from one seeded generator advanced once per simulated second,
so the same seed gives the same sequence of simulated calls whatever the speed
(what a given wall second contains depends on scheduling).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.org import CAMPAIGNS as GENERATED_CAMPAIGNS
from sandbox.simulator.httpapi import from_ms

DISPOSITIONS = ("person", "machine", "busy", "noanswer")
ANALYZERS = {
    "person": "speech.person",
    "machine": "speech.machine",
    "busy": "sit.busy",
    "noanswer": "noanswer",
}
SYSTEM_WRAPUPS = {
    "person": "ININ-OUTBOUND-LIVE-VOICE",
    "machine": "ININ-OUTBOUND-MACHINE",
    "busy": "ININ-OUTBOUND-BUSY",
    "noanswer": "ININ-OUTBOUND-NO-ANSWER",
}
DEFAULT_MIX = (0.45, 0.25, 0.1, 0.2)  # person, machine, busy, noanswer
ROUTING_STATUSES = ("IDLE", "INTERACTING", "NOT_RESPONDING", "OFF_QUEUE")
ON_QUEUE_PRESENCE = "ON_QUEUE"
MAX_STEPS_PER_TICK = 3600  # simulated seconds generated per tick at most (a stalled process catches up later)


def iso(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass
class LiveOptions:
    """Live-mode settings (``SandboxServer(live=LiveOptions(...))``)."""

    speed: float = 1.0
    calls_per_campaign_per_minute: float = 3.0
    heartbeat_s: float = 30.0  # wall seconds between channel.metadata heartbeats
    closing_grace_s: float = 60.0  # wall seconds between socket_closing and the server closing the socket
    channel_lifetime_s: float = 86400.0
    max_channels: int = 20
    max_topics: int = 1000
    start_ms: int | None = None  # where the live clock starts (default: now, or the period end if later)


@dataclass
class LiveCall:
    conversation_id: str
    campaign_id: str
    queue_id: str
    division_id: str
    contact_id: str
    contact_list_id: str
    started_ms: int
    ends_ms: int
    disposition: str
    agent_id: str | None = None
    wrapup_code: str | None = None
    ended: bool = False
    connected_ms: int | None = None

    def conversation_event(self) -> dict[str, Any]:
        """``v2.routing.queues.{id}.conversations`` body (QueueConversationEventTopicConversation)."""
        attributes = {
            "dialerCampaignId": self.campaign_id,
            "dialerContactId": self.contact_id,
            "dialerContactListId": self.contact_list_id,
        }
        state = "disconnected" if self.ended else ("connected" if self.connected_ms else "dialing")
        customer_call: dict[str, Any] = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/call")),
            "state": state,
            "direction": "outbound",
        }
        if self.ended:
            customer_call["disconnectType"] = "endpoint"
            customer_call["disconnectedTime"] = iso(self.ends_ms)
            customer_call["disposition"] = {
                "name": f"disposition.classification.callable.{self.disposition}",
                "analyzer": ANALYZERS[self.disposition],
            }
        if self.connected_ms:
            customer_call["connectedTime"] = iso(self.connected_ms)
        customer: dict[str, Any] = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/customer")),
            "purpose": "customer",
            "queueId": self.queue_id,
            "startTime": iso(self.started_ms),
            "attributes": attributes,
            "calls": [customer_call],
        }
        if self.ended:
            customer["endTime"] = iso(self.ends_ms)
        participants = [customer]
        if self.agent_id:
            agent: dict[str, Any] = {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/agent")),
                "purpose": "agent",
                "userId": self.agent_id,
                "queueId": self.queue_id,
                "calls": [{"state": "disconnected" if self.ended else "connected", "direction": "outbound"}],
            }
            if self.ended and self.wrapup_code:
                agent["wrapup"] = {"code": self.wrapup_code}
            participants.append(agent)
        return {
            "id": self.conversation_id,
            "maxParticipants": len(participants),
            "participants": participants,
        }

    def details_record(self) -> dict[str, Any]:
        """The call as a conversation details record (the generated tenant's outbound shape)."""
        start, end = iso(self.started_ms), iso(self.ends_ms)
        dial_end = self.connected_ms or min(self.ends_ms, self.started_ms + 3000)
        customer_session = {
            "sessionId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/cs")),
            "mediaType": "voice",
            "direction": "outbound",
            "outboundCampaignId": self.campaign_id,
            "outboundContactId": self.contact_id,
            "outboundContactListId": self.contact_list_id,
            "metrics": [],
            "segments": [{"segmentStart": iso(dial_end), "segmentType": "contacting"}],
        }
        outbound_session: dict[str, Any] = {
            "sessionId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/os")),
            "mediaType": "voice",
            "direction": "outbound",
            "peerId": customer_session["sessionId"],
            "outboundCampaignId": self.campaign_id,
            "outboundContactId": self.contact_id,
            "outboundContactListId": self.contact_list_id,
            "metrics": [
                {"name": "nOutbound", "value": 1, "emitDate": start},
                {"name": "nOutboundAttempted", "value": 1, "emitDate": iso(dial_end)},
            ],
            "segments": [
                {"segmentStart": start, "segmentEnd": iso(dial_end), "segmentType": "dialing"},
                {"segmentStart": iso(dial_end), "segmentType": "contacting"},
            ],
        }
        record: dict[str, Any] = {
            "conversationId": self.conversation_id,
            "conversationStart": start,
            "originatingDirection": "outbound",
            "divisionIds": [self.division_id],
            "participants": [
                {
                    "participantId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/customer")),
                    "purpose": "customer",
                    "sessions": [customer_session],
                },
                {
                    "participantId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/outbound")),
                    "participantName": "dialer",
                    "purpose": "outbound",
                    "sessions": [outbound_session],
                },
            ],
        }
        if self.ended:
            record["conversationEnd"] = end
            customer_session["segments"][-1].update(segmentEnd=end, disconnectType="endpoint")
            outbound_session["segments"][-1].update(
                segmentEnd=end, disconnectType="system", wrapUpCode=SYSTEM_WRAPUPS[self.disposition]
            )
            outbound_session["dispositionAnalyzer"] = ANALYZERS[self.disposition]
            outbound_session["dispositionName"] = f"disposition.classification.callable.{self.disposition}"
        if self.agent_id and self.connected_ms:
            agent_segment: dict[str, Any] = {
                "segmentStart": iso(self.connected_ms),
                "segmentType": "interact",
            }
            segments = [agent_segment]
            if self.ended:
                agent_segment["segmentEnd"] = end
                segments.append(
                    {
                        "segmentStart": end,
                        "segmentEnd": end,
                        "segmentType": "wrapup",
                        "wrapUpCode": self.wrapup_code,
                    }
                )
            record["participants"].append(
                {
                    "participantId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/agent")),
                    "purpose": "agent",
                    "userId": self.agent_id,
                    "sessions": [
                        {
                            "sessionId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.conversation_id + "/as")),
                            "mediaType": "voice",
                            "direction": "outbound",
                            "outboundCampaignId": self.campaign_id,
                            "segments": segments,
                        }
                    ],
                }
            )
        return record


@dataclass
class AgentState:
    user_id: str
    presence: str
    routing: str
    since_ms: int
    queues: list[str] = field(default_factory=list)
    busy_until_ms: int = 0


Listener = Callable[[str, dict[str, Any]], None]


class LiveWorld:
    """The running tenant: clock, calls, agents, campaign counters; publishes each change to listeners."""

    def __init__(self, tenant: Any, seed: int, options: LiveOptions) -> None:
        self.options = options
        self.rng = random.Random(f"live/{seed}")
        self.lock = threading.RLock()
        # The live clock starts now (or at the tenant's period end if that is later): at speed 1 the live
        # tenant's timestamps are the wall clock's, like a real org's.
        now_ms = int(time.time()) * 1000
        self.start_ms = max(int(tenant.period_end_ms), options.start_ms if options.start_ms else now_ms)
        self.sim_ms = self.start_ms
        self.wall0 = time.monotonic()
        self.listeners: list[Listener] = []
        mixes = {c.id: c.dispositions for c in GENERATED_CAMPAIGNS}
        self.campaigns = [
            c for c in tenant.records("genesys", "campaigns") if c.get("campaignStatus", "on") == "on"
        ]
        self.mix = {c["id"]: tuple(mixes.get(c["id"], DEFAULT_MIX)) for c in self.campaigns}
        self.queue_ids = [q["id"] for q in tenant.records("genesys", "queues")]
        self.queue_division = {
            q["id"]: (q.get("division") or {}).get("id", "") for q in tenant.records("genesys", "queues")
        }
        members: dict[str, list[str]] = {}
        for row in tenant.records("genesys", "queue_members"):
            members.setdefault(row["queueId"], []).append(row["id"])
        self.queue_members = members
        self.agents: dict[str, AgentState] = {}
        for queue_id, user_ids in members.items():
            for user_id in user_ids:
                agent = self.agents.get(user_id)
                if agent is None:
                    presence = self.rng.choice((ON_QUEUE_PRESENCE, ON_QUEUE_PRESENCE, "AVAILABLE", "BREAK"))
                    routing = "IDLE" if presence == ON_QUEUE_PRESENCE else "OFF_QUEUE"
                    agent = AgentState(user_id, presence, routing, self.start_ms)
                    self.agents[user_id] = agent
                agent.queues.append(queue_id)
        for row in tenant.records("genesys", "skill_group_members"):  # members of a group but of no queue
            if row["id"] not in self.agents:
                self.agents[row["id"]] = AgentState(row["id"], "OFFLINE", "OFF_QUEUE", self.start_ms)
        self.wrapup_ids = {w.get("name"): w["id"] for w in tenant.records("genesys", "wrapup_codes")}
        self.calls: dict[str, LiveCall] = {}
        self.finished: list[LiveCall] = []  # every call ended, in end order (details query, reconciliation)
        self.stats = {c["id"]: {"attempts": 0, "connects": 0, "called": 0} for c in self.campaigns}
        self.list_sizes = {c["id"]: 5000 for c in self.campaigns}
        self.emitted: deque[tuple[str, str, float]] = deque(maxlen=20000)  # (kind, key, wall time)
        self._dirty_queues: set[str] = set()
        self._dirty_campaigns: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- clock --------------------------------------------------------------------------------

    def target_ms(self) -> int:
        return self.start_ms + int((time.monotonic() - self.wall0) * 1000 * self.options.speed)

    def now_ms(self) -> int:
        with self.lock:
            return self.sim_ms

    def start(self) -> LiveWorld:
        self._thread = threading.Thread(target=self._run, name="cxlake-sandbox-live", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.advance(self.target_ms())

    def advance(self, until_ms: int) -> None:
        """Generate every simulated second up to ``until_ms``."""
        with self.lock:
            steps = 0
            while self.sim_ms + 1000 <= until_ms and steps < MAX_STEPS_PER_TICK:
                self.sim_ms += 1000
                self._second(self.sim_ms)
                steps += 1
            self._flush_aggregates()

    # --- one simulated second ------------------------------------------------------------------

    def _second(self, now: int) -> None:
        rng = self.rng
        for call in [c for c in self.calls.values() if c.ends_ms <= now]:
            self._end_call(call)
        for call in self.calls.values():
            if call.connected_ms is None and call.disposition == "person" and now >= call.started_ms + 3000:
                call.connected_ms = call.started_ms + 3000
                self._publish_call(call, "connected")
        probability = self.options.calls_per_campaign_per_minute / 60.0
        for campaign in self.campaigns:
            if rng.random() < probability:
                self._start_call(campaign, now)
        for agent in self.agents.values():
            if agent.busy_until_ms > now or agent.routing == "INTERACTING":
                continue
            if rng.random() < 0.004:  # about one change per agent every four simulated minutes
                self._change_agent(agent, now)

    def _start_call(self, campaign: dict[str, Any], now: int) -> None:
        rng = self.rng
        campaign_id = campaign["id"]
        queue_id = (campaign.get("queue") or {}).get("id", "")
        kind = rng.choices(DISPOSITIONS, weights=self.mix[campaign_id])[0]
        duration = {"person": rng.randint(40, 240), "machine": rng.randint(15, 35), "busy": 4, "noanswer": 25}
        conversation_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        call = LiveCall(
            conversation_id=conversation_id,
            campaign_id=campaign_id,
            queue_id=queue_id,
            division_id=(campaign.get("division") or {}).get("id") or self.queue_division.get(queue_id, ""),
            contact_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            contact_list_id=(campaign.get("contactList") or {}).get("id", ""),
            started_ms=now,
            ends_ms=now + duration[kind] * 1000,
            disposition=kind,
        )
        if kind == "person":
            idle = [
                self.agents[u]
                for u in self.queue_members.get(queue_id, [])
                if u in self.agents and self.agents[u].routing == "IDLE"
            ]
            if idle:
                agent = rng.choice(idle)
                call.agent_id = agent.user_id
                agent.busy_until_ms = call.ends_ms
                self._set_agent(agent, agent.presence, "INTERACTING", now)
            roll = rng.random()
            outcome = "Sale" if roll < 0.15 else "Callback Requested" if roll < 0.25 else "Not Interested"
            call.wrapup_code = self.wrapup_ids.get(outcome)
        self.calls[conversation_id] = call
        stats = self.stats[campaign_id]
        stats["attempts"] += 1
        stats["called"] += 1
        self._dirty_campaigns.add(campaign_id)
        self._dirty_queues.add(queue_id)
        self._publish_call(call, "started")

    def _end_call(self, call: LiveCall) -> None:
        call.ended = True
        del self.calls[call.conversation_id]
        self.finished.append(call)
        if call.disposition == "person":
            self.stats[call.campaign_id]["connects"] += 1
        if call.agent_id:
            agent = self.agents[call.agent_id]
            agent.busy_until_ms = 0
            self._set_agent(agent, agent.presence, "IDLE", call.ends_ms)
        self._dirty_campaigns.add(call.campaign_id)
        self._dirty_queues.add(call.queue_id)
        self._publish_call(call, "ended")

    def _change_agent(self, agent: AgentState, now: int) -> None:
        rng = self.rng
        if agent.presence == ON_QUEUE_PRESENCE:
            choice = rng.random()
            if choice < 0.15:
                self._set_agent(agent, ON_QUEUE_PRESENCE, "NOT_RESPONDING", now)
            elif choice < 0.45:
                self._set_agent(agent, rng.choice(("BREAK", "MEAL", "AVAILABLE")), "OFF_QUEUE", now)
            else:
                self._set_agent(agent, ON_QUEUE_PRESENCE, "IDLE", now)
        else:
            self._set_agent(agent, ON_QUEUE_PRESENCE, "IDLE", now)

    def _set_agent(self, agent: AgentState, presence: str, routing: str, now: int) -> None:
        agent.presence, agent.routing, agent.since_ms = presence, routing, now
        self._dirty_queues.update(agent.queues)
        self.emitted.append(("user", f"{agent.user_id}@{now}", time.time()))
        self._emit(f"v2.users.{agent.user_id}?presence&routingStatus", self.user_body(agent))

    def _publish_call(self, call: LiveCall, what: str) -> None:
        if what == "ended":
            self.emitted.append(("call", call.conversation_id, time.time()))
        self._emit(f"v2.routing.queues.{call.queue_id}.conversations", call.conversation_event())

    def _flush_aggregates(self) -> None:
        for queue_id in sorted(self._dirty_queues):
            self._emit(f"v2.analytics.queues.{queue_id}.observations", self.queue_observation(queue_id))
        for campaign_id in sorted(self._dirty_campaigns):
            self._emit(f"v2.outbound.campaigns.{campaign_id}.stats", self.campaign_stats(campaign_id))
            self._emit(f"v2.outbound.campaigns.{campaign_id}.progress", self.campaign_progress(campaign_id))
        self._dirty_queues.clear()
        self._dirty_campaigns.clear()

    def _emit(self, topic: str, body: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(topic, body)

    # --- current state (REST and notification bodies) -------------------------------------------

    def user_body(self, agent: AgentState) -> dict[str, Any]:
        since = iso(agent.since_ms)
        return {
            "presence": {
                "source": "PURECLOUD",
                "presenceDefinition": {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "presence/" + agent.presence)),
                    "systemPresence": agent.presence,
                },
                "primary": True,
                "message": "",
                "modifiedDate": since,
            },
            "routingStatus": {"status": agent.routing, "startTime": since},
        }

    def queue_observation(self, queue_id: str) -> dict[str, Any]:
        members = [self.agents[u] for u in self.queue_members.get(queue_id, []) if u in self.agents]
        on_queue = [a for a in members if a.presence == ON_QUEUE_PRESENCE]
        metrics: list[dict[str, Any]] = [
            {"metric": "oWaiting", "stats": {"count": 0}},
            {
                "metric": "oInteracting",
                "stats": {"count": sum(1 for c in self.calls.values() if c.queue_id == queue_id)},
            },
            {"metric": "oOnQueueUsers", "stats": {"count": len(on_queue)}},
            {"metric": "oOffQueueUsers", "stats": {"count": len(members) - len(on_queue)}},
        ]
        for status in ROUTING_STATUSES:
            count = sum(1 for a in members if a.routing == status)
            metrics.append({"metric": "oUserRoutingStatuses", "qualifier": status, "stats": {"count": count}})
        interval = f"{iso(self.sim_ms)}/{iso(self.sim_ms + 1000)}"
        return {
            "group": {"queueId": queue_id, "mediaType": "voice"},
            "data": [{"interval": interval, "metrics": metrics}],
        }

    def campaign_stats(self, campaign_id: str) -> dict[str, Any]:
        stats = self.stats[campaign_id]
        attempts, connects = stats["attempts"], stats["connects"]
        queue_id = next((c["queue"]["id"] for c in self.campaigns if c["id"] == campaign_id), "")
        idle = sum(
            1
            for u in self.queue_members.get(queue_id, [])
            if u in self.agents and self.agents[u].routing == "IDLE"
        )
        return {
            "campaignId": campaign_id,
            "contactRate": {
                "attempts": attempts,
                "connects": connects,
                "connectRatio": round(connects / attempts, 4) if attempts else 0.0,
            },
            "idleAgents": idle,
            "effectiveIdleAgents": float(idle),
            "outstandingCalls": sum(1 for c in self.calls.values() if c.campaign_id == campaign_id),
            "scheduledCalls": 0,
        }

    def campaign_progress(self, campaign_id: str) -> dict[str, Any]:
        campaign = next(c for c in self.campaigns if c["id"] == campaign_id)
        called, total = self.stats[campaign_id]["called"], self.list_sizes[campaign_id]
        return {
            "campaign": {"id": campaign_id, "name": campaign.get("name")},
            "contactList": campaign.get("contactList"),
            "numberOfContactsCalled": called,
            "numberOfContactsMessaged": 0,
            "totalNumberOfContacts": total,
            "percentage": int(100 * called / total) if total else 0,
            "numberOfContactsSkipped": {},
        }

    def user_observations(self, user_ids: list[str]) -> list[dict[str, Any]]:
        results = []
        for user_id in user_ids:
            agent = self.agents.get(user_id)
            if agent is None:
                continue
            results.append(
                {
                    "group": {"userId": user_id},
                    "data": [
                        {"metric": "oUserPresences", "qualifier": agent.presence, "stats": {"count": 1}},
                        {"metric": "oUserRoutingStatuses", "qualifier": agent.routing, "stats": {"count": 1}},
                    ],
                    "sinceTime": iso(agent.since_ms),
                }
            )
        return results

    def conversations_between(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Details records of live calls that started in [start, end) or are still running then."""
        with self.lock:
            calls = [c for c in self.finished if c.started_ms < end_ms and c.ends_ms >= start_ms]
            calls += [c for c in self.calls.values() if c.started_ms < end_ms]
            records = [
                c.details_record() for c in sorted(calls, key=lambda c: (c.started_ms, c.conversation_id))
            ]
        return records
