"""Contract tests of the sandbox API simulator, over real HTTP against the small tenant.

Expected values come from the generated files and ``manifest.json``, never from
the simulator itself.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.simulator.server import SandboxServer

READ = ("cxlake-sandbox", "cxlake-sandbox-secret")
ADMIN = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")
DETAILS = "/api/v2/analytics/conversations/details"
SF = "/services/data/v62.0"
TRANSIENT = {429, 500, 502, 503, 504}


def read_records(tenant: Path, source: str, resource: str) -> list[dict[str, Any]]:
    records = []
    for part in sorted((tenant / source / resource).glob("*.ndjson")):
        records += [json.loads(line) for line in part.read_text().splitlines() if line.strip()]
    return records


def manifest(tenant: Path) -> dict[str, Any]:
    return json.loads((tenant / "manifest.json").read_text())


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))


class Client:
    """A minimal correct client: retries transient answers, re-authenticates once on 401."""

    def __init__(self, base: str, client: tuple[str, str] = READ, retry: bool = True) -> None:
        self.base = base
        self.client = client
        self.retry = retry
        self.session = requests.Session()
        self.statuses: list[int] = []
        self.page_lengths: list[int] = []  # of the last jobs result set
        self.token = self.genesys_token()
        self.sf_token = ""

    def genesys_token(self) -> str:
        response = self.session.post(
            self.base + "/oauth/token", auth=self.client, data={"grant_type": "client_credentials"}
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def salesforce_login(self) -> dict[str, Any]:
        response = self.session.post(
            self.base + "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client[0],
                "client_secret": self.client[1],
            },
        )
        assert response.status_code == 200, response.text
        self.sf_token = response.json()["access_token"]
        return response.json()

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        salesforce = path.startswith(("/services/", SF))
        url = path if path.startswith("http") else self.base + path
        reauthed = False
        extra = kwargs.pop("headers", {})
        for _ in range(60):
            token = self.sf_token if salesforce else self.token
            headers = {"Authorization": f"Bearer {token}", **extra}
            response = self.session.request(method, url, headers=headers, **kwargs)
            self.statuses.append(response.status_code)
            if response.status_code == 401 and not reauthed:
                reauthed = True
                if salesforce:
                    self.salesforce_login()
                else:
                    self.token = self.genesys_token()
                continue
            if not self.retry or response.status_code not in TRANSIENT:
                return response
        raise AssertionError(f"{method} {path}: still failing after retries")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def follow(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Pages of a Genesys entity list, following ``nextUri``, else the next ``pageNumber``
        while ``pageCount`` says there are more (a listing without paging links)."""
        query = dict(params or {})
        response = self.get(path, params=query)
        while True:
            assert response.status_code == 200, response.text
            page = response.json()
            yield page
            if page.get("nextUri"):
                response = self.get(page["nextUri"])
            elif "pageCount" in page and page["pageNumber"] < page["pageCount"]:
                query |= {"pageSize": page["pageSize"], "pageNumber": page["pageNumber"] + 1}
                response = self.get(path, params=query)
            else:
                return

    def job_conversations(self, interval: str, page_size: int = 1000) -> list[dict[str, Any]]:
        job_id = self.post(f"{DETAILS}/jobs", {"interval": interval}).json()["jobId"]
        while self.get(f"{DETAILS}/jobs/{job_id}").json()["state"] != "FULFILLED":
            pass
        conversations: list[dict[str, Any]] = []
        params: dict[str, Any] = {"pageSize": page_size}
        self.page_lengths = []
        while True:
            page = self.get(f"{DETAILS}/jobs/{job_id}/results", params=params).json()
            conversations += page.get("conversations") or []
            self.page_lengths.append(len(page.get("conversations") or []))
            if "cursor" not in page:
                return conversations
            params = {"pageSize": page_size, "cursor": page["cursor"]}

    def soql(self, query: str, endpoint: str = "query", batch: int | None = None) -> tuple[list[dict], int]:
        headers = {"Sforce-Query-Options": f"batchSize={batch}"} if batch else {}
        page = self.get(f"{SF}/{endpoint}", params={"q": query}, headers=headers).json()
        records, pages = list(page["records"]), 1
        while not page["done"]:
            page = self.get(page["nextRecordsUrl"], headers=headers).json()
            records += page["records"]
            pages += 1
        return records, pages


