"""``cxlake live serve``: the live Campaign and Supervisor pages (Starlette on uvicorn).

- ``GET /`` index, ``GET /campaign``, ``GET /supervisor``: HTML pages that poll their JSON
  endpoint every ``refresh_s`` (default 5 s, at most 15 s) and redraw.
- ``GET /api/campaign.json``, ``GET /api/supervisor.json``: the live SQL's answer for the
  server's audience. Binds 127.0.0.1 unless told otherwise.

Audience rules are the batch dashboards' (``cxlake/dashboard/audience.py``): each
audience reads exactly the columns listed in :data:`LIVE_COLUMNS`; ``supervisor`` no
revenue, ``finance`` no agent identity, ``bpo:<division>`` only the Supervisor page,
only groups of that division, and no conversation ids. The live views carry no revenue
and no agent names at all; the lists make that a rule instead of a coincidence.
"""

from __future__ import annotations

import html
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from cxlake.dashboard.audience import BPO, Audience, parse_audience
from cxlake.live.metrics import LiveMetrics
from cxlake.live.store import read_reference

MAX_REFRESH_S = 15.0
_CAMPAIGN = (
    "campaign_id",
    "campaign_name",
    "contacted",
    "settled",
    "in_progress",
    "connected",
    "voicemail_count",
    "goal_completions",
    "connect_rate",
    "is_carried_forward",
    "carried_from_minutes_ago",
)
_GROUP = (
    "group_type",
    "group_id",
    "group_name",
    "members",
    "agents_on_queue",
    "available",
    "interacting",
    "not_responding",
    "inactive_licence_agents",
    "no_state_agents",
    "utilization_pct",
    "waiting",
    "calls_interacting",
)
LIVE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "internal": {"campaign": _CAMPAIGN, "supervisor": _GROUP},
    "supervisor": {"campaign": _CAMPAIGN, "supervisor": _GROUP},
    "finance": {"campaign": _CAMPAIGN, "supervisor": _GROUP},
    BPO: {"supervisor": _GROUP},
}
_HEADER = (
    "as_of_utc",
    "as_of_org",
    "org_time_zone",
    "feed_delayed",
    "seconds_since_last_row",
    "events",
    "window_minutes",
    "voicemail_counts_as_connect",
    "collector",
)


def view(
    snapshot: dict[str, Any], page: str, audience: Audience, divisions: dict[str, str]
) -> dict[str, Any]:
    """The part of a live snapshot ``audience`` may read for ``page``."""
    columns = LIVE_COLUMNS[audience.kind].get(page)
    if columns is None:
        raise PermissionError(f"audience '{audience.label}' may not read the live {page} page")
    rows = snapshot["campaigns"] if page == "campaign" else snapshot["groups"]
    if audience.kind == BPO:
        wanted = divisions.get(audience.partner or "", audience.partner)
        rows = [r for r in rows if r.get("division_id") == wanted]
    out = {key: snapshot[key] for key in _HEADER}
    out["rows"] = [{c: r.get(c) for c in columns} for r in rows]
    if audience.kind != BPO:
        out["recent_settled_calls"] = snapshot.get("recent_settled_calls", [])
    return out


def _page(title: str, page: str, refresh_s: float, audience: Audience) -> str:
    return (
        _PAGE.replace("{{TITLE}}", html.escape(title))
        .replace("{{PAGE}}", page)
        .replace("{{AUDIENCE}}", html.escape(audience.label))
        .replace("{{REFRESH_MS}}", str(int(refresh_s * 1000)))
    )


def create_app(
    store: Path, audience: str = "internal", refresh_s: float = 5.0, time_zone: str = "UTC"
) -> Starlette:
    who = parse_audience(audience)
    refresh_s = min(max(0.5, refresh_s), MAX_REFRESH_S)
    metrics = LiveMetrics(store, time_zone=time_zone)

    def divisions() -> dict[str, str]:
        return {d["name"]: d["id"] for d in read_reference(store).get("divisions", []) if d.get("name")}

    def data(page: str):
        def endpoint(request: Request) -> Response:
            try:
                return JSONResponse(view(metrics.snapshot(), page, who, divisions()))
            except PermissionError as exc:
                return JSONResponse({"error": str(exc)}, status_code=403)

        return endpoint

    def html_page(page: str, title: str):
        def endpoint(request: Request) -> Response:
            if LIVE_COLUMNS[who.kind].get(page) is None:
                return HTMLResponse(
                    f"audience {html.escape(who.label)} has no live {page} page", status_code=403
                )
            return HTMLResponse(_page(title, page, refresh_s, who))

        return endpoint

    def index(request: Request) -> Response:
        links = "".join(
            f'<li><a href="/{p}">{t}</a></li>'
            for p, t in (("campaign", "Live campaign KPIs"), ("supervisor", "Live supervisor"))
            if LIVE_COLUMNS[who.kind].get(p) is not None
        )
        return HTMLResponse(
            f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>cxlake live</title></head>"
            f"<body><h1>cxlake live views</h1><p>audience: {html.escape(who.label)}</p>"
            f"<ul>{links}</ul></body></html>"
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/campaign", html_page("campaign", "Live campaign KPIs")),
            Route("/supervisor", html_page("supervisor", "Live supervisor")),
            Route("/api/campaign.json", data("campaign")),
            Route("/api/supervisor.json", data("supervisor")),
        ]
    )


