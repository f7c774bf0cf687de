"""Runs the live SQL (``live_sql/*.sql``) on the event store with an in-memory DuckDB.

Never opens the warehouse: every query gets a fresh in-memory connection that reads
the store's NDJSON segments (``read_json`` with ``ignore_errors``, so the cut last line
of a killed collector is skipped) and ``reference.json``, plus the dbt seed
``seeds/wrapup_code_goals.csv``. Settings shared with batch come from
``dbt_project.yml`` vars: ``voicemail_counts_as_connect`` and
``campaign_rolling_window_minutes`` (override with env ``CXLAKE_LIVE_VARS`` as JSON,
like ``cxlake build --vars``).

``feed_delayed``: no row at all (event, poll answer or heartbeat) for
``FEED_DELAYED_S`` (30 s): the pages then say "feed delayed" instead of showing KPIs.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml

from cxlake import duck
from cxlake.live.store import read_reference, recent_segments

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "live_sql"
GOALS_SEED = ROOT / "seeds" / "wrapup_code_goals.csv"
FEED_DELAYED_S = 30.0
LOOKBACK_MINUTES = 150.0  # segments read: the rolling window plus two hours of carry-forward

EVENT_COLUMNS = {
    "kind": "VARCHAR",
    "source": "VARCHAR",
    "received_at": "BIGINT",
    "conversation_id": "VARCHAR",
    "campaign_id": "VARCHAR",
    "queue_id": "VARCHAR",
    "contact_id": "VARCHAR",
    "started_at": "BIGINT",
    "ended_at": "BIGINT",
    "disposition": "VARCHAR",
    "agent_id": "VARCHAR",
    "wrapup_code": "VARCHAR",
    "user_id": "VARCHAR",
    "presence": "VARCHAR",
    "routing_status": "VARCHAR",
    "since": "BIGINT",
    "waiting": "BIGINT",
    "interacting": "BIGINT",
    "attempts": "BIGINT",
    "connects": "BIGINT",
    "idle_agents": "BIGINT",
    "outstanding_calls": "BIGINT",
    "mode": "VARCHAR",
    "message": "VARCHAR",
}


def project_vars() -> dict[str, Any]:
    """The dbt project's vars (the batch definitions' settings), overridden by ``CXLAKE_LIVE_VARS``."""
    with open(ROOT / "dbt_project.yml", encoding="utf-8") as handle:
        values = dict((yaml.safe_load(handle) or {}).get("vars") or {})
    override = os.environ.get("CXLAKE_LIVE_VARS")
    if override:
        values.update(json.loads(override))
    return values


def sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class LiveMetrics:
    """Live KPIs from the store; results are cached for ``cache_s`` so many readers cost one query."""

    def __init__(
        self,
        store: Path,
        time_zone: str = "UTC",
        lookback_minutes: float = LOOKBACK_MINUTES,
        cache_s: float = 0.5,
        variables: dict[str, Any] | None = None,
    ) -> None:
        self.store = Path(store)
        self.time_zone = time_zone
        self.lookback_minutes = lookback_minutes
        self.cache_s = cache_s
        settings = project_vars()
        settings.update(variables or {})
        self.voicemail_counts_as_connect = bool(settings.get("voicemail_counts_as_connect", False))
        self.window_minutes = int(settings.get("campaign_rolling_window_minutes", 15))
        self._lock = threading.Lock()
        self._cache: tuple[float, dict[str, Any]] | None = None

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory connection with the views the live SQL reads."""
        con = duck.connect()
        files = [str(p) for p in recent_segments(self.store, self.lookback_minutes)]
        columns = ", ".join(f"{name} {kind}" for name, kind in EVENT_COLUMNS.items())
        if files:
            spec = "{" + ", ".join(f"'{n}': '{k}'" for n, k in EVENT_COLUMNS.items()) + "}"
            con.execute(
                "create table live_events as select * from read_json(?, format = 'newline_delimited', "
                f"ignore_errors = true, columns = {spec})",
                [files],
            )
        else:
            con.execute(f"create table live_events ({columns})")
        ref = read_reference(self.store)
        con.execute(
            "create table ref_campaigns (campaign_id varchar, campaign_name varchar, division_id varchar)"
        )
        running = [
            [c["campaign_id"], c.get("campaign_name"), c.get("division_id")]
            for c in ref.get("campaigns", [])
            if c.get("status") in (None, "on")
        ]
        if running:
            con.executemany("insert into ref_campaigns values (?, ?, ?)", running)
        con.execute(
            "create table ref_groups "
            "(group_type varchar, group_id varchar, group_name varchar, division_id varchar)"
        )
        if ref.get("groups"):
            con.executemany(
                "insert into ref_groups values (?, ?, ?, ?)",
                [
                    [g["group_type"], g["group_id"], g.get("group_name"), g.get("division_id")]
                    for g in ref["groups"]
                ],
            )
        con.execute("create table ref_memberships (group_type varchar, group_id varchar, user_id varchar)")
        if ref.get("memberships"):
            con.executemany(
                "insert into ref_memberships values (?, ?, ?)",
                [[m["group_type"], m["group_id"], m["user_id"]] for m in ref["memberships"]],
            )
        con.execute("create table ref_users (user_id varchar, user_name varchar, has_active_licence boolean)")
        if ref.get("users"):
            con.executemany(
                "insert into ref_users values (?, ?, ?)",
                [
                    [u["user_id"], u.get("user_name"), bool(u.get("has_active_licence", True))]
                    for u in ref["users"]
                ],
            )
        con.execute(
            "create table wrapup_code_goals as select * from read_csv(?, header = true)", [str(GOALS_SEED)]
        )
        con.execute(f"create view live_calls as {sql_text('_calls')}")
        con.execute("set variable voicemail_counts_as_connect = ?", [self.voicemail_counts_as_connect])
        con.execute("set variable window_minutes = ?", [self.window_minutes])
        return con

    def _rows(self, con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
        cursor = con.execute(sql_text(name))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def snapshot(self) -> dict[str, Any]:
        """Everything the live pages show (cached for ``cache_s``)."""
        with self._lock:
            if self._cache is not None and time.monotonic() - self._cache[0] < self.cache_s:
                return self._cache[1]
            result = self._compute()
            self._cache = (time.monotonic(), result)
            return result

    def _compute(self) -> dict[str, Any]:
        con = self.connect()
        try:
            wall_ms = int(time.time() * 1000)
            newest_event, newest_received, rows = con.execute(
                "select max(greatest(coalesce(started_at, 0), coalesce(ended_at, 0), coalesce(since, 0))), "
                "max(received_at), count(*) from live_events"
            ).fetchone()
            as_of_ms = max(wall_ms, int(newest_event or 0))
            con.execute("set variable as_of_ms = ?", [as_of_ms])
            campaigns = self._rows(con, "campaign_live")
            supervisor = self._rows(con, "supervisor_live")
            recent = con.execute(
                "select conversation_id from live_calls where disposition is not null "
                "order by settled_received_at desc limit 200"
            ).fetchall()
            modes = con.execute(
                "select mode, message, received_at from live_events where kind = 'status' "
                "order by received_at desc limit 1"
            ).fetchall()
        finally:
            con.close()
        delayed_s = (wall_ms - newest_received) / 1000 if newest_received else None
        feed_delayed = delayed_s is None or delayed_s > FEED_DELAYED_S
        as_of = datetime.fromtimestamp(as_of_ms / 1000, UTC)
        return {
            "as_of_utc": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "as_of_org": as_of.astimezone(ZoneInfo(self.time_zone)).strftime("%Y-%m-%d %H:%M:%S %Z"),
            "org_time_zone": self.time_zone,
            "as_of_ms": as_of_ms,
            "generated_at_ms": wall_ms,
            "feed_delayed": feed_delayed,
            "seconds_since_last_row": delayed_s,
            "events": rows,
            "collector": {"mode": modes[0][0], "message": modes[0][1]} if modes else None,
            "window_minutes": self.window_minutes,
            "voicemail_counts_as_connect": self.voicemail_counts_as_connect,
            "campaigns": campaigns,
            "groups": supervisor,
            "recent_settled_calls": [r[0] for r in recent],
        }

    def intervals(self) -> list[dict[str, Any]]:
        """Live counts per closed 15-minute interval (for reconciliation with batch ``campaign_kpis``)."""
        con = self.connect()
        try:
            return self._rows(con, "campaign_live_intervals")
        finally:
            con.close()
