"""Argument handling of ``cxlake push conversions`` (the CLI module only wires it in)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cxlake import config
from cxlake.writeback.push import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_GOAL,
    DEFAULT_INTERVAL_S,
    DEFAULT_RATE_PER_MINUTE,
    PushOptions,
    format_summary,
    push_conversions,
    write_client,
)

SANDBOX_WRITE_CLIENT = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")


def add_parser(sub: argparse._SubParsersAction) -> None:
    push = sub.add_parser("push", help="write business outcomes back to Genesys")
    push_sub = push.add_subparsers(dest="push_command", required=True)
    conv = push_sub.add_parser("conversions", help="conversions -> the dialer contacts the campaigns called")
    what = conv.add_mutually_exclusive_group(required=True)
    what.add_argument("--file", help="NDJSON or CSV of conversion events")
    what.add_argument(
        "--from-warehouse", action="store_true", help="won Salesforce opportunities in the warehouse"
    )
    what.add_argument("--resume", action="store_true", help="only send what the outbox still holds")
    where = conv.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="Genesys API base URL (else CXLAKE_PUSH_REGION)")
    where.add_argument("--sandbox", metavar="URL", help="the simulator at URL with its write-scoped client")
    conv.add_argument("--goal", default=DEFAULT_GOAL, help="goal of --from-warehouse conversions")
    conv.add_argument(
        "--method",
        choices=["bulk", "put", "events"],
        default="bulk",
        help="bulk: contacts/bulk/update jobs (default); put: one PUT per contact; events: the sandbox's "
        "invented /api/v2/contacts/{id}/events intake (only with --sandbox)",
    )
    conv.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    conv.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_S, help="seconds between writes")
    conv.add_argument("--rate-limit-per-minute", type=float, default=DEFAULT_RATE_PER_MINUTE)
    conv.add_argument("--job-poll", type=float, default=1.0, help="seconds between bulk job status polls")
    conv.add_argument("--outbox", help="outbox file (default <warehouse>.outbox.sqlite)")
    conv.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxlake.lock import warehouse_lock

    if args.method == "events" and not args.sandbox:
        raise ValueError(
            "--method events posts to an endpoint only the sandbox has: use it with --sandbox URL"
        )
    if args.batch_size < 1 or args.interval < 0 or args.rate_limit_per_minute < 0:
        raise ValueError("--batch-size must be >= 1, --interval and --rate-limit-per-minute >= 0")
    options = PushOptions(
        batch_size=args.batch_size,
        interval_s=args.interval,
        rate_limit_per_minute=args.rate_limit_per_minute,
        method=args.method,
        job_poll_s=args.job_poll,
    )
    if args.sandbox:
        client_id, secret = SANDBOX_WRITE_CLIENT
        base_url, region = args.sandbox, None
    else:
        client_id = os.environ.get("CXLAKE_PUSH_CLIENT_ID", "")
        secret = os.environ.get("CXLAKE_PUSH_CLIENT_SECRET", "")
        base_url, region = args.base_url, os.environ.get("CXLAKE_PUSH_REGION")
        if not client_id or not secret:
            raise ValueError(
                "no write-scoped OAuth client: set CXLAKE_PUSH_CLIENT_ID and CXLAKE_PUSH_CLIENT_SECRET "
                "(a client with the outbound scope, used by this command only), or use --sandbox URL"
            )
    warehouse = config.warehouse_path()
    client = write_client(base_url, region, client_id, secret, options)
    summary = push_conversions(
        warehouse,
        client,
        file=Path(args.file) if args.file else None,
        from_warehouse=args.from_warehouse,
        goal=args.goal,
        outbox_path=Path(args.outbox) if args.outbox else None,
        options=options,
        lock=lambda: warehouse_lock(warehouse, "cxlake push conversions (reading)"),
        mirror_lock=lambda: warehouse_lock(warehouse, "cxlake push conversions (outbox copy)"),
    )
    print(format_summary(summary))
    return 0 if summary.ok else 1