@pytest.fixture
def server(sandbox_server: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_server()


@pytest.fixture
def client(server: SandboxServer) -> Client:
    return Client(server.url)


def period(tenant: Path) -> tuple[datetime, datetime]:
    found = manifest(tenant)["period"]
    return parse_ts(found["start"]), parse_ts(found["end"])


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- OAuth, tokens, scopes, rate limits -------------------------------------------------------


def test_tokens_scopes_and_bad_credentials(server: SandboxServer) -> None:
    session = requests.Session()
    good = session.post(server.url + "/oauth/token", auth=READ, data={"grant_type": "client_credentials"})
    assert good.status_code == 200
    body = good.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399
    assert "analytics:readonly" in body["scope"].split() and "contacts:write" not in body["scope"].split()
    admin = session.post(server.url + "/oauth/token", auth=ADMIN, data={"grant_type": "client_credentials"})
    assert "contacts:write" in admin.json()["scope"].split()
    bad = session.post(
        server.url + "/oauth/token", auth=(READ[0], "wrong"), data={"grant_type": "client_credentials"}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"

    salesforce = Client(server.url).salesforce_login()
    assert salesforce["instance_url"] == server.url and "expires_in" not in salesforce
    refused = session.post(
        server.url + "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": READ[0], "client_secret": "nope"},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"


def test_missing_bad_and_expired_tokens(sandbox_server: Callable[..., SandboxServer]) -> None:
    server = sandbox_server(token_lifetime_s=1)
    url = server.url + "/api/v2/routing/skills"
    missing = requests.get(url)
    assert missing.status_code == 401 and missing.json()["code"] == "authentication.required"
    bad = requests.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.json()["code"] == "bad.credentials"
    sf_bad = requests.get(
        server.url + f"{SF}/query",
        params={"q": "SELECT Id FROM Account"},
        headers={"Authorization": "Bearer nope"},
    )
    assert sf_bad.status_code == 401 and sf_bad.json()[0]["errorCode"] == "INVALID_SESSION_ID"

    client = Client(server.url, retry=False)
    assert client.get("/api/v2/routing/skills").status_code == 200
    expired_token = client.token
    time.sleep(1.2)
    expired = requests.get(url, headers={"Authorization": f"Bearer {expired_token}"})
    assert expired.status_code == 401 and expired.json()["code"] == "bad.credentials"
    # the client's re-auth-once-on-401 path gets a fresh token and succeeds
    assert client.get("/api/v2/routing/skills").status_code == 200
    assert client.statuses[-2:] == [401, 200] and client.token != expired_token


def test_missing_scope_is_403_and_admin_can_post_events(server: SandboxServer, small_tenant: Path) -> None:
    generated = read_records(small_tenant, "genesys", "conversion_events")
    event = {
        "eventType": "goalCompletion",
        "data": {
            "goalId": "goal_purchase_001",
            "campaignId": "c1",
            "timestamp": 1790000000000,
            "value": 1,
            "metadata": {"transactionId": "TXN-1", "channel": "web_form"},
        },
    }
    reader = Client(server.url, retry=False)
    refused = reader.post("/api/v2/contacts/contact-1/events", event)
    assert refused.status_code == 403 and refused.json()["code"] == "missing.permissions"
    admin = Client(server.url, client=ADMIN, retry=False)
    accepted = admin.post("/api/v2/contacts/contact-1/events", event)
    assert accepted.status_code == 202 and accepted.json()["contactId"] == "contact-1"
    invalid = admin.post("/api/v2/contacts/contact-1/events", {"eventType": "goalCompletion", "data": {}})
    assert invalid.status_code == 400 and "data.goalId" in invalid.json()["message"]
    listed = [
        e for page in reader.follow("/api/v2/contacts/events", {"pageSize": 100}) for e in page["entities"]
    ]
    assert len(listed) == len(generated) + 1
    assert listed[-1]["data"]["metadata"]["transactionId"] == "TXN-1"


def test_rate_limit_429_with_retry_after_and_headers(sandbox_server: Callable[..., SandboxServer]) -> None:
    server = sandbox_server(rate_limit_per_minute=3)
    client = Client(server.url, retry=False)
    counts = []
    for _ in range(3):
        response = client.get("/api/v2/routing/skills")
        assert response.status_code == 200
        assert response.headers["inin-ratelimit-allowed"] == "3"
        counts.append(int(response.headers["inin-ratelimit-count"]))
        assert 0 < int(response.headers["inin-ratelimit-reset"]) <= 60
    assert counts == [1, 2, 3]
    throttled = client.get("/api/v2/routing/skills")
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["Retry-After"])
    body = throttled.json()
    assert 0 < retry_after <= 60 and body["code"] == "too.many.requests" and body["status"] == 429
    assert body["contextId"] == throttled.headers["ININ-Correlation-Id"]
    assert body["message"] == f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
    # limits are per token: a new token has its own window
    assert Client(server.url, retry=False).get("/api/v2/routing/skills").status_code == 200


def test_salesforce_request_limit(sandbox_server: Callable[..., SandboxServer]) -> None:
    server = sandbox_server(salesforce_request_limit=2)
    client = Client(server.url, retry=False)
    client.salesforce_login()
    for _ in range(2):
        assert client.get(f"{SF}/query", params={"q": "SELECT Id FROM Account LIMIT 1"}).status_code == 200
    spent = client.get(f"{SF}/query", params={"q": "SELECT Id FROM Account LIMIT 1"})
    assert spent.status_code == 403 and spent.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


# --- conversation details query and jobs --------------------------------------------------------


def test_details_query_pages_one_day_without_attributes(client: Client, small_tenant: Path) -> None:
    start, end = period(small_tenant)
    day = start + timedelta(days=2)
    # an interval inside the day: the query still matches conversations started anywhere on that UTC day
    interval = f"{iso(day + timedelta(hours=9))}/{iso(day + timedelta(hours=10))}"
    expected = sorted(
        (c["conversationStart"], c["conversationId"])
        for c in read_records(small_tenant, "genesys", "conversations")
        if parse_ts(c["conversationStart"]).date() == day.date()
    )
    seen: list[tuple[str, str]] = []
    number = 1
    while True:
        page = client.post(
            f"{DETAILS}/query", {"interval": interval, "paging": {"pageSize": 25, "pageNumber": number}}
        ).json()
        assert page["totalHits"] == len(expected)
        if "conversations" not in page:
            break
        assert len(page["conversations"]) <= 25
        assert all("attributes" not in p for c in page["conversations"] for p in c["participants"])
        seen += [(c["conversationStart"], c["conversationId"]) for c in page["conversations"]]
        number += 1
    assert number > 3  # several pages
    assert seen == expected  # every conversation once, ordered by conversationStart


def test_details_query_limits_and_in_flight(client: Client, small_tenant: Path) -> None:
    start, end = period(small_tenant)
    too_long = client.post(f"{DETAILS}/query", {"interval": f"{iso(start)}/{iso(start + timedelta(days=8))}"})
    assert too_long.status_code == 400 and "7 days" in too_long.json()["message"]
    too_big = client.post(
        f"{DETAILS}/query",
        {"interval": f"{iso(start)}/{iso(start + timedelta(days=1))}", "paging": {"pageSize": 101}},
    )
    assert too_big.status_code == 400 and "paging.pageSize" in too_big.json()["message"]
    in_flight = manifest(small_tenant)["totals"]["genesys"]["conversations_in_flight"]
    assert in_flight > 0
    last_week = f"{iso(end - timedelta(days=7))}/{iso(end)}"  # the cap is inclusive
    found, number = 0, 1
    while "conversations" in (
        page := client.post(
            f"{DETAILS}/query", {"interval": last_week, "paging": {"pageSize": 100, "pageNumber": number}}
        ).json()
    ):
        found += sum(1 for c in page["conversations"] if "conversationEnd" not in c)
        number += 1
    assert found == in_flight


def test_jobs_lifecycle_with_attributes(client: Client, small_tenant: Path) -> None:
    start, end = period(small_tenant)
    facts = manifest(small_tenant)
    assert client.get(f"{DETAILS}/jobs/availability").json() == {
        "dataAvailabilityDate": facts["data_availability_date"]
    }
    interval = f"{iso(start)}/{iso(end)}"
    job_id = client.post(f"{DETAILS}/jobs", {"interval": interval}).json()["jobId"]
    early = client.get(f"{DETAILS}/jobs/{job_id}/results")
    assert early.status_code == 400
    states = [client.get(f"{DETAILS}/jobs/{job_id}").json()["state"] for _ in range(2)]
    assert states == ["QUEUED", "FULFILLED"]
    conversations: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pageSize": 1000}
    while True:
        page = client.get(f"{DETAILS}/jobs/{job_id}/results", params=params).json()
        conversations += page["conversations"]
        if "cursor" not in page:
            break
        params["cursor"] = page["cursor"]
    ids = [c["conversationId"] for c in conversations]
    assert len(ids) == len(set(ids)) == facts["counts"]["genesys"]["conversations"]
    with_attributes = sum(1 for c in conversations if any("attributes" in p for p in c["participants"]))
    assert with_attributes == facts["totals"]["genesys"]["conversations_with_attributes"]
    handle = sum(
        m["value"]
        for c in conversations
        for p in c["participants"]
        for s in p["sessions"]
        for m in s.get("metrics", [])
        if m["name"] == "tHandle"
    )
    assert handle == facts["totals"]["genesys"]["sum_t_handle_ms"]
    bad_cursor = client.get(f"{DETAILS}/jobs/{job_id}/results", params={"cursor": "bm9wZQ"})
    assert bad_cursor.status_code == 400
    assert client.call("DELETE", f"{DETAILS}/jobs/{job_id}").status_code == 204
    assert client.get(f"{DETAILS}/jobs/{job_id}").json()["state"] == "CANCELLED"
    assert client.get(f"{DETAILS}/jobs/unknown-job").status_code == 404


def test_jobs_match_overlapping_conversations(client: Client, small_tenant: Path) -> None:
    start, _ = period(small_tenant)
    window_start, window_end = start + timedelta(days=3, hours=12), start + timedelta(days=3, hours=13)
    expected = {
        c["conversationId"]
        for c in read_records(small_tenant, "genesys", "conversations")
        if parse_ts(c["conversationStart"]) < window_end
        and ("conversationEnd" not in c or parse_ts(c["conversationEnd"]) > window_start)
    }
    found = client.job_conversations(f"{iso(window_start)}/{iso(window_end)}", page_size=50)
    assert {c["conversationId"] for c in found} == expected and len(found) == len(expected) > 0


def test_availability_lag_hides_recent_conversations(
    sandbox_server: Callable[..., SandboxServer], small_tenant: Path
) -> None:
    client = Client(sandbox_server(availability_lag_hours=48).url)
    available = parse_ts(client.get(f"{DETAILS}/jobs/availability").json()["dataAvailabilityDate"])
    start, end = period(small_tenant)
    assert available == end - timedelta(hours=48)
    found = client.job_conversations(f"{iso(end - timedelta(days=4))}/{iso(end)}")
    assert found and max(parse_ts(c["conversationStart"]) for c in found) < available


# --- entity lists -------------------------------------------------------------------------------


def test_entity_lists_page_to_the_end(client: Client, small_tenant: Path) -> None:
    users = read_records(small_tenant, "genesys", "users")
    for state, expected in (
        ("active", [u["id"] for u in users if u["state"] == "active"]),
        ("inactive", [u["id"] for u in users if u["state"] == "inactive"]),
        ("any", [u["id"] for u in users]),
    ):
        pages = list(client.follow("/api/v2/users", {"pageSize": 7, "state": state}))
        assert [u["id"] for page in pages for u in page["entities"]] == expected
        assert pages[-1]["pageNumber"] == pages[-1]["pageCount"] and "nextUri" not in pages[-1]
        assert all(page["total"] == len(expected) for page in pages)
    default = client.get("/api/v2/users").json()
    assert default["pageSize"] == 25 and all(u["state"] == "active" for u in default["entities"])


def test_license_users_page_by_number_without_links(client: Client, small_tenant: Path) -> None:
    licences = read_records(small_tenant, "genesys", "user_licenses")
    pages = list(client.follow("/api/v2/license/users", {"pageSize": 7}))
    assert len(pages) == -(-len(licences) // 7) > 1
    assert [e["id"] for page in pages for e in page["entities"]] == [r["id"] for r in licences]
    for page in pages:  # the keys of the SDK's UserLicensesEntityListing, no paging links
        assert set(page) == {"entities", "pageSize", "pageNumber", "total", "pageCount"}
    assert [page["pageNumber"] for page in pages] == list(range(1, len(pages) + 1))
    assert client.get("/api/v2/users", params={"state": "gone"}).status_code == 400

    groups = read_records(small_tenant, "genesys", "skill_groups")
    fetched = [
        g["id"]
        for page in client.follow("/api/v2/routing/skillgroups", {"pageSize": 2})
        for g in page["entities"]
    ]
    assert fetched == [g["id"] for g in groups]

    members = read_records(small_tenant, "genesys", "queue_members")
    queue_id = members[0]["queueId"]
    listed = [
        m
        for page in client.follow(f"/api/v2/routing/queues/{queue_id}/members", {"pageSize": 5})
        for m in page["entities"]
    ]
    assert [m["id"] for m in listed] == [m["id"] for m in members if m["queueId"] == queue_id]
    assert all("queueId" not in m for m in listed)
    assert client.get("/api/v2/routing/queues/no-such-queue/members").status_code == 404

    campaign = read_records(small_tenant, "genesys", "campaigns")[0]
    progress = client.get(f"/api/v2/outbound/campaigns/{campaign['id']}/progress").json()
    assert progress["campaign"]["id"] == campaign["id"]
    stats = client.get(f"/api/v2/outbound/campaigns/{campaign['id']}/stats").json()
    assert "contactRate" in stats and "campaignId" not in stats


def test_users_details_query(client: Client, small_tenant: Path) -> None:
    start, _ = period(small_tenant)
    window = (start + timedelta(days=1), start + timedelta(days=2))
    expected: dict[str, int] = {}
    for record in read_records(small_tenant, "genesys", "user_routing_statuses"):
        if parse_ts(record["startTime"]) < window[1] and (
            not record.get("endTime") or parse_ts(record["endTime"]) > window[0]
        ):
            expected[record["userId"]] = expected.get(record["userId"], 0) + 1
    found: dict[str, int] = {}
    number = 1
    while "userDetails" in (
        page := client.post(
            "/api/v2/analytics/users/details/query",
            {
                "interval": f"{iso(window[0])}/{iso(window[1])}",
                "paging": {"pageSize": 10, "pageNumber": number},
            },
        ).json()
    ):
        found.update(
            {d["userId"]: len(d["routingStatus"]) for d in page["userDetails"] if d["routingStatus"]}
        )
        number += 1
    assert found == expected and found


# --- Salesforce -------------------------------------------------------------------------------


def test_soql_paging_query_and_query_all(client: Client, small_tenant: Path) -> None:
    client.salesforce_login()
    accounts = read_records(small_tenant, "salesforce", "accounts")
    live = [a for a in accounts if not a["IsDeleted"]]
    assert len(live) < len(accounts)
    records, pages = client.soql(
        "SELECT Id, Name, Owner.Name, SystemModstamp FROM Account ORDER BY Id", batch=200
    )
    assert [r["Id"] for r in records] == sorted((a["Id"] for a in live), key=str.lower)
    assert pages == -(-len(live) // 200)
    assert records[0]["attributes"]["type"] == "Account" and set(records[0]["Owner"]) == {
        "attributes",
        "Name",
    }
    all_records, _ = client.soql("SELECT Id, IsDeleted FROM Account", endpoint="queryAll")
    assert len(all_records) == len(accounts) and sum(r["IsDeleted"] for r in all_records) == len(
        accounts
    ) - len(live)

    cutoff = sorted(a["SystemModstamp"] for a in live)[len(live) // 2]
    newer, _ = client.soql(
        f"SELECT Id FROM Account WHERE SystemModstamp > {cutoff.replace('.000+0000', 'Z')}"
    )
    assert {r["Id"] for r in newer} == {
        a["Id"] for a in live if parse_ts(a["SystemModstamp"]) > parse_ts(cutoff)
    }
    two = [a["Id"] for a in live[:2]]
    chosen, _ = client.soql(f"SELECT Id, Account_Tier__c FROM Account WHERE Id IN ('{two[0]}', '{two[1]}')")
    assert sorted(r["Id"] for r in chosen) == sorted(two)

    malformed = client.get(f"{SF}/query", params={"q": "SELECT FROM Account"})
    assert malformed.status_code == 400 and malformed.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = client.get(f"{SF}/query", params={"q": "SELECT Id, Nope__c FROM Account"})
    assert unknown.status_code == 400 and unknown.json()[0]["errorCode"] == "INVALID_FIELD"


def test_patch_moves_system_modstamp_and_writes_history(client: Client, small_tenant: Path) -> None:
    client.salesforce_login()
    _, end = period(small_tenant)
    account = next(a for a in read_records(small_tenant, "salesforce", "accounts") if not a["IsDeleted"])
    new_tier = "Strategic" if account["Account_Tier__c"] != "Strategic" else "SMB"
    patched = client.call(
        "PATCH", f"{SF}/sobjects/Account/{account['Id']}", json={"Account_Tier__c": new_tier}
    )
    assert patched.status_code == 204
    changed, _ = client.soql(
        f"SELECT Id, Account_Tier__c, SystemModstamp FROM Account "
        f"WHERE SystemModstamp > {iso(end).replace('.000', '')}"
    )
    assert [r["Id"] for r in changed] == [account["Id"]] and changed[0]["Account_Tier__c"] == new_tier
    assert parse_ts(changed[0]["SystemModstamp"]) > end
    history, _ = client.soql(
        f"SELECT Id, OldValue, NewValue FROM AccountHistory WHERE AccountId = '{account['Id']}' "
        "ORDER BY CreatedDate DESC LIMIT 1"
    )
    assert (history[0]["OldValue"], history[0]["NewValue"]) == (account["Account_Tier__c"], new_tier)
    refused = client.call("PATCH", f"{SF}/sobjects/Account/{account['Id']}", json={"SystemModstamp": "x"})
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


# --- Predictive Engagement ----------------------------------------------------------------------


def test_campaign_steps_page_only_through_next_page_uri(client: Client, small_tenant: Path) -> None:
    start, _ = period(small_tenant)
    analytics = read_records(small_tenant, "predictive_engagement", "campaign_analytics")
    campaign_id = analytics[0]["campaignId"]
    days = sorted(
        (
            a
            for a in analytics
            if a["campaignId"] == campaign_id and start <= parse_ts(a["dateFrom"]) < start + timedelta(days=3)
        ),
        key=lambda a: a["dateFrom"],
    )
    expected = [(a["dateFrom"], s["stepId"]) for a in days for s in a["steps"]]
    response = client.get(
        f"/api/v2/predictive-engagement/campaigns/{campaign_id}/analytics",
        params={
            "dateFrom": iso(start),
            "dateTo": iso(start + timedelta(days=3)),
            "groupBy": "step",
            "pageSize": 2,
        },
    )
    seen, pages = [], 0
    while True:
        page = response.json()
        pages += 1
        seen += [(page["dateFrom"], s["stepId"]) for s in page["steps"]]
        if page["nextPageUri"] is None:
            break
        response = client.get(page["nextPageUri"])
    assert seen == expected and pages > 3


def test_scorecard_serves_active_version_and_retrains(client: Client, small_tenant: Path) -> None:
    versions: dict[str, set[str]] = {}
    rows = read_records(small_tenant, "predictive_engagement", "scorecard_analytics")
    for row in rows:
        versions.setdefault(row["scorecardId"], set()).add(row["modelVersion"])
    scorecard_id = next(key for key, found in versions.items() if {"v1", "v2"} <= found)
    day = min(r["dateFrom"] for r in rows if r["scorecardId"] == scorecard_id)
    by_version = {
        r["modelVersion"]: r for r in rows if r["scorecardId"] == scorecard_id and r["dateFrom"] == day
    }
    params = {"dateFrom": day, "dateTo": iso(parse_ts(day) + timedelta(days=1)), "metric": "performance"}
    path = f"/api/v2/predictive-engagement/scorecards/{scorecard_id}"
    assert client.get(f"{path}/analytics", params=params).json() == by_version["v1"]
    assert client.get(path).json()["modelVersion"] == "v1"
    assert client.post(f"{path}/retrain").status_code == 403
    admin = Client(client.base, client=ADMIN)
    answer = admin.post(f"{path}/retrain")
    assert answer.status_code == 202 and answer.json()["modelVersion"] == "v2"
    assert client.get(f"{path}/analytics", params=params).json() == by_version["v2"]
    assert client.get(path).json()["modelVersion"] == "v2"


def test_journey_endpoints(client: Client, small_tenant: Path) -> None:
    for path, resource in (("outcomes", "outcomes"), ("segments", "segments"), ("actionmaps", "action_maps")):
        listed = [
            e["id"]
            for page in client.follow(f"/api/v2/journey/{path}", {"pageSize": 2})
            for e in page["entities"]
        ]
        assert listed == [e["id"] for e in read_records(small_tenant, "predictive_engagement", resource)]
    start, end = period(small_tenant)
    rows = read_records(small_tenant, "predictive_engagement", "journey_aggregates")
    expected = sum(
        m["stats"]["count"]
        for r in rows
        for d in r["data"]
        for m in d["metrics"]
        if m["metric"] == "nWebActionsOffered"
    )
    answer = client.post(
        "/api/v2/analytics/journeys/aggregates/query",
        {
            "interval": f"{iso(start)}/{iso(end)}",
            "granularity": "P1D",
            "groupBy": ["journeyActionMapId"],
            "metrics": ["nWebActionsOffered"],
        },
    ).json()
    assert (
        sum(m["stats"]["count"] for r in answer["results"] for d in r["data"] for m in d["metrics"])
        == expected
    )


def test_predictive_engagement_can_be_absent(sandbox_server: Callable[..., SandboxServer]) -> None:
    client = Client(sandbox_server(predictive_engagement=False).url)
    assert client.get("/api/v2/predictive-engagement/campaigns").status_code == 404
    assert client.get("/api/v2/journey/outcomes").status_code == 404
    assert client.get("/api/v2/routing/skills").status_code == 200


# --- aggregates -------------------------------------------------------------------------------


def test_aggregates_sum_matches_conversations(client: Client, small_tenant: Path) -> None:
    start, end = period(small_tenant)
    conversations = read_records(small_tenant, "genesys", "conversations")
    offered = sum(
        m["value"]
        for c in conversations
        for p in c["participants"]
        if p["purpose"] == "acd"
        for s in p["sessions"]
        for m in s.get("metrics", [])
        if m["name"] == "nOffered"
    )
    handle = manifest(small_tenant)["totals"]["genesys"]["sum_t_handle_ms"]
    interval = f"{iso(start - timedelta(days=1))}/{iso(end + timedelta(days=2))}"
    for granularity, zone in (("PT30M", "UTC"), ("P1D", "Asia/Manila")):
        answer = client.post(
            "/api/v2/analytics/conversations/aggregates/query",
            {
                "interval": interval,
                "granularity": granularity,
                "timeZone": zone,
                "groupBy": ["queueId"],
                "metrics": ["nOffered", "tHandle"],
            },
        ).json()
        totals: dict[str, int] = {"nOffered": 0, "tHandle": 0}
        for result in answer["results"]:
            for bucket in result["data"]:
                for metric in bucket["metrics"]:
                    stats = metric["stats"]
                    totals[metric["metric"]] += (
                        stats["count"] if metric["metric"] == "nOffered" else stats["sum"]
                    )
        assert totals == {"nOffered": offered, "tHandle": handle}
    by_division = client.post(
        "/api/v2/analytics/conversations/aggregates/query",
        {"interval": interval, "groupBy": ["divisionId"], "metrics": ["nOffered"]},
    ).json()["results"]
    division = by_division[0]["group"]["divisionId"]
    filtered = client.post(
        "/api/v2/analytics/conversations/aggregates/query",
        {
            "interval": interval,
            "groupBy": ["divisionId"],
            "metrics": ["nOffered"],
            "filter": {"type": "and", "predicates": [{"dimension": "divisionId", "value": division}]},
        },
    ).json()["results"]
    mine = next(r for r in filtered if r["group"]["divisionId"] == division)
    assert mine == by_division[0] and mine["data"][0]["metrics"][0]["stats"]["count"] > 0
    manila = client.post(
        "/api/v2/analytics/conversations/aggregates/query",
        {"interval": interval, "granularity": "P1D", "timeZone": "Asia/Manila", "metrics": ["nOffered"]},
    ).json()
    assert all(b["interval"].split("/")[0].endswith("T16:00:00.000Z") for b in manila["results"][0]["data"])


# --- fault profiles -------------------------------------------------------------------------


def status_sequence(server: SandboxServer, count: int) -> list[int]:
    client = Client(server.url, retry=False)
    return [client.get("/api/v2/routing/skills").status_code for _ in range(count)]


def test_flaky_faults_are_deterministic_by_seed(sandbox_server: Callable[..., SandboxServer]) -> None:
    first = status_sequence(sandbox_server(faults="flaky", seed=7, rate_limit_per_minute=0), 300)
    second = status_sequence(sandbox_server(faults="flaky", seed=7, rate_limit_per_minute=0), 300)
    other = status_sequence(sandbox_server(faults="flaky", seed=8, rate_limit_per_minute=0), 300)
    assert first == second
    assert first != other
    assert set(first) & {429} and set(first) & {500, 503, 504} and first.count(200) > 250
    token = requests.post(
        sandbox_server(faults="flaky").url + "/oauth/token",
        auth=READ,
        data={"grant_type": "client_credentials"},
    ).json()
    assert token["expires_in"] == 30


def test_flaky_never_loses_or_duplicates(
    sandbox_server: Callable[..., SandboxServer], small_tenant: Path
) -> None:
    client = Client(sandbox_server(faults="flaky", rate_limit_per_minute=0).url)
    start, _ = period(small_tenant)
    interval = f"{iso(start)}/{iso(start + timedelta(days=4))}"
    clean = Client(sandbox_server().url).job_conversations(interval, page_size=100)
    flaky = client.job_conversations(interval, page_size=100)
    assert [c["conversationId"] for c in flaky] == [c["conversationId"] for c in clean]
    assert min(client.page_lengths[:-1]) < 100  # some pages were shorter than asked
    sizes = set()
    for path, resource in (("/api/v2/users", "users"), ("/api/v2/license/users", "user_licenses")):
        pages = list(client.follow(path, {"pageSize": 20, "state": "any"}))
        listed = [entity["id"] for page in pages for entity in page["entities"]]
        assert listed == [record["id"] for record in read_records(small_tenant, "genesys", resource)]
        sizes |= {page["pageSize"] for page in pages}
    assert sizes != {20}  # some pages were shrunk and continued through nextUri
    client.salesforce_login()
    records, pages = client.soql("SELECT Id FROM Case", endpoint="queryAll", batch=200)
    cases = read_records(small_tenant, "salesforce", "cases")
    assert sorted(r["Id"] for r in records) == sorted(c["Id"] for c in cases)
    assert set(client.statuses) & TRANSIENT  # faults were met and survived


def test_hostile_corrupts_planned_records_and_archives_campaign(
    sandbox_server: Callable[..., SandboxServer], small_tenant: Path
) -> None:
    plan = manifest(small_tenant)["faults"]["hostile"]
    client = Client(sandbox_server(faults="hostile", rate_limit_per_minute=0).url)
    client.salesforce_login()
    start, end = period(small_tenant)
    planned: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for bad in plan["bad_records"]:
        planned.setdefault((bad["source"], bad["resource"]), []).append(bad)
    assert set(planned) <= {
        ("genesys", "conversations"),
        ("salesforce", "cases"),
        ("predictive_engagement", "campaign_analytics"),
    }

    for (source, resource), bads in planned.items():
        clean, served = clean_and_served(client, small_tenant, source, resource, bads, start, end)
        differing = sorted(key for key in clean if clean[key] != served[key])
        assert set(clean) == set(served)
        assert differing == sorted(plan_key(bad) for bad in bads)
        for bad in bads:
            value = dig(served[plan_key(bad)], bad["field"])
            if "missing" in bad["reason"]:
                assert value is MISSING, bad
            else:
                with pytest.raises(ValueError):
                    parse_ts(value)

    for unknown in plan["unknown_fields"]:
        assert unknown["resource"] == "users"
        users = [
            u
            for page in client.follow("/api/v2/users", {"pageSize": 100, "state": "any"})
            for u in page["entities"]
        ]
        assert users and all(u[unknown["field"]] == unknown["value"] for u in users)

    archived = plan["archived_campaign_id"]
    path = f"/api/v2/predictive-engagement/campaigns/{archived}"
    assert client.get(path).json()["status"] != "archived"
    first = client.get(
        f"{path}/analytics", params={"dateFrom": iso(start), "dateTo": iso(start + timedelta(days=1))}
    )
    assert first.status_code == 200 and first.json()["steps"]
    second = client.get(
        f"{path}/analytics",
        params={"dateFrom": iso(start + timedelta(days=1)), "dateTo": iso(start + timedelta(days=2))},
    )
    assert second.status_code == 404
    assert client.get(path).json()["status"] == "archived"


MISSING = object()


def dig(record: Any, field: str) -> Any:
    for part in field.replace("[", ".").replace("]", "").split("."):
        try:
            record = record[int(part)] if part.isdigit() else record[part]
        except (KeyError, IndexError):
            return MISSING
    return record


def plan_key(bad: dict[str, Any]) -> Any:
    key = bad["key"]
    return (key["campaignId"], key["dateFrom"]) if isinstance(key, dict) else key


def clean_and_served(
    client: Client,
    tenant: Path,
    source: str,
    resource: str,
    bads: list[dict[str, Any]],
    start: datetime,
    end: datetime,
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The file records and what the simulator serves for them, by plan key."""
    records = read_records(tenant, source, resource)
    if resource == "conversations":
        served = client.job_conversations(f"{iso(start)}/{iso(end)}")
        return {c["conversationId"]: c for c in records}, {c["conversationId"]: c for c in served}
    if resource == "cases":
        fields = ", ".join(name for name in records[0] if name != "attributes")
        served_cases, _ = client.soql(f"SELECT {fields} FROM Case", endpoint="queryAll")
        return {c["Id"]: c for c in records}, {c["Id"]: c for c in served_cases}
    campaigns = {plan_key(bad)[0] for bad in bads}
    clean = {(r["campaignId"], r["dateFrom"]): r for r in records if r["campaignId"] in campaigns}
    served_days = {}
    for campaign_id, date_from in clean:
        day = parse_ts(date_from)
        page = client.get(
            f"/api/v2/predictive-engagement/campaigns/{campaign_id}/analytics",
            params={"dateFrom": iso(day), "dateTo": iso(day + timedelta(days=1))},
        ).json()
        assert page.pop("nextPageUri") is None
        served_days[(campaign_id, date_from)] = page
    return clean, served_days


def test_cli_serve_prints_url_and_credentials(small_tenant: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "cxlake.cli",
        "sandbox",
        "serve",
        "--data",
        str(small_tenant),
        "--port",
        "0",
    ]
    # Ctrl-C as a terminal delivers it: a test worker may run with SIGINT ignored, which a child
    # inherits (and then never stops on SIGINT)
    restore_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=restore_sigint)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ")[1].split()[0]
        rest = "".join(process.stdout.readline() for _ in range(3))
        assert "cxlake-sandbox:cxlake-sandbox-secret" in rest and "cxlake-sandbox-admin" in rest
        token = requests.post(url + "/oauth/token", auth=READ, data={"grant_type": "client_credentials"})
        assert token.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        # generous: with the machine loaded by other test workers, stopping took over 10 s once
        assert process.wait(timeout=60) == 0


def test_soql_conditions_order_and_limit(client: Client, small_tenant: Path) -> None:
    client.salesforce_login()
    cases = [c for c in read_records(small_tenant, "salesforce", "cases") if not c["IsDeleted"]]
    cutoff = sorted(c["CreatedDate"] for c in cases)[len(cases) // 3]
    literal = cutoff.replace(".000+0000", "Z") if cutoff.endswith(".000+0000") else cutoff
    status = cases[0]["Status"]
    query = (
        f"SELECT Id, CreatedDate FROM Case WHERE (Status = '{status}' OR IsClosed = true) "
        f"AND CreatedDate >= {literal} AND Priority NOT IN ('NoSuchPriority') "
        "ORDER BY CreatedDate DESC, Id LIMIT 7"
    )
    records, _ = client.soql(query)
    chosen = [
        c
        for c in cases
        if (c["Status"] == status or c["IsClosed"]) and parse_ts(c["CreatedDate"]) >= parse_ts(cutoff)
    ]
    chosen.sort(key=lambda c: c["Id"].lower())
    chosen.sort(key=lambda c: parse_ts(c["CreatedDate"]), reverse=True)
    assert [r["Id"] for r in records] == [c["Id"] for c in chosen[:7]]
    prefix = cases[0]["Subject"][:4]
    liked, _ = client.soql(f"SELECT Id FROM Case WHERE Subject LIKE '{prefix}%'")
    assert {r["Id"] for r in liked} == {
        c["Id"] for c in cases if c["Subject"].lower().startswith(prefix.lower())
    }


def test_simple_lists_and_queue_observations(client: Client, small_tenant: Path) -> None:
    for path, resource in (
        ("/api/v2/authorization/divisions", "divisions"),
        ("/api/v2/license/users", "user_licenses"),
        ("/api/v2/routing/queues", "queues"),
        ("/api/v2/routing/skills", "skills"),
        ("/api/v2/routing/wrapupcodes", "wrapup_codes"),
        ("/api/v2/presence/definitions", "presence_definitions"),
        ("/api/v2/outbound/campaigns", "campaigns"),
    ):
        listed = [e for page in client.follow(path, {"pageSize": 4}) for e in page["entities"]]
        assert listed == read_records(small_tenant, "genesys", resource), path
    observations = read_records(small_tenant, "genesys", "queue_observations")
    queue_id = observations[0]["group"]["queueId"]
    answer = client.post(
        "/api/v2/analytics/queues/observations/query",
        {"filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": queue_id}]}},
    ).json()
    assert answer["results"] == [o for o in observations if o["group"]["queueId"] == queue_id]
    only_waiting = client.post(
        "/api/v2/analytics/queues/observations/query",
        {"filter": {"predicates": [{"dimension": "queueId", "value": queue_id}]}, "metrics": ["oWaiting"]},
    ).json()
    assert {d["metric"] for r in only_waiting["results"] for d in r["data"]} == {"oWaiting"}
