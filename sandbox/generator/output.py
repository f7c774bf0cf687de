"""NDJSON part files: ``DIR/<source>/<resource>/part-NNNNN.ndjson``, 100,000 records per part."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import orjson

PART_RECORDS = 100_000
_BUFFER_BYTES = 1 << 20


class PartWriter:
    """Streams records of one resource into numbered part files."""

    def __init__(self, root: Path, source: str, resource: str) -> None:
        self.folder = root / source / resource
        self.folder.mkdir(parents=True, exist_ok=True)
        self.source = source
        self.resource = resource
        self.count = 0
        self._part = 0
        self._in_part = 0
        self._handle: BinaryIO | None = None

    def _open_next(self) -> BinaryIO:
        if self._handle is not None:
            self._handle.close()
        path = self.folder / f"part-{self._part:05d}.ndjson"
        self._part += 1
        self._in_part = 0
        self._handle = path.open("wb", buffering=_BUFFER_BYTES)
        return self._handle

    def write(self, record: dict[str, Any]) -> None:
        handle = self._handle
        if handle is None or self._in_part >= PART_RECORDS:
            handle = self._open_next()
        handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        self._in_part += 1
        self.count += 1

    def close(self) -> None:
        if self._handle is None:
            self._open_next()  # an empty resource still gets an (empty) part-00000
        assert self._handle is not None
        self._handle.close()


class TenantWriter:
    """All part writers of one tenant directory; counts per source and resource."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._writers: dict[tuple[str, str], PartWriter] = {}

    def writer(self, source: str, resource: str) -> PartWriter:
        key = (source, resource)
        writer = self._writers.get(key)
        if writer is None:
            writer = PartWriter(self.root, source, resource)
            self._writers[key] = writer
        return writer

    def write_all(self, source: str, resource: str, records: list[dict[str, Any]]) -> None:
        writer = self.writer(source, resource)
        for record in records:
            writer.write(record)

    def close(self) -> dict[str, dict[str, int]]:
        """Close every file; return ``counts[source][resource]`` in a stable order."""
        counts: dict[str, dict[str, int]] = {}
        for source, resource in sorted(self._writers):
            writer = self._writers[(source, resource)]
            writer.close()
            counts.setdefault(source, {})[resource] = writer.count
        return counts
