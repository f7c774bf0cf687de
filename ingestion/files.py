"""File mode: load raw JSON export files instead of calling the APIs.

Layout (docs/contracts.md §2): ``DIR/<source>/<resource>/`` holding

- ``*.ndjson`` / ``*.jsonl``: one record per line (read in bulk by DuckDB's
  ``read_ndjson_objects``, streamed in Arrow batches; the line text is the payload);
- ``*.json``: one saved API response page (``{"conversations": [...]}``,
  ``{"entities": [...]}``, ``{"records": [...]}``, ``{"userDetails": [...]}``,
  ``{"results": [...]}``), a JSON array of records, or a single record such as a
  seed-003 analytics response ``{"campaignId": ..., "steps": [...]}``.

A missing folder means "no data". Records go through the same validation and the
same raw tables and keys as HTTP mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson

from ingestion.records import (
    REASON_NOT_JSON,
    LoadMeta,
    RawTransformer,
    Split,
    Unparsed,
    rejected_split,
    validate_records,
)
from ingestion.tables import TableSpec

LINE_SUFFIXES = (".ndjson", ".jsonl")
PAGE_SUFFIXES = (".json",)
PAGE_WRAPPERS = ("conversations", "entities", "records", "userDetails", "results")
USER_DETAIL_LISTS = {"user_presences": "primaryPresence", "user_routing_statuses": "routingStatus"}
PYTHON_BATCH = 10_000


def resource_dir(root: Path, spec: TableSpec) -> Path:
    return root / spec.source / spec.name


def list_files(root: Path, spec: TableSpec) -> tuple[list[Path], list[Path]]:
    """(line files, page files) of the resource, sorted; empty when the folder is missing."""
    folder = resource_dir(root, spec)
    if not folder.is_dir():
        return [], []
    files = sorted(p for p in folder.iterdir() if p.is_file())
    lines = [p for p in files if p.suffix in LINE_SUFFIXES]
    pages = [p for p in files if p.suffix in PAGE_SUFFIXES]
    return lines, pages


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


class FileReader:
    """Reads one resource folder into validated batches."""

    def __init__(self, transformer: RawTransformer, root: Path, derived: dict[str, dict[str, str]]):
        self.transformer = transformer
        self.root = root
        self.derived = derived

    def splits(self, spec: TableSpec, meta: LoadMeta) -> Iterator[Split]:
        lines, pages = list_files(self.root, spec)
        derived = self.derived.get(spec.name)
        if lines and not spec.explode_data:
            yield from self._bulk_lines(spec, lines, meta, derived)
        else:
            for path in lines:
                yield from self._python_lines(spec, path, meta, derived)
        for path in pages:
            yield from self._page(spec, path, meta, derived)

    def _bulk_lines(
        self, spec: TableSpec, paths: list[Path], meta: LoadMeta, derived: dict[str, str] | None
    ) -> Iterator[Split]:
        listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
        relation = f"(SELECT json AS j FROM read_ndjson_objects([{listing}]))"
        try:
            yield from self.transformer.split(spec, relation, meta, derived=derived)
        except duckdb.InvalidInputException:
            # A line that is not JSON: fall back to line-by-line so that it is quarantined.
            for path in paths:
                yield from self._python_lines(spec, path, meta, derived)

    def _python_lines(
        self, spec: TableSpec, path: Path, meta: LoadMeta, derived: dict[str, str] | None
    ) -> Iterator[Split]:
        batch: list[Any] = []
        with path.open("rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    batch.append(orjson.loads(line))
                except orjson.JSONDecodeError:
                    batch.append(Unparsed(line.decode("utf-8", errors="replace").rstrip("\n")))
                if len(batch) >= PYTHON_BATCH:
                    yield from validate_records(self.transformer, spec, batch, meta, derived=derived)
                    batch = []
        if batch:
            yield from validate_records(self.transformer, spec, batch, meta, derived=derived)

    def _page(
        self, spec: TableSpec, path: Path, meta: LoadMeta, derived: dict[str, str] | None
    ) -> Iterator[Split]:
        raw = path.read_bytes()
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            yield rejected_split(spec, [raw.decode("utf-8", errors="replace")], REASON_NOT_JSON, meta)
            return
        records = unwrap_page(spec, document)
        yield from validate_records(self.transformer, spec, records, meta, derived=derived)


def small_resource_records(root: Path, spec: TableSpec) -> list[dict[str, Any]]:
    """All records of a small resource folder as dicts (lookups such as scorecard versions)."""
    lines, pages = list_files(root, spec)
    records: list[Any] = []
    for path in lines:
        records.extend(orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip())
    for path in pages:
        records.extend(unwrap_page(spec, orjson.loads(path.read_bytes())))
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
