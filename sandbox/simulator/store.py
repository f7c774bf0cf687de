"""The generated tenant, loaded once and indexed for fast answers.

Reads ``DIR/<source>/<resource>/part-*.ndjson`` and ``DIR/manifest.json``
(docs/contracts.md sections 2 and 3). Conversations stay as their original
JSON bytes (pre-serialised, so a jobs page is a byte join) with their start and
end instants kept beside them, sorted by start.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sandbox.simulator.httpapi import parse_time, time_ms, to_ms

DAY_MS = 86_400_000


class TenantError(ValueError):
    """The data directory is not a usable generated tenant."""


@dataclass
class Conversation:
    """One stored conversation: its instants and its JSON (with attributes)."""

    conversation_id: str
    start_ms: int
    end_ms: int | None
    raw: bytes  # clean JSON, with attributes
    corrupted: bytes | None = None  # what the hostile plan serves instead

    @property
    def served(self) -> bytes:
        return self.corrupted if self.corrupted is not None else self.raw


@dataclass
class Tenant:
    manifest: dict[str, Any]
    resources: dict[tuple[str, str], list[dict[str, Any]]]
    conversations: list[Conversation]
    starts: list[int]
    in_flight: list[int]  # indexes into ``conversations``
    max_duration_ms: int
    period_start_ms: int
    period_end_ms: int
    data_availability_ms: int
    by_id: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    overlay: dict[int, dict[str, Any]] = field(default_factory=dict)  # id(clean record) -> served version

    def records(self, source: str, resource: str) -> list[dict[str, Any]]:
        """The clean records of a resource (the list itself: appends are kept)."""
        return self.resources.setdefault((source, resource), [])

    def served(self, record: dict[str, Any]) -> dict[str, Any]:
        """What the API answers for ``record``: its corrupted version under the hostile plan."""
        return self.overlay.get(id(record), record)

    def lookup(self, source: str, resource: str, key: str, value: str) -> dict[str, Any] | None:
        """Record of ``source/resource`` whose ``key`` equals ``value`` (index built on first use)."""
        index_key = (f"{source}/{resource}", key)
        index = self.by_id.get(index_key)
        if index is None:
            index = {str(_dig(record, key)): record for record in self.records(source, resource)}
            self.by_id[index_key] = index
        return index.get(value)

    def started_between(self, start_ms: int, end_ms: int) -> range:
        """Indexes of conversations with start in [start_ms, end_ms)."""
        return range(bisect_left(self.starts, start_ms), bisect_left(self.starts, end_ms))

    def overlapping(self, start_ms: int, end_ms: int) -> list[int]:
        """Indexes (by start) of conversations whose lifetime overlaps [start_ms, end_ms)."""
        first = bisect_left(self.starts, start_ms - self.max_duration_ms)
        last = bisect_left(self.starts, end_ms)
        chosen = {
            index
            for index in range(first, last)
            if (end := self.conversations[index].end_ms) is None or end > start_ms
        }
        chosen.update(index for index in self.in_flight if self.conversations[index].start_ms < end_ms)
        return sorted(chosen)


def _dig(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _read_ndjson(folder: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for part in sorted(folder.glob("*.ndjson")):
        with part.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(orjson.loads(line))
                except orjson.JSONDecodeError as exc:
                    raise TenantError(f"{part}:{number}: not valid JSON ({exc})") from exc
    return records


def _conversation_from_line(line: bytes, where: str) -> Conversation:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise TenantError(f"{where}: not valid JSON ({exc})") from exc
    conversation_id = record.get("conversationId")
    start = record.get("conversationStart")
    if not conversation_id or not start:
        raise TenantError(f"{where}: conversation without conversationId/conversationStart")
    end = record.get("conversationEnd")
    return Conversation(
        conversation_id=conversation_id,
        start_ms=time_ms(start, f"{conversation_id}.conversationStart"),
        end_ms=time_ms(end, f"{conversation_id}.conversationEnd") if end else None,
        raw=line.rstrip(b"\r\n"),
    )


def _read_conversations(folder: Path) -> list[Conversation]:
    conversations: list[Conversation] = []
    for part in sorted(folder.glob("*.ndjson")):
        with part.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    conversations.append(_conversation_from_line(line, f"{part}:{number}"))
    conversations.sort(key=lambda conversation: (conversation.start_ms, conversation.conversation_id))
    return conversations


def load_tenant(data_dir: Path) -> Tenant:
    """Load a generated tenant directory; raise ``TenantError`` naming what is wrong."""
    data_dir = Path(data_dir)
    manifest_path = data_dir / "manifest.json"
    if not manifest_path.is_file():
        raise TenantError(
            f"{data_dir} has no manifest.json: generate a tenant with `cxlake sandbox generate`"
        )
    manifest = orjson.loads(manifest_path.read_bytes())
    resources: dict[tuple[str, str], list[dict[str, Any]]] = {}
    conversations: list[Conversation] = []
    for source_dir in sorted(path for path in data_dir.iterdir() if path.is_dir()):
        for resource_dir in sorted(path for path in source_dir.iterdir() if path.is_dir()):
            if (source_dir.name, resource_dir.name) == ("genesys", "conversations"):
                conversations = _read_conversations(resource_dir)
            else:
                resources[(source_dir.name, resource_dir.name)] = _read_ndjson(resource_dir)
    period = manifest.get("period") or {}
    try:
        period_start = to_ms(parse_time(period["start"], "manifest period.start"))
        period_end = to_ms(parse_time(period["end"], "manifest period.end"))
    except KeyError as exc:
        raise TenantError(f"{manifest_path}: missing period.{exc.args[0]}") from exc
    availability = manifest.get("data_availability_date")
    durations = [c.end_ms - c.start_ms for c in conversations if c.end_ms is not None]
    return Tenant(
        manifest=manifest,
        resources=resources,
        conversations=conversations,
        starts=[c.start_ms for c in conversations],
        in_flight=[index for index, c in enumerate(conversations) if c.end_ms is None],
        max_duration_ms=max(durations, default=0),
        period_start_ms=period_start,
        period_end_ms=period_end,
        data_availability_ms=(
            to_ms(parse_time(availability, "manifest data_availability_date")) if availability else period_end
        ),
    )
