"""Validation stamp: the record `cxlake validate` leaves so that `cxlake publish` only
publishes a warehouse whose exact current state passed validation."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ValidationStamp:
    """Outcome of one validation run of one warehouse state."""

    success: bool
    fingerprint: str
    validated_at: str
    critical_failures: int
    warnings: int


def stamp_path(warehouse: Path) -> Path:
    """Where the stamp of ``warehouse`` lives (beside it, ``<name>.validation.json``)."""
    return warehouse.with_name(warehouse.name + ".validation.json")


def fingerprint(warehouse: Path) -> str:
    """Size and modification time of the warehouse file and its WAL.

    Any write (dbt, ingestion) changes it; read-only connections do not.
    """
    parts = []
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        if path.exists():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def write_stamp(
    warehouse: Path, validated_state: str, success: bool, critical_failures: int, warnings: int
) -> ValidationStamp:
    """Record the outcome of validating the warehouse state ``validated_state`` (a ``fingerprint``
    taken before reading it), atomically."""
    stamp = ValidationStamp(
        success=success,
        fingerprint=validated_state,
        validated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        critical_failures=critical_failures,
        warnings=warnings,
    )
    _write_atomically(stamp_path(warehouse), asdict(stamp))
    return stamp


def read_stamp(warehouse: Path) -> ValidationStamp | None:
    """The last stamp written for ``warehouse``, or None when it was never validated."""
    found = _read(stamp_path(warehouse))
    return None if found is None else ValidationStamp(**found)


@dataclass(frozen=True)
class BuildStamp:
    """Outcome of the last dbt command that wrote the warehouse (``cxlake build``)."""

    success: bool
    command: str
    """The dbt subcommand (``build``, ``run``, ``test``, ...)."""
    exit_code: int
    fingerprint: str
    """The warehouse state the command left (``fingerprint`` taken after it)."""
    finished_at: str


def build_stamp_path(warehouse: Path) -> Path:
    """Where the build stamp of ``warehouse`` lives (beside it, ``<name>.build.json``)."""
    return warehouse.with_name(warehouse.name + ".build.json")


def write_build_stamp(warehouse: Path, command: str, exit_code: int) -> BuildStamp:
    """Record the outcome of a dbt command on ``warehouse`` and the state it left, atomically."""
    stamp = BuildStamp(
        success=exit_code == 0,
        command=command,
        exit_code=exit_code,
        fingerprint=fingerprint(warehouse),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _write_atomically(build_stamp_path(warehouse), asdict(stamp))
    return stamp


def read_build_stamp(warehouse: Path) -> BuildStamp | None:
    """The last build stamp of ``warehouse``, or None when no build was recorded."""
    found = _read(build_stamp_path(warehouse))
    return None if found is None else BuildStamp(**found)


def _write_atomically(target: Path, content: dict[str, Any]) -> None:
    """Write ``content`` as JSON to ``target`` through a temporary file and one ``os.replace``,
    so a reader sees the old stamp or the new one, never half of one (``kill -9`` included)."""
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
