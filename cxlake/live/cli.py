"""``cxlake live ...`` subcommands: collect, serve, demo."""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import threading
from pathlib import Path

from cxlake.live.store import store_dir

DEFAULT_PORT = 8770


def _client(args: argparse.Namespace):
    from ingestion.api_clients import genesys_client
    from ingestion.api_settings import genesys_connection, sandbox_credentials
    from ingestion.http_client import HttpCounters

    base = args.sandbox or args.base_url
    explicit = sandbox_credentials(args.sandbox) or ({"base_url": base} if base else {})
    return genesys_client(genesys_connection(**explicit), HttpCounters())


def _config(args: argparse.Namespace, store: Path):
    from cxlake.live.collector import CollectorConfig

    return CollectorConfig(store=store, poll_interval_s=args.poll_interval, notifications=not args.poll_only)


def _wait_for_signal() -> None:
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()


def _cmd_collect(args: argparse.Namespace) -> int:
    from cxlake.live.collector import Collector

    store = store_dir(args.store)
    collector = Collector(_client(args), _config(args, store)).start()
    print(
        f"cxlake live collect: writing {store} ({'polling' if args.poll_only else 'notifications'})",
        flush=True,
    )
    try:
        _wait_for_signal()
    finally:
        collector.stop()
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from cxlake.live.web import serve

    serve(store_dir(args.store), args.host, args.port, args.audience, args.refresh, args.time_zone)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """Sandbox in live mode + collector + live pages in one process."""
    from cxlake.live.collector import Collector
    from cxlake.live.web import LiveWebServer, create_app
    from sandbox.generator.generate import generate
    from sandbox.simulator.live import LiveOptions
    from sandbox.simulator.server import SandboxServer

    data = Path(args.data)
    if not (data / "manifest.json").exists():
        generate(data, scale="small", days=2)
    store = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="cxlake-live-"))
    sandbox = SandboxServer(data, live=LiveOptions(speed=args.speed)).start()
    args.sandbox, args.base_url = sandbox.url, None
    collector = Collector(_client(args), _config(args, store)).start()
    web = LiveWebServer(create_app(store, "internal", args.refresh, args.time_zone), port=args.port).start()
    print(f"cxlake live demo: sandbox {sandbox.url} (speed x{args.speed:g}), store {store}", flush=True)
    print(f"  open {web.url}/campaign and {web.url}/supervisor  (Ctrl-C stops)", flush=True)
    try:
        _wait_for_signal()
    finally:
        web.stop()
        collector.stop()
        sandbox.stop()
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    live = sub.add_parser("live", help="live views: notifications collector, event store, live pages")
    live_sub = live.add_subparsers(dest="live_command", required=True)

    def collector_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--poll-only", action="store_true", help="no notifications: poll every kind")
        parser.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls")

    def page_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--refresh", type=float, default=5.0, help="page refresh seconds (max 15)")
        parser.add_argument(
            "--time-zone", default=os.environ.get("CXLAKE_ORG_TIME_ZONE", "UTC"), help="org time zone shown"
        )

    collect = live_sub.add_parser("collect", help="collect notifications (or poll) into the live store")
    where = collect.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="Genesys API base URL (else the region from dlt config)")
    where.add_argument("--sandbox", metavar="URL", help="the sandbox at URL with its credentials")
    collect.add_argument("--store", help="live store folder (default CXLAKE_LIVE_STORE or warehouse/live)")
    collector_options(collect)
    collect.set_defaults(func=_cmd_collect)

    serve = live_sub.add_parser("serve", help="serve the live Campaign and Supervisor pages")
    serve.add_argument("--store", help="live store folder (default CXLAKE_LIVE_STORE or warehouse/live)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--audience", default="internal", help="internal | supervisor | finance | bpo:<division>"
    )
    page_options(serve)
    serve.set_defaults(func=_cmd_serve)

    demo = live_sub.add_parser("demo", help="sandbox in live mode + collector + live pages, one command")
    demo.add_argument("--data", default="sandbox_data/live", help="tenant folder (generated if missing)")
    demo.add_argument("--speed", type=float, default=10.0)
    demo.add_argument("--port", type=int, default=DEFAULT_PORT)
    demo.add_argument("--store", help="live store folder (default: a new temporary folder)")
    collector_options(demo)
    page_options(demo)
    demo.set_defaults(func=_cmd_demo)
