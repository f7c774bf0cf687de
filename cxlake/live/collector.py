"""``cxlake live collect``: Genesys notifications (and polling when they fail) into the live store.

Push path (per shard of at most 1,000 topics, at most 20 channels):
``POST /api/v2/notifications/channels`` -> open the WebSocket at ``connectUri`` ->
``PUT .../channels/{id}/subscriptions`` with the shard's topics. Topics:
``v2.routing.queues.{id}.conversations`` (calls, with the dialer's disposition and
the agent's wrap-up), ``v2.analytics.queues.{id}.observations``,
``v2.users.{id}?presence&routingStatus`` (one combined topic per agent) and
``v2.outbound.campaigns.{id}.stats``. Keep-alive: the server's ``channel.metadata``
heartbeat (about every 30 s) and our ``{"message": "ping"}``. Reconnect (new socket,
same channel) on ``v2.system.socket_closing``, on a dropped socket and on silence
(nothing, not even a heartbeat, for ``silence_s``); re-subscribe (which extends the
channel) before its 24-hour expiry. After every reconnect one catch-up poll fills
what the socket missed (calls from the details query, current states), so a drop
leaves no gap beyond the reconnect.

Fallback: when a channel cannot be created (no permission, 429 beyond the HTTP
layer's retries), the socket cannot be opened (a proxy) or a topic is refused, the
data those topics would bring is polled every ``poll_interval_s`` instead:
``POST /api/v2/analytics/queues/observations/query``, ``POST
/api/v2/analytics/users/observations/query`` (100 users a query), ``GET
/api/v2/outbound/campaigns/{id}/stats`` and ``POST
/api/v2/analytics/conversations/details/query`` for recent calls. Every request goes
through ingestion's HTTP layer (OAuth refresh, shared token bucket, 429 +
``Retry-After``); a failed poll or channel attempt backs off 10, 20, 40 s ... (cap
300 s) before the next. The push path is retried after the same backoff.

Rows are normalised to a few kinds (``call``, ``user``, ``queue``,
``campaign_stats``, ``heartbeat``, ``status``), each with ``source`` (``ws`` or
``poll``) and ``received_at`` (epoch ms), and appended to the store every second.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.sync.client import connect

from cxlake.live.store import SegmentWriter, write_reference
from ingestion.http_client import ApiClient, ApiError

KINDS = ("calls", "queues", "users", "campaigns")
BACKOFF_S = (10.0, 20.0, 40.0, 80.0, 160.0, 300.0)
CALL_WINDOW_MS = 20 * 60_000  # calls re-read by a poll: started up to 20 min before the newest seen


class NotificationsUnavailable(RuntimeError):
    """The push path cannot be used now (permission, proxy, rate limit)."""


@dataclass
class CollectorConfig:
    store: Path
    poll_interval_s: float = 5.0
    silence_s: float = 65.0  # two missed heartbeats and a bit
    ping_s: float = 30.0
    backoff_s: tuple[float, ...] = BACKOFF_S
    renew_margin_s: float = 3600.0  # re-subscribe this long before the channel expires
    channel_lifetime_s: float = 86400.0  # what a (re-)subscription extends a channel to
    max_topics_per_channel: int = 1000
    max_channels: int = 20
    notifications: bool = True  # False: poll only
    flush_s: float = 1.0


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(value: Any) -> int | None:
    if not value or not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return None


# --- normalisation (one function per source shape) ------------------------------------------------


def call_from_event(body: dict[str, Any]) -> dict[str, Any] | None:
    """A queue conversation event -> a ``call`` row (None when it is not a dialer call)."""
    participants = body.get("participants") or []
    customer = next((p for p in participants if p.get("purpose") == "customer"), None)
    if customer is None:
        return None
    attributes = customer.get("attributes") or {}
    campaign_id = attributes.get("dialerCampaignId")
    if not campaign_id:
        return None
    calls = customer.get("calls") or [{}]
    disposition = (calls[-1].get("disposition") or {}).get("name")
    agent = next((p for p in participants if p.get("purpose") == "agent"), None) or {}
    return {
        "kind": "call",
        "conversation_id": body.get("id"),
        "campaign_id": campaign_id,
        "queue_id": customer.get("queueId"),
        "contact_id": attributes.get("dialerContactId"),
        "started_at": parse_ms(customer.get("startTime")),
        "ended_at": parse_ms(customer.get("endTime")),
        "disposition": disposition,
        "agent_id": agent.get("userId"),
        "wrapup_code": (agent.get("wrapup") or {}).get("code"),
    }


def call_from_details(record: dict[str, Any]) -> dict[str, Any] | None:
    """A conversation details record -> a ``call`` row (None when it is not a dialer call)."""
    campaign_id = contact_id = disposition = agent_id = wrapup = None
    for participant in record.get("participants") or []:
        for session in participant.get("sessions") or []:
            campaign_id = campaign_id or session.get("outboundCampaignId")
            contact_id = contact_id or session.get("outboundContactId")
            if participant.get("purpose") == "outbound" and session.get("dispositionName"):
                disposition = session["dispositionName"]
            if participant.get("purpose") == "agent":
                agent_id = agent_id or participant.get("userId")
                for segment in session.get("segments") or []:
                    if segment.get("segmentType") == "wrapup" and segment.get("wrapUpCode"):
                        wrapup = segment["wrapUpCode"]
    if not campaign_id:
        return None
    return {
        "kind": "call",
        "conversation_id": record.get("conversationId"),
        "campaign_id": campaign_id,
        "queue_id": None,
        "contact_id": contact_id,
        "started_at": parse_ms(record.get("conversationStart")),
        "ended_at": parse_ms(record.get("conversationEnd")),
        "disposition": disposition,
        "agent_id": agent_id,
        "wrapup_code": wrapup,
    }


def user_from_event(topic: str, body: dict[str, Any]) -> dict[str, Any]:
    user_id = topic.split(".", 2)[2].split("?", 1)[0].split(".", 1)[0]
    presence = ((body.get("presence") or body).get("presenceDefinition") or {}).get("systemPresence")
    routing = (body.get("routingStatus") or {}).get("status")
    since = parse_ms((body.get("routingStatus") or {}).get("startTime"))
    return {
        "kind": "user",
        "user_id": user_id,
        "presence": presence,
        "routing_status": routing,
        "since": since,
    }


def user_from_observation(result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": "user", "user_id": (result.get("group") or {}).get("userId")}
    for item in result.get("data") or []:
        if item.get("metric") == "oUserPresences" and (item.get("stats") or {}).get("count"):
            row["presence"] = item.get("qualifier")
        if item.get("metric") == "oUserRoutingStatuses" and (item.get("stats") or {}).get("count"):
            row["routing_status"] = item.get("qualifier")
    row["since"] = parse_ms(result.get("sinceTime"))
    return row


def queue_from_observation(group: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "queue",
        "queue_id": group.get("queueId"),
        "media_type": group.get("mediaType"),
    }
    for item in metrics:
        name, qualifier = item.get("metric"), item.get("qualifier")
        count = (item.get("stats") or {}).get("count")
        key = {"oWaiting": "waiting", "oInteracting": "interacting", "oOnQueueUsers": "on_queue_users"}.get(
            name
        )
        if key and not qualifier:
            row[key] = count
        elif name == "oOffQueueUsers":
            row["off_queue_users"] = count
        elif name == "oUserRoutingStatuses" and qualifier:
            row[f"routing_{qualifier.lower()}"] = count
    return row


def campaign_from_stats(body: dict[str, Any], campaign_id: str | None = None) -> dict[str, Any]:
    rate = body.get("contactRate") or {}
    return {
        "kind": "campaign_stats",
        "campaign_id": body.get("campaignId") or campaign_id,
        "attempts": rate.get("attempts"),
        "connects": rate.get("connects"),
        "idle_agents": body.get("idleAgents"),
        "outstanding_calls": body.get("outstandingCalls"),
    }


# --- the collector -----------------------------------------------------------------------------------


@dataclass
class Counters:
    ws_messages: int = 0
    heartbeats: int = 0
    reconnects: int = 0
    channels_created: int = 0
    polls: int = 0
    poll_failures: int = 0
    catch_ups: int = 0
    refused_topics: list[str] = field(default_factory=list)


class Collector:
    """Runs the push shards and the poller until :meth:`stop`."""

    def __init__(self, client: ApiClient, config: CollectorConfig) -> None:
        self.client = client
        self.config = config
        self.writer = SegmentWriter(config.store)
        self.lock = threading.Lock()
        self.counters = Counters()
        self.reference: dict[str, Any] = {}
        self.poll_kinds: set[str] = set() if config.notifications else set(KINDS)
        self.newest_call_ms = 0
        self.mode = "starting"
        self.latest: dict[tuple[str, Any], dict[str, Any]] = {}  # last state row per agent / queue / campaign
        self._stop = threading.Event()
        self._catch_up = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- rows ---------------------------------------------------------------------------------

    def record(self, row: dict[str, Any] | None, source: str) -> None:
        if row is None:
            return
        row["source"] = source
        row["received_at"] = int(time.time() * 1000)
        if row.get("kind") == "call" and row.get("started_at"):
            self.newest_call_ms = max(self.newest_call_ms, int(row["started_at"]))
        with self.lock:
            self.writer.append(row)
            if row.get("kind") in ("user", "queue", "campaign_stats"):
                key = row.get("user_id") or row.get("queue_id") or row.get("campaign_id")
                self.latest[(row["kind"], key)] = row

    def status(self, mode: str, message: str) -> None:
        self.mode = mode
        self.record({"kind": "status", "mode": mode, "message": message}, "collector")

    # --- reference data -------------------------------------------------------------------------

    def bootstrap(self) -> dict[str, Any]:
        """Names, memberships and licences into ``reference.json`` (read by the live SQL)."""
        client = self.client
        campaigns = [
            c for page in client.paginate("/api/v2/outbound/campaigns", {"pageSize": 100}) for c in page
        ]
        queues = [q for page in client.paginate("/api/v2/routing/queues", {"pageSize": 100}) for q in page]
        groups = [
            g for page in client.paginate("/api/v2/routing/skillgroups", {"pageSize": 100}) for g in page
        ]
        users = [u for page in client.paginate("/api/v2/users", {"pageSize": 100}) for u in page]
        licences = [u for page in client.paginate("/api/v2/license/users", {"pageSize": 100}) for u in page]
        memberships = []
        for queue in queues:
            path = f"/api/v2/routing/queues/{queue['id']}/members"
            for page in client.paginate(path, {"pageSize": 100}):
                memberships += [
                    {"group_type": "queue", "group_id": queue["id"], "user_id": m["id"]} for m in page
                ]
        for group in groups:
            path = f"/api/v2/routing/skillgroups/{group['id']}/members"
            for page in client.paginate(path, {"pageSize": 100}):
                memberships += [
                    {"group_type": "skill_group", "group_id": group["id"], "user_id": m["id"]} for m in page
                ]
        divisions = [
            d for page in client.paginate("/api/v2/authorization/divisions", {"pageSize": 100}) for d in page
        ]
        licence_count = {u["id"]: len(u.get("licenses") or []) for u in licences}
        self.reference = {
            "campaigns": [
                {
                    "campaign_id": c["id"],
                    "campaign_name": c.get("name"),
                    "queue_id": (c.get("queue") or {}).get("id"),
                    "division_id": (c.get("division") or {}).get("id"),
                    "status": c.get("campaignStatus"),
                }
                for c in campaigns
            ],
            "groups": [
                {
                    "group_type": "queue",
                    "group_id": q["id"],
                    "group_name": q.get("name"),
                    "division_id": (q.get("division") or {}).get("id"),
                }
                for q in queues
            ]
            + [
                {
                    "group_type": "skill_group",
                    "group_id": g["id"],
                    "group_name": g.get("name"),
                    "division_id": (g.get("division") or {}).get("id"),
                }
                for g in groups
            ],
            "memberships": memberships,
            "divisions": [{"id": d["id"], "name": d.get("name")} for d in divisions],
            "users": [
                {
                    "user_id": u["id"],
                    "user_name": u.get("name"),
                    "has_active_licence": licence_count.get(u["id"], 1) > 0,
                    "division_id": (u.get("division") or {}).get("id"),
                }
                for u in users
            ],
            "loaded_at": int(time.time() * 1000),
        }
        write_reference(self.config.store, self.reference)
        return self.reference

    def topics(self) -> list[str]:
        ref = self.reference
        agents = sorted({m["user_id"] for m in ref.get("memberships", [])})
        queues = [g["group_id"] for g in ref.get("groups", []) if g["group_type"] == "queue"]
        campaigns = [c["campaign_id"] for c in ref.get("campaigns", [])]
        return (
            [f"v2.routing.queues.{q}.conversations" for q in queues]
            + [f"v2.analytics.queues.{q}.observations" for q in queues]
            + [f"v2.outbound.campaigns.{c}.stats" for c in campaigns]
            + [f"v2.users.{u}?presence&routingStatus" for u in agents]
        )

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Collector:
        if not self.reference:
            self.bootstrap()
        self.status("starting", "bootstrap done")
        self._spawn(self._flush_loop, "flush")
        self._spawn(self._poll_loop, "poll")
        if self.config.notifications:
            topics = self.topics()
            size = self.config.max_topics_per_channel
            shards = [topics[i : i + size] for i in range(0, len(topics), size)][: self.config.max_channels]
            if len(topics) > size * self.config.max_channels:
                self.status("warning", f"{len(topics)} topics exceed {self.config.max_channels} channels")
            for number, shard in enumerate(shards):
                self._spawn(lambda s=shard, n=number: self._shard_loop(n, s), f"shard-{number}")
        else:
            self.status("polling", "notifications disabled: polling every kind")
        return self

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=f"cxlake-live-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        with self.lock:
            self.writer.close()

    def _flush_loop(self) -> None:
        """Flush every second; once a minute also write each agent's, queue's and campaign's last state
        (``source = snapshot``), so readers of recent segments know states that have not changed for hours."""
        last_snapshot = time.monotonic()
        while not self._stop.wait(self.config.flush_s):
            with self.lock:
                if time.monotonic() - last_snapshot >= 60:
                    last_snapshot = time.monotonic()
                    now = int(time.time() * 1000)
                    for row in self.latest.values():
                        self.writer.append({**row, "source": "snapshot", "received_at": now})
                self.writer.flush()

    # --- push -----------------------------------------------------------------------------------

    def _shard_loop(self, number: int, topics: list[str]) -> None:
        failures = 0
        channel: dict[str, Any] | None = None
        connected_before = False
        while not self._stop.is_set():
            try:
                if channel is None or self._expires_soon(channel):
                    channel = self._create_channel()
                accepted = self._subscribe(channel, topics)
                self._note_refused(topics, accepted)
                with connect(
                    channel["connectUri"],
                    open_timeout=10,
                    close_timeout=1,
                    ping_interval=None,
                    compression=None,
                ) as ws:
                    failures = 0
                    if connected_before:
                        self.counters.reconnects += 1
                    connected_before = True
                    self._catch_up.set()  # bootstrap current states, or fill what a lost socket missed
                    self.status("websocket", f"shard {number}: connected, {len(accepted)} topics")
                    channel = self._listen(ws, channel, topics)
            except (ConnectionClosed, OSError, TimeoutError) as exc:
                self.status("reconnecting", f"shard {number}: socket lost ({type(exc).__name__})")
                continue
            except (NotificationsUnavailable, ApiError, InvalidStatus, InvalidURI) as exc:
                channel = None
                wait = self.config.backoff_s[min(failures, len(self.config.backoff_s) - 1)]
                failures += 1
                self.poll_kinds.update(KINDS)
                self.status(
                    "polling", f"shard {number}: notifications unavailable ({exc}); retry in {wait:g} s"
                )
                if self._stop.wait(wait):
                    return
                continue

    def _expires_soon(self, channel: dict[str, Any]) -> bool:
        """True when the channel is (nearly) expired: then a new one is created."""
        expires = parse_ms(channel.get("expires"))
        return expires is not None and expires / 1000 - time.time() < 60

    def _create_channel(self) -> dict[str, Any]:
        channel = self.client.post("/api/v2/notifications/channels", {})
        if not isinstance(channel, dict) or not channel.get("connectUri"):
            raise NotificationsUnavailable("channel creation answered no connectUri")
        self.counters.channels_created += 1
        return channel

    def _subscribe(self, channel: dict[str, Any], topics: list[str]) -> list[str]:
        path = f"/api/v2/notifications/channels/{channel['id']}/subscriptions"
        answer = self.client.request("PUT", path, body=[{"id": t} for t in topics]) or {}
        return [e["id"] for e in answer.get("entities") or [] if isinstance(e, dict)]

    def _note_refused(self, topics: list[str], accepted: list[str]) -> None:
        """Poll exactly the kinds whose topics the channel refused (none when all were accepted)."""
        refused = sorted(set(topics) - set(accepted))
        self.poll_kinds = {_kind_of(t) for t in refused}
        self.counters.refused_topics = refused
        if refused:
            kinds = ", ".join(sorted(self.poll_kinds))
            self.status("partial", f"{len(refused)} topics refused (e.g. {refused[0]}): polling {kinds}")

    def _renew(self, channel: dict[str, Any], topics: list[str]) -> None:
        """Re-subscribe (which extends the channel's lifetime) ``renew_margin_s`` before it expires."""
        expires = parse_ms(channel.get("expires"))
        if expires is not None and expires / 1000 - time.time() < self.config.renew_margin_s:
            self._subscribe(channel, topics)
            channel["expires"] = iso_ms(int((time.time() + self.config.channel_lifetime_s) * 1000))

    def _listen(self, ws: Any, channel: dict[str, Any], topics: list[str]) -> dict[str, Any] | None:
        last_message = last_ping = time.monotonic()
        while not self._stop.is_set():
            try:
                text = ws.recv(timeout=1.0)
            except TimeoutError:
                now = time.monotonic()
                if now - last_message > self.config.silence_s:
                    self.status("reconnecting", f"silence for {self.config.silence_s:g} s")
                    return channel
                if now - last_ping > self.config.ping_s:
                    ws.send(orjson.dumps({"message": "ping"}).decode())
                    last_ping = now
                self._renew(channel, topics)
                continue
            last_message = time.monotonic()
            self._renew(channel, topics)
            message = orjson.loads(text)
            topic = message.get("topicName", "")
            body = message.get("eventBody") or {}
            self.counters.ws_messages += 1
            if topic == "channel.metadata":
                self.counters.heartbeats += 1
                self.record({"kind": "heartbeat", "message": body.get("message")}, "ws")
            elif topic == "v2.system.socket_closing":
                self.status("reconnecting", "socket_closing: opening a new socket on the same channel")
                return channel
            else:
                self.record(self.normalise(topic, body), "ws")
        return None

    def normalise(self, topic: str, body: dict[str, Any]) -> dict[str, Any] | None:
        if topic.endswith(".conversations"):
            return call_from_event(body)
        if topic.startswith("v2.users."):
            return user_from_event(topic, body)
        if topic.endswith(".observations"):
            data = body.get("data") or [{}]
            return queue_from_observation(body.get("group") or {}, data[-1].get("metrics") or [])
        if topic.endswith(".stats"):
            return campaign_from_stats(body, topic.split(".")[3])
        return None

    # --- polling ----------------------------------------------------------------------------------

    def _poll_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            kinds = set(self.poll_kinds)
            catch_up = self._catch_up.is_set()
            if catch_up:
                self._catch_up.clear()
                kinds = set(KINDS)
                self.counters.catch_ups += 1
            wait = self.config.poll_interval_s
            if kinds:
                try:
                    self.poll(kinds)
                    failures = 0
                except ApiError as exc:
                    self.counters.poll_failures += 1
                    wait = self.config.backoff_s[min(failures, len(self.config.backoff_s) - 1)]
                    failures += 1
                    self.status(self.mode, f"poll failed ({exc}); next poll in {wait:g} s")
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not self._stop.is_set() and not self._catch_up.is_set():
                self._stop.wait(0.1)

    def poll(self, kinds: set[str]) -> None:
        """One poll of ``kinds`` (any of calls, queues, users, campaigns)."""
        client, ref = self.client, self.reference
        self.counters.polls += 1
        if "campaigns" in kinds:
            for campaign in ref.get("campaigns", []):
                if campaign.get("status") not in (None, "on"):
                    continue
                body = client.get(f"/api/v2/outbound/campaigns/{campaign['campaign_id']}/stats")
                self.record(campaign_from_stats(body or {}, campaign["campaign_id"]), "poll")
        if "queues" in kinds:
            queues = [g["group_id"] for g in ref.get("groups", []) if g["group_type"] == "queue"]
            body = client.post(
                "/api/v2/analytics/queues/observations/query",
                {
                    "filter": {
                        "type": "or",
                        "predicates": [{"dimension": "queueId", "value": q} for q in queues],
                    },
                    "metrics": [
                        "oWaiting",
                        "oInteracting",
                        "oOnQueueUsers",
                        "oOffQueueUsers",
                        "oUserRoutingStatuses",
                    ],
                },
            )
            for result in (body or {}).get("results") or []:
                self.record(
                    queue_from_observation(result.get("group") or {}, result.get("data") or []), "poll"
                )
        if "users" in kinds:
            agents = sorted({m["user_id"] for m in ref.get("memberships", [])})
            for start in range(0, len(agents), 100):
                body = client.post(
                    "/api/v2/analytics/users/observations/query",
                    {
                        "filter": {
                            "type": "or",
                            "predicates": [
                                {"dimension": "userId", "value": u} for u in agents[start : start + 100]
                            ],
                        },
                        "metrics": ["oUserPresences", "oUserRoutingStatuses"],
                    },
                )
                for result in (body or {}).get("results") or []:
                    self.record(user_from_observation(result), "poll")
        if "calls" in kinds:
            self._poll_calls()

    def _poll_calls(self) -> None:
        now_ms = max(int(time.time() * 1000), self.newest_call_ms)
        start = (self.newest_call_ms or now_ms) - CALL_WINDOW_MS
        interval = f"{iso_ms(start)}/{iso_ms(now_ms + 86_400_000)}"
        page_number = 1
        while True:
            body = self.client.post(
                "/api/v2/analytics/conversations/details/query",
                {
                    "interval": interval,
                    "order": "asc",
                    "orderBy": "conversationStart",
                    "paging": {"pageSize": 100, "pageNumber": page_number},
                    "segmentFilters": [
                        {
                            "type": "and",
                            "predicates": [{"dimension": "direction", "value": "outbound"}],
                        }
                    ],
                },
            )
            conversations = (body or {}).get("conversations") or []
            for record in conversations:
                self.record(call_from_details(record), "poll")
            if len(conversations) < 100:
                return
            page_number += 1


def _kind_of(topic: str) -> str:
    if topic.endswith(".conversations"):
        return "calls"
    if topic.startswith("v2.users."):
        return "users"
    if topic.endswith(".observations"):
        return "queues"
    return "campaigns"
