"""Open the rendered dashboards in headless Chromium: no console messages, plotly drew, not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from dashboard_inspect import figures
from dashboard_png import colour_summary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
)
PLOT_BACKGROUND = (229, 236, 246)  # plotly's default plot area colour: a chart was painted
PAGES = [("internal", stem) for stem in ("campaigns", "supervisor", "unified_cx", "journeys", "bpo_partner")]
PAGES.append(("bpo:Acme BPO", "bpo_partner"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="headless Chromium not found: `apt-get install chromium` to run"
    ),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


@pytest.mark.parametrize(("audience", "stem"), PAGES)
def test_page_opens_without_console_messages_and_draws_charts(
    rendered: dict[str, dict[str, Path]], tmp_path: Path, audience: str, stem: str
) -> None:
    page = rendered[audience][stem]
    shot = tmp_path / f"{stem}.png"
    run = _chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1400,1000",
        f"--screenshot={shot}",
        "--dump-dom",
        page.resolve().as_uri(),
    )
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [], f"{page} logged to the console:\n" + "\n".join(console)
    charts = len(figures(page))
    assert run.stdout.count('class="main-svg"') >= 2 * charts > 0  # plotly draws two svg layers per chart
    non_background, colours = colour_summary(shot)
    assert non_background > 0.2, f"{shot} is nearly blank"
    assert colours[PLOT_BACKGROUND] > 0.02 * 1400 * 1000, f"{shot} shows no chart area"
