"""The live pages: Chromium shows changing numbers; audience rules (updates during a build: see
test_live_reconciliation.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import wait_for

from cxlake.live.web import LIVE_COLUMNS, LiveWebServer, create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


@pytest.fixture
def web(live_stack) -> Iterator:
    servers: list[LiveWebServer] = []

    def start(stack, audience: str = "internal") -> LiveWebServer:
        server = LiveWebServer(create_app(stack.store, audience, refresh_s=0.5)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _dump(url: str, work: Path) -> tuple[str, list[str]]:
    run = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={work}", "--virtual-time-budget=4000", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return run.stdout, console


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found: `apt-get install chromium`")
def test_campaign_page_in_chromium_shows_numbers_that_change(live_stack, web, tmp_path: Path) -> None:
    stack = live_stack(speed=120)
    server = web(stack)

    def flowing() -> bool:
        body = requests.get(server.url + "/api/campaign.json", timeout=5).json()
        return not body["feed_delayed"] and sum(r["contacted"] for r in body["rows"]) > 0

    wait_for(flowing, what="live numbers")
    first, console = _dump(server.url + "/campaign", tmp_path / "p1")
    assert console == [], "\n".join(console)
    time.sleep(3)
    second, _ = _dump(server.url + "/campaign", tmp_path / "p2")

    def numbers(dom: str) -> tuple[str, list[str]]:
        asof = re.search(r'data-asof="([^"]+)"', dom)
        assert asof, f"the page drew no table:\n{dom[:2000]}"
        return asof.group(1), re.findall(r"<td>(\d+)</td>", dom)

    (asof1, cells1), (asof2, cells2) = numbers(first), numbers(second)
    assert "Connect rate" in first and "feed delayed" not in first.split("</table>")[0]
    assert cells1 and asof2 > asof1 and cells1 != cells2


def test_audiences_read_only_their_columns_and_rows(live_stack, web) -> None:
    stack = live_stack()
    wait_for(lambda: stack.collector.counters.ws_messages > 10, what="push traffic")
    internal = web(stack)
    division_id = next(g["division_id"] for g in stack.collector.reference["groups"] if g["division_id"])
    division_name = next(d["name"] for d in stack.collector.reference["divisions"] if d["id"] == division_id)
    partner = web(stack, f"bpo:{division_name}")
    supervisor = web(stack, "supervisor")
    for server, page, columns in (
        (internal, "campaign", LIVE_COLUMNS["internal"]["campaign"]),
        (supervisor, "campaign", LIVE_COLUMNS["supervisor"]["campaign"]),
        (supervisor, "supervisor", LIVE_COLUMNS["supervisor"]["supervisor"]),
    ):
        rows = requests.get(f"{server.url}/api/{page}.json", timeout=10).json()["rows"]
        assert rows and all(set(r) == set(columns) for r in rows)
    assert not any("ltv" in c or "revenue" in c for c in LIVE_COLUMNS["supervisor"]["campaign"])
    mine = requests.get(f"{partner.url}/api/supervisor.json", timeout=10).json()
    everyone = requests.get(f"{internal.url}/api/supervisor.json", timeout=10).json()
    ours = {g["group_id"] for g in stack.collector.reference["groups"] if g["division_id"] == division_id}
    assert mine["rows"] and {r["group_id"] for r in mine["rows"]} == ours
    assert len(everyone["rows"]) > len(mine["rows"])
    assert "recent_settled_calls" not in mine
    assert requests.get(f"{partner.url}/api/campaign.json", timeout=10).status_code == 403
    assert requests.get(f"{partner.url}/campaign", timeout=10).status_code == 403
