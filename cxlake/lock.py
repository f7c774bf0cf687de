"""One writer at a time: an OS file lock beside the warehouse.

Every cxlake command that writes the warehouse or its stamps (``ingest``, ``build``,
``validate``, ``publish``, ``run``) holds ``<warehouse>.lock`` with ``fcntl.flock``
for its whole duration. A second command waits up to ``CXLAKE_LOCK_TIMEOUT``
seconds (default 10) for it, then stops with :class:`WarehouseLocked`, whose message
names the holder (pid, command, since when). The kernel releases a flock when its
holder exits in any way, ``kill -9`` included, so a crashed run never leaves a stale
lock. The lock file itself stays (deleting a flocked file races with the next
opener); its content is only the last holder's description.

The lock is re-entrant within one thread: ``cxlake run`` takes it once and the
stages it calls (which take it too when called alone) do not deadlock on it; another
thread of the same process waits for it like another process does.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_TIMEOUT_S = 10.0
TIMEOUT_ENV = "CXLAKE_LOCK_TIMEOUT"
_POLL_S = 0.1

_held: dict[tuple[str, int], int] = {}
_held_guard = threading.RLock()


class WarehouseLocked(RuntimeError):
    """Another cxlake process holds the warehouse lock and did not release it in time."""


def held_open(exc: BaseException) -> bool:
    """True when DuckDB refused to open the file because another process holds it."""
    return "Could not set lock on file" in str(exc)


def held_open_error(warehouse: Path, exc: BaseException) -> WarehouseLocked:
    """One-line error for a warehouse another (non-cxlake) process holds open."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    conflict = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(exc))
    who = f"pid {conflict.group(2)} ({conflict.group(1)})" if conflict else "another process"
    return WarehouseLocked(
        f"warehouse {warehouse} is held open by {who}, outside cxlake's lock "
        f"(DuckDB: {detail[:160]}); close that connection and try again"
    )


def lock_path(warehouse: Path) -> Path:
    """``<warehouse>.lock``: beside the DuckDB file, like its stamps."""
    return warehouse.with_name(warehouse.name + ".lock")


def lock_timeout() -> float:
    """Seconds to wait for the lock (env ``CXLAKE_LOCK_TIMEOUT``; 0 = do not wait)."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if value < 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r} must be >= 0")
    return value


def describe_command() -> str:
    """This process's command line, for the holder line when the caller names no command."""
    return " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3])) or "python"


def holder(warehouse: Path) -> str:
    """The last holder recorded in the lock file, as ``pid N (command) since T``."""
    try:
        info = json.loads(lock_path(warehouse).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process (holder not recorded yet)"
    return f"pid {info.get('pid')} ({info.get('command')}) since {info.get('since')}"


@contextmanager
def warehouse_lock(
    warehouse: Path, command: str | None = None, timeout_s: float | None = None
) -> Iterator[None]:
    """Hold the warehouse lock for the ``with`` block (re-entrant within this process)."""
    path = lock_path(warehouse)
    key = (str(path.resolve()), threading.get_ident())  # another thread waits like another process
    with _held_guard:
        if _held.get(key, 0) > 0:
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = lock_timeout() if timeout_s is None else timeout_s
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, warehouse, wait)
        record = {
            "pid": os.getpid(),
            "command": command or describe_command(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _acquire(fd: int, warehouse: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"warehouse {warehouse} is in use by {holder(warehouse)}; "
                    f"waited {wait_s:g} s ({TIMEOUT_ENV}); try again when it has finished"
                ) from None
            time.sleep(_POLL_S)
