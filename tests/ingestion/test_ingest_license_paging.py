"""Genesys lists without paging links (``/api/v2/license/users``) are read to the end by
page number; lists with ``nextUri`` keep following it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ingestion.api_clients import genesys_client
from ingestion.api_settings import genesys_connection, sandbox_credentials
from ingestion.genesys_cloud import entity_pages
from ingestion.http_client import HttpCounters
from sandbox.simulator.server import SandboxServer


def _written(tenant: Path, resource: str) -> list[dict[str, Any]]:
    part = tenant / "genesys" / resource / "part-00000.ndjson"
    return [orjson.loads(line) for line in part.read_bytes().splitlines() if line.strip()]


@pytest.mark.parametrize("faults", ["none", "flaky"])
def test_license_users_are_read_to_the_last_page(small_tenant: Path, faults: str) -> None:
    licences = _written(small_tenant, "user_licenses")
    with SandboxServer(small_tenant, faults=faults, rate_limit_per_minute=0) as server:
        client = genesys_client(genesys_connection(**sandbox_credentials(server.url)), HttpCounters())
        pages = list(entity_pages(client, "/api/v2/license/users", {"pageSize": 20}))
        users = list(entity_pages(client, "/api/v2/users", {"pageSize": 20, "state": "any"}))
    assert len(pages) >= -(-len(licences) // 20) > 1
    assert [e["id"] for page in pages for e in page] == [r["id"] for r in licences]
    assert [u["id"] for page in users for u in page] == [u["id"] for u in _written(small_tenant, "users")]


class _Pages:
    """A client answering scripted pages by (path, pageNumber); records what was asked."""

    def __init__(self, pages: dict[tuple[str, int], dict[str, Any]]) -> None:
        self.pages = pages
        self.asked: list[tuple[str, dict[str, Any] | None]] = []

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        self.asked.append((path, params))
        base, _, number = path.partition("?page=")
        return self.pages[(base, int(number) if number else (params or {}).get("pageNumber", 1))]


def test_total_without_page_count_and_served_page_size() -> None:
    # the server serves 2 per page although 3 were asked, and says only ``total``
    client = _Pages(
        {
            ("/l", 1): {"entities": [1, 2], "pageSize": 2, "pageNumber": 1, "total": 5},
            ("/l", 2): {"entities": [3, 4], "pageSize": 2, "pageNumber": 2, "total": 5},
            ("/l", 3): {"entities": [5], "pageSize": 2, "pageNumber": 3, "total": 5},
        }
    )
    assert list(entity_pages(client, "/l", {"pageSize": 3})) == [[1, 2], [3, 4], [5]]  # type: ignore[arg-type]
    assert client.asked == [
        ("/l", {"pageSize": 3}),
        ("/l", {"pageSize": 2, "pageNumber": 2}),
        ("/l", {"pageSize": 2, "pageNumber": 3}),
    ]


def test_next_uri_is_followed_when_present_and_a_page_without_numbers_is_the_last() -> None:
    client = _Pages(
        {
            ("/l", 1): {"entities": [1], "pageNumber": 1, "pageCount": 9, "nextUri": "/l?page=5"},
            ("/l", 5): {"entities": [2]},  # no nextUri, no numbers: the end
        }
    )
    assert list(entity_pages(client, "/l", {"pageSize": 1})) == [[1], [2]]  # type: ignore[arg-type]
    assert [path for path, _ in client.asked] == ["/l", "/l?page=5"]


def test_an_empty_page_ends_the_list_even_if_page_count_says_more() -> None:
    client = _Pages(
        {
            ("/l", 1): {"entities": [1], "pageSize": 1, "pageNumber": 1, "pageCount": 3},
            ("/l", 2): {"entities": [], "pageSize": 1, "pageNumber": 2, "pageCount": 3},
        }
    )
    assert list(entity_pages(client, "/l", {"pageSize": 1})) == [[1], []]  # type: ignore[arg-type]
    assert len(client.asked) == 2