class LiveWebServer:
    """uvicorn in a background thread (tests, ``cxlake live demo``)."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, name="cxlake-live-web", daemon=True)

    def start(self) -> LiveWebServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live web server did not start")
            time.sleep(0.05)
        return self

    @property
    def url(self) -> str:
        socket = self.server.servers[0].sockets[0]
        host, port = socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(store: Path, host: str, port: int, audience: str, refresh_s: float, time_zone: str) -> None:
    app = create_app(store, audience, refresh_s, time_zone)
    print(f"cxlake live: http://{host}:{port}/ (audience {audience}, store {store})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{TITLE}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2937}
table{border-collapse:collapse;margin-top:1rem}
td,th{border:1px solid #d1d5db;padding:.3rem .6rem;text-align:right}
th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}
.delayed{background:#fef3c7;border:1px solid #f59e0b;padding:.5rem;display:none}
.flag{color:#92400e;font-size:.85em}.note{color:#6b7280;font-size:.9em}
</style></head><body>
<h1>{{TITLE}}</h1>
<p class="note">audience {{AUDIENCE}} &middot; as of <span id="asof">...</span> UTC
(<span id="asoforg"></span>) &middot; refreshed every {{REFRESH_MS}} ms &middot; <span id="mode"></span></p>
<div id="delayed" class="delayed">Feed delayed: no live data for <span id="lag"></span> s.
The numbers below are the last received, not zero.</div>
<div id="content">loading...</div>
<script>
"use strict";
const PAGE = "{{PAGE}}";
function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }
function pct(v) { return v === null || v === undefined ? "\\u2014" : (100 * v).toFixed(1) + "%"; }
function render(data) {
  document.getElementById("asof").textContent = data.as_of_utc;
  document.getElementById("asoforg").textContent = data.as_of_org;
  document.getElementById("mode").textContent = data.collector ? "collector: " + data.collector.mode : "";
  const delayed = document.getElementById("delayed");
  delayed.style.display = data.feed_delayed ? "block" : "none";
  document.getElementById("lag").textContent =
    data.seconds_since_last_row === null ? "ever" : Math.round(data.seconds_since_last_row);
  const table = document.createElement("table");
  const head = table.insertRow();
  const cols = PAGE === "campaign"
    ? ["Campaign", "Contacted", "Connected", "Voicemail", "In progress", "Connect rate", "Goal completions"]
    : ["Group", "Type", "On queue", "Available", "Interacting", "Not responding", "Utilization",
       "Inactive licence", "Waiting"];
  for (const c of cols) { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); }
  for (const r of data.rows) {
    const tr = table.insertRow();
    if (PAGE === "campaign") {
      tr.append(cell(r.campaign_name), cell(r.contacted), cell(r.connected), cell(r.voicemail_count),
                cell(r.in_progress));
      const rate = cell(data.feed_delayed ? "feed delayed" : pct(r.connect_rate));
      if (r.is_carried_forward && r.connect_rate !== null) {
        const flag = document.createElement("span"); flag.className = "flag";
        flag.textContent = " last stable (" + r.carried_from_minutes_ago + " min ago)";
        rate.appendChild(flag);
      }
      tr.append(rate, cell(r.goal_completions));
    } else {
      const util = r.utilization_pct === null ? "no agents on queue" : r.utilization_pct.toFixed(1) + "%";
      tr.append(cell(r.group_name), cell(r.group_type), cell(r.agents_on_queue), cell(r.available),
                cell(r.interacting), cell(r.not_responding), cell(data.feed_delayed ? "feed delayed" : util),
                cell(r.inactive_licence_agents), cell(r.waiting === null ? "" : r.waiting));
    }
    tr.dataset.id = r.campaign_id || r.group_id;
  }
  const content = document.getElementById("content");
  content.replaceChildren(table);
  content.dataset.asof = data.as_of_utc;
}
async function tick() {
  try {
    const response = await fetch("/api/" + PAGE + ".json", {cache: "no-store"});
    if (response.ok) { render(await response.json()); }
  } catch (e) { document.getElementById("mode").textContent = "live server unreachable"; }
}
tick();
setInterval(tick, {{REFRESH_MS}});
</script></body></html>
"""
