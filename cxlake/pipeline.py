"""``cxlake run``: ingest -> build -> validate -> publish, stopping at the first failing stage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlake import config

if TYPE_CHECKING:
    from ingestion.run import IngestSummary

STAGES = ("ingest", "build", "validate", "publish")


@dataclass
class PipelineResult:
    """What one run did: the stage that failed (if any) and each stage's output."""

    failed_stage: str | None = None
    reason: str = ""
    ingest_summary: Any = None
    validation: Any = None
    publication: Path | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed_stage is None


class StageFailed(RuntimeError):
    """A stage finished but did not succeed; the message is the one-line reason."""


def run_all(args: argparse.Namespace) -> int:
    """Run the pipeline for the ``cxlake run`` arguments; 0 on success, 1 with a one-line reason."""
    result = run_pipeline(args)
    if not result.ok:
        print(f"cxlake run: FAILED at stage '{result.failed_stage}': {result.reason}", file=sys.stderr)
        return 1
    print(f"cxlake run: OK, published {result.publication}")
    return 0


def run_pipeline(args: argparse.Namespace) -> PipelineResult:
    """Run every stage in order on ``CXLAKE_WAREHOUSE`` (dbt reads the same variable)."""
    from cxlake.lock import warehouse_lock

    warehouse = config.warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(warehouse, "cxlake run"):  # once for every stage (they re-enter it)
        return _run_stages(args, warehouse)


def _run_stages(args: argparse.Namespace, warehouse: Path) -> PipelineResult:
    result = PipelineResult()
    stages: dict[str, Callable[[argparse.Namespace, Path, PipelineResult], None]] = {
        "ingest": _ingest,
        "build": _build,
        "validate": _validate,
        "publish": _publish,
    }
    for name in STAGES:
        if name == "ingest" and getattr(args, "skip_ingest", False):
            result.skipped.append(name)
            continue
        print(f"== cxlake run: {name}", flush=True)
        try:
            stages[name](args, warehouse, result)
        except Exception as exc:  # noqa: BLE001 - any stage error becomes the run's one-line reason
            result.failed_stage = name
            result.reason = str(exc) if isinstance(exc, StageFailed) else f"{type(exc).__name__}: {exc}"
            return result
    return result


def ingest(args: argparse.Namespace, warehouse: Path) -> IngestSummary:
    """One ``cxlake ingest`` as the command line asks for it (sources, mode, window) into
    ``warehouse``, its load recorded for the salt rule; prints and returns the run summary.
    The caller holds the warehouse lock."""
    from cxlake.cli import _refuse_quoted_path, capped_end
    from cxlake.origin import record_load
    from ingestion.run import format_summary, run_ingest

    sources = ["genesys", "predictive_engagement", "salesforce"] if args.source == "all" else [args.source]
    from_files = Path(args.from_files) if args.from_files else None
    _refuse_quoted_path(warehouse)
    record_load(warehouse, args.sandbox, from_files)
    summary = run_ingest(
        warehouse,
        sources,
        base_url=args.base_url,
        sandbox_url=args.sandbox,
        from_files=from_files,
        start=args.start,
        end=capped_end(args.end),
        progress=not args.quiet,
    )
    print(format_summary(summary), flush=True)
    return summary


def _ingest(args: argparse.Namespace, warehouse: Path, result: PipelineResult) -> None:
    summary = ingest(args, warehouse)
    result.ingest_summary = summary
    if not summary.ok:
        raise StageFailed("; ".join(summary.errors) or "ingestion reported failure")


def _build(args: argparse.Namespace, warehouse: Path, result: PipelineResult) -> None:
    from cxlake.build import run_build

    code = run_build(["--quiet"] if getattr(args, "quiet", False) else [])
    if code != 0:
        raise StageFailed(f"dbt build exited with code {code}")


def _validate(args: argparse.Namespace, warehouse: Path, result: PipelineResult) -> None:
    from cxlake.quality import validate

    outcome = validate(warehouse)
    result.validation = outcome
    if not outcome.success:
        names = ", ".join(
            f"{f.suite}:{f.expectation}" + (f"({f.column})" if f.column else "")
            for f in outcome.critical_failures[:3]
        )
        more = len(outcome.critical_failures) - 3
        raise StageFailed(
            f"{len(outcome.critical_failures)} critical expectation(s) failed: {names}"
            + (f" and {more} more" if more > 0 else "")
            + "; nothing published"
        )


def _publish(args: argparse.Namespace, warehouse: Path, result: PipelineResult) -> None:
    from cxlake.publish import publish

    result.publication = publish(warehouse, config.publish_dir())
