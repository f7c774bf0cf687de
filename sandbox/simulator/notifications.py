"""Simulator live mode: the Genesys Notifications API and the real-time REST endpoints.

- ``POST /api/v2/notifications/channels`` -> ``{id, connectUri, expires}``; a channel
  lives ``channel_lifetime_s`` (24 h), and subscribing again extends it; at most
  ``max_channels`` (20) per OAuth client: a new one replaces the oldest channel that
  has no socket; ``GET`` lists them.
- ``POST|PUT|GET|DELETE /api/v2/notifications/channels/{id}/subscriptions``: add /
  replace / list / clear topics (``[{"id": topic}]``); more than ``max_topics`` (1,000)
  per channel is a 400. A topic refused for permission is left out of the answer's
  ``entities``, which is how the caller learns it was not subscribed.
- The WebSocket at ``connectUri`` (its own port on 127.0.0.1): one socket per
  channel (a second one drops the first); ``channel.metadata`` heartbeats every
  ``heartbeat_s``; ``{"message": "ping"}`` answers ``pong``; every event is
  ``{"topicName", "version": "2", "eventBody", "metadata": {"CorrelationId"}}``.
- Live REST: queue and user observation queries, campaign progress and stats, and
  the conversation details query for intervals after the tenant's period.

Faults, set by tests and benchmarks through the sandbox extension
``POST /api/v2/sandbox/live/faults`` (no token needed, loopback only):
``{"drop": true}`` drops every socket without a close frame; ``{"socket_closing": true}``
sends ``v2.system.socket_closing`` then closes after ``closing_grace_s``;
``{"silence_s": N}`` sends nothing (not even heartbeats) for N s on open sockets;
``{"channel_429": N}`` answers the next N channel creations 429 with ``Retry-After``;
``{"refuse_topics": ["v2.users."]}`` refuses topics starting so (permission);
``{"notifications": "on" | "off" | "blocked"}``: ``off`` answers channel creation 403
(no permission), ``blocked`` refuses the WebSocket upgrade (a proxy in the way).
``GET /api/v2/sandbox/live/state`` tells the clock and the last emitted events.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Response as WsResponse

from sandbox.simulator.genesys import GenesysApi
from sandbox.simulator.httpapi import ApiError, Request, Response, Route, json_response, time_ms
from sandbox.simulator.live import LiveOptions, LiveWorld

TOPIC_PATTERNS = [
    re.compile(p)
    for p in (
        r"^v2\.analytics\.queues\.[\w-]+\.observations$",
        r"^v2\.users\.[\w-]+(\.presence|\.routingStatus|\?presence&routingStatus|\?routingStatus&presence)$",
        r"^v2\.outbound\.campaigns\.[\w-]+(\.progress|\.stats)?$",
        r"^v2\.routing\.queues\.[\w-]+\.conversations$",
    )
]
HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
PONG = {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}


@dataclass
class Channel:
    id: str
    client_id: str
    created: float
    expires: float  # time.time()
    topics: set[str] = field(default_factory=set)
    socket: ServerConnection | None = None
    silent_until: float = 0.0


class NotificationHub:
    """Channels, subscriptions and the WebSocket server of live mode."""

    def __init__(self, world: LiveWorld, options: LiveOptions) -> None:
        self.world = world
        self.options = options
        self.channels: dict[str, Channel] = {}
        self.lock = threading.Lock()
        self.refused_prefixes: list[str] = []
        self.channel_429 = 0
        self.notifications = "on"
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ws_port = 0
        self.sent = 0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        world.listeners.append(self.publish)

    # --- WebSocket server (own thread, own event loop) ----------------------------------------

    def start(self, host: str = "127.0.0.1") -> NotificationHub:
        self._thread = threading.Thread(
            target=self._serve, args=(host,), name="cxlake-sandbox-ws", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the notifications WebSocket server did not start")
        return self

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self, host: str) -> None:
        asyncio.run(self._main(host))

    async def _main(self, host: str) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(
            self._connection,
            host,
            0,
            process_request=self._upgrade,
            ping_interval=None,  # Genesys keeps sockets alive with channel.metadata heartbeats
            compression=None,
        ) as server:
            self.ws_port = server.sockets[0].getsockname()[1]
            self._ready.set()
            heartbeat = asyncio.create_task(self._heartbeats())
            await self._stop.wait()
            heartbeat.cancel()

    def _upgrade(self, connection: ServerConnection, request: Any) -> WsResponse | None:
        channel_id = request.path.rstrip("/").rsplit("/", 1)[-1]
        if self.notifications == "blocked":
            return connection.respond(403, "WebSocket upgrade refused by a proxy\n")
        with self.lock:
            channel = self.channels.get(channel_id)
        if channel is None or channel.expires < time.time():
            return connection.respond(404, "channel not found or expired\n")
        return None

    async def _connection(self, socket: ServerConnection) -> None:
        channel_id = socket.request.path.rstrip("/").rsplit("/", 1)[-1]
        with self.lock:
            channel = self.channels[channel_id]
            previous, channel.socket = channel.socket, socket
        if previous is not None:
            await previous.close(1000, "another connection opened for this channel")
        try:
            async for message in socket:
                try:
                    body = orjson.loads(message)
                except orjson.JSONDecodeError:
                    continue
                silent = channel.silent_until > time.time()
                if isinstance(body, dict) and body.get("message") == "ping" and not silent:
                    await socket.send(orjson.dumps(PONG).decode())
        except Exception:  # a dropped client is not a server error
            pass
        finally:
            with self.lock:
                if channel.socket is socket:
                    channel.socket = None

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(min(self.options.heartbeat_s, 1.0))
            now = time.time()
            beat = now - getattr(self, "_last_beat", 0.0) >= self.options.heartbeat_s
            if beat:
                self._last_beat = now
            for channel, socket in self._open_sockets():
                if channel.expires < now:  # an expired channel's socket is closed
                    await socket.close(1000, "channel expired")
                elif beat and channel.silent_until <= now:
                    await _send(socket, HEARTBEAT)

    def _open_sockets(self) -> list[tuple[Channel, ServerConnection]]:
        with self.lock:
            return [(c, c.socket) for c in self.channels.values() if c.socket is not None]

    def publish(self, topic: str, body: dict[str, Any]) -> None:
        """Called by the world for every change: queue it to each socket subscribed to ``topic``."""
        if self.loop is None:
            return
        message = None
        now = time.time()
        with self.lock:
            targets = [
                c.socket
                for c in self.channels.values()
                if c.socket is not None and topic in c.topics and c.silent_until <= now
            ]
        if not targets:
            return
        message = {
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": str(uuid.uuid4())},
        }
        text = orjson.dumps(message).decode()
        for socket in targets:
            self.sent += 1
            self.loop.call_soon_threadsafe(lambda s=socket: asyncio.ensure_future(_send_text(s, text)))

    # --- faults --------------------------------------------------------------------------------

    def apply_faults(self, body: dict[str, Any]) -> dict[str, Any]:
        done: list[str] = []
        if body.get("drop"):
            for _channel, socket in self._open_sockets():
                self.loop.call_soon_threadsafe(socket.transport.abort)  # no close frame: a dead link
            done.append("drop")
        if body.get("socket_closing"):
            for _channel, socket in self._open_sockets():
                closing = {"topicName": "v2.system.socket_closing", "eventBody": {"message": "maintenance"}}
                asyncio.run_coroutine_threadsafe(self._closing(socket, closing), self.loop)
            done.append("socket_closing")
        if body.get("silence_s"):
            until = time.time() + float(body["silence_s"])
            with self.lock:
                for channel in self.channels.values():
                    channel.silent_until = until
            done.append("silence")
        if "channel_429" in body:
            self.channel_429 = int(body["channel_429"])
            done.append("channel_429")
        if "refuse_topics" in body:
            self.refused_prefixes = [str(p) for p in body["refuse_topics"] or []]
            done.append("refuse_topics")
        if "notifications" in body:
            if body["notifications"] not in ("on", "off", "blocked"):
                raise ApiError(400, "bad.request", "notifications must be on, off or blocked")
            self.notifications = body["notifications"]
            done.append("notifications")
        return {"applied": done}

    async def _closing(self, socket: ServerConnection, closing: dict[str, Any]) -> None:
        await _send(socket, closing)
        await asyncio.sleep(self.options.closing_grace_s)
        await socket.close(1001, "socket closing for maintenance")

    # --- REST: channels and subscriptions -----------------------------------------------------

    def routes(self) -> list[Route]:
        channels = "/api/v2/notifications/channels"
        subs = channels + "/{channelId}/subscriptions"
        return [
            Route("POST", channels, self.create_channel, "genesys"),
            Route("GET", channels, self.list_channels, "genesys"),
            Route("POST", subs, self.add_topics, "genesys"),
            Route("PUT", subs, self.replace_topics, "genesys"),
            Route("GET", subs, self.list_topics, "genesys"),
            Route("DELETE", subs, self.clear_topics, "genesys"),
            Route("POST", "/api/v2/sandbox/live/faults", self.faults, "open"),
            Route("GET", "/api/v2/sandbox/live/state", self.state, "open"),
        ]

    def _client(self, request: Request) -> str:
        return request.headers.get("authorization", "")[-12:]  # one token family = one client in the sandbox

    def create_channel(self, request: Request) -> Response:
        if self.notifications == "off":
            raise ApiError(403, "missing.permissions", "Missing permission to use the notifications API")
        if self.channel_429 > 0:
            self.channel_429 -= 1
            raise ApiError(
                429,
                "too.many.requests.retry.after",
                "Rate limit exceeded the maximum. Retry the request in [1] seconds",
                headers={"Retry-After": "1"},
            )
        client = self._client(request)
        now = time.time()
        with self.lock:
            mine = sorted(
                (c for c in self.channels.values() if c.client_id == client), key=lambda c: c.created
            )
            if len(mine) >= self.options.max_channels:
                idle = [c for c in mine if c.socket is None] or mine
                del self.channels[idle[0].id]
            channel = Channel(str(uuid.uuid4()), client, now, now + self.options.channel_lifetime_s)
            self.channels[channel.id] = channel
        return json_response(self._channel_json(channel))

    def _channel_json(self, channel: Channel) -> dict[str, Any]:
        expires = datetime.fromtimestamp(channel.expires, UTC)
        return {
            "id": channel.id,
            "connectUri": f"ws://127.0.0.1:{self.ws_port}/channels/{channel.id}",
            "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }

    def list_channels(self, request: Request) -> Response:
        client = self._client(request)
        with self.lock:
            mine = [self._channel_json(c) for c in self.channels.values() if c.client_id == client]
        return json_response({"entities": mine})

    def _channel(self, request: Request) -> Channel:
        with self.lock:
            channel = self.channels.get(request.params["channelId"])
        if channel is None or channel.expires < time.time():
            raise ApiError(404, "not.found", f"channel {request.params['channelId']} not found or expired")
        return channel

    def _topics(self, request: Request) -> list[str]:
        try:
            body = orjson.loads(request.body or b"[]")
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "bad.request", f"body is not JSON: {exc}") from exc
        if not isinstance(body, list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) for t in body
        ):
            raise ApiError(400, "bad.request", 'body must be a list of {"id": "<topic>"}')
        topics = [t["id"] for t in body]
        for topic in topics:
            if not any(p.match(topic) for p in TOPIC_PATTERNS):
                raise ApiError(400, "notification.topic.invalid", f"unknown or malformed topic {topic!r}")
        return topics

    def _subscribe(self, request: Request, replace: bool) -> Response:
        channel = self._channel(request)
        topics = [
            t for t in self._topics(request) if not t.startswith(tuple(self.refused_prefixes) or ("\0",))
        ]
        with self.lock:
            wanted = set(topics) if replace else channel.topics | set(topics)
            if len(wanted) > self.options.max_topics:
                raise ApiError(
                    400,
                    "notification.too.many.topics",
                    f"a channel holds at most {self.options.max_topics} topics ({len(wanted)} asked)",
                )
            channel.topics = wanted
            channel.expires = time.time() + self.options.channel_lifetime_s
            entities = [{"id": t} for t in sorted(channel.topics)]
        return json_response({"entities": entities})

    def add_topics(self, request: Request) -> Response:
        return self._subscribe(request, replace=False)

    def replace_topics(self, request: Request) -> Response:
        return self._subscribe(request, replace=True)

    def list_topics(self, request: Request) -> Response:
        channel = self._channel(request)
        return json_response({"entities": [{"id": t} for t in sorted(channel.topics)]})

    def clear_topics(self, request: Request) -> Response:
        channel = self._channel(request)
        with self.lock:
            channel.topics = set()
        return Response(204)

    def faults(self, request: Request) -> Response:
        return json_response(self.apply_faults(request.json()))

    def state(self, request: Request) -> Response:
        since = float(request.arg("since", "0") or 0)
        emitted = [
            {"kind": kind, "key": key, "emittedAt": at}
            for kind, key, at in list(self.world.emitted)
            if at > since
        ]
        return json_response(
            {
                "simNow": self.world.now_ms(),
                "speed": self.options.speed,
                "startedAt": self.world.start_ms,
                "sent": self.sent,
                "channels": len(self.channels),
                "emitted": emitted[-5000:],
            }
        )


class LiveRestApi:
    """Real-time REST endpoints answering the live world's current state."""

    def __init__(self, world: LiveWorld, batch: GenesysApi) -> None:
        self.world = world
        self.batch = (
            batch  # the batch GenesysApi: answers what live mode does not (past intervals, idle campaigns)
        )

    def routes(self) -> list[Route]:
        return [
            Route(
                "POST",
                "/api/v2/analytics/queues/observations/query",
                self.queue_observations,
                "genesys",
                "analytics:readonly",
            ),
            Route(
                "POST",
                "/api/v2/analytics/users/observations/query",
                self.user_observations,
                "genesys",
                "analytics:readonly",
            ),
            Route(
                "GET",
                "/api/v2/outbound/campaigns/{campaignId}/progress",
                self.progress,
                "genesys",
                "outbound:readonly",
            ),
            Route(
                "GET",
                "/api/v2/outbound/campaigns/{campaignId}/stats",
                self.stats,
                "genesys",
                "outbound:readonly",
            ),
            Route(
                "POST",
                "/api/v2/analytics/conversations/details/query",
                self.details_query,
                "genesys",
                "analytics:readonly",
            ),
        ]

    def progress(self, request: Request) -> Response:
        if request.params["campaignId"] not in self.world.stats:  # not dialling in live mode
            return self.batch.outbound.campaign_progress(request)
        with self.world.lock:
            return json_response(self.world.campaign_progress(request.params["campaignId"]))

    def stats(self, request: Request) -> Response:
        if request.params["campaignId"] not in self.world.stats:
            return self.batch.outbound.campaign_stats(request)
        with self.world.lock:
            return json_response(self.world.campaign_stats(request.params["campaignId"]))

    def queue_observations(self, request: Request) -> Response:
        wanted = _filter_values(request.json().get("filter"), "queueId")
        with self.world.lock:
            ids = [q for q in self.world.queue_ids if not wanted or q in wanted]
            results = [self.world.queue_observation(q) for q in ids]
        for result in results:  # the query answers {group, data: [{metric, qualifier, stats}]}
            result["data"] = result["data"][0]["metrics"]
        return json_response({"results": results})

    def user_observations(self, request: Request) -> Response:
        wanted = _filter_values(request.json().get("filter"), "userId")
        if not wanted:
            raise ApiError(400, "bad.request", "filter must name the userIds to observe")
        if len(wanted) > 100:
            raise ApiError(400, "bad.request", "at most 100 userId predicates per query")
        with self.world.lock:
            return json_response({"results": self.world.user_observations(sorted(wanted))})

    def details_query(self, request: Request) -> Response:
        body = request.json()
        interval = str(body.get("interval") or "")
        start_text, _, end_text = interval.partition("/")
        if not end_text:
            raise ApiError(400, "bad.request", "interval must be <start>/<end>")
        start_ms, end_ms = time_ms(start_text, "interval start"), time_ms(end_text, "interval end")
        if end_ms <= self.world.start_ms:
            return self.batch.analytics.details_query(request)
        paging = body.get("paging") or {}
        size = max(1, min(100, int(paging.get("pageSize") or 25)))
        number = max(1, int(paging.get("pageNumber") or 1))
        records = self.world.conversations_between(max(start_ms, self.world.start_ms), end_ms)
        page = records[(number - 1) * size : number * size]
        return json_response(
            {"conversations": page, "totalHits": len(records)} if page else {"totalHits": len(records)}
        )


