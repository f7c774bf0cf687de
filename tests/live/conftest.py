"""Fixtures of the live tests: the simulator in live mode and a collector over a real WebSocket.

``live_stack(**collector_options)`` starts the sandbox (small tenant, live mode at
``speed`` 60 with 0.5 s heartbeats and a 0.5 s socket_closing grace) and a
:class:`cxlake.live.collector.Collector` writing a fresh store, with short
silence/backoff settings so faults resolve within seconds. Everything started is
stopped at teardown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from cxlake.live.collector import Collector, CollectorConfig
from ingestion.api_clients import genesys_client
from ingestion.api_settings import genesys_connection, sandbox_credentials
from ingestion.http_client import HttpCounters
from sandbox.simulator.live import LiveOptions
from sandbox.simulator.server import SandboxServer

FAST = {"silence_s": 2.0, "backoff_s": (0.5, 1.0, 2.0), "poll_interval_s": 1.0, "ping_s": 1.0}


@dataclass
class LiveStack:
    server: SandboxServer
    collector: Collector
    store: Path
    counters: HttpCounters

    @property
    def world(self) -> Any:
        return self.server.app.live.world

    def fault(self, **body: Any) -> dict[str, Any]:
        response = requests.post(f"{self.server.url}/api/v2/sandbox/live/faults", json=body, timeout=10)
        response.raise_for_status()
        return response.json()


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def live_stack(small_tenant: Path, tmp_path: Path) -> Iterator[Callable[..., LiveStack]]:
    started: list[LiveStack] = []

    def start(
        speed: float = 60.0,
        faults: dict[str, Any] | None = None,
        start_collector: bool = True,
        start_ms: int | None = None,
        live_options: dict[str, Any] | None = None,
        **config: Any,
    ) -> LiveStack:
        options = {"heartbeat_s": 0.5, "closing_grace_s": 0.5, **(live_options or {})}
        live = LiveOptions(speed=speed, start_ms=start_ms, **options)
        server = SandboxServer(small_tenant, live=live).start()
        store = tmp_path / f"store{len(started)}"
        counters = HttpCounters()
        client = genesys_client(genesys_connection(**sandbox_credentials(server.url)), counters)
        collector = Collector(client, CollectorConfig(store=store, **{**FAST, **config}))
        stack = LiveStack(server, collector, store, counters)
        if faults:
            stack.fault(**faults)
        if start_collector:
            collector.start()
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.collector.stop()
        stack.server.stop()
