"""The collector over a real WebSocket against the simulator's live mode, with its faults."""

from __future__ import annotations

import time

from conftest import wait_for
from livehelpers import settled_calls, store_rows

from cxlake.live.metrics import LiveMetrics


def _ended_before(stack, wall_s: float) -> set[str]:
    """Calls the simulator ended (and published) before wall time ``wall_s``."""
    return {key for kind, key, at in list(stack.world.emitted) if kind == "call" and at < wall_s}


def test_notifications_feed_the_store_and_the_live_numbers(live_stack) -> None:
    stack = live_stack()
    wait_for(lambda: len(settled_calls(stack.store)) >= 10, what="10 settled calls in the store")
    counters = stack.collector.counters
    assert counters.channels_created == 1 and counters.ws_messages > 0
    assert counters.polls == counters.catch_ups == 1  # only the bootstrap poll: the rest came pushed
    rows = store_rows(stack.store)
    assert {r["source"] for r in rows if r["kind"] == "call"} >= {"ws"}
    assert any(r["kind"] == "heartbeat" for r in rows)
    snapshot = LiveMetrics(stack.store).snapshot()
    assert not snapshot["feed_delayed"]
    assert sum(c["contacted"] for c in snapshot["campaigns"]) > 0
    assert all(g["no_state_agents"] == 0 for g in snapshot["groups"])  # bootstrap poll knew every agent
    # every call the simulator ended a second ago is in the store
    cutoff = time.time() - 1.0
    missing = _ended_before(stack, cutoff) - settled_calls(stack.store)
    assert not missing, f"{len(missing)} ended calls never reached the store"


def test_dropped_socket_and_socket_closing_leave_no_gap(live_stack) -> None:
    stack = live_stack()
    wait_for(lambda: stack.collector.counters.ws_messages > 20, what="push traffic")
    stack.fault(drop=True)
    wait_for(lambda: stack.collector.counters.reconnects >= 1, what="reconnect after a dropped socket")
    time.sleep(1.0)
    stack.fault(socket_closing=True)
    wait_for(lambda: stack.collector.counters.reconnects >= 2, what="reconnect after socket_closing")
    wait_for(lambda: stack.collector.counters.catch_ups >= 3, what="catch-up poll after the reconnects")
    time.sleep(1.5)
    cutoff = time.time() - 1.5
    ended = _ended_before(stack, cutoff)
    wait_for(lambda: not (ended - settled_calls(stack.store)), timeout=10, what="every ended call stored")
    assert len(ended) >= 5
    time.sleep(1.2)  # the status rows are flushed every second
    messages = [r.get("message", "") for r in store_rows(stack.store) if r["kind"] == "status"]
    assert any("socket_closing" in m for m in messages)
    assert any("socket lost" in m for m in messages)
    assert stack.collector.counters.channels_created == 1  # reconnected to the same channel


def test_silence_is_detected_and_the_socket_reopened(live_stack) -> None:
    stack = live_stack()
    wait_for(lambda: stack.collector.counters.ws_messages > 5, what="push traffic")
    stack.fault(silence_s=4)
    wait_for(lambda: stack.collector.counters.reconnects >= 1, timeout=15, what="reconnect after silence")

    def silence_reported() -> bool:
        return any(
            "silence" in r.get("message", "") for r in store_rows(stack.store) if r["kind"] == "status"
        )

    wait_for(silence_reported, timeout=5, what="the silence in the store's status rows")


def test_polling_fallback_when_notifications_are_refused(live_stack) -> None:
    stack = live_stack(faults={"notifications": "off"})
    wait_for(lambda: len(settled_calls(stack.store)) >= 10, what="calls polled")
    time.sleep(1.2)
    rows = store_rows(stack.store)
    assert {r["source"] for r in rows if r["kind"] in ("call", "user", "queue", "campaign_stats")} == {"poll"}
    assert stack.collector.counters.channels_created == 0
    assert any("notifications unavailable" in r.get("message", "") for r in rows if r["kind"] == "status")
    snapshot = LiveMetrics(stack.store).snapshot()
    assert snapshot["collector"]["mode"] == "polling" and not snapshot["feed_delayed"]
    assert all(g["no_state_agents"] == 0 for g in snapshot["groups"])
    # the channel is retried after backoff: once notifications come back, push takes over
    stack.fault(notifications="on")
    wait_for(lambda: stack.collector.counters.channels_created == 1, timeout=15, what="channel after backoff")
    wait_for(lambda: not stack.collector.poll_kinds, what="polling stopped once push works")


def test_blocked_websocket_falls_back_to_polling(live_stack) -> None:
    stack = live_stack(faults={"notifications": "blocked"})
    wait_for(lambda: len(settled_calls(stack.store)) >= 5, what="calls polled")
    assert stack.collector.counters.channels_created >= 1 and stack.collector.counters.ws_messages == 0


def test_429_on_channel_creation_honours_retry_after(live_stack) -> None:
    stack = live_stack(faults={"channel_429": 2})
    wait_for(lambda: stack.collector.counters.ws_messages > 0, timeout=15, what="push after the 429s")
    assert stack.counters.throttles == 2 and stack.collector.counters.channels_created == 1


def test_refused_topic_is_polled_instead(live_stack) -> None:
    stack = live_stack(faults={"refuse_topics": ["v2.users."]})
    wait_for(lambda: stack.collector.counters.polls >= 3, what="polls of the refused kind")
    assert stack.collector.poll_kinds == {"users"}
    assert stack.collector.counters.refused_topics and all(
        t.startswith("v2.users.") for t in stack.collector.counters.refused_topics
    )
    rows = store_rows(stack.store)
    assert {r["source"] for r in rows if r["kind"] == "user"} == {"poll"}
    assert "ws" in {r["source"] for r in rows if r["kind"] == "call"}


def test_topics_are_sharded_across_channels(live_stack) -> None:
    stack = live_stack(max_topics_per_channel=60)
    topics = len(stack.collector.topics())
    wait_for(
        lambda: stack.collector.counters.channels_created == -(-topics // 60), what="one channel per shard"
    )
    wait_for(lambda: len(settled_calls(stack.store)) >= 5, what="calls over the shards")
    channels = stack.server.app.live.hub.channels.values()
    assert max(len(c.topics) for c in channels) <= 60
    assert sum(len(c.topics) for c in channels) == topics


def test_channel_is_renewed_before_it_expires(live_stack) -> None:
    # channels live 4 s here; the collector re-subscribes (which extends them) 3 s before expiry
    stack = live_stack(live_options={"channel_lifetime_s": 4.0}, renew_margin_s=3.0, channel_lifetime_s=4.0)
    wait_for(lambda: stack.collector.counters.ws_messages > 0, what="push traffic")
    time.sleep(5)  # past the first 4 s lifetime
    seen = stack.collector.counters.ws_messages
    wait_for(
        lambda: stack.collector.counters.ws_messages > seen, what="push traffic after the first lifetime"
    )
    assert stack.collector.counters.channels_created == 1 and stack.collector.counters.reconnects == 0
    (channel,) = stack.server.app.live.hub.channels.values()
    assert channel.expires > time.time()


def test_an_expired_channel_is_replaced(live_stack) -> None:
    # with no renewal in time the server closes the socket; the collector opens a new channel
    stack = live_stack(live_options={"channel_lifetime_s": 2.0}, renew_margin_s=0.0)
    wait_for(lambda: stack.collector.counters.channels_created >= 2, timeout=15, what="a new channel")
