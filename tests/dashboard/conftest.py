"""Fixtures of the dashboard tests: a fixture publication and its dashboards for every audience."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_fixture_marts import AUDIENCES, build_publication

from cxlake.dashboard import render


@pytest.fixture(scope="session")
def publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_publication(tmp_path_factory.mktemp("dashboard_publication"))


@pytest.fixture(scope="session")
def rendered(publication: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """``{audience: {file stem: path}}`` rendered once per session from the fixture publication."""
    out = tmp_path_factory.mktemp("dashboards")
    result: dict[str, dict[str, Path]] = {}
    for index, audience in enumerate(AUDIENCES):
        paths = render(audience, out / f"audience-{index}", published=publication)
        result[audience] = {path.stem: path for path in paths}
    return result
