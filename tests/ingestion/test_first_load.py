"""A first load without ``--start`` asks only for the days where the thing existed.

Predictive Engagement analytics are read per thing and UTC day; a first run's window is
``initial_days`` (90) long. A campaign's days start at its ``createdDate`` and its
scorecard's, a scorecard's at its ``createdDate``: the simulator's log of analytics
requests must hold no day before them. A long read prints its progress (requests done,
left, and an estimate of the time).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

import ingestion.raw_resources as raw_resources
from ingestion.run import format_summary, run_ingest
from sandbox.generator.generate import generate
from sandbox.simulator.server import SandboxServer

PROGRESS = re.compile(
    r"predictive_engagement (campaign|scorecard)_analytics: (\d+)/(\d+) requests, (\d+) left, about .+ to go"
)


@pytest.fixture(scope="module")
def two_day_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("two_day_tenant")
    generate(out, days=2, start=date(2026, 10, 1), scale="small")
    return out


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)


def _day_ms(text: str) -> int:
    return _ms(text) // 86_400_000 * 86_400_000


def test_first_load_asks_no_day_before_the_thing_existed(
    two_day_tenant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(raw_resources, "PROGRESS_EVERY_S", 0.0)  # a line per request: the test is fast
    with SandboxServer(two_day_tenant, rate_limit_per_minute=0) as server:
        journey = server.app.journey
        summary = run_ingest(
            tmp_path / "w.duckdb",
            ["predictive_engagement"],
            sandbox_url=server.url,
            end=date(2026, 11, 1),  # no --start: the window is the 90 days before
            progress=True,
        )
        scorecards = {
            s["id"]: journey._scorecard_view(s)
            for s in journey.ctx.tenant.records("predictive_engagement", "scorecards")
        }
        campaigns = {c["id"]: c for c in journey.ctx.tenant.records("predictive_engagement", "campaigns")}
        active = dict(journey.active_versions)
        served_days = [
            r for r in journey.ctx.tenant.records("predictive_engagement", "scorecard_analytics")
            if r["modelVersion"] == active.get(r["scorecardId"])
        ]  # fmt: skip
    assert summary.ok, format_summary(summary)
    asked = journey.analytics_days
    assert any(kind == "scorecard" for kind, _, _ in asked) and any(
        kind == "campaign" for kind, _, _ in asked
    )

    def created(record: dict[str, Any]) -> int:
        return _day_ms(record["createdDate"]) if record.get("createdDate") else 0

    too_early = []
    for kind, thing, day in asked:
        if kind == "scorecard":
            first = created(scorecards[thing])
        else:
            campaign = campaigns[thing]
            first = max(created(campaign), created(scorecards.get(campaign.get("scorecardId"), {})))
        if day < first:
            too_early.append((kind, thing, day))
    assert too_early == [], f"{len(too_early)} analytics requests for a day before the thing existed"
    # nothing that exists was left out: every served scorecard day was loaded
    assert summary.rows["raw_predictive_engagement.scorecard_analytics"] == len(served_days)

    lines = [m for m in (PROGRESS.search(line) for line in capfd.readouterr().err.splitlines()) if m]
    assert lines, "no progress line with the requests left and an estimate"
    done, total, left = (int(lines[-1].group(i)) for i in (2, 3, 4))
    assert done + left == total and total > 0


def test_the_simulator_serves_a_scorecard_creation_date(two_day_tenant: Path) -> None:
    with SandboxServer(two_day_tenant, rate_limit_per_minute=0) as server:
        journey = server.app.journey
        views = [
            journey._scorecard_view(s)
            for s in journey.ctx.tenant.records("predictive_engagement", "scorecards")
        ]
    first_day = orjson.loads((two_day_tenant / "manifest.json").read_bytes())["period"]["start"]
    assert views and all(v.get("createdDate") for v in views)
    assert min(_ms(v["createdDate"]) for v in views) >= _ms(first_day)
