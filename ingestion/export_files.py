"""File mode: load raw JSON export files instead of calling the APIs.

Layout (docs/contracts.md §2): ``DIR/<source>/<resource>/`` holding

- ``*.ndjson`` / ``*.jsonl``: one record per line (read in bulk by DuckDB's
  ``read_ndjson_objects``, streamed in Arrow batches; the line text is the payload);
- ``*.json``: one saved API response page (``{"conversations": [...]}``,
  ``{"entities": [...]}``, ``{"records": [...]}``, ``{"userDetails": [...]}``,
  ``{"results": [...]}``), a JSON array of records, or a single record such as a
  Predictive Engagement analytics response ``{"campaignId": ..., "steps": [...]}``.

Any of these may be gzip-compressed (``part-00001.ndjson.gz``, ``page-1.json.gz``), as bulk
exports often are. A missing folder means "no data". Records go through the same validation and the
same raw tables and keys as HTTP mode. :func:`export_files_source` is the ``@dlt.source``.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import dlt
import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.raw_resources import Extraction, extraction_log_resource
from ingestion.tables import MAX_RECORD_BYTES, TableSpec, specs_of
from ingestion.validation import (
    REASON_NOT_JSON,
    REASON_TOO_LARGE,
    LoadMeta,
    RecordValidator,
    Rejected,
    Split,
    model_version_case,
    quarantine_table,
    record_key,
    validate_records,
)

LINE_SUFFIXES = (".ndjson", ".jsonl")
PAGE_SUFFIXES = (".json",)
COMPRESSED_SUFFIX = ".gz"
PAGE_WRAPPERS = ("conversations", "entities", "records", "userDetails", "results")
USER_DETAIL_LISTS = {"user_presences": "primaryPresence", "user_routing_statuses": "routingStatus"}
PYTHON_BATCH = 10_000


def check_layout(root: Path, sources: list[str]) -> None:
    """Refuse a ``--from-files`` folder holding no data file for any of ``sources``."""
    found = [spec for source in sources for spec in specs_of(source) if any(list_files(root, spec))]
    if found:
        return
    present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    expected = ", ".join(f"{s}/<resource>/" for s in sources)
    seen = f"; it holds: {', '.join(present)}" if present else " (it is empty)"
    raise ValueError(
        f"--from-files: {root} holds no export files for {', '.join(sources)}: expected "
        f"*.ndjson / *.jsonl / *.json files (or *.gz of them) under {expected}{seen}"
    )


def resource_dir(root: Path, spec: TableSpec) -> Path:
    return root / spec.source / spec.name


def list_files(root: Path, spec: TableSpec) -> tuple[list[Path], list[Path]]:
    """(line files, page files) of the resource, sorted; empty when the folder is missing."""
    folder = resource_dir(root, spec)
    if not folder.is_dir():
        return [], []
    files = sorted(p for p in folder.iterdir() if p.is_file())
    lines = [p for p in files if data_suffix(p) in LINE_SUFFIXES]
    pages = [p for p in files if data_suffix(p) in PAGE_SUFFIXES]
    return lines, pages


def data_suffix(path: Path) -> str:
    """The suffix saying what a file holds, under a ``.gz``: ``.ndjson`` for ``part.ndjson.gz``."""
    if path.suffix == COMPRESSED_SUFFIX:
        return Path(path.stem).suffix
    return path.suffix


def open_data(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if path.suffix == COMPRESSED_SUFFIX else path.open("rb")


def read_data(path: Path) -> bytes:
    with open_data(path) as handle:
        return handle.read()


def unwrap_page(spec: TableSpec, document: Any) -> list[Any]:
    """The records held by one saved response page (see module docstring)."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return [document]
    for wrapper in PAGE_WRAPPERS:
        if isinstance(document.get(wrapper), list):
            items = document[wrapper]
            return explode_user_details(spec, items) if wrapper == "userDetails" else items
    return [document]


def explode_user_details(spec: TableSpec, details: list[Any]) -> list[Any]:
    """``userDetails[]`` of a users details query -> flat interval records of ``spec``."""
    list_name = USER_DETAIL_LISTS.get(spec.name)
    if list_name is None:
        raise ValueError(f"a userDetails page cannot be loaded as {spec.source}/{spec.name}")
    out: list[Any] = []
    for detail in details:
        if not isinstance(detail, dict):
            out.append(detail)
            continue
        for interval in detail.get(list_name) or []:
            out.append(
                {"userId": detail.get("userId"), **interval} if isinstance(interval, dict) else interval
            )
    return out


