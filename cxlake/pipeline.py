"""``cxlake run``: ingest -> build -> validate -> publish, stopping at the first failing stage.

Configuration flows as arguments: the command line (``cxlake.cli``) turns its options into
:class:`IngestRequest` / :class:`RunOptions` once, and every stage takes the warehouse and
its options from its caller; nothing here reads ``argparse`` namespaces or writes
``os.environ``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlake.build import BuildOptions

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


ALL_SOURCES = ("genesys", "predictive_engagement", "salesforce")


@dataclass(frozen=True)
class IngestRequest:
    """What one ``cxlake ingest`` loads and how (the command's options, typed).

    ``sandbox_url``: all three APIs at that URL with the sandbox's published credentials;
    ``base_url``: the Genesys API base; neither: the configured hosts. ``from_files``: load
    export files instead of HTTP. ``end`` is exclusive and already capped at now by the caller.
    ``api_settings``: dlt config values for this ingest only, by dotted key (e.g.
    ``{"sources.genesys.rate_limit_per_minute": 2400}``); the user's own config and
    environment still win over them.
    """

    sources: tuple[str, ...] = ALL_SOURCES
    base_url: str | None = None
    sandbox_url: str | None = None
    from_files: Path | None = None
    start: date | None = None
    end: date | None = None
    quiet: bool = False
    api_settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOptions:
    """What one ``cxlake run`` does: its ingest, its dbt build and where it publishes."""

    publish_dir: Path
    ingest: IngestRequest = field(default_factory=IngestRequest)
    build: BuildOptions = field(default_factory=BuildOptions)
    skip_ingest: bool = False


def run_all(warehouse: Path, options: RunOptions) -> int:
    """Run the pipeline for ``cxlake run``; 0 on success, 1 with a one-line reason."""
    result = run_pipeline(warehouse, options)
    if not result.ok:
        print(f"cxlake run: FAILED at stage '{result.failed_stage}': {result.reason}", file=sys.stderr)
        return 1
    print(f"cxlake run: OK, published {result.publication}")
    return 0


def run_pipeline(warehouse: Path, options: RunOptions) -> PipelineResult:
    """Run every stage in order on ``warehouse``, under one warehouse lock."""
    from cxlake.lock import warehouse_lock

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(warehouse, "cxlake run"):  # once for every stage (they re-enter it)
        return _run_stages(options, warehouse)


def _run_stages(options: RunOptions, warehouse: Path) -> PipelineResult:
    result = PipelineResult()
    stages: dict[str, Callable[[RunOptions, Path, PipelineResult], None]] = {
        "ingest": _ingest,
        "build": _build,
        "validate": _validate,
        "publish": _publish,
    }
    for name in STAGES:
        if name == "ingest" and options.skip_ingest:
            result.skipped.append(name)
            continue
        print(f"== cxlake run: {name}", flush=True)
        try:
            stages[name](options, warehouse, result)
        except Exception as exc:  # noqa: BLE001 - any stage error becomes the run's one-line reason
            result.failed_stage = name
            result.reason = str(exc) if isinstance(exc, StageFailed) else f"{type(exc).__name__}: {exc}"
            return result
    return result


def ingest(warehouse: Path, request: IngestRequest) -> IngestSummary:
    """One ingest of ``request`` into ``warehouse``, its load recorded for the salt rule;
    prints and returns the run summary. The caller holds the warehouse lock."""
    from cxlake.cli import _refuse_quoted_path
    from cxlake.origin import record_load
    from ingestion.run import format_summary, run_ingest

    _refuse_quoted_path(warehouse)
    record_load(warehouse, request.sandbox_url, request.from_files)
    with api_settings(request.api_settings):
        summary = run_ingest(
            warehouse,
            list(request.sources),
            base_url=request.base_url,
            sandbox_url=request.sandbox_url,
            from_files=request.from_files,
            start=request.start,
            end=request.end,
            progress=not request.quiet,
        )
    print(format_summary(summary), flush=True)
    return summary


_SETTINGS_PROVIDER: Any = None


@contextmanager
def api_settings(settings: Mapping[str, Any]) -> Iterator[None]:
    """``settings`` (dotted dlt config keys) visible to dlt config lookups inside the block only.

    They come from one dictionary provider registered last, so values the user set in env
    vars or ``.dlt/*.toml`` still win, and nothing is written to ``os.environ``.
    """
    if not settings:
        yield
        return
    import dlt
    from dlt.common.configuration.providers import DictionaryProvider

    global _SETTINGS_PROVIDER
    if _SETTINGS_PROVIDER is None:
        _SETTINGS_PROVIDER = type(
            "CxlakeRunSettings", (DictionaryProvider,), {"NAME": "cxlake run settings"}
        )()
    if not any(provider is _SETTINGS_PROVIDER for provider in dlt.config.config_providers):
        dlt.config.register_provider(_SETTINGS_PROVIDER)
    document: dict[str, Any] = {}
    for dotted, value in settings.items():
        *sections, key = dotted.split(".")
        node = document
        for section in sections:
            node = node.setdefault(section, {})
        node[key] = value
    previous = _SETTINGS_PROVIDER._config_doc
    _SETTINGS_PROVIDER._config_doc = document
    try:
        yield
    finally:
        _SETTINGS_PROVIDER._config_doc = previous


def _ingest(options: RunOptions, warehouse: Path, result: PipelineResult) -> None:
    summary = ingest(warehouse, options.ingest)
    result.ingest_summary = summary
    if not summary.ok:
        raise StageFailed("; ".join(summary.errors) or "ingestion reported failure")


def _build(options: RunOptions, warehouse: Path, result: PipelineResult) -> None:
    from cxlake.build import run_build

    code = run_build(warehouse, options.build)
    if code != 0:
        raise StageFailed(f"dbt build exited with code {code}")


def _validate(options: RunOptions, warehouse: Path, result: PipelineResult) -> None:
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


def _publish(options: RunOptions, warehouse: Path, result: PipelineResult) -> None:
    from cxlake.publish import publish

    result.publication = publish(warehouse, options.publish_dir)
