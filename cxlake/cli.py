"""``cxlake`` command line. Composes the pieces; holds no logic of its own."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cxlake import config

if TYPE_CHECKING:
    from cxlake.pipeline import IngestRequest


def _date(value: str) -> date:
    return date.fromisoformat(value)


def capped_end(end: date | None, today: date | None = None) -> date | None:
    """``--end`` (exclusive UTC day) no later than now: a day after today becomes None, which
    ingestion reads as "up to now" (no API is asked for intervals that have not happened)."""
    today = today or datetime.now(UTC).date()
    if end is not None and end > today:
        print(f"cxlake: --end {end} is in the future; extracting up to now", file=sys.stderr)
        return None
    return end


def _cmd_sandbox_generate(args: argparse.Namespace) -> int:
    from sandbox.generator.generate import generate

    manifest = generate(
        Path(args.out),
        seed=args.seed,
        days=args.days,
        start=args.start,
        scale=args.scale,
        crm_fields=args.crm_fields,
    )
    counts = manifest["counts"]
    print(f"sandbox tenant written to {args.out}")
    for source, per_resource in counts.items():
        print(f"  {source}: " + ", ".join(f"{k}={v}" for k, v in per_resource.items()))
    return 0


def _cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from sandbox.simulator.live import LiveOptions
    from sandbox.simulator.server import serve_forever

    live = LiveOptions(speed=args.speed) if args.live else None
    serve_forever(
        Path(args.data), host=args.host, port=args.port, faults=args.faults, seed=args.seed, live=live
    )
    return 0


def ingest_request(args: argparse.Namespace) -> IngestRequest:
    """The typed ingest options of ``cxlake ingest`` / ``cxlake run`` (``--end`` capped at now)."""
    from cxlake.pipeline import ALL_SOURCES, IngestRequest

    return IngestRequest(
        sources=ALL_SOURCES if args.source == "all" else (args.source,),
        base_url=args.base_url,
        sandbox_url=args.sandbox,
        from_files=Path(args.from_files) if args.from_files else None,
        start=args.start,
        end=capped_end(args.end),
        quiet=args.quiet,
    )


def _cmd_ingest(args: argparse.Namespace) -> int:
    from cxlake.lock import warehouse_lock
    from cxlake.pipeline import ingest

    warehouse = config.warehouse_path()
    request = ingest_request(args)
    with warehouse_lock(warehouse, "cxlake ingest"):
        summary = ingest(warehouse, request)
    return 0 if summary.ok else 1


def _refuse_quoted_path(warehouse: Path) -> None:
    """dlt's DuckDB loader puts its load-package paths (beside the warehouse) into SQL text
    unescaped: a ``'`` in the warehouse's folder breaks every load half-way, so say so first."""
    if "'" in str(warehouse):
        raise ValueError(
            f"warehouse path {warehouse} contains a ' (quote): ingestion cannot load into it; "
            "choose a CXLAKE_WAREHOUSE without quotes"
        )


def _cmd_build(args: argparse.Namespace) -> int:
    from cxlake.build import BuildOptions, run_build

    return run_build(config.warehouse_path(), BuildOptions(dbt_args=tuple(args.dbt_args)))


def _cmd_validate(args: argparse.Namespace) -> int:
    from cxlake.quality import run_validate

    return run_validate(config.warehouse_path(), docs_dir=Path(args.docs_dir) if args.docs_dir else None)


def _cmd_publish(args: argparse.Namespace) -> int:
    from cxlake.publish import publish

    publish(config.warehouse_path(), Path(args.out) if args.out else config.publish_dir())
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from cxlake.build import BuildOptions
    from cxlake.pipeline import RunOptions, run_all

    options = RunOptions(
        publish_dir=config.publish_dir(),
        ingest=ingest_request(args),
        build=BuildOptions(dbt_args=("--quiet",) if args.quiet else ()),
        skip_ingest=args.skip_ingest,
    )
    return run_all(config.warehouse_path(), options)


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from cxlake.dashboard import render

    out = Path(args.out) if args.out else None
    paths = render(args.audience, out, published=Path(args.published) if args.published else None)
    for path in paths:
        print(path)
    return 0


def _add_ingest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", default="all", choices=["genesys", "predictive_engagement", "salesforce", "all"]
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="Genesys API base URL (else the region from dlt config)")
    where.add_argument("--sandbox", metavar="URL", help="all three APIs at URL with the sandbox credentials")
    where.add_argument("--from-files", metavar="DIR", help="load raw JSON export files instead of HTTP")
    parser.add_argument("--start", type=_date, help="first UTC day to extract (first run)")
    parser.add_argument("--end", type=_date, help="extract up to this UTC day (exclusive); default now")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cxlake", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sandbox = sub.add_parser("sandbox", help="synthetic Genesys/Journey/Salesforce tenant and API simulator")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    gen = sandbox_sub.add_parser("generate", help="write a deterministic synthetic tenant")
    gen.add_argument("--out", required=True)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--days", type=int, default=28)
    gen.add_argument("--start", type=_date, default=date(2026, 10, 1))
    gen.add_argument("--scale", default="demo", help="demo | small | a number of conversations, e.g. 1000000")
    gen.add_argument(
        "--crm-fields",
        default="custom",
        choices=["custom", "absent", "renamed"],
        help="Account tier/LTV fields: custom (Account_Tier__c, Customer_LTV_USD__c), "
        "renamed (Tier__c, Lifetime_Value__c) or absent",
    )
    gen.set_defaults(func=_cmd_sandbox_generate)
    serve = sandbox_sub.add_parser("serve", help="serve a generated tenant over HTTP on 127.0.0.1")
    serve.add_argument("--data", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--faults", default="none", choices=["none", "flaky", "hostile"])
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--live", action="store_true", help="keep the tenant running (WebSocket)")
    serve.add_argument("--speed", type=float, default=1.0, help="live: simulated s per wall s")
    serve.set_defaults(func=_cmd_sandbox_serve)

    ingest = sub.add_parser("ingest", help="load the APIs (or export files) into the raw schemas")
    _add_ingest_options(ingest)
    ingest.set_defaults(func=_cmd_ingest)

    build = sub.add_parser("build", help="dbt build on CXLAKE_WAREHOUSE (extra args go to dbt)")
    build.add_argument("dbt_args", nargs=argparse.REMAINDER)
    build.set_defaults(func=_cmd_build)

    validate = sub.add_parser("validate", help="Great Expectations checkpoints on the warehouse")
    validate.add_argument("--docs-dir", help="where to write Data Docs HTML")
    validate.set_defaults(func=_cmd_validate)

    publish = sub.add_parser("publish", help="publish the marts for readers")
    publish.add_argument("--out", help="publication folder (default: next to the warehouse)")
    publish.set_defaults(func=_cmd_publish)

    run = sub.add_parser("run", help="ingest -> build -> validate -> publish")
    _add_ingest_options(run)
    run.add_argument("--skip-ingest", action="store_true")
    run.set_defaults(func=_cmd_run)

    dashboard = sub.add_parser("dashboard", help="render the dashboards as self-contained HTML")
    dashboard.add_argument(
        "--audience", default="internal", help="internal | supervisor | finance | bpo:<division>"
    )
    dashboard.add_argument("--out", help="output folder (default: dashboards/<audience>, one per audience)")
    dashboard.add_argument("--published", help="publication folder to read (default: the latest)")
    dashboard.set_defaults(func=_cmd_dashboard)

    from cxlake.live.cli import add_parser as add_live_parser

    add_live_parser(sub)

    from cxlake.writeback.command import add_parser as add_push_parser

    add_push_parser(sub)
    return parser


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's to fix (bad input, refused publication, API refusal): one line, exit 2."""
    from cxlake.dashboard.audience import AudienceError
    from cxlake.dashboard.reader import PublicationError
    from cxlake.lock import WarehouseLocked
    from cxlake.publish import PublishError
    from ingestion.api_clients import MissingCredentials
    from ingestion.http_client import ApiError
    from sandbox.simulator.store import TenantError

    return (
        PublishError,
        PublicationError,
        WarehouseLocked,
        AudienceError,
        ApiError,
        MissingCredentials,
        TenantError,
        FileNotFoundError,
        ValueError,
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; everything after ``build`` goes to dbt as is (``--full-refresh``, ``test``)."""
    parser = build_parser()
    if argv[:1] == ["build"]:
        args = parser.parse_args(["build"])
        args.dbt_args = argv[1:]
        return args
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args) or 0)
    except _expected_errors() as exc:
        if os.environ.get("CXLAKE_DEBUG"):
            raise
        print(f"cxlake {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
