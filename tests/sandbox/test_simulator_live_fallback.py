"""Live mode answers what it does not simulate (idle campaigns, past intervals) from the batch
Genesys endpoints: the same bodies a batch server over the same tenant serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from sandbox.simulator.live import LiveOptions
from sandbox.simulator.server import SandboxServer

READ = ("cxlake-sandbox", "cxlake-sandbox-secret")


def _session(server: SandboxServer) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{server.url}/oauth/token", auth=READ, data={"grant_type": "client_credentials"})
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
    return session


def _campaign_ids(tenant: Path) -> list[str]:
    return [
        json.loads(line)["id"]
        for part in sorted((tenant / "genesys" / "campaigns").glob("*.ndjson"))
        for line in part.read_text().splitlines()
        if line.strip()
    ]


def _get(session: requests.Session, server: SandboxServer, path: str) -> Any:
    answer = session.get(server.url + path)
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
    return answer.json()


def test_idle_campaigns_and_past_details_come_from_the_batch_endpoints(small_tenant: Path) -> None:
    with (
        SandboxServer(small_tenant) as batch,
        SandboxServer(small_tenant, live=LiveOptions(speed=60)) as live,
    ):
        assert live.app.live is not None
        dialling = set(live.app.live.world.stats)
        idle = [campaign for campaign in _campaign_ids(small_tenant) if campaign not in dialling]
        assert idle, "the small tenant has campaigns that do not dial in live mode"
        batch_session, live_session = _session(batch), _session(live)
        for campaign in idle:
            for leaf in ("progress", "stats"):
                path = f"/api/v2/outbound/campaigns/{campaign}/{leaf}"
                assert _get(live_session, live, path) == _get(batch_session, batch, path)

        query = {"interval": "2026-10-02T00:00:00Z/2026-10-03T00:00:00Z", "paging": {"pageSize": 5}}
        path = "/api/v2/analytics/conversations/details/query"
        live_answer = live_session.post(live.url + path, json=query)
        batch_answer = batch_session.post(batch.url + path, json=query)
        assert live_answer.status_code == batch_answer.status_code == 200
        assert live_answer.json()["totalHits"] > 0
        assert live_answer.json() == batch_answer.json()
