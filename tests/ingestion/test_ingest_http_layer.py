"""The shared HTTP layer against a scripted local HTTP server (real sockets, real
requests): retries, retry budget, 401 re-auth, 429 waits, write-scope refusal."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ingestion.http_client import (
    GENESYS_REGIONS,
    ApiClient,
    ClientCredentials,
    HttpCounters,
    OAuth,
    RetryBudgetExhausted,
    RetryPolicy,
    TokenBucket,
    WriteScopeRefused,
    genesys_hosts,
    login_base,
    new_session,
    refresh_lead_s,
    write_scopes,
)

Answer = tuple[int, dict[str, str], Any]


class Script:
    """What the stub server answers: token responses and API answers, in order."""

    def __init__(self, token: dict[str, Any], answers: list[Answer]) -> None:
        self.token = token
        self.answers = answers
        self.tokens_issued = 0
        self.api_calls: list[str] = []
        self.authorizations: list[str] = []


@pytest.fixture
def stub() -> Iterator[Callable[[dict[str, Any], list[Answer]], tuple[str, Script]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(token: dict[str, Any], answers: list[Answer]) -> tuple[str, Script]:
        script = Script(token, answers)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/oauth/token":
                    script.tokens_issued += 1
                    self._reply(200, {}, {**script.token, "access_token": f"t{script.tokens_issued}"})
                else:
                    self._answer()

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                self._answer()

            def _answer(self) -> None:
                script.api_calls.append(self.path)
                script.authorizations.append(self.headers.get("Authorization", ""))
                status, headers, body = script.answers.pop(0) if script.answers else (200, {}, {})
                self._reply(status, headers, body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", script

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _client(base: str, budget: int = 3) -> ApiClient:
    session = new_session()
    oauth = OAuth(ClientCredentials(f"{base}/oauth/token", "id", "secret"), session, 5.0)
    policy = RetryPolicy(budget=budget, throttle_budget=3, backoff_base_s=0.01, backoff_cap_s=0.05)
    return ApiClient(base, oauth, TokenBucket(0), HttpCounters(), policy, 5.0)


READ_TOKEN = {"token_type": "bearer", "expires_in": 86399, "scope": "analytics:readonly users:readonly"}


def test_retry_budget_exhaustion_names_the_endpoint_and_what_was_retried(stub: Any) -> None:
    base, script = stub(READ_TOKEN, [(503, {}, {"code": "service.unavailable"})] * 10)
    client = _client(base, budget=3)
    with pytest.raises(RetryBudgetExhausted) as error:
        client.get("/api/v2/users", {"pageSize": 100})
    message = str(error.value)
    assert "GET /api/v2/users" in message
    assert "503, 503, 503, 503" in message
    assert len(script.api_calls) == 4
    assert client.counters.retries == 3


def test_5xx_then_success_is_retried_and_counted(stub: Any) -> None:
    base, script = stub(READ_TOKEN, [(500, {}, {}), (504, {}, {}), (200, {}, {"entities": [{"id": "a"}]})])
    client = _client(base)
    assert client.get("/api/v2/routing/queues") == {"entities": [{"id": "a"}]}
    assert client.counters.retries == 2


def test_401_triggers_one_reauth_and_retry(stub: Any) -> None:
    base, script = stub(READ_TOKEN, [(401, {}, {"code": "bad.credentials"}), (200, {}, {"ok": True})])
    client = _client(base)
    assert client.get("/api/v2/users") == {"ok": True}
    assert script.tokens_issued == 2
    assert script.authorizations == ["Bearer t1", "Bearer t2"]
    assert client.counters.reauths == 1


def test_second_401_is_an_error_not_a_loop(stub: Any) -> None:
    base, script = stub(READ_TOKEN, [(401, {}, {"code": "bad.credentials"})] * 3)
    client = _client(base)
    with pytest.raises(Exception, match="401"):
        client.get("/api/v2/users")
    assert script.tokens_issued == 2


def test_429_honours_retry_after_then_succeeds(stub: Any) -> None:
    base, script = stub(
        READ_TOKEN, [(429, {"Retry-After": "1"}, {"code": "too.many.requests"}), (200, {}, {})]
    )
    client = _client(base)
    started = time.monotonic()
    client.get("/api/v2/users")
    assert time.monotonic() - started >= 1.0
    assert client.counters.throttles == 1
    assert len(script.api_calls) == 2


def test_write_scoped_token_is_refused_naming_the_scopes(stub: Any) -> None:
    token = {**READ_TOKEN, "scope": "analytics:readonly contacts:write predictive-engagement:edit"}
    base, script = stub(token, [])
    client = _client(base)
    with pytest.raises(WriteScopeRefused) as error:
        client.get("/api/v2/users")
    assert "contacts:write" in str(error.value) and "predictive-engagement:edit" in str(error.value)
    assert script.api_calls == []


def test_short_lived_tokens_are_refreshed_ahead_of_expiry(stub: Any) -> None:
    base, script = stub({**READ_TOKEN, "expires_in": 30}, [(200, {}, {})] * 3)
    client = _client(base)
    before = time.monotonic()
    client.get("/a")
    after = time.monotonic()
    token = client.oauth.token
    assert token is not None
    # Refreshed at half of a 30 s lifetime (the default 120 s margin would be past expiry).
    assert before + 15 <= token.refresh_at <= after + 15
    client.get("/b")
    assert script.tokens_issued == 1
    token.refresh_at = time.monotonic()  # as if 15 s had passed
    client.get("/c")
    assert script.tokens_issued == 2
    assert script.authorizations == ["Bearer t1", "Bearer t1", "Bearer t2"]


def test_scope_and_refresh_rules() -> None:
    assert write_scopes("users:readonly api refresh_token") == []
    assert write_scopes("api full") == ["full"]
    assert write_scopes("routing:queue:add x:delete") == ["routing:queue:add", "x:delete"]
    assert refresh_lead_s(86399, 120) == 120
    assert refresh_lead_s(30, 120) == 15


def test_every_region_has_api_and_login_hosts() -> None:
    assert len(GENESYS_REGIONS) == 17
    assert genesys_hosts("eu-central-1") == ("https://api.mypurecloud.de", "https://login.mypurecloud.de")
    assert genesys_hosts("ap-southeast-2") == (
        "https://api.mypurecloud.com.au",
        "https://login.mypurecloud.com.au",
    )
    with pytest.raises(ValueError, match="unknown Genesys region"):
        genesys_hosts("moon-1")
    assert login_base("https://api.usw2.pure.cloud/") == "https://login.usw2.pure.cloud"
    assert login_base("http://127.0.0.1:8765") == "http://127.0.0.1:8765"


def test_token_bucket_slows_down_when_quota_is_nearly_spent() -> None:
    bucket = TokenBucket(rate_per_minute=600, burst=5)  # 10/s
    for _ in range(5):
        bucket.acquire()  # the burst is free
    bucket.observe(allowed=300, count=299, reset_s=1)  # 1 left: drain
    assert bucket.tokens <= 0
    bucket.observe(allowed=300, count=300, reset_s=1)  # none left: pause until reset
    assert bucket.paused_until > time.monotonic()


def test_rate_limit_presets_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.api_settings import (
        SANDBOX_CLIENT_ID,
        SANDBOX_CLIENT_SECRET,
        genesys_connection,
        predictive_connection,
    )

    sandbox = {"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}
    monkeypatch.delenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE", raising=False)
    monkeypatch.delenv("SOURCES__PREDICTIVE_ENGAGEMENT__RATE_LIMIT_PER_MINUTE", raising=False)
    assert genesys_connection(**sandbox).rate_limit_per_minute == 240
    assert predictive_connection(**sandbox).rate_limit_per_minute == 80
    monkeypatch.setenv("SOURCES__GENESYS__RATE_LIMIT_PRESET", "partner")
    assert genesys_connection(**sandbox).rate_limit_per_minute == 600
    monkeypatch.setenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE", "30")
    assert genesys_connection(**sandbox).rate_limit_per_minute == 30
    monkeypatch.delenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE")
    monkeypatch.setenv("SOURCES__GENESYS__RATE_LIMIT_PRESET", "warp")
    with pytest.raises(ValueError, match="unknown preset 'warp'"):
        genesys_connection(**sandbox)