def _filter_values(query_filter: Any, dimension: str) -> set[str]:
    """Values of ``dimension`` predicates anywhere in an analytics filter."""
    found: set[str] = set()
    if isinstance(query_filter, dict):
        for predicate in query_filter.get("predicates") or []:
            if (
                isinstance(predicate, dict)
                and predicate.get("dimension") == dimension
                and predicate.get("value")
            ):
                found.add(str(predicate["value"]))
        for clause in query_filter.get("clauses") or []:
            found |= _filter_values(clause, dimension)
    return found


async def _send(socket: ServerConnection, message: dict[str, Any]) -> None:
    await _send_text(socket, orjson.dumps(message).decode())


async def _send_text(socket: ServerConnection, text: str) -> None:
    try:
        await socket.send(text)
    except Exception:  # the socket went away; the client reconnects
        pass


class LiveMode:
    """Everything live mode adds to the simulator: world, notifications hub, real-time routes."""

    def __init__(self, tenant: Any, seed: int, options: LiveOptions, batch: GenesysApi) -> None:
        self.options = options
        self.world = LiveWorld(tenant, seed, options)
        self.hub = NotificationHub(self.world, options)
        self.rest = LiveRestApi(self.world, batch)

    def routes(self) -> list[Route]:
        return self.hub.routes() + self.rest.routes()

    def start(self) -> LiveMode:
        self.hub.start()
        self.world.start()
        return self

    def stop(self) -> None:
        self.world.stop()
        self.hub.stop()
