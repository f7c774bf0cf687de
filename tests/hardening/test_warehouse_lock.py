"""One writer at a time: concurrent cxlake commands on one warehouse never interleave."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from cxlake_cli import PROJECT, run_cxlake

from cxlake.lock import WarehouseLocked, lock_path, warehouse_lock

KEYED = {
    "raw_genesys.conversations": "conversation_id",
    "raw_genesys.users": "id",
    "raw_salesforce.accounts": "id",
}


def _env(warehouse: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(warehouse),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        **extra,
    }


def _wait_for_holder(warehouse: Path, pid: int, process: subprocess.Popen[str]) -> dict[str, object]:
    """Block until ``pid`` is recorded as the lock holder (it then holds the flock)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the first command ended before it was seen holding the lock"
        try:
            info = json.loads(lock_path(warehouse).read_text() or "{}")
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == pid:
            return info
        time.sleep(0.01)
    raise AssertionError("the first command never took the warehouse lock")


def _doubled(warehouse: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {
            table: con.execute(f"select count(*), count(distinct {key}) from {table}").fetchone()
            for table, key in KEYED.items()
        }
    return {table: (int(c[0]), int(c[1])) for table, c in counts.items() if c is not None}


def test_second_ingest_is_refused_or_waits_and_raw_tables_are_never_doubled(
    small_tenant: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    args = [sys.executable, "-m", "cxlake.cli", "ingest", "--from-files", str(small_tenant), "--quiet"]
    first = subprocess.Popen(
        args, cwd=PROJECT, env=_env(warehouse), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        holder = _wait_for_holder(warehouse, first.pid, first)
        assert holder["command"] == "cxlake ingest"
        # a second ingest that does not wait: one line naming the holder, nothing written
        refused = run_cxlake(
            _env(warehouse, CXLAKE_LOCK_TIMEOUT="0"), "ingest", "--from-files", str(small_tenant), "--quiet"
        )
        # a third that waits: it runs once the first has finished
        waiting = subprocess.Popen(
            args,
            cwd=PROJECT,
            env=_env(warehouse, CXLAKE_LOCK_TIMEOUT="240"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first_out, first_err = first.communicate(timeout=240)
        waited_out, waited_err = waiting.communicate(timeout=240)
    finally:
        first.kill()
    assert first.returncode == 0, first_err[-2000:]
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert lines[0].startswith("cxlake ingest: error: warehouse ")
    assert f"pid {first.pid} (cxlake ingest) since {holder['since']}" in lines[0]
    assert waiting.returncode == 0, waited_err[-2000:]
    counts = _doubled(warehouse)
    assert counts and all(rows == distinct > 0 for rows, distinct in counts.values()), counts


_HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cxlake.lock import warehouse_lock
    with warehouse_lock(Path(sys.argv[1]), "cxlake build (build)"):
        print("held", flush=True)
        time.sleep(600)
    """
)


def test_lock_of_a_killed_holder_is_free_and_waiting_is_bounded(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(warehouse)], cwd=PROJECT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        began = time.monotonic()
        with pytest.raises(WarehouseLocked, match=rf"pid {holder.pid} \(cxlake build \(build\)\) since "):
            with warehouse_lock(warehouse, "test", timeout_s=0.5):
                pass
        assert 0.4 <= time.monotonic() - began < 5
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
    with warehouse_lock(warehouse, "after kill -9", timeout_s=0):
        with warehouse_lock(warehouse, "re-entered by the same process", timeout_s=0):
            assert json.loads(lock_path(warehouse).read_text())["command"] == "after kill -9"


def test_validate_while_a_build_holds_the_warehouse_is_one_line(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(warehouse)], cwd=PROJECT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for command in (["validate"], ["publish"], ["build", "parse"]):
            run = run_cxlake(_env(warehouse, CXLAKE_LOCK_TIMEOUT="0"), *command, timeout=120)
            assert run.returncode == 2, (command, run.stdout[-1500:], run.stderr[-1500:])
            assert (
                run.stderr.strip().splitlines() == [run.stderr.strip()]
                and f"in use by pid {holder.pid}" in run.stderr
            ), run.stderr
    finally:
        holder.kill()


def test_lock_is_reentrant_in_one_thread_and_exclusive_across_threads(tmp_path: Path) -> None:
    import threading

    warehouse = tmp_path / "w.duckdb"
    outcome: list[str] = []

    def other_thread() -> None:
        try:
            with warehouse_lock(warehouse, "other thread", timeout_s=0.2):
                outcome.append("entered")
        except WarehouseLocked as exc:
            outcome.append(str(exc))

    with warehouse_lock(warehouse, "cxlake run"):
        with warehouse_lock(warehouse, "cxlake build (build)", timeout_s=0):  # a stage of the run
            thread = threading.Thread(target=other_thread)
            thread.start()
            thread.join()
    assert len(outcome) == 1 and f"in use by pid {os.getpid()} (cxlake run)" in outcome[0]
    with warehouse_lock(warehouse, "next", timeout_s=0):  # released when the outer block ended
        pass
