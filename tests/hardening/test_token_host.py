"""The bearer token stays on the API's own origin, and write scopes are checked by asking the API
(fake APIs on 127.0.0.1 with real sockets; the sandbox's ``/api/v2/tokens/me``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from ingestion.http_client import (
    ApiClient,
    ClientCredentials,
    ForeignLinkRefused,
    HttpCounters,
    OAuth,
    RetryPolicy,
    TokenBucket,
    WriteScopeRefused,
    WriteScopeUnverified,
    genesys_hosts,
    new_session,
)
from sandbox.simulator.auth import ADMIN_CLIENT, READ_CLIENT, READ_SCOPES, WRITE_SCOPES
from sandbox.simulator.server import SandboxServer


class FakeApi:
    """A Genesys-shaped API: ``/oauth/token`` (no ``scope`` in the answer, as Genesys answers),
    ``/api/v2/tokens/me`` and pages from ``pages``; records every request's Authorization."""

    def __init__(self, token_info: tuple[int, Any], pages: dict[str, Any]) -> None:
        self.token_info = token_info
        self.pages = pages
        self.seen: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(
                    200, {"access_token": "secret-token", "token_type": "bearer", "expires_in": 86399}
                )

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                fake.seen.append((self.path, self.headers.get("Authorization", "")))
                if self.path == "/api/v2/tokens/me":
                    self._reply(*fake.token_info)
                elif self.path in fake.pages:
                    self._reply(200, fake.pages[self.path])
                else:
                    self._reply(404, {"message": "not found", "code": "not.found"})

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


READ_ONLY_INFO = (200, {"authorizedScope": ["analytics:readonly", "users:readonly"], "organization": {}})


@pytest.fixture
def fake_api() -> Iterator[Callable[..., FakeApi]]:
    started: list[FakeApi] = []

    def start(token_info: tuple[int, Any] = READ_ONLY_INFO, pages: dict[str, Any] | None = None) -> FakeApi:
        api = FakeApi(token_info, pages or {})
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def _client(base: str) -> ApiClient:
    oauth = OAuth(ClientCredentials(f"{base}/oauth/token", "id", "secret"), new_session(), 5.0)
    policy = RetryPolicy(budget=1, throttle_budget=1, backoff_base_s=0.01, backoff_cap_s=0.02)
    return ApiClient(base, oauth, TokenBucket(0), HttpCounters(), policy, 5.0)


def test_paging_link_to_another_port_is_refused_and_gets_no_token(fake_api: Callable[..., FakeApi]) -> None:
    elsewhere = fake_api(pages={"/api/v2/users": {"entities": [{"id": "stolen"}]}})
    api = fake_api(
        pages={
            "/api/v2/users": {"entities": [{"id": "u1"}], "nextUri": "/api/v2/users?page=2"},
            "/api/v2/users?page=2": {
                "entities": [{"id": "u2"}],
                "nextUri": f"{elsewhere.url}/api/v2/users",  # same host, another port
            },
        }
    )
    client = _client(api.url)
    pages = client.paginate("/api/v2/users")
    assert next(pages) == [{"id": "u1"}]
    assert next(pages) == [{"id": "u2"}]
    with pytest.raises(
        ForeignLinkRefused, match=r"refusing to send the API token to http://127\.0\.0\.1:\d+"
    ):
        next(pages)
    assert elsewhere.seen == []  # the other origin never saw a request, let alone the token
    assert [auth for _, auth in api.seen] == ["Bearer secret-token"] * 3  # tokens/me + two pages


@pytest.mark.parametrize(
    "link",
    [
        "https://127.0.0.1:{port}/api/v2/users",  # another scheme
        "http://localhost:{port}/api/v2/users",  # another host name
        "http://evil.example/api/v2/users",
        "//evil.example/api/v2/users",  # protocol-relative
    ],
)
def test_absolute_links_are_followed_only_on_the_same_origin(
    fake_api: Callable[..., FakeApi], link: str
) -> None:
    api = fake_api(pages={"/api/v2/queues": {"entities": [{"id": "q"}], "nextUri": "/api/v2/queues?p=2"}})
    client = _client(api.url)
    port = api.url.rsplit(":", 1)[1]
    same = f"{api.url}/api/v2/queues"
    assert client.get(same) == {"entities": [{"id": "q"}], "nextUri": "/api/v2/queues?p=2"}
    with pytest.raises(ForeignLinkRefused):
        client.get(link.format(port=port))  # e.g. a Salesforce nextRecordsUrl or a Journey nextPageUri
    # a relative link stays on the API, even with a URL in its query
    assert (
        client.url("/api/v2/queues?p=2&from=http://evil.example/")
        == f"{api.url}/api/v2/queues?p=2&from=http://evil.example/"
    )


def test_write_scope_is_learnt_from_the_api_when_the_token_answer_has_no_scope(
    fake_api: Callable[..., FakeApi],
) -> None:
    api = fake_api(
        token_info=(200, {"authorizedScope": ["analytics:readonly", "conversations:edit"]}),
        pages={"/api/v2/users": {"entities": []}},
    )
    with pytest.raises(WriteScopeRefused, match="conversations:edit"):
        _client(api.url).get("/api/v2/users")
    assert [path for path, _ in api.seen] == ["/api/v2/tokens/me"]  # refused before any data call


@pytest.mark.parametrize(
    "token_info",
    [(404, {"message": "not found", "code": "not.found"}), (200, {"organization": {"id": "o"}})],
)
def test_unknown_scopes_are_refused_not_guessed(fake_api: Callable[..., FakeApi], token_info: Any) -> None:
    api = fake_api(token_info=token_info, pages={"/api/v2/users": {"entities": []}})
    with pytest.raises(WriteScopeUnverified, match="cannot verify it holds no write scope"):
        _client(api.url).get("/api/v2/users")
    assert "/api/v2/users" not in [path for path, _ in api.seen]


def test_read_only_scopes_from_the_api_are_accepted(fake_api: Callable[..., FakeApi]) -> None:
    api = fake_api(pages={"/api/v2/users": {"entities": [{"id": "u"}]}})
    client = _client(api.url)
    assert client.get("/api/v2/users") == {"entities": [{"id": "u"}]}
    assert client.oauth.token is not None and client.oauth.token.scope == "analytics:readonly users:readonly"


def test_sandbox_serves_token_info_for_both_clients(sandbox_server: Callable[..., SandboxServer]) -> None:
    url = sandbox_server().url
    infos = {}
    for client_id, secret in (READ_CLIENT, ADMIN_CLIENT):
        token = requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=10,
        ).json()["access_token"]
        answer = requests.get(
            f"{url}/api/v2/tokens/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == 200
        infos[client_id] = answer.json()
        assert infos[client_id]["OAuthClient"]["id"] == client_id
    assert infos[READ_CLIENT[0]]["authorizedScope"] == sorted(READ_SCOPES)
    assert infos[ADMIN_CLIENT[0]]["authorizedScope"] == sorted(READ_SCOPES + WRITE_SCOPES)
    assert requests.get(f"{url}/api/v2/tokens/me", timeout=10).status_code == 401


@pytest.mark.parametrize("region", ["mypurecloud.de", "eu-central-1", "api.mypurecloud.de", "EU-Central-1"])
def test_region_as_name_or_domain(region: str) -> None:
    assert genesys_hosts(region) == ("https://api.mypurecloud.de", "https://login.mypurecloud.de")


def test_unknown_region_names_both_forms() -> None:
    with pytest.raises(ValueError, match="region name .*eu-central-1.* or its domain .*mypurecloud.de"):
        genesys_hosts("mypurecloud.xx")
