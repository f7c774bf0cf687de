"""The live event store: append-only NDJSON segments, never the warehouse file.

Layout under the store folder (env ``CXLAKE_LIVE_STORE``, default ``warehouse/live``,
a folder of its own beside the warehouse, never inside the DuckDB file)::

    segments/<YYYYMMDDTHHMM>-<pid>-<n>.ndjson   one per minute per collector process
    reference.json                               names, memberships, licences (atomic replace)

- Rows are buffered and written with one ``write`` + ``fsync`` per :meth:`flush`
  (the collector flushes every second), so ``kill -9`` loses at most the last
  second. A segment is only ever appended to; a reader never sees a half row as a
  row: the last line of a killed writer may be cut, and readers skip lines that do not
  parse (DuckDB ``ignore_errors``), so what was written before stays readable.
- A restarted collector opens a new segment (new pid / counter), never rewrites one.
- Retention: segments older than ``retention_hours`` (env
  ``CXLAKE_LIVE_RETENTION_HOURS``, default 72) are deleted when a new segment opens.
"""

from __future__ import annotations

import calendar
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

DEFAULT_STORE = Path("warehouse/live")
DEFAULT_RETENTION_HOURS = 72.0


def store_dir(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get("CXLAKE_LIVE_STORE") or DEFAULT_STORE)


def retention_hours() -> float:
    return float(os.environ.get("CXLAKE_LIVE_RETENTION_HOURS") or DEFAULT_RETENTION_HOURS)


def segment_minute(path: Path) -> float:
    """Epoch seconds of the minute a segment was opened (from its name)."""
    stamp = path.name.split("-", 1)[0]
    return float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M")))


@dataclass
class StoreStats:
    rows: int = 0
    flushes: int = 0
    segments_opened: int = 0
    segments_deleted: int = 0


class SegmentWriter:
    """Appends rows to the current minute's segment; thread-compatible (callers hold one lock)."""

    def __init__(self, folder: Path, retention_h: float | None = None) -> None:
        self.folder = Path(folder)
        self.segments = self.folder / "segments"
        self.segments.mkdir(parents=True, exist_ok=True)
        self.retention_s = 3600.0 * (retention_h if retention_h is not None else retention_hours())
        self.buffer: list[bytes] = []
        self.stats = StoreStats()
        self._file: Any = None
        self._minute = ""
        self._counter = 0

    def append(self, row: dict[str, Any]) -> None:
        self.buffer.append(orjson.dumps(row) + b"\n")

    def flush(self) -> int:
        """Write and fsync the buffered rows; return how many."""
        if not self.buffer:
            return 0
        minute = time.strftime("%Y%m%dT%H%M", time.gmtime())
        if minute != self._minute or self._file is None:
            self._roll(minute)
        data = b"".join(self.buffer)
        count = len(self.buffer)
        self.buffer = []
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.stats.rows += count
        self.stats.flushes += 1
        return count

    def _roll(self, minute: str) -> None:
        if self._file is not None:
            self._file.close()
        self._counter += 1
        path = self.segments / f"{minute}-{os.getpid()}-{self._counter}.ndjson"
        self._file = open(path, "ab")  # noqa: SIM115 - held open across flushes
        self._minute = minute
        self.stats.segments_opened += 1
        self.prune()

    def prune(self, now: float | None = None) -> list[Path]:
        """Delete segments older than the retention; return them."""
        now = time.time() if now is None else now
        deleted = []
        for path in sorted(self.segments.glob("*.ndjson")):
            try:
                opened = segment_minute(path)
            except ValueError:
                continue
            if now - opened > self.retention_s + 60 and (
                self._file is None or path.name != Path(self._file.name).name
            ):
                path.unlink(missing_ok=True)
                deleted.append(path)
        self.stats.segments_deleted += len(deleted)
        return deleted

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None


def write_reference(folder: Path, reference: dict[str, Any]) -> Path:
    """Replace ``reference.json`` atomically (write a temp file, fsync, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reference.json"
    temp = folder / f".reference.{os.getpid()}.tmp"
    with open(temp, "wb") as handle:
        handle.write(orjson.dumps(reference))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return path


def read_reference(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "reference.json"
    if not path.exists():
        return {}
    return orjson.loads(path.read_bytes())


def recent_segments(folder: Path, minutes: float) -> list[Path]:
    """Segments opened in the last ``minutes`` (plus the one before, which may still hold rows)."""
    paths = sorted((Path(folder) / "segments").glob("*.ndjson"))
    cutoff = time.time() - minutes * 60 - 60
    chosen = []
    for path in paths:
        try:
            if segment_minute(path) >= cutoff:
                chosen.append(path)
        except ValueError:
            continue
    return chosen
