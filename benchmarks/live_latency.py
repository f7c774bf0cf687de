"""End-to-end latency of the live path: a call ends in the simulator -> it is in the live JSON.

For each transport (WebSocket notifications, then polling with notifications refused)
this starts the sandbox in live mode, the collector and the live web server, then
watches ``GET /api/campaign.json`` every 100 ms for the conversation ids of settled
calls, and compares the first time each is seen with the wall time the simulator
emitted the call's end (``GET /api/v2/sandbox/live/state``). It prints p50 / p95 /
max, the API requests per minute the collector used, and Genesys' documented
real-time latency (15-45 s) next to them.

    python benchmarks/live_latency.py [--seconds 60] [--speed 10] [--poll-interval 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import requests

from cxlake.live.collector import Collector, CollectorConfig
from cxlake.live.web import LiveWebServer, create_app
from ingestion.api_clients import genesys_client
from ingestion.api_settings import genesys_connection, sandbox_credentials
from ingestion.http_client import HttpCounters
from sandbox.generator.generate import generate
from sandbox.simulator.live import LiveOptions
from sandbox.simulator.server import SandboxServer

GENESYS_DOCUMENTED = "15-45 s (Genesys' own real-time pipeline)"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(data: Path, transport: str, seconds: float, speed: float, poll_interval: float) -> dict:
    store = Path(tempfile.mkdtemp(prefix=f"cxlake-live-bench-{transport}-"))
    sandbox = SandboxServer(data, live=LiveOptions(speed=speed)).start()
    try:
        if transport == "polling":
            requests.post(
                f"{sandbox.url}/api/v2/sandbox/live/faults", json={"notifications": "off"}, timeout=10
            )
        counters = HttpCounters()
        client = genesys_client(genesys_connection(**sandbox_credentials(sandbox.url)), counters)
        config = CollectorConfig(store=store, poll_interval_s=poll_interval, notifications=True)
        collector = Collector(client, config)
        collector.bootstrap()
        bootstrap_requests = counters.requests
        collector.start()
        web = LiveWebServer(create_app(store, refresh_s=1.0)).start()
        seen: dict[str, float] = {}
        started = time.time()
        try:
            while time.time() - started < seconds:
                body = requests.get(web.url + "/api/campaign.json", timeout=10).json()
                now = time.time()
                for conversation_id in body.get("recent_settled_calls", []):
                    seen.setdefault(conversation_id, now)
                time.sleep(0.1)
            time.sleep(max(poll_interval, 2.0) + 1.0)  # let the last events arrive
            body = requests.get(web.url + "/api/campaign.json", timeout=10).json()
            for conversation_id in body.get("recent_settled_calls", []):
                seen.setdefault(conversation_id, time.time())
            elapsed_min = (time.time() - started) / 60
        finally:
            web.stop()
            collector.stop()
        state = requests.get(
            f"{sandbox.url}/api/v2/sandbox/live/state", params={"since": started}, timeout=10
        )
        emitted = {e["key"]: e["emittedAt"] for e in state.json()["emitted"] if e["kind"] == "call"}
    finally:
        sandbox.stop()
        shutil.rmtree(store, ignore_errors=True)
    latencies = [seen[key] - at for key, at in emitted.items() if key in seen and at < started + seconds]
    missing = [key for key, at in emitted.items() if key not in seen and at < started + seconds]
    return {
        "transport": transport,
        "calls": len(latencies),
        "missing": len(missing),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": _percentile(latencies, 0.95) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
        "requests_per_minute": (counters.requests - bootstrap_requests) / elapsed_min,
        "bootstrap_requests": bootstrap_requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per wall second")
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--data", help="tenant folder (default: a small generated one)")
    args = parser.parse_args()
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="cxlake-live-tenant-"))
    if not (data / "manifest.json").exists():
        generate(data, scale="small", days=2)
    results = [
        measure(data, t, args.seconds, args.speed, args.poll_interval) for t in ("websocket", "polling")
    ]
    print(
        "live latency, event emitted by the simulator -> visible in /api/campaign.json "
        f"({args.seconds:g} s each)"
    )
    print(
        f"{'transport':<10} {'calls':>6} {'missed':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} "
        f"{'req/min':>8}  target"
    )
    targets = {"websocket": "p95 <= 5 s", "polling": f"p95 <= {args.poll_interval + 5:g} s (poll + 5 s)"}
    for r in results:
        print(
            f"{r['transport']:<10} {r['calls']:>6} {r['missing']:>6} {r['p50']:>7.2f} {r['p95']:>7.2f} "
            f"{r['max']:>7.2f} {r['requests_per_minute']:>8.1f}  {targets[r['transport']]}, <= 300 req/min"
        )
    print(f"Genesys documented real-time latency: {GENESYS_DOCUMENTED}")
    print(
        "bootstrap (names, memberships, licences) once per start: "
        f"{results[0]['bootstrap_requests']} requests"
    )


if __name__ == "__main__":
    main()
