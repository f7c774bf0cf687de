"""The live store: kill -9 of the collector loses nothing already flushed; retention is bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import wait_for
from livehelpers import settled_calls, store_rows

from cxlake.live.metrics import LiveMetrics
from cxlake.live.store import SegmentWriter


def _collector(url: str, store: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "cxlake.cli", "live", "collect", "--sandbox", url, "--store", str(store)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _contents(store: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (store / "segments").glob("*.ndjson")}


def test_kill_9_then_restart_keeps_every_earlier_event(live_stack) -> None:
    stack = live_stack(start_collector=False)
    first = _collector(stack.server.url, stack.store)
    try:
        wait_for(lambda: len(settled_calls(stack.store)) >= 10, timeout=30, what="a first collector's calls")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    before = _contents(stack.store)
    calls_before = settled_calls(stack.store)
    rows_before = len(store_rows(stack.store))
    # the cut last line a kill can leave: readers skip it, the rows before it stay readable
    killed_segment = stack.store / "segments" / sorted(before)[-1]
    with open(killed_segment, "ab") as handle:
        handle.write(b'{"kind":"call","conversation_id":"cut-by-kill')
    before[killed_segment.name] = killed_segment.read_bytes()
    assert len(store_rows(stack.store)) == rows_before

    second = _collector(stack.server.url, stack.store)
    try:
        wait_for(
            lambda: len(settled_calls(stack.store)) >= len(calls_before) + 10, timeout=30, what="new calls"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=15)
    after = _contents(stack.store)
    for name, data in before.items():
        assert after[name] == data, f"segment {name} was rewritten after the restart"
    assert set(after) - set(before), "the restarted collector appended to a new segment"
    assert calls_before <= settled_calls(stack.store)
    snapshot = LiveMetrics(stack.store).snapshot()
    assert snapshot["events"] >= rows_before and sum(c["contacted"] for c in snapshot["campaigns"]) > 0


def test_retention_deletes_only_segments_older_than_it(tmp_path: Path) -> None:
    writer = SegmentWriter(tmp_path, retention_h=2)
    now = time.time()
    names = {
        hours: time.strftime("%Y%m%dT%H%M", time.gmtime(now - hours * 3600)) + "-1-1.ndjson"
        for hours in (0, 1, 3, 50)
    }
    for name in names.values():
        (writer.segments / name).write_bytes(b'{"kind":"heartbeat"}\n')
    deleted = {p.name for p in writer.prune(now)}
    assert deleted == {names[3], names[50]}
    assert {p.name for p in writer.segments.glob("*.ndjson")} == {names[0], names[1]}


def test_flush_writes_whole_rows_and_rolls_per_minute(tmp_path: Path) -> None:
    writer = SegmentWriter(tmp_path)
    writer.append({"kind": "heartbeat", "n": 1})
    assert not list(writer.segments.glob("*.ndjson")) or all(
        p.stat().st_size == 0 for p in writer.segments.glob("*.ndjson")
    )  # nothing on disk before a flush
    assert writer.flush() == 1 and writer.flush() == 0
    writer.append({"kind": "heartbeat", "n": 2})
    writer.close()
    rows = store_rows(tmp_path)
    assert [r["n"] for r in rows] == [1, 2]
