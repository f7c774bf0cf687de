"""Conversation simulation: arrivals in time order, routing to agents, analytics-details records.

Times are built as integer ms and formatted once per conversation in
:func:`finalize`, which also cuts conversations still running at the end of the
period (in-flight: no ``conversationEnd``, open segments, no late metrics).
Ground truth for the manifest is summed in :class:`Truth` from the records as
written.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.agents import Router, Timelines
from sandbox.generator.crm import TIERS, CrmIndex
from sandbox.generator.ids import uuid4_str
from sandbox.generator.org import (
    CAMPAIGNS,
    DEFAULT_DAYS,
    FLOWS,
    INBOUND_WRAPUPS,
    OUTBOUND_WRAPUPS,
    RIGHT_PARTY_CODES,
    STREAMS,
    TIER2_QUEUE,
    Campaign,
    Queue,
    division_by_name,
    group_by_name,
    org_id,
    queue_by_name,
)
from sandbox.generator.outbound import (
    ANALYZERS,
    DISPOSITION_NAMES,
    DISPOSITIONS,
    SYSTEM_WRAPUPS,
    OutboundBook,
)
from sandbox.generator.output import PartWriter
from sandbox.generator.quality import QualityBook
from sandbox.generator.timestamps import DAY_MS, HOUR_MS, iso_z

UNKNOWN_TIER = "Unknown"  # tier shown for accounts of an org without a tier field
NEVER = 10**15  # "no agent will ever answer": the conversation stays in queue (in-flight)
DEFAULT_LINKED_SHARE = 0.8
# Probability that a conversation escalates (bot -> agent, or a transfer to Tier 2).
BASE_ESCALATION = {
    "voice": 0.15,
    "chat": 0.36,
    "message": 0.36,
    "email": 0.04,
    "callback": 0.10,
    "outbound": 0.04,
}
ENTERPRISE_AFTER_RELEASE = {
    "voice": 0.50,
    "chat": 0.92,
    "message": 0.92,
    "email": 0.15,
    "callback": 0.35,
    "outbound": 0.10,
}
# Median agent talk time (ms) per kind; log-normal spread.
TALK_MEDIAN_MS = {
    "voice": 300_000,
    "chat": 540_000,
    "message": 480_000,
    "email": 420_000,
    "callback": 270_000,
    "outbound": 200_000,
    "tier2": 420_000,
}
# Mean customer patience in queue (ms); None = never abandons.
PATIENCE_MS: dict[str, int | None] = {
    "voice": 240_000,
    "chat": 300_000,
    "message": 900_000,
    "email": None,
    "callback": None,
    "outbound": 25_000,
    "tier2": 900_000,
}
# Mean extra routing delay in queue before an agent is alerted (ms).
ROUTING_DELAY_MS = {
    "voice": 25_000,
    "chat": 20_000,
    "message": 60_000,
    "email": 1_200_000,
    "callback": 300_000,
    "outbound": 2_000,
    "tier2": 30_000,
}
# Share of agent alerts that time out unanswered (the agent was alerted, never
# answered: tAlert + tNotResponding), per kind. Real contact centres see a few
# percent of offers time out (agents away from the desk, stuck in after-call
# work); digital offers time out more often than calls.
MISSED_ALERT = {
    "voice": 0.06,
    "chat": 0.08,
    "message": 0.08,
    "email": 0.03,
    "callback": 0.06,
    "outbound": 0.03,
    "tier2": 0.05,
}
ALERT_TIMEOUT_MS = (8_000, 30_000)  # the queue's alerting timeout: 8 s (Genesys default) to 30 s
NOT_RESPONDING_MS = (20_000, 180_000)  # how long a timed-out agent stays Not Responding
WRAPUP_TIMEOUT_SHARE = 0.3  # missed alerts that also get a wrap-up segment coded ININ-WRAP-UP-TIMEOUT
WRAPUP_TIMEOUT_CODE = "ININ-WRAP-UP-TIMEOUT"
# Inbound voice callers who would have hung up in queue but take the queue's
# voicemail option instead (a voicemail participant, no agent, not abandoned).
VOICEMAIL_SHARE = 0.25
# Preview campaigns: the agent skips a share of the previewed records (no dial).
PREVIEW_SKIP_SHARE = 0.10
PREVIEW_SKIPPED_CODE = "ININ-OUTBOUND-PREVIEW-SKIPPED"
# Callbacks the customer scheduled for a later time (callbackScheduledTime).
SCHEDULED_CALLBACK_SHARE = 0.35
# Share of answered legs whose talk/hold totals are also emitted as tTalkComplete /
# tHeldComplete (always when the leg was held and so has several tTalk parts).
COMPLETE_METRICS_SHARE = 0.5
# Names of the shape counts in the manifest's totals (see :func:`shape_counts`).
SHAPES = (
    "missed_alerts",
    "conversations_with_missed_alerts",
    "same_agent_realerted",
    "abandoned_after_missed_alert",
    "voicemails",
    "workflow_conversations",
    "skipped_previews",
    "scheduled_callbacks",
)
WEEKEND_FACTOR = 0.6
SURGE_MS = 5 * 60_000
_MEDIA = {
    "voice": "voice",
    "callback": "callback",
    "chat": "chat",
    "message": "message",
    "email": "email",
    "outbound": "voice",
    "preview_skipped": "callback",
}


@dataclass
class Ratio:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1

    def as_dict(self, hits_name: str, total_name: str) -> dict[str, Any]:
        return {
            hits_name: self.hits,
            total_name: self.total,
            "rate": round(self.hits / self.total, 4) if self.total else None,
        }


@dataclass
class Truth:
    """Ground truth summed from the conversations exactly as written."""

    release_ms: int
    conversations: int = 0
    in_flight: int = 0
    linked: int = 0
    sum_t_handle_ms: int = 0
    escalation_by_tier: dict[str, Ratio] = field(default_factory=lambda: {tier: Ratio() for tier in TIERS})
    before_release: dict[str, Ratio] = field(default_factory=lambda: {tier: Ratio() for tier in TIERS})
    after_release: dict[str, Ratio] = field(default_factory=lambda: {tier: Ratio() for tier in TIERS})
    observed: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    abandoned: int = 0
    bot_contained: int = 0
    transferred: int = 0
    shapes: dict[str, int] = field(default_factory=dict)  # see :func:`shape_counts`

    def observe(self, queue_id: str, media: str, metric: str) -> None:
        slot = self.observed.setdefault((queue_id, media), {"oWaiting": 0, "oInteracting": 0})
        slot[metric] += 1


@dataclass(frozen=True)
class Plan:
    """Arrivals of one inbound stream or one campaign over its active days."""

    kind: str
    item: Any  # Stream or Campaign (both have ``share``)
    queue: str
    first_day: int
    last_day: int
    day_weights: list[float]


@dataclass(slots=True)
class Leg:
    """An agent participant being built."""

    participant: dict[str, Any]
    answered: int
    interact_end: int
    wrapup_end: int


class _QueueInfo:
    def __init__(self, queue: Queue) -> None:
        self.name = queue.name
        self.id = queue.id
        self.groups = queue.member_groups
        self.division_id = division_by_name()[queue.division].id
        self.phone = queue.phone


class Simulator:
    """Writes conversations day by day and drives agents' timelines."""

    def __init__(
        self,
        *,
        rng: random.Random,
        n_target: int,
        linked_share: float,
        period_start_ms: int,
        days: int,
        release_ms: int,
        crm: CrmIndex,
        router: Router,
        timelines: Timelines,
        outbound: OutboundBook,
        conversations: PartWriter,
        tier_visible: bool = True,
        quality: QualityBook | None = None,
    ) -> None:
        self.rng = rng
        self.quality = quality  # evaluations / surveys (own random stream)
        self.tier_visible = tier_visible  # False: the org has no tier field, truth counts tier "Unknown"
        self.n_target = n_target
        self.linked_share = linked_share
        self.period_start_ms = period_start_ms
        self.period_end_ms = period_start_ms + days * DAY_MS
        self.days = days
        self.crm = crm
        self.router = router
        self.agents = router.agents
        self.timelines = timelines
        self.outbound = outbound
        self.out = conversations
        self.truth = Truth(release_ms)
        self.queues = {queue.name: _QueueInfo(queue) for queue in queue_by_name().values()}
        self._queue_division = {info.id: info.division_id for info in self.queues.values()}
        self.wrapup_ids = {
            name: org_id("wrapupcode", name) for name, _ in (*INBOUND_WRAPUPS, *OUTBOUND_WRAPUPS)
        }
        self.wrapup_ids["Escalated to Tier 2"] = org_id("wrapupcode", "Escalated to Tier 2")
        self._inbound_names = [name for name, _ in INBOUND_WRAPUPS]
        self._inbound_weights = [weight for _, weight in INBOUND_WRAPUPS]
        self._outbound_names = [name for name, _ in OUTBOUND_WRAPUPS]
        self._outbound_weights = [weight for _, weight in OUTBOUND_WRAPUPS]
        self.first_ended_ids: list[str] = []
        self._staffing: dict[str, list[list[int]]] = {}

    # ------------------------------------------------------------------ arrivals
    def _day_weights(self, first: int, last: int) -> list[float]:
        weights = []
        for day in range(first, last):
            weekday = (self.period_start_ms // DAY_MS + day + 3) % 7  # 1970-01-01 was a Thursday
            weights.append(WEEKEND_FACTOR if weekday >= 5 else 1.0)
        return weights

    def _coverage(self) -> dict[str, list[list[int]]]:
        """Per skill group, per day, per UTC hour: agents whose shift block touches that hour."""
        coverage = {group: [[0] * 24 for _ in range(self.days)] for group in group_by_name()}
        for agent in self.agents:
            rows = coverage[agent.group]
            for block_start, block_end in zip(agent.starts, agent.ends, strict=True):
                for hour_ms in range(block_start - block_start % HOUR_MS, block_end, HOUR_MS):
                    day, rest = divmod(hour_ms - self.period_start_ms, DAY_MS)
                    if 0 <= day < self.days:
                        rows[day][rest // HOUR_MS] += 1
        return coverage

    def _hour_weights(self, queue: str, day: int, outbound: bool) -> list[float]:
        """Arrivals follow staffing: inbound with a trickle at every hour, outbound only while staffed."""
        staffed = [0] * 24
        for group in queue_by_name()[queue].member_groups:
            for hour, agents in enumerate(self._staffing[group][day]):
                staffed[hour] += agents
        if outbound:
            return [float(agents) for agents in staffed]
        trickle = 0.01 * max(1, max(staffed))
        return [agents + trickle for agents in staffed]

    def _plan(self) -> list[Plan]:
        plans = [
            Plan(stream.kind, stream, stream.queue, 0, self.days, self._day_weights(0, self.days))
            for stream in STREAMS
        ]
        for campaign in CAMPAIGNS:
            first = int(campaign.days[0] * self.days)
            last = max(first + 1, int(round(campaign.days[1] * self.days)))
            plans.append(
                Plan("outbound", campaign, campaign.queue, first, last, self._day_weights(first, last))
            )
        return plans

    def _arrivals(self, day: int, plans: list[Plan]) -> list[tuple[int, int, str, Any]]:
        rng = self.rng
        arrivals: list[tuple[int, int, str, Any]] = []
        day_start = self.period_start_ms + day * DAY_MS
        for plan in plans:
            if not plan.first_day <= day < plan.last_day:
                continue
            hour_weights = self._hour_weights(plan.queue, day, plan.kind == "outbound")
            if not any(hour_weights):
                continue
            expected = (
                self.n_target
                * plan.item.share
                * plan.day_weights[day - plan.first_day]
                / sum(plan.day_weights)
            )
            count = max(0, int(rng.gauss(expected, math.sqrt(expected)) + 0.5)) if expected > 0 else 0
            for hour in rng.choices(range(24), weights=hour_weights, k=count):
                arrivals.append(
                    (day_start + hour * HOUR_MS + rng.randrange(HOUR_MS), len(arrivals), plan.kind, plan.item)
                )
        if day == self.days - 1:
            self._surge(arrivals)
        arrivals.sort()
        return arrivals

    def _surge(self, arrivals: list[tuple[int, int, str, Any]]) -> None:
        """A late surge in the last 5 minutes, so the period ends with conversations in flight.

        Sized by the daily volume (one per 1,000 conversations of the default 28 days), so a
        year of history ends on the same day as a month at the same daily volume.
        """
        surge = [stream for stream in STREAMS if stream.kind in ("voice", "chat", "email")]
        for number in range(max(10, self.n_target * DEFAULT_DAYS // (self.days * 1_000))):
            stream = surge[number % len(surge)]
            at = self.period_end_ms - self.rng.randrange(1_000, SURGE_MS)
            arrivals.append((at, len(arrivals), stream.kind, stream))

    def run(self) -> Truth:
        self._staffing = self._coverage()
        plans = self._plan()
        for agent in self.agents:
            self.timelines.start(agent)
        for day in range(self.days):
            for start_ms, _order, kind, item in self._arrivals(day, plans):
                if kind == "outbound":
                    self._outbound(start_ms, item)
                else:
                    self._inbound(start_ms, kind, self.queues[item.queue])
        return self.truth

    # ------------------------------------------------------------------ helpers
    def _agent_session(
        self,
        media: str,
        direction: str,
        peer: str,
        extra: dict[str, Any] | None,
        metrics: list[tuple[str, int, int]],
        segments: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """One agent participant's session, keys in the order the API writes them."""
        session: dict[str, Any] = {
            "sessionId": self._uuid(),
            "mediaType": media,
            "direction": direction,
            "peerId": peer,
        }
        if extra:
            session.update(extra)
        session["metrics"] = metrics
        session["segments"] = segments
        return session

    def _uuid(self) -> str:
        return uuid4_str(self.rng)

    def _phone(self) -> str:
        return f"tel:+1{self.rng.randrange(2_000_000_000, 9_999_999_999)}"

    def _duration(self, kind: str) -> int:
        median = TALK_MEDIAN_MS[kind]
        value = int(median * math.exp(self.rng.gauss(0.0, 0.55)))
        return min(max(value, 20_000), 12 * median)

    def _patience(self, kind: str) -> int:
        mean = PATIENCE_MS[kind]
        return NEVER if mean is None else int(self.rng.expovariate(1.0 / mean)) + 1_000

    def _escalation_probability(self, kind: str, tier: str | None, start_ms: int) -> float:
        if tier == "Enterprise" and start_ms >= self.truth.release_ms:
            return ENTERPRISE_AFTER_RELEASE[kind]
        return BASE_ESCALATION[kind]

    def _route(
        self,
        queue: _QueueInfo,
        kind: str,
        media: str,
        enter_ms: int,
        from_ms: int | None = None,
        patience: int | None = None,
    ) -> tuple[int | None, int, int]:
        """(agent index or None when abandoned/never answered, alert start or abandon time, patience).

        ``from_ms``: re-route after a missed alert (the customer has waited since ``enter_ms``).
        """
        if patience is None:
            patience = self._patience(kind)
        start = enter_ms if from_ms is None else from_ms
        if from_ms is None:
            delay = int(self.rng.expovariate(1.0 / ROUTING_DELAY_MS[kind]))
        else:
            delay = self.rng.randrange(1_000, 5_000)
        offer = self.router.offer(queue.groups, start + delay)
        if offer is None or offer[0] - enter_ms > patience:
            leave = max(enter_ms + patience, start + 1_000) if patience < NEVER else NEVER
            if start <= self.period_end_ms < leave:
                self.truth.observe(queue.id, media, "oWaiting")
            return None, leave, patience
        if start <= self.period_end_ms < offer[0]:
            self.truth.observe(queue.id, media, "oWaiting")
        return offer[1], offer[0], patience

    def _missed_leg(
        self,
        agent_index: int,
        queue: _QueueInfo,
        media: str,
        direction: str,
        peer: str,
        alert_ms: int,
        extra: dict[str, Any] | None,
    ) -> tuple[dict[str, Any], int]:
        """An agent alerted who never answers (alert segment only, tAlert + tNotResponding).

        Sometimes followed by a system wrap-up segment (``ININ-WRAP-UP-TIMEOUT``). The agent
        is Not Responding for a while afterwards. Returns (participant, when the alert ended).
        """
        rng = self.rng
        agent = self.agents[agent_index]
        timeout = rng.randrange(*ALERT_TIMEOUT_MS)
        alert_end = alert_ms + timeout
        segments: list[dict[str, Any]] = [
            {
                "segmentStart": alert_ms,
                "segmentEnd": alert_end,
                "segmentType": "alert",
                "queueId": queue.id,
                "disconnectType": "noAnswerTransfer",
            }
        ]
        end = alert_end
        if rng.random() < WRAPUP_TIMEOUT_SHARE:
            end = alert_end + rng.randrange(500, 3_000)
            segments.append(
                {
                    "segmentStart": alert_end,
                    "segmentEnd": end,
                    "segmentType": "wrapup",
                    "queueId": queue.id,
                    "wrapUpCode": WRAPUP_TIMEOUT_CODE,
                }
            )
        metrics = [("tAlert", timeout, alert_end), ("tNotResponding", timeout, alert_end)]
        session = self._agent_session(media, direction, peer, extra, metrics, segments)
        participant = {
            "participantId": self._uuid(),
            "participantName": agent.name,
            "purpose": "agent",
            "userId": agent.user_id,
            "sessions": [session],
        }
        back = end + rng.randrange(*NOT_RESPONDING_MS)
        self.router.take(agent_index, back)
        self.timelines.not_responding(agent, alert_ms, alert_end, back)
        return participant, end

    def _acd(
        self,
        queue: _QueueInfo,
        media: str,
        peer: str,
        enter_ms: int,
        leave_ms: int,
        answered: bool,
        extra: dict[str, Any] | None = None,
        voicemail: bool = False,
    ) -> dict[str, Any]:
        metrics: list[tuple[str, int, int]] = [("nOffered", 1, enter_ms)]
        if not voicemail:  # a caller sent to the queue's voicemail neither waited to an answer nor abandoned
            metrics.append(("tAcd" if answered else "tAbandon", leave_ms - enter_ms, leave_ms))
        session: dict[str, Any] = {"sessionId": self._uuid(), "mediaType": media, "peerId": peer}
        if extra:
            session.update(extra)
        session["metrics"] = metrics
        session["segments"] = [
            {
                "segmentStart": enter_ms,
                "segmentEnd": leave_ms,
                "segmentType": "interact",
                "queueId": queue.id,
                "disconnectType": "transfer" if answered or voicemail else "peer",
            }
        ]
        return {
            "participantId": self._uuid(),
            "participantName": queue.name,
            "purpose": "acd",
            "sessions": [session],
        }

    def _agent_leg(
        self,
        agent_index: int,
        queue: _QueueInfo,
        media: str,
        direction: str,
        peer: str,
        alert_ms: int,
        queue_entry_ms: int,
        kind: str,
        wrapup: str,
        transfer: str | None,
        extra: dict[str, Any] | None = None,
    ) -> Leg:
        """Build an agent participant; the router and timeline are updated by the caller."""
        rng = self.rng
        agent = self.agents[agent_index]
        answer = alert_ms + rng.randrange(2_000, 12_000)
        planned_talk = self._duration(kind)
        segments: list[dict[str, Any]] = [
            {"segmentStart": alert_ms, "segmentEnd": answer, "segmentType": "alert", "queueId": queue.id}
        ]
        at = answer
        if media == "callback":  # the agent dials the customer back before talking
            dialed = at + rng.randrange(5_000, 25_000)
            segments.append(
                {"segmentStart": at, "segmentEnd": dialed, "segmentType": "dialing", "queueId": queue.id}
            )
            at = dialed
        last_disconnect = "transfer" if transfer else "peer"
        held = 0
        if transfer == "consult":  # talk, then the customer is held while the agent consults Tier 2
            held = rng.randrange(30_000, 180_000)
            talk = max(planned_talk // 2, 10_000)
            segments.append(
                {"segmentStart": at, "segmentEnd": at + talk, "segmentType": "interact", "queueId": queue.id}
            )
            segments.append(
                {
                    "segmentStart": at + talk,
                    "segmentEnd": at + talk + held,
                    "segmentType": "hold",
                    "queueId": queue.id,
                    "disconnectType": last_disconnect,
                }
            )
            end = at + talk + held
        elif media in ("voice", "callback") and rng.random() < 0.3:
            held = rng.randrange(20_000, 240_000)
            first = max(planned_talk // 3, 5_000)
            rest = max(planned_talk - first, 5_000)
            segments.append(
                {"segmentStart": at, "segmentEnd": at + first, "segmentType": "interact", "queueId": queue.id}
            )
            segments.append(
                {
                    "segmentStart": at + first,
                    "segmentEnd": at + first + held,
                    "segmentType": "hold",
                    "queueId": queue.id,
                }
            )
            end = at + first + held + rest
            segments.append(
                {
                    "segmentStart": at + first + held,
                    "segmentEnd": end,
                    "segmentType": "interact",
                    "queueId": queue.id,
                    "disconnectType": last_disconnect,
                }
            )
            talk = first + rest
        else:
            talk = planned_talk
            end = at + talk
            segments.append(
                {
                    "segmentStart": at,
                    "segmentEnd": end,
                    "segmentType": "interact",
                    "queueId": queue.id,
                    "disconnectType": last_disconnect,
                }
            )
        acw = rng.randrange(15_000, 150_000)
        wrap_end = end + acw
        segments.append(
            {
                "segmentStart": end,
                "segmentEnd": wrap_end,
                "segmentType": "wrapup",
                "queueId": queue.id,
                "wrapUpCode": self.wrapup_ids[wrapup],
            }
        )
        metrics: list[tuple[str, int, int]] = [
            ("tAlert", answer - alert_ms, answer),
            ("tAnswered", answer - queue_entry_ms, answer),
        ]
        for segment in segments:  # one tTalk / tHeld per talk / hold part, emitted as it ends
            if segment["segmentType"] in ("interact", "hold"):
                length = segment["segmentEnd"] - segment["segmentStart"]
                name = "tTalk" if segment["segmentType"] == "interact" else "tHeld"
                metrics.append((name, length, segment["segmentEnd"]))
        if held or rng.random() < COMPLETE_METRICS_SHARE:  # the totals, on top of the parts
            metrics.append(("tTalkComplete", talk, end))
            if held:
                metrics.append(("tHeldComplete", held, end))
        if transfer:
            metrics.append(("nTransferred", 1, end))
            metrics.append(("nConsultTransferred" if transfer == "consult" else "nBlindTransferred", 1, end))
        metrics.append(("tAcw", acw, wrap_end))
        metrics.append(("tHandle", talk + held + acw, wrap_end))
        session = self._agent_session(media, direction, peer, extra, metrics, segments)
        participant = {
            "participantId": self._uuid(),
            "participantName": agent.name,
            "purpose": "agent",
            "userId": agent.user_id,
            "sessions": [session],
        }
        if alert_ms <= self.period_end_ms < wrap_end:
            self.truth.observe(queue.id, media, "oInteracting")
        self.router.take(agent_index, wrap_end)
        self.timelines.interact(agent, alert_ms, wrap_end)
        return Leg(participant, answer, end, wrap_end)

    def _queue_to_agent(
        self,
        participants: list[dict[str, Any]],
        queue: _QueueInfo,
        kind: str,
        media: str,
        direction: str,
        peer: str,
        enter_ms: int,
        wrapup: str,
        transfer: str | None,
        extra: dict[str, Any] | None,
    ) -> tuple[Leg | None, int]:
        """Acd participant (+ missed alerts, + agent participant when answered).

        Returns (answering leg or None, when the customer leaves it).
        """
        agent_index, at, patience = self._route(queue, kind, media, enter_ms)
        missed: list[dict[str, Any]] = []
        while agent_index is not None and len(missed) < 2 and self.rng.random() < MISSED_ALERT[kind]:
            leg_participant, alert_end = self._missed_leg(
                agent_index, queue, media, direction, peer, at, extra
            )
            missed.append(leg_participant)
            agent_index, at, _ = self._route(queue, kind, media, enter_ms, alert_end, patience)
        if agent_index is None:
            if kind == "voice" and at < NEVER and self.rng.random() < VOICEMAIL_SHARE:
                participants.append(self._acd(queue, media, peer, enter_ms, at, False, extra, voicemail=True))
                participants.extend(missed)
                voicemail = self._voicemail(queue, media, peer, at)
                participants.append(voicemail)
                return None, voicemail["sessions"][0]["segments"][0]["segmentEnd"]
            participants.append(self._acd(queue, media, peer, enter_ms, at, False, extra))
            participants.extend(missed)
            self.truth.abandoned += 1
            return None, at
        leg = self._agent_leg(
            agent_index, queue, media, direction, peer, at, enter_ms, kind, wrapup, transfer, extra
        )
        participants.append(self._acd(queue, media, peer, enter_ms, leg.answered, True, extra))
        participants.extend(missed)
        participants.append(leg.participant)
        return leg, leg.interact_end

    def _voicemail(self, queue: _QueueInfo, media: str, peer: str, start_ms: int) -> dict[str, Any]:
        """The queue's voicemail: the caller leaves a message instead of waiting on."""
        length = self.rng.randrange(10_000, 90_000)
        return {
            "participantId": self._uuid(),
            "participantName": f"{queue.name} Voicemail",
            "purpose": "voicemail",
            "sessions": [
                {
                    "sessionId": self._uuid(),
                    "mediaType": media,
                    "direction": "inbound",
                    "peerId": peer,
                    "metrics": [("tVoicemail", length, start_ms + length)],
                    "segments": [
                        {
                            "segmentStart": start_ms,
                            "segmentEnd": start_ms + length,
                            "segmentType": "voicemail",
                            "queueId": queue.id,
                            "disconnectType": "client",
                        }
                    ],
                }
            ],
        }

    def _serve(
        self,
        participants: list[dict[str, Any]],
        queue: _QueueInfo,
        kind: str,
        media: str,
        direction: str,
        peer: str,
        enter_ms: int,
        escalate: bool,
        wrapup: str,
        extra: dict[str, Any] | None = None,
    ) -> int:
        """Queue -> agent (-> Tier 2 transfer when ``escalate``). Returns when the customer leaves."""
        transfer = self.rng.choice(("consult", "blind")) if escalate else None
        first_wrapup = "Escalated to Tier 2" if transfer else wrapup
        leg, leave = self._queue_to_agent(
            participants, queue, kind, media, direction, peer, enter_ms, first_wrapup, transfer, extra
        )
        if leg is None or transfer is None:
            return leave
        self.truth.transferred += 1
        _second, leave = self._queue_to_agent(
            participants,
            self.queues[TIER2_QUEUE],
            "tier2",
            media,
            direction,
            peer,
            leg.interact_end,
            self._inbound_wrapup(),
            None,
            extra,
        )
        return leave

    def _inbound_wrapup(self) -> str:
        return self.rng.choices(self._inbound_names, self._inbound_weights)[0]

    def _link(self, start_ms: int, kind: str) -> tuple[dict[str, str] | None, str | None]:
        """Participant attributes seed (account and case) and the tier in force, for ~80% of conversations."""
        if self.rng.random() >= self.linked_share:
            return None, None
        account = self.crm.pick(self.rng)
        attributes = {"sfAccountId": account.id}
        case_share = 0.2 if kind == "outbound" else 0.6
        if account.case_ids and self.rng.random() < case_share:
            attributes["sfCaseId"] = account.case_ids[self.rng.randrange(len(account.case_ids))]
        return attributes, account.tier_at(start_ms)

    # ------------------------------------------------------------------ conversation kinds
    def _inbound(self, start_ms: int, kind: str, queue: _QueueInfo) -> None:
        rng = self.rng
        media = _MEDIA[kind]
        attributes, tier = self._link(start_ms, kind)
        escalate = rng.random() < self._escalation_probability(kind, tier, start_ms)
        customer_session = self._uuid()
        participants: list[dict[str, Any]] = []
        customer_metrics: list[tuple[str, int, int]] = [("nConnected", 1, start_ms)]
        session: dict[str, Any] = {"sessionId": customer_session, "mediaType": media, "direction": "inbound"}
        if media in ("voice", "callback"):
            session["ani"] = self._phone()
            session["dnis"] = queue.phone
        elif media == "email":
            session["addressFrom"] = f"customer{rng.randrange(10**6):06d}@mail.example"
            session["addressTo"] = "support@acme.example"
        callback: dict[str, Any] | None = None
        enter = start_ms
        if media == "callback":  # requested now, or scheduled by the customer for later
            callback = {"callbackNumbers": [session["ani"]]}
            if rng.random() < SCHEDULED_CALLBACK_SHARE:
                enter = start_ms + rng.randrange(15 * 60_000, 4 * HOUR_MS)
                callback["callbackScheduledTime"] = iso_z(enter)
            session.update(callback)
        customer = {"participantId": self._uuid(), "purpose": "customer", "sessions": [session]}
        participants.append(customer)
        if kind == "message":  # web messaging: the inbound message flow first, then the bot
            routed = start_ms + rng.randrange(500, 3_000)
            participants.append(
                self._flow_participant(
                    "workflow", media, customer_session, start_ms, routed, "TRANSFER", None
                )
            )
        if kind == "voice":
            enter = start_ms + rng.randrange(15_000, 90_000)
            participants.append(
                self._flow_participant("ivr", media, customer_session, start_ms, enter, "TRANSFER", None)
            )
        if kind in ("chat", "message"):
            enter = start_ms + rng.randrange(30_000, 240_000)
            outcome = "FAILURE" if escalate else "SUCCESS"
            participants.append(
                self._flow_participant(
                    "bot",
                    media,
                    customer_session,
                    start_ms,
                    enter,
                    "TRANSFER" if escalate else "DISCONNECT",
                    outcome,
                )
            )
            if not escalate:
                self.truth.bot_contained += 1
                end = enter
                self._emit(
                    start_ms,
                    kind,
                    participants,
                    customer,
                    session,
                    customer_metrics,
                    end,
                    "endpoint",
                    attributes,
                    tier,
                    queue.division_id,
                )
                return
            escalate = False  # the bot hand-off is the escalation; no Tier 2 transfer on top
        wrapup = self._inbound_wrapup()
        end = self._serve(
            participants, queue, kind, media, "inbound", customer_session, enter, escalate, wrapup, callback
        )
        self._emit(
            start_ms,
            kind,
            participants,
            customer,
            session,
            customer_metrics,
            end,
            "client" if _abandoned(participants) else "endpoint",
            attributes,
            tier,
            queue.division_id,
        )

    def _flow_participant(
        self,
        flow: str,
        media: str,
        peer: str,
        start_ms: int,
        end_ms: int,
        exit_reason: str,
        outcome: str | None,
    ) -> dict[str, Any]:
        name, flow_type = FLOWS[flow]
        flow_record: dict[str, Any] = {
            "flowId": org_id("flow", name),
            "flowName": name,
            "flowVersion": "12.0",
            "flowType": flow_type,
            "entryType": "dnis" if flow == "ivr" else "direct",
            "exitReason": exit_reason,
        }
        if exit_reason == "TRANSFER" and flow != "workflow":
            flow_record["transferType"] = "ACD"
        metrics: list[tuple[str, int, int]] = [("nFlow", 1, start_ms), ("tFlow", end_ms - start_ms, end_ms)]
        segment_type = "ivr" if flow == "ivr" else "interact"
        purpose = {"ivr": "ivr", "bot": "botflow", "workflow": "workflow"}[flow]
        if outcome is not None:
            outcome_name = "Issue Resolved"
            flow_record["outcomes"] = [
                {
                    "flowOutcomeId": org_id("flowoutcome", outcome_name),
                    "flowOutcome": outcome_name,
                    "flowOutcomeValue": outcome,
                    "flowOutcomeStartTimestamp": start_ms,
                    "flowOutcomeEndTimestamp": end_ms,
                }
            ]
            metrics.append(("nFlowOutcome", 1, end_ms))
        session = {
            "sessionId": self._uuid(),
            "mediaType": media,
            "peerId": peer,
            "flow": flow_record,
            "metrics": metrics,
            "segments": [
                {
                    "segmentStart": start_ms,
                    "segmentEnd": end_ms,
                    "segmentType": segment_type,
                    "disconnectType": "transfer" if exit_reason == "TRANSFER" else "endpoint",
                }
            ],
        }
        return {
            "participantId": self._uuid(),
            "participantName": name,
            "purpose": purpose,
            "sessions": [session],
        }

    def _outbound(self, start_ms: int, campaign: Campaign) -> None:
        rng = self.rng
        queue = self.queues[campaign.queue]
        contact_id, contact_number = self.outbound.dial(campaign)
        if campaign.dialing_mode == "preview" and rng.random() < PREVIEW_SKIP_SHARE:
            self._skipped_preview(start_ms, campaign, queue, contact_id)
            return
        disposition = rng.choices(DISPOSITIONS, campaign.dispositions)[0]
        self.outbound.record(campaign, contact_number, disposition)
        ids = {
            "outboundCampaignId": campaign.id,
            "outboundContactId": contact_id,
            "outboundContactListId": campaign.contact_list_id,
        }
        attributes, tier = self._link(start_ms, "outbound")
        escalate = rng.random() < self._escalation_probability("outbound", tier, start_ms)
        dialed = start_ms + rng.randrange(1_000, 3_000)
        contact_ms = {
            "person": (4_000, 20_000),
            "machine": (12_000, 25_000),
            "busy": (2_000, 6_000),
            "noanswer": (25_000, 31_000),
        }[disposition]
        connected = dialed + rng.randrange(*contact_ms)
        customer_session = self._uuid()
        phone = self._phone()
        session: dict[str, Any] = {
            "sessionId": customer_session,
            "mediaType": "voice",
            "direction": "outbound",
            "dnis": phone,
            **ids,
        }
        customer = {"participantId": self._uuid(), "purpose": "customer", "sessions": [session]}
        participants: list[dict[str, Any]] = [customer]
        dialer_last = {
            "segmentStart": dialed,
            "segmentEnd": connected,
            "segmentType": "contacting",
            "disconnectType": "transfer" if disposition == "person" else "system",
            "wrapUpCode": SYSTEM_WRAPUPS[disposition],
        }
        participants.append(
            {
                "participantId": self._uuid(),
                "participantName": campaign.name,
                "purpose": "outbound",
                "sessions": [
                    {
                        "sessionId": self._uuid(),
                        "mediaType": "voice",
                        "direction": "outbound",
                        "peerId": customer_session,
                        **ids,
                        "dispositionAnalyzer": ANALYZERS[disposition],
                        "dispositionName": DISPOSITION_NAMES[disposition],
                        "metrics": [("nOutbound", 1, start_ms), ("nOutboundAttempted", 1, dialed)]
                        + ([("nOutboundConnected", 1, connected)] if disposition == "person" else []),
                        "segments": [
                            {"segmentStart": start_ms, "segmentEnd": dialed, "segmentType": "dialing"},
                            dialer_last,
                        ],
                    }
                ],
            }
        )
        metrics: list[tuple[str, int, int]] = []
        if disposition == "person":
            metrics.append(("nConnected", 1, connected))
            wrapup = rng.choices(self._outbound_names, self._outbound_weights)[0]
            end = self._serve(
                participants,
                queue,
                "outbound",
                "voice",
                "outbound",
                customer_session,
                connected,
                escalate,
                wrapup,
                ids,
            )
            agents = [p for p in participants if p["purpose"] == "agent"]
            if agents:  # the first agent's wrap-up is the call's disposition unless it transferred
                last_segment = agents[0]["sessions"][0]["segments"][-1]
                if last_segment.get("wrapUpCode") == self.wrapup_ids[wrapup]:
                    self.outbound.wrapped_up(
                        campaign, contact_id, wrapup, wrapup in RIGHT_PARTY_CODES, last_segment["segmentEnd"]
                    )
            disconnect = "client" if _abandoned(participants) else "endpoint"
        elif disposition == "machine":
            metrics.append(("nConnected", 1, connected))
            end = connected + rng.randrange(3_000, 10_000)
            disconnect = "peer"
        else:
            end = connected
            disconnect = "endpoint"
        self._emit(
            start_ms,
            "outbound",
            participants,
            customer,
            session,
            metrics,
            end,
            disconnect,
            attributes,
            tier,
            division_by_name()[campaign.division].id,
            originating="outbound",
            customer_segment="interact" if disposition in ("person", "machine") else "contacting",
            customer_start=connected if disposition in ("person", "machine") else dialed,
        )

    def _skipped_preview(self, start_ms: int, campaign: Campaign, queue: _QueueInfo, contact_id: str) -> None:
        """A preview campaign record the agent looked at and skipped: no dial, not a contact attempt."""
        rng = self.rng
        offer = self.router.offer(queue.groups, start_ms)
        if offer is None or offer[0] - start_ms > HOUR_MS:
            return  # nobody to preview it: the record stays in the list
        alert_ms, agent_index = offer
        agent = self.agents[agent_index]
        phone = self._phone()
        ids = {
            "outboundCampaignId": campaign.id,
            "outboundContactId": contact_id,
            "outboundContactListId": campaign.contact_list_id,
        }
        customer_session = self._uuid()
        session: dict[str, Any] = {
            "sessionId": customer_session,
            "mediaType": "callback",
            "direction": "outbound",
            "callbackNumbers": [phone],
            **ids,
        }
        customer = {"participantId": self._uuid(), "purpose": "customer", "sessions": [session]}
        answer = alert_ms + rng.randrange(1_000, 4_000)
        decided = answer + rng.randrange(5_000, 60_000)
        wrapped = decided + rng.randrange(1_000, 5_000)
        agent_session: dict[str, Any] = {
            "sessionId": self._uuid(),
            "mediaType": "callback",
            "direction": "outbound",
            "peerId": customer_session,
            "callbackNumbers": [phone],
            "scriptId": org_id("script", campaign.name),
            "skipEnabled": True,
            **ids,
            "metrics": [
                ("tAlert", answer - alert_ms, answer),
                ("tAnswered", answer - alert_ms, answer),
                ("tTalk", decided - answer, decided),
                ("tAcw", wrapped - decided, wrapped),
                ("tHandle", wrapped - answer, wrapped),
            ],
            "segments": [
                {"segmentStart": alert_ms, "segmentEnd": answer, "segmentType": "alert", "queueId": queue.id},
                {
                    "segmentStart": answer,
                    "segmentEnd": decided,
                    "segmentType": "interact",
                    "queueId": queue.id,
                    "disconnectType": "client",
                },
                {
                    "segmentStart": decided,
                    "segmentEnd": wrapped,
                    "segmentType": "wrapup",
                    "queueId": queue.id,
                    "wrapUpCode": PREVIEW_SKIPPED_CODE,
                },
            ],
        }
        participants = [
            customer,
            {
                "participantId": self._uuid(),
                "participantName": agent.name,
                "purpose": "agent",
                "userId": agent.user_id,
                "sessions": [agent_session],
            },
        ]
        self.router.take(agent_index, wrapped)
        self.timelines.interact(agent, alert_ms, wrapped)
        self.outbound.skipped(campaign)
        attributes, tier = self._link(start_ms, "outbound")
        self._emit(
            alert_ms,
            "preview_skipped",
            participants,
            customer,
            session,
            [],
            wrapped,
            "system",
            attributes,
            tier,
            division_by_name()[campaign.division].id,
            originating="outbound",
            customer_segment="scheduled",
        )

    # ------------------------------------------------------------------ emit
    def _emit(
        self,
        start_ms: int,
        kind: str,
        participants: list[dict[str, Any]],
        customer: dict[str, Any],
        session: dict[str, Any],
        customer_metrics: list[tuple[str, int, int]],
        customer_end: int,
        disconnect: str,
        attributes: dict[str, str] | None,
        tier: str | None,
        division_id: str,
        originating: str = "inbound",
        customer_segment: str = "interact",
        customer_start: int | None = None,
    ) -> None:
        segment_start = start_ms if customer_start is None else customer_start
        session["metrics"] = customer_metrics
        session["segments"] = [
            {
                "segmentStart": segment_start,
                "segmentEnd": max(customer_end, segment_start + 1),
                "segmentType": customer_segment,
                "disconnectType": disconnect,
            }
        ]
        record: dict[str, Any] = {
            "conversationId": self._uuid(),
            "conversationStart": start_ms,
            "conversationEnd": 0,
            "originatingDirection": originating,
            "divisionIds": self._divisions(division_id, participants),
        }
        if _MEDIA[kind] in ("voice", "callback") and kind != "preview_skipped":  # no audio when skipped
            record["mediaStatsMinConversationMos"] = round(self.rng.uniform(3.6, 4.5), 2)
        record["participants"] = participants
        ended = finalize(record, self.period_end_ms)
        facts = structure(record)
        if attributes is not None:
            attributes["escalated"] = "true" if facts.escalated else "false"
            attributes["botHandled"] = "true" if facts.bot_handled else "false"
            customer["attributes"] = attributes
        self._count(record, ended, facts, attributes, tier, kind, start_ms)
        if self.quality is not None:
            shown = None
            if attributes is not None and tier is not None:
                shown = tier if self.tier_visible else UNKNOWN_TIER
            self.quality.annotate(record, kind, ended, facts.escalated, tier, shown, start_ms)
        self.out.write(record)

    def _divisions(self, first: str, participants: list[dict[str, Any]]) -> list[str]:
        """The conversation's division, then those of every queue it went through (first-seen order)."""
        divisions = [first]
        for participant in participants:
            if participant["purpose"] == "acd":
                queue_id = participant["sessions"][0]["segments"][0]["queueId"]
                division = self._queue_division[queue_id]
                if division not in divisions:
                    divisions.append(division)
        return divisions

    def _count(
        self,
        record: dict[str, Any],
        ended: bool,
        facts: Structure,
        attributes: dict[str, str] | None,
        tier: str | None,
        kind: str,
        start_ms: int,
    ) -> None:
        truth = self.truth
        truth.conversations += 1
        truth.kinds[kind] = truth.kinds.get(kind, 0) + 1
        truth.sum_t_handle_ms += facts.t_handle_ms
        for name, value in shape_counts(record).items():
            truth.shapes[name] = truth.shapes.get(name, 0) + value
        if not ended:
            truth.in_flight += 1
        elif len(self.first_ended_ids) < 50:  # candidates for the hostile profile's bad record
            self.first_ended_ids.append(record["conversationId"])
        if attributes is None:
            return
        truth.linked += 1
        if ended and tier is not None:
            shown = tier if self.tier_visible else UNKNOWN_TIER
            truth.escalation_by_tier.setdefault(shown, Ratio()).add(facts.escalated)
            side = truth.after_release if start_ms >= truth.release_ms else truth.before_release
            side.setdefault(shown, Ratio()).add(facts.escalated)


def _abandoned(participants: list[dict[str, Any]]) -> bool:
    """True when the customer hung up in a queue (an acd participant with tAbandon), before formatting."""
    return any(
        p["purpose"] == "acd" and any(name == "tAbandon" for name, _, _ in p["sessions"][0]["metrics"])
        for p in participants
    )


@dataclass(slots=True)
class Structure:
    escalated: bool
    bot_handled: bool
    t_handle_ms: int


def structure(record: dict[str, Any]) -> Structure:
    """Escalated / botHandled as contract section 2 defines them, from the record as written.

    Only agents who answered count (an interact segment or a tAnswered metric): a missed
    alert (alert segment only, tAlert + tNotResponding) is not a handling agent, and the
    same agent re-alerted is one agent.
    """
    has_bot = False
    abandoned = False
    answering: set[str] = set()
    t_handle = 0
    for participant in record["participants"]:
        purpose = participant["purpose"]
        if purpose == "botflow":
            has_bot = True
        for session in participant["sessions"]:
            answered = False
            for metric in session.get("metrics", ()):
                name = metric["name"]
                if name == "tAbandon":
                    abandoned = True
                elif name == "tHandle":
                    t_handle += metric["value"]
                elif name == "tAnswered":
                    answered = True
            if purpose == "agent" and (
                answered or any(segment["segmentType"] == "interact" for segment in session["segments"])
            ):
                answering.add(participant["userId"])
    escalated = (has_bot and bool(answering)) or len(answering) > 1
    return Structure(escalated, has_bot and not answering and not abandoned, t_handle)


def _answered(participant: dict[str, Any]) -> bool:
    return participant["purpose"] == "agent" and any(
        any(segment["segmentType"] == "interact" for segment in session["segments"])
        or any(metric["name"] == "tAnswered" for metric in session["metrics"])
        for session in participant["sessions"]
    )


def shape_counts(record: dict[str, Any]) -> dict[str, int]:
    """Real-org shapes in one formatted record (summed into the manifest's totals).

    missed_alerts: agent legs that timed out unanswered (tNotResponding, never answered);
    same_agent_realerted: conversations where an agent who missed the alert answered later;
    abandoned_after_missed_alert: conversations with a missed alert and then a queue
    abandon (tAbandon) before any agent answered; voicemails / workflow_conversations:
    conversations with a voicemail / workflow participant; skipped_previews: conversations
    wrapped up ININ-OUTBOUND-PREVIEW-SKIPPED; scheduled_callbacks: customer sessions with
    callbackScheduledTime.
    """
    participants = record["participants"]
    purposes = {participant["purpose"] for participant in participants}
    missed = [
        p
        for p in participants
        if p["purpose"] == "agent"
        and not _answered(p)
        and any(m["name"] == "tNotResponding" for s in p["sessions"] for m in s["metrics"])
    ]
    answering = {p["userId"] for p in participants if _answered(p)}
    abandoned = any(
        m["name"] == "tAbandon"
        for p in participants
        if p["purpose"] == "acd"
        for s in p["sessions"]
        for m in s["metrics"]
    )
    wrapups = {seg.get("wrapUpCode") for p in participants for s in p["sessions"] for seg in s["segments"]}
    return {
        "missed_alerts": len(missed),
        "conversations_with_missed_alerts": int(bool(missed)),
        "same_agent_realerted": int(bool({p["userId"] for p in missed} & answering)),
        "abandoned_after_missed_alert": int(bool(missed) and not answering and abandoned),
        "voicemails": int("voicemail" in purposes),
        "workflow_conversations": int("workflow" in purposes),
        "skipped_previews": int(PREVIEW_SKIPPED_CODE in wrapups),
        "scheduled_callbacks": int("callbackScheduledTime" in participants[0]["sessions"][0]),
    }


def finalize(record: dict[str, Any], period_end_ms: int) -> bool:
    """Format times; cut a conversation still running at ``period_end_ms``. Returns True when it ended."""
    end = 0
    for participant in record["participants"]:
        for session in participant["sessions"]:
            for segment in session["segments"]:
                if segment["segmentEnd"] > end:
                    end = segment["segmentEnd"]
    ended = end <= period_end_ms
    record["conversationStart"] = iso_z(record["conversationStart"])
    if ended:
        record["conversationEnd"] = iso_z(end)
    else:
        del record["conversationEnd"]
    kept_participants = []
    for participant in record["participants"]:
        kept_sessions = []
        for session in participant["sessions"]:
            segments = []
            for segment in session["segments"]:
                if segment["segmentStart"] >= period_end_ms and not ended:
                    continue
                segment["segmentStart"] = iso_z(segment["segmentStart"])
                if ended or segment["segmentEnd"] <= period_end_ms:
                    segment["segmentEnd"] = iso_z(segment["segmentEnd"])
                else:
                    del segment["segmentEnd"]
                    segment.pop("disconnectType", None)
                    segment.pop("wrapUpCode", None)
                segments.append(segment)
            if not segments:
                continue
            session["segments"] = segments
            session["metrics"] = [
                {"name": name, "value": value, "emitDate": iso_z(emit)}
                for name, value, emit in session["metrics"]
                if ended or emit <= period_end_ms
            ]
            flow = session.get("flow")
            if flow is not None and "outcomes" in flow:
                _finalize_outcomes(flow, period_end_ms, ended)
            kept_sessions.append(session)
        if kept_sessions:
            participant["sessions"] = kept_sessions
            kept_participants.append(participant)
    record["participants"] = kept_participants
    return ended


def _finalize_outcomes(flow: dict[str, Any], period_end_ms: int, ended: bool) -> None:
    """Format flow outcome times; a flow still running at the end has reached no outcome yet."""
    reached = [o for o in flow["outcomes"] if ended or o["flowOutcomeEndTimestamp"] <= period_end_ms]
    for outcome in reached:
        outcome["flowOutcomeStartTimestamp"] = iso_z(outcome["flowOutcomeStartTimestamp"])
        outcome["flowOutcomeEndTimestamp"] = iso_z(outcome["flowOutcomeEndTimestamp"])
    if reached:
        flow["outcomes"] = reached
    else:
        del flow["outcomes"]
        flow.pop("exitReason", None)
        flow.pop("transferType", None)
