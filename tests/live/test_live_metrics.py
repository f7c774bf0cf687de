"""The live SQL (live_sql/*.sql) on a hand-written store: definitions shared with batch."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from cxlake.live.metrics import ROOT, LiveMetrics
from cxlake.live.store import SegmentWriter, write_reference

PERSON = "disposition.classification.callable.person"
MACHINE = "disposition.classification.callable.machine"
BUSY = "disposition.classification.callable.busy"
SALE = "825a3000-e9e6-5095-8137-fa2f9dcb60d0"  # wrap-up code mapped to a goal by seeds/wrapup_code_goals.csv
CAMPAIGN = "c-1"


def _reference(store: Path) -> None:
    write_reference(
        store,
        {
            "campaigns": [
                {"campaign_id": CAMPAIGN, "campaign_name": "Test", "division_id": "d1", "status": "on"}
            ],
            "groups": [
                {"group_type": "skill_group", "group_id": "g1", "group_name": "Team", "division_id": "d1"},
                {"group_type": "queue", "group_id": "q-empty", "group_name": "Empty", "division_id": "d2"},
            ],
            "memberships": [
                {"group_type": "skill_group", "group_id": "g1", "user_id": u}
                for u in ("u1", "u2", "u3", "u4")
            ]
            + [{"group_type": "queue", "group_id": "q-empty", "user_id": "u5"}],
            "users": [
                {"user_id": "u1", "has_active_licence": True},
                {"user_id": "u2", "has_active_licence": True},
                {"user_id": "u3", "has_active_licence": False},
                {"user_id": "u4", "has_active_licence": True},
                {"user_id": "u5", "has_active_licence": True},
            ],
        },
    )


def _call(
    n: int, minutes_ago: float, disposition: str | None, wrapup: str | None = None, contact: str = ""
) -> dict:
    now = int(time.time() * 1000)
    started = now - int(minutes_ago * 60_000)
    return {
        "kind": "call",
        "source": "ws",
        "received_at": now,
        "conversation_id": f"conv-{n}",
        "campaign_id": CAMPAIGN,
        "contact_id": contact or f"contact-{n}",
        "started_at": started,
        "ended_at": started + 30_000 if disposition else None,
        "disposition": disposition,
        "wrapup_code": wrapup,
    }


def _store(tmp_path: Path, rows: list[dict]) -> Path:
    writer = SegmentWriter(tmp_path)
    for row in rows:
        writer.append(row)
    writer.close()
    _reference(tmp_path)
    return tmp_path


def _campaign(store: Path, **variables) -> dict:
    return LiveMetrics(store, cache_s=0, variables=variables).snapshot()["campaigns"][0]


def test_defaults_are_the_dbt_project_vars(tmp_path: Path) -> None:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    metrics = LiveMetrics(tmp_path)
    assert metrics.voicemail_counts_as_connect is bool(project["voicemail_counts_as_connect"])
    assert metrics.window_minutes == int(project["campaign_rolling_window_minutes"])


def test_connect_rate_follows_the_voicemail_policy_and_leaves_calls_in_progress_out(tmp_path: Path) -> None:
    # a call started 2 min ago is only "in progress" (no disposition yet); one 20 min ago is outside
    rows = [
        _call(1, 3, PERSON),
        _call(2, 4, MACHINE),
        _call(3, 5, BUSY),
        _call(4, 2, None),
        _call(5, 20, PERSON),
    ]
    store = _store(tmp_path, rows)
    strict = _campaign(store, voicemail_counts_as_connect=False)
    assert (strict["contacted"], strict["settled"], strict["in_progress"]) == (4, 3, 1)
    assert (strict["connected"], strict["voicemail_count"]) == (1, 1)
    assert strict["connect_rate"] == pytest.approx(1 / 3) and not strict["is_carried_forward"]
    lenient = _campaign(store, voicemail_counts_as_connect=True)
    assert lenient["connected"] == 2 and lenient["connect_rate"] == pytest.approx(2 / 3)


def test_goal_completions_count_each_contact_and_goal_once(tmp_path: Path) -> None:
    rows = [_call(1, 3, PERSON, SALE, "same"), _call(2, 4, PERSON, SALE, "same"), _call(3, 5, PERSON, SALE)]
    assert _campaign(_store(tmp_path, rows))["goal_completions"] == 2


def test_an_empty_window_carries_the_last_stable_rate_flagged(tmp_path: Path) -> None:
    rows = [_call(1, 24.5, PERSON), _call(2, 24.7, BUSY)]  # nothing in the last 15 minutes
    row = _campaign(_store(tmp_path, rows))
    assert row["contacted"] == 0 and row["is_carried_forward"]
    assert row["connect_rate"] == pytest.approx(0.5)
    assert 9 <= row["carried_from_minutes_ago"] <= 11  # the newest window that still held those calls


def test_no_rows_for_30_seconds_is_feed_delayed_not_zero(tmp_path: Path) -> None:
    row = _call(1, 3, PERSON)
    row["received_at"] -= 31_000
    snapshot = LiveMetrics(_store(tmp_path, [row]), cache_s=0).snapshot()
    assert snapshot["feed_delayed"] and snapshot["seconds_since_last_row"] >= 30
    assert LiveMetrics(_store(tmp_path / "empty", []), cache_s=0).snapshot()["feed_delayed"]


def test_supervisor_counts_licences_and_never_shows_zero_for_nobody_on_queue(tmp_path: Path) -> None:
    now = int(time.time() * 1000)

    def user(user_id: str, presence: str, routing: str, received: int = now) -> dict:
        row = {"kind": "user", "source": "ws", "received_at": received, "user_id": user_id}
        return {**row, "presence": presence, "routing_status": routing, "since": now}

    rows = [
        user("u1", "ON_QUEUE", "INTERACTING", now - 5000),
        user("u1", "ON_QUEUE", "IDLE"),  # the latest row wins
        user("u2", "ON_QUEUE", "INTERACTING"),
        user("u3", "ON_QUEUE", "INTERACTING"),  # no active licence: its own column only
        user("u5", "BREAK", "OFF_QUEUE"),
    ]
    groups = {g["group_id"]: g for g in LiveMetrics(_store(tmp_path, rows), cache_s=0).snapshot()["groups"]}
    team = groups["g1"]
    assert (team["agents_on_queue"], team["available"], team["interacting"]) == (2, 1, 1)
    assert team["inactive_licence_agents"] == 1 and team["no_state_agents"] == 1  # u4 never reported
    assert team["utilization_pct"] == 50.0
    assert groups["q-empty"]["agents_on_queue"] == 0 and groups["q-empty"]["utilization_pct"] is None
