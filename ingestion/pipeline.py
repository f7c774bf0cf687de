"""``cxlake ingest``: run the sources (HTTP or files) into the warehouse raw schemas."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ingestion.files import FileReader, campaign_model_versions, check_layout
from ingestion.http_client import HttpCounters
from ingestion.loader import (
    RunStats,
    extraction_log_resource,
    finish_pending,
    make_pipeline,
    make_resource,
    populated_tables,
    quarantine_resource,
    relax_optional_keys,
    utc_now,
)
from ingestion.records import RawTransformer, model_version_case
from ingestion.settings import scorecard_offset_hours
from ingestion.tables import SCHEMAS, SOURCES, specs_of


@dataclass
class IngestSummary:
    """Outcome of one ``run_ingest``."""

    ok: bool
    mode: str
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    throttles: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    load_ids: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def run_ingest(
    warehouse: Path,
    sources: list[str],
    base_url: str | None = None,
    sandbox_url: str | None = None,
    from_files: Path | None = None,
    start: date | None = None,
    end: date | None = None,
    progress: bool = True,
) -> IngestSummary:
    """Load ``sources`` into ``warehouse`` over HTTP (``base_url``/``sandbox_url``/config) or from files."""
    for source in sources:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if start is not None and end is not None and start >= end:
        raise ValueError(f"--start {start} must be before --end {end} (--end is exclusive)")
    if from_files is not None and not Path(from_files).is_dir():
        raise FileNotFoundError(f"--from-files: {from_files} is not a directory")
    if from_files is not None:
        check_layout(Path(from_files), sources)
    began = time.monotonic()
    stats = RunStats(progress=progress)
    mode = "files" if from_files is not None else "http"
    summary = IngestSummary(ok=True, mode=mode)
    started = utc_now()
    transformer = RawTransformer(Path(warehouse))
    try:
        for source in sources:
            stats.say(f"{source}: {'reading ' + str(from_files) if from_files else 'extracting'}")
            counters: HttpCounters | None = None
            if from_files is not None:
                build = _file_resources(Path(from_files), transformer, stats, started)
            else:
                from ingestion.http_sources import http_resources

                build, counters = http_resources(
                    source, transformer, stats, started, base_url, sandbox_url, start, end
                )
            _run_source(warehouse, source, build, stats, summary)
            if counters is not None:
                summary.retries += counters.retries
                summary.throttles += counters.throttles
    finally:
        transformer.close()
    summary.rows = stats.rows
    summary.quarantined = stats.quarantined
    summary.skipped = stats.skipped
    summary.messages = stats.messages
    summary.errors.extend(stats.errors)
    summary.ok = summary.ok and not stats.errors
    summary.seconds = time.monotonic() - began
    return summary


def _run_source(
    warehouse: Path,
    source: str,
    build: Callable[[str, set[str]], list[Any]],
    stats: RunStats,
    summary: IngestSummary,
) -> None:
    pipeline = make_pipeline(warehouse, source, SCHEMAS[source])
    finish_pending(pipeline, stats)
    stats.pending_quarantine.clear()  # never carry a failed source's rejects into another schema
    try:
        relax_optional_keys(warehouse, specs_of(source))
        populated = populated_tables(warehouse, SCHEMAS[source])
        resources = [*build(source, populated), quarantine_resource(stats)]
        info = pipeline.run(resources, loader_file_format="parquet")
        summary.load_ids[source] = list(info.loads_ids)
    except Exception as exc:  # noqa: BLE001 - one failing source must not hide the others' results
        summary.ok = False
        summary.errors.append(f"{source}: {_root_cause(exc)}")
        stats.say(f"{source}: FAILED: {_root_cause(exc)}")


def _root_cause(exc: BaseException) -> str:
    seen = exc
    while seen.__cause__ is not None:
        seen = seen.__cause__
    return f"{type(seen).__name__}: {seen}"


def _file_resources(
    root: Path, transformer: RawTransformer, stats: RunStats, started: datetime
) -> Callable[[str, set[str]], list[Any]]:
    offset = scorecard_offset_hours()
    derived = {
        "scorecard_analytics": {"pending_backfill": f"(date_to > _extracted_at - INTERVAL {offset} HOUR)"},
        "campaign_analytics": {"model_version": model_version_case(campaign_model_versions(root))},
    }
    reader = FileReader(transformer, root, derived)

    def build(source: str, populated: set[str]) -> list[Any]:
        resources = [
            make_resource(
                spec,
                lambda meta, spec=spec: reader.splits(spec, meta),
                "file",
                stats,
                started,
                transformer,
                first_load=spec.name not in populated,
            )
            for spec in specs_of(source)
        ]
        if source == "predictive_engagement":
            resources.append(extraction_log_resource(stats, started))
        return resources

    return build


def format_summary(summary: IngestSummary) -> str:
    """Human-readable run summary: rows per table, retries, throttles, quarantined, skipped."""
    lines = [
        f"ingest ({summary.mode}) {'OK' if summary.ok else 'FAILED'} in {summary.seconds:.1f} s",
        f"  retries: {summary.retries}  throttles: {summary.throttles}  "
        f"quarantined: {summary.quarantined_total}  skipped campaigns: {len(summary.skipped)}",
        "  rows per table:",
    ]
    for table in sorted(summary.rows):
        quarantined = summary.quarantined.get(table, 0)
        extra = f"  (+{quarantined} quarantined)" if quarantined else ""
        lines.append(f"    {table:<52} {summary.rows[table]:>10}{extra}")
    for skipped in summary.skipped:
        lines.append(
            f"  skipped campaign {skipped['campaign_id']} ({skipped['status']}): {skipped['reason']}"
        )
    for message in summary.messages:
        lines.append(f"  note: {message}")
    for error in summary.errors:
        lines.append(f"  ERROR {error}")
    return "\n".join(lines)
