"""``cxlake ingest``: run the sources (HTTP or export files) into the warehouse raw schemas.

:func:`load_raw` is the entry: the warehouse and an :class:`IngestOptions` (configuration
as arguments; nothing is written to ``os.environ``). :func:`run_ingest` is the same
with the options as keywords.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.api_clients import genesys_client, salesforce_client
from ingestion.api_settings import (
    genesys_connection,
    predictive_connection,
    salesforce_connection,
    sandbox_credentials,
    scorecard_offset_hours,
)
from ingestion.export_files import check_layout, export_files_source
from ingestion.http_client import HttpCounters
from ingestion.raw_resources import Extraction, RunStats, quarantine_resource, utc_now
from ingestion.tables import SCHEMAS, SOURCES, specs_of
from ingestion.validation import RecordValidator
from ingestion.warehouse import finish_pending, make_pipeline, populated_tables, relax_optional_keys


@dataclass
class IngestSummary:
    """Outcome of one ingest."""

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


@dataclass
class IngestOptions:
    """What one ingest reads and how (the ``cxlake ingest`` arguments).

    ``sandbox_url``: all three APIs at that URL with the sandbox's published credentials.
    ``base_url``: the Genesys (and Journey) API base. Neither: the configured hosts.
    ``destination``: a dlt destination for the raw data (default: the DuckDB warehouse).
    """

    sources: list[str] = field(default_factory=lambda: list(SOURCES))
    base_url: str | None = None
    sandbox_url: str | None = None
    from_files: Path | None = None
    start: date | None = None
    end: date | None = None
    progress: bool = True
    destination: Any = None


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
    """:func:`load_raw` with the options as keywords."""
    options = IngestOptions(list(sources), base_url, sandbox_url, from_files, start, end, progress)
    return load_raw(warehouse, options)


def load_raw(warehouse: Path, options: IngestOptions) -> IngestSummary:
    """Load ``options.sources`` into ``warehouse`` over HTTP or from export files."""
    for source in options.sources:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    start, end, from_files = options.start, options.end, options.from_files
    if start is not None and end is not None and start >= end:
        raise ValueError(f"--start {start} must be before --end {end} (--end is exclusive)")
    if from_files is not None and not Path(from_files).is_dir():
        raise FileNotFoundError(f"--from-files: {from_files} is not a directory")
    if from_files is not None:
        check_layout(Path(from_files), options.sources)
    began = time.monotonic()
    stats = RunStats(progress=options.progress)
    summary = IngestSummary(ok=True, mode="files" if from_files is not None else "http")
    started = utc_now()
    validator = RecordValidator()
    try:
        for source in options.sources:
            stats.say(f"{source}: {'reading ' + str(from_files) if from_files else 'extracting'}")
            counters = HttpCounters()
            _run_source(warehouse, source, options, validator, stats, started, counters, summary)
            summary.retries += counters.retries
            summary.throttles += counters.throttles
    finally:
        validator.close()
    summary.rows = stats.rows
    summary.quarantined = stats.quarantined
    summary.skipped = stats.skipped
    summary.messages = stats.messages
    summary.errors.extend(stats.errors)
    summary.ok = summary.ok and not stats.errors
    summary.seconds = time.monotonic() - began
    return summary


def source_of(options: IngestOptions, run: Extraction, counters: HttpCounters) -> Any:
    """The ``@dlt.source`` of ``run.source``: the export files, or the API with its client."""
    if options.from_files is not None:
        files = export_files_source.with_args(name=f"cxlake_{run.source}")
        return files(Path(options.from_files), run, scorecard_offset_hours())
    sandbox = sandbox_credentials(options.sandbox_url)
    url = options.sandbox_url or options.base_url
    if run.source == "genesys":
        from ingestion.genesys_cloud import genesys_cloud_source

        api = genesys_connection(**{**sandbox, **({"base_url": url} if url else {})})
        return genesys_cloud_source(genesys_client(api, counters), run)
    if run.source == "predictive_engagement":
        from ingestion.predictive_engagement import predictive_engagement_source

        api = predictive_connection(**{**sandbox, **({"base_url": url} if url else {})})
        return predictive_engagement_source(genesys_client(api, counters, "predictive_engagement"), run)
    from ingestion.salesforce import salesforce_source

    api = salesforce_connection(**sandbox)
    return salesforce_source(salesforce_client(api, counters), run)


def _run_source(
    warehouse: Path,
    source: str,
    options: IngestOptions,
    validator: RecordValidator,
    stats: RunStats,
    started: Any,
    counters: HttpCounters,
    summary: IngestSummary,
) -> None:
    schema = SCHEMAS[source]
    pipeline = make_pipeline(warehouse, source, schema, options.destination)
    finish_pending(pipeline, stats)
    try:
        relax_optional_keys(warehouse, specs_of(source))
        method = "file" if options.from_files is not None else "api"
        populated = populated_tables(warehouse, schema)
        run = Extraction(
            source, validator, stats, started, options.start, options.end, populated, method=method
        )
        dlt_source = source_of(options, run, counters)
        dlt_source.resources.add(quarantine_resource())
        info = pipeline.run(dlt_source, loader_file_format="parquet")
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