BOM = b"\xef\xbb\xbf"


def strip_bom(data: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte order mark (editors on Windows write one)."""
    return data[len(BOM) :] if data.startswith(BOM) else data


def _parse_error(exc: orjson.JSONDecodeError) -> str:
    return f"{REASON_NOT_JSON}: {exc.msg}"


class FileReader:
    """Reads one resource folder into validated batches.

    Files are read in reverse name order and the first occurrence of a key wins
    within a run, so a record repeated in a later part file (``part-0002`` after
    ``part-0001``) replaces the earlier one: last file wins. Within one file the
    first line of a repeated key wins; every repeat is counted in the run summary.
    """

    def __init__(self, validator: RecordValidator, root: Path, derived: dict[str, dict[str, str]]):
        self.validator = validator
        self.root = root
        self.derived = derived

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def splits(self, spec: TableSpec, meta: LoadMeta) -> Iterator[Split]:
        lines, pages = list_files(self.root, spec)
        derived = self.derived.get(spec.name)
        for path in sorted([*lines, *pages], reverse=True):  # last file first: last file wins
            if data_suffix(path) in LINE_SUFFIXES and not spec.explode_data:
                yield from self._bulk_lines(spec, path, meta, derived)
            elif data_suffix(path) in LINE_SUFFIXES:
                yield from self._python_lines(spec, path, meta, derived)
            else:
                yield from self._page(spec, path, meta, derived)

    def _bulk_lines(
        self, spec: TableSpec, path: Path, meta: LoadMeta, derived: dict[str, str] | None
    ) -> Iterator[Split]:
        """One line file in one DuckDB scan (parallel, streamed in Arrow batches).

        A line DuckDB cannot parse (not JSON, truncated, a byte order mark on line 1,
        larger than its object limit) comes back as NULL instead of failing the scan;
        a file holding such a line is then re-read line by line, which quarantines the
        bad lines with their line number and the parse error (rows already loaded from
        that file are recognised by their key and not loaded twice).
        """
        name = self.relative(path)
        relation = (
            f"(SELECT json AS j, {_literal(name)} AS _file "
            f"FROM read_ndjson_objects({_literal(str(path))}, ignore_errors=true))"
        )
        broken = False
        quarantined: Counter[tuple[Any, ...]] = Counter()
        try:
            for split in self.validator.split(spec, relation, meta, derived=derived, passthrough=("_file",)):
                quarantine = split.quarantine
                if quarantine.num_rows:
                    unread = pc.is_null(quarantine["raw_record"])
                    if pc.any(unread).as_py():
                        broken = True
                        quarantine = quarantine.filter(pc.invert(unread))
                    quarantined.update(_what(quarantine))
                yield Split(split.rows, quarantine)
        except (duckdb.Error, OSError):
            # e.g. a line beyond the largest JSON object DuckDB's scan reads (about 32 MiB):
            # the scan stops (surfacing through Arrow as OSError); a disk error would
            # surface again from the line-by-line read
            broken = True
        if broken:
            yield from self._python_lines(spec, path, meta, derived, replay=quarantined)

    def _python_lines(
        self,
        spec: TableSpec,
        path: Path,
        meta: LoadMeta,
        derived: dict[str, str] | None,
        replay: Counter[tuple[Any, ...]] | None = None,
    ) -> Iterator[Split]:
        """One line file parsed in Python: bad lines quarantined with line number and error.

        ``replay``: the file was already read in bulk, which quarantined these
        (record key, field, reason); they are not quarantined twice, and rows already
        loaded are recognised by their key (``Split.replayed``).
        """
        name = self.relative(path)
        batch: list[Any] = []
        bad: list[Rejected] = []

        def fresh(table: pa.Table) -> pa.Table:
            if replay is None or not table.num_rows:
                return table
            keep = []
            for what in _what(table):
                seen = replay.get(what, 0) > 0
                if seen:
                    replay[what] -= 1
                keep.append(not seen)
            return table.filter(pa.array(keep, pa.bool_()))

        def flush() -> Iterator[Split]:
            if bad:
                yield Split(pa.table({}), fresh(quarantine_table(spec, list(bad), meta)))
                bad.clear()
            for split in validate_records(
                self.validator, spec, batch, meta, derived=derived, source_file=name
            ):
                yield Split(split.rows, fresh(split.quarantine), replayed=replay is not None)
            batch.clear()

        with open_data(path) as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1:
                    line = strip_bom(line)
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    bad.append(Rejected(text, _parse_error(exc), source_file=name, line_number=number))
                    continue
                if len(line) > MAX_RECORD_BYTES:
                    # quarantined here, with its line, without serialising it again
                    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    key = record_key(spec, record)
                    bad.append(Rejected(text, _too_large(), key=key, source_file=name, line_number=number))
                    continue
                batch.append(record)
                if len(batch) >= PYTHON_BATCH:
                    yield from flush()
        yield from flush()

    def _page(
        self, spec: TableSpec, path: Path, meta: LoadMeta, derived: dict[str, str] | None
    ) -> Iterator[Split]:
        name = self.relative(path)
        raw = strip_bom(read_data(path))
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            text = raw.decode("utf-8", errors="replace")
            rejected = Rejected(text, _parse_error(exc), source_file=name, line_number=exc.lineno)
            yield Split(pa.table({}), quarantine_table(spec, [rejected], meta))
            return
        try:
            records = unwrap_page(spec, document)
        except ValueError as exc:
            rejected = Rejected(raw.decode("utf-8", errors="replace"), str(exc), source_file=name)
            yield Split(pa.table({}), quarantine_table(spec, [rejected], meta))
            return
        yield from validate_records(self.validator, spec, records, meta, derived=derived, source_file=name)


def _what(quarantine: pa.Table) -> list[tuple[Any, ...]]:
    """(record key, field, reason without its size note) of each quarantine row."""
    return [
        (key, field, reason.split(" (", 1)[0])
        for key, field, reason in zip(
            quarantine["record_key"].to_pylist(),
            quarantine["field"].to_pylist(),
            quarantine["reason"].to_pylist(),
            strict=True,
        )
    ]


def _too_large() -> str:
    return REASON_TOO_LARGE.format(limit=MAX_RECORD_BYTES // (1024 * 1024))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _loads(data: bytes) -> Any:
    """Parsed JSON, or None when it is not JSON (the resource reader quarantines it)."""
    try:
        return orjson.loads(strip_bom(data))
    except orjson.JSONDecodeError:
        return None


def small_resource_records(root: Path, spec: TableSpec) -> list[dict[str, Any]]:
    """All records of a small resource folder as dicts (lookups such as scorecard versions)."""
    lines, pages = list_files(root, spec)
    records: list[Any] = []
    for path in lines:
        records.extend(_loads(line) for line in strip_bom(read_data(path)).splitlines() if line.strip())
    for path in pages:
        document = _loads(read_data(path))
        try:
            records.extend(unwrap_page(spec, document) if document is not None else [])
        except ValueError:
            continue
    return [record for record in records if isinstance(record, dict)]


def campaign_model_versions(root: Path) -> dict[str, str]:
    """Predictive Engagement campaign id -> its scorecard's current model version."""
    from ingestion.tables import spec_for

    versions = {
        r.get("id"): r.get("modelVersion")
        for r in small_resource_records(root, spec_for("predictive_engagement", "scorecards"))
    }
    mapping = {}
    for campaign in small_resource_records(root, spec_for("predictive_engagement", "campaigns")):
        version = versions.get(campaign.get("scorecardId"))
        if campaign.get("id") and version:
            mapping[str(campaign["id"])] = str(version)
    return mapping


@dlt.source(section="files", max_table_nesting=0)
def export_files_source(
    root: Path = None,  # type: ignore[assignment]
    run: Extraction = None,  # type: ignore[assignment]
    scorecard_offset_hours: int = 48,
) -> list[Any]:
    """The raw tables of ``run.source`` read from the export folder ``root`` (file mode).

    ``scorecard_offset_hours``: passed by the caller from ``sources.predictive_engagement``
    (:func:`ingestion.api_settings.scorecard_offset_hours`), the one home of that setting.
    """
    derived = {
        "scorecard_analytics": {
            "pending_backfill": f"(date_to > _extracted_at - INTERVAL {int(scorecard_offset_hours)} HOUR)"
        },
        "campaign_analytics": {"model_version": model_version_case(campaign_model_versions(root))},
    }
    reader = FileReader(run.validator, root, derived)
    resources = [
        run.rows_resource(spec, lambda meta, spec=spec: reader.splits(spec, meta))
        for spec in specs_of(run.source)
    ]
    if run.source == "predictive_engagement":
        resources.append(extraction_log_resource(run.started))
    return resources
