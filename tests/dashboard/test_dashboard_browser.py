"""The fixture dashboards in headless Chromium: no console messages, plotly drew, charts on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_browser import CHROMIUM, SKIP_REASON, check_in_browser

PAGES = [("internal", stem) for stem in ("campaigns", "supervisor", "unified_cx", "journeys", "bpo_partner")]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]


@pytest.mark.parametrize(("audience", "stem"), PAGES)
def test_page_renders_in_chromium(
    rendered: dict[str, dict[str, Path]], tmp_path: Path, audience: str, stem: str
) -> None:
    check_in_browser(rendered[audience][stem], tmp_path)
