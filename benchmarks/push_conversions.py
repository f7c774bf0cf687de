"""Write-back throughput: events/s and API calls per event, batched vs one request per event.

Generates a small sandbox tenant, adds N synthetic dialer contacts (one conversion each) to
its campaigns' contact lists in the simulator (faults off, the simulator's own 300/min
per-token limit on), puts N resolved conversions into a fresh outbox, and sends them:

1. batched (``bulk``): ``POST .../contacts/bulk/update`` jobs of ``--batch-size`` contacts
   (default 50) + job status polls, through the shared token bucket (default 240/min), with
   ``--interval`` seconds between writes (the command's default is 10 s);
2. one request per event (``put``): ``PUT .../contacts/{id}`` per conversion, same bucket, for
   ``--baseline-events`` conversions (default N).

Every transaction is checked on the simulator side (delivered exactly once). Resolution
(warehouse look-up) is not part of the figures.

    .venv/bin/python benchmarks/push_conversions.py [--events 10000] [--interval 10]
        [--baseline-events 10000] [--rate-limit-per-minute 240] [--job-poll 1.0]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxlake.writeback.outbox import Outbox, now  # noqa: E402
from cxlake.writeback.push import PushOptions, PushSummary, Sender, write_client  # noqa: E402
from sandbox.generator.contact_lists import CONVERSION_COLUMNS  # noqa: E402
from sandbox.generator.generate import generate  # noqa: E402
from sandbox.simulator.server import SandboxServer  # noqa: E402

ADMIN = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")
NAMESPACE = uuid.UUID("5b0d0a5e-be9c-4d0b-8b0b-00000000be9c")


def add_contacts(server: SandboxServer, count: int) -> list[tuple[str, str, dict[str, str]]]:
    lists = sorted(server.app.contactlists.lists) or [str(uuid.uuid5(NAMESPACE, "list"))]
    made = []
    for number in range(count):
        list_id = lists[number % len(lists)]
        contact_id = uuid.uuid5(NAMESPACE, f"contact:{number}").hex
        data = {
            "phone": f"+1555{number:07d}",
            "email": f"bench.{number}@example.com",
            **dict.fromkeys(CONVERSION_COLUMNS, ""),
        }
        server.app.contactlists.lists.setdefault(list_id, {})[contact_id] = {
            "id": contact_id,
            "contactListId": list_id,
            "data": dict(data),
            "callable": True,
        }
        made.append((list_id, contact_id, data))
    return made


def fill_outbox(path: Path, contacts: list[tuple[str, str, dict[str, str]]], prefix: str) -> None:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    box = Outbox(path)
    stamp = now()
    with box.transaction() as con:
        con.executemany(
            """insert into conversion_outbox (transaction_id, source, occurred_ms, goal, value, identifiers,
                   state, list_id, contact_id, campaign_id, contact_data, created_at, updated_at)
               values (?, 'benchmark', ?, 'goal_purchase_001', 100.0, '{}', 'pending', ?, ?, 'c', ?, ?, ?)""",
            [
                (f"{prefix}-{n:06d}", 1_790_000_000_000 + n, list_id, contact_id, _json(data), stamp, stamp)
                for n, (list_id, contact_id, data) in enumerate(contacts)
            ],
        )
    box.close()


def _json(data: dict[str, str]) -> str:
    import orjson

    return orjson.dumps(data).decode()


def send(server: SandboxServer, outbox: Path, options: PushOptions) -> tuple[float, PushSummary]:
    client = write_client(server.url, None, ADMIN[0], ADMIN[1], options)
    client.oauth.current()  # the token request is not part of the figures
    summary = PushSummary(outbox=outbox)
    box = Outbox(outbox)
    before = client.counters.requests
    started = time.monotonic()
    try:
        Sender(box, client, options, summary).run()
    finally:
        box.close()
    summary.requests = client.counters.requests - before
    summary.throttles = client.counters.throttles
    return time.monotonic() - started, summary


def delivered_once(sim: dict, outbox: Path, method: str, count: int) -> bool:
    """Every transaction reached its contact exactly once, counted by the simulator.

    ``put`` carries the contact's own entries (counted per transaction); a bulk patch carries
    only the write's id (counted per contact and write, mapped to transactions by the outbox)."""
    wanted = {f"{method}-{n:06d}" for n in range(count)}
    if method == "put":
        return all(sim["deliveries"].get(txn) == 1 for txn in wanted)
    box = Outbox(outbox)
    try:
        rows = {row["transaction_id"]: row for row in box.rows("acknowledged")}
    finally:
        box.close()
    return set(rows) == wanted and all(
        sim["batch_deliveries"].get((row["contact_id"], row["batch_id"])) == 1 for row in rows.values()
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--rate-limit-per-minute", type=float, default=240.0)
    parser.add_argument("--job-poll", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "push_conversions")
    args = parser.parse_args()
    baseline_events = args.events if args.baseline_events is None else args.baseline_events
    args.work.mkdir(parents=True, exist_ok=True)
    tenant = args.work / "tenant"
    if not (tenant / "manifest.json").exists():
        generate(tenant, scale="small", days=7)
    with SandboxServer(tenant) as server:
        contacts = add_contacts(server, args.events + baseline_events)
        batched, baseline = contacts[: args.events], contacts[args.events :]
        rows = []
        for label, chosen, options in (
            (
                f"batched: bulk/update, {args.batch_size} per job, {args.interval:g} s apart",
                batched,
                PushOptions(
                    batch_size=args.batch_size,
                    interval_s=args.interval,
                    rate_limit_per_minute=args.rate_limit_per_minute,
                    job_poll_s=args.job_poll,
                ),
            ),
            (
                "one request per event: PUT per contact",
                baseline,
                PushOptions(method="put", interval_s=0, rate_limit_per_minute=args.rate_limit_per_minute),
            ),
        ):
            if not chosen:
                continue
            outbox = args.work / f"outbox-{options.method}.sqlite"
            fill_outbox(outbox, chosen, options.method)
            seconds, summary = send(server, outbox, options)
            sim = server.app.contactlists.snapshot()
            once = delivered_once(sim, outbox, options.method, len(chosen))
            rows.append((label, len(chosen), seconds, summary.requests, summary.throttles, once))
    print(f"token bucket {args.rate_limit_per_minute:g} requests/min; simulator limit 300/min per token")
    print(
        f"{'path':<58} {'events':>7} {'seconds':>9} {'events/s':>9} {'calls':>7} {'calls/event':>11} "
        "exactly-once"
    )
    for label, events, seconds, calls, throttles, once in rows:
        print(
            f"{label:<58} {events:>7} {seconds:>9.1f} {events / seconds:>9.1f} {calls:>7} "
            f"{calls / events:>11.3f} {'yes' if once else 'NO'}"
            + (f"  ({throttles} x 429)" if throttles else "")
        )
    if len(rows) == 2:
        print(f"batched / per-event throughput: {(rows[0][1] / rows[0][2]) / (rows[1][1] / rows[1][2]):.1f}x")


if __name__ == "__main__":
    main()
