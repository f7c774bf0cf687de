"""A closed 15-minute interval: live numbers vs the batch mart campaign_kpis built by dbt; and the
live page keeps updating while that `cxlake build` holds the warehouse (lock and DuckDB file).

The simulator's live clock starts 40 minutes in the past and runs at x300, so within
seconds it has produced whole intervals whose calls have all ended. The collector
stores them over the WebSocket; then the batch path loads the same period through
the conversation details query (``cxlake ingest --source genesys``) and dbt runs
``+campaign_kpis`` on a fresh warehouse. Tolerance: exact for contacted, connected
and voicemail on every interval whose calls all ended (``settled = contacted``); see
docs/live.md for why an interval that is still open may differ.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import requests
from conftest import wait_for

from cxlake.live.metrics import LiveMetrics
from cxlake.live.web import LiveWebServer, create_app

ROOT = Path(__file__).resolve().parents[2]
INTERVAL_MS = 15 * 60_000


def test_closed_interval_matches_batch_and_the_build_never_blocks_the_live_page(
    live_stack, tmp_path: Path
) -> None:
    start_ms = int(time.time() * 1000) - 40 * 60_000
    stack = live_stack(speed=300, start_ms=start_ms)
    web = LiveWebServer(create_app(stack.store, refresh_s=0.5)).start()
    # the simulated clock reaches the wall clock after 40 min / 299 = about 8 s
    wait_for(lambda: stack.world.now_ms() >= time.time() * 1000 - 5_000, timeout=30, what="live clock at now")
    time.sleep(1.5)  # last events flushed
    live = {
        (r["campaign_id"], r["interval_start_at"].replace(tzinfo=UTC)): r
        for r in LiveMetrics(stack.store).intervals()
    }
    cutoff = datetime.fromtimestamp((time.time() * 1000 - 6 * 60_000) / 1000, UTC)  # every call of it ended
    closed = {key: r for key, r in live.items() if key[1] + timedelta(minutes=15) <= cutoff}
    assert len({k[1] for k in closed}) >= 1 and all(r["settled"] == r["contacted"] for r in closed.values())

    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    env = {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(warehouse),
        "CXLAKE_SANDBOX": "1",
        "CXLAKE_LOCK_TIMEOUT": "0",
    }
    day = datetime.fromtimestamp(start_ms / 1000, UTC).date()
    cli = [sys.executable, "-m", "cxlake.cli"]
    ingest = [
        *cli,
        "ingest",
        "--source",
        "genesys",
        "--sandbox",
        stack.server.url,
        "--start",
        str(day),
        "--quiet",
    ]
    subprocess.run(ingest, cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)
    build = [
        *cli,
        "build",
        "build",
        "--select",
        "+campaign_kpis",
        "--resource-type",
        "model",
        "--resource-type",
        "seed",
    ]
    lock = warehouse.with_name(warehouse.name + ".lock")
    running = subprocess.Popen(
        build, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    samples = []
    try:
        while running.poll() is None:  # while dbt holds the warehouse: the live JSON keeps moving
            if lock.exists() and "cxlake build" in lock.read_text():
                samples.append(requests.get(web.url + "/api/campaign.json", timeout=10).json())
            time.sleep(0.5)
        output = running.stdout.read()
    finally:
        if running.poll() is None:
            running.kill()
        web.stop()
    assert running.returncode == 0, output[-4000:]
    assert len(samples) >= 3, f"only {len(samples)} live samples while the build held the warehouse"
    stamps = [s["as_of_utc"] for s in samples]
    assert stamps == sorted(stamps) and len(set(stamps)) >= 3 and not any(s["feed_delayed"] for s in samples)
    events = [s["events"] for s in samples]
    assert events == sorted(events) and events[-1] > events[0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        batch = {
            (campaign, interval.replace(tzinfo=UTC)): (contacted, connected, voicemail)
            for campaign, interval, contacted, connected, voicemail in con.execute(
                "select campaign_id, interval_start_at, contacted, connected, voicemail_count "
                "from marts.campaign_kpis where interval_start_at >= ?",
                [
                    datetime.fromtimestamp(start_ms // INTERVAL_MS * INTERVAL_MS / 1000, UTC).replace(
                        tzinfo=None
                    )
                ],
            ).fetchall()
        }
    compared = 0
    for key, row in closed.items():
        assert batch.get(key, (0, 0, 0)) == (row["contacted"], row["connected"], row["voicemail_count"]), key
        compared += row["contacted"]
    for key, counts in batch.items():  # nothing in batch that live missed in those intervals
        if key[1] + timedelta(minutes=15) <= cutoff and key[1] >= min(k[1] for k in closed):
            assert key in closed, f"batch has {counts} for {key}, live has nothing"
    assert compared >= 20
