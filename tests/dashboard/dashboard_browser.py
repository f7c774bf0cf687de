"""Open a dashboard file in headless Chromium and check it: no console messages, plotly drew, not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dashboard_inspect import figures
from dashboard_png import colour_summary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_REASON = "headless Chromium not found: `apt-get install chromium` to run the browser checks"
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
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1400,1000",
)
PLOT_BACKGROUND = (229, 236, 246)  # plotly's default plot area colour: a chart was painted


def check_in_browser(page: Path, work: Path) -> Path:
    """Load ``page`` once (DOM dump + screenshot); assert it renders cleanly; return the screenshot."""
    shot = work / f"{page.stem}.png"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={work / 'profile'}", f"--screenshot={shot}"]
    run = subprocess.run(
        [*command, "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [], f"{page} logged to the browser console:\n" + "\n".join(console)
    charts = len(figures(page))
    assert run.stdout.count('class="main-svg"') >= 2 * charts > 0, f"plotly did not draw {page}"
    non_background, colours = colour_summary(shot)
    assert non_background > 0.2, f"{shot} is nearly blank"
    assert colours[PLOT_BACKGROUND] > 0.02 * 1400 * 1000, f"{shot} shows no chart area"
    return shot
