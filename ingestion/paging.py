"""Paging through dlt's REST client paginators, sent by our :class:`~ingestion.http_client.ApiClient`.

dlt's paginators (``dlt.sources.helpers.rest_client.paginators``) decide what the next
request is; the requests themselves go through ``ApiClient`` so that every page keeps
the token bucket fed by ``inin-ratelimit-*``, the retry budget, the re-auth on 401 and
the refusal to follow a link off the API's origin (dlt's ``RESTClient`` has none of
these as Genesys needs them). Which paginator each API's paging is:

- ``nextUri`` / ``nextPageUri`` / ``nextRecordsUrl`` links: ``JSONLinkPaginator``;
- details-job results (``cursor`` in the answer, ``?cursor=`` in the next request):
  :class:`RawCursorPaginator`, a ``JSONResponseCursorPaginator`` that reads the cursor
  with DuckDB from the raw page (pages of 1000 conversations are never parsed in Python);
- analytics queries paged in the body (``paging.pageNumber`` / ``pageNumber``) until an
  empty page or ``pageCount``: ``PageNumberPaginator(page_body_path=...)``;
- Genesys entity lists: :class:`GenesysListPaginator`, our own, because no dlt paginator
  does what they need: follow ``nextUri`` when the page has one, else (``/api/v2/license/users``
  carries no paging links) ask the next ``pageNumber`` while ``pageCount`` (or ``total``
  with the page size the server actually served) says more pages exist, and stop at an
  empty page.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from dlt.sources.helpers.rest_client.paginators import (
    BasePaginator,
    JSONLinkPaginator,
    JSONResponseCursorPaginator,
    PageNumberPaginator,
)
from requests import Request, Response

from ingestion.http_client import ApiClient

__all__ = [
    "GenesysListPaginator",
    "JSONLinkPaginator",
    "PageNumberPaginator",
    "RawCursorPaginator",
    "body_pages",
    "entity_pages",
    "pages",
]


def _json(response: Response) -> Any:
    return orjson.loads(response.content) if response.content else None


def _answer(content: bytes) -> Response:
    """A successful answer holding ``content`` (what dlt's paginators read)."""
    response = Response()
    response.status_code = 200
    response._content = content
    return response


def pages(
    client: ApiClient,
    paginator: BasePaginator,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    items: Callable[[Any], list[Any]] | None = None,
    raw: bool = False,
) -> Iterator[tuple[Any, list[Any]]]:
    """(page, its items) of every page, the next request made by ``paginator``.

    A page is the parsed JSON answer (``raw``: the body bytes, never parsed in Python).
    ``items(page)`` gives the records of a page (what ``stop_after_empty_page`` looks at).
    """
    request = Request(method, path, params=dict(params or {}), json=copy.deepcopy(body))
    paginator.init_request(request)
    while True:
        query = request.params or None
        if raw:
            page: Any = client.get_raw(request.url, query)
            response = _answer(page)
        else:
            if request.method == "POST":
                page = client.post(request.url, request.json)
            elif headers:
                page = client.get(request.url, query, headers)
            else:
                page = client.get(request.url, query)
            response = _answer(orjson.dumps(page) if page is not None else b"")
        data = items(page) if items is not None else []
        yield page, data
        paginator.update_state(response, data)
        if not paginator.has_next_page:
            return
        paginator.update_request(request)


def body_pages(
    client: ApiClient,
    path: str,
    body: dict[str, Any],
    list_key: str,
    page_body_path: str,
    total_path: str | None = None,
) -> Iterator[list[Any]]:
    """The ``list_key`` items of every page of a POST query paged in its body (page 1, 2, ...),
    until an empty page (or the page ``total_path`` names)."""
    paginator = PageNumberPaginator(
        base_page=1, page=1, page_body_path=page_body_path, total_path=total_path, stop_after_empty_page=True
    )
    for _, data in pages(
        client, paginator, "POST", path, body=body, items=lambda page: (page or {}).get(list_key) or []
    ):
        yield data


class RawCursorPaginator(JSONResponseCursorPaginator):
    """``JSONResponseCursorPaginator`` whose cursor is read by ``read_cursor(raw page)``."""

    def __init__(self, read_cursor: Callable[[bytes], str | None], cursor_param: str = "cursor") -> None:
        super().__init__(cursor_path="cursor", cursor_param=cursor_param)
        self.read_cursor = read_cursor

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        self._next_reference = self.read_cursor(response.content) or None


class GenesysListPaginator(BasePaginator):
    """Genesys entity lists: ``nextUri`` when present, else the next ``pageNumber`` while
    ``pageCount`` / ``total`` say more pages exist; an empty page ends the list.

    The page-number request asks for the page size the server actually served (it may
    serve fewer than asked; the numbering then continues from its size).
    """

    def __init__(self) -> None:
        super().__init__()
        self._next_uri: str | None = None
        self._next_query: dict[str, Any] | None = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = _json(response)
        body = body if isinstance(body, dict) else {}
        self._next_uri = self._next_query = None
        if not data:
            self._has_next_page = False
            return
        self._next_uri = body.get("nextUri") or None
        if self._next_uri is None:
            self._next_query = next_page_query(body, self._params)
        self._has_next_page = self._next_uri is not None or self._next_query is not None

    def init_request(self, request: Request) -> None:
        self._params = dict(request.params or {})

    def update_request(self, request: Request) -> None:
        if self._next_uri is not None:
            request.url, request.params = self._next_uri, None
        else:
            request.params = self._params = dict(self._next_query or {})


def next_page_query(body: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
    """The query of the page after ``body`` by page number, None when it was the last."""

    def whole(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    number = whole(body.get("pageNumber"))
    size = whole(body.get("pageSize")) or whole(params.get("pageSize"))
    if number is None or size is None:
        return None
    count = whole(body.get("pageCount"))
    total = body.get("total")
    if count is not None:
        more = number < count
    elif isinstance(total, int) and not isinstance(total, bool):
        more = number * size < total
    else:
        return None
    return {**params, "pageSize": size, "pageNumber": number + 1} if more else None


def entity_pages(
    client: ApiClient, path: str, params: dict[str, Any], key: str = "entities"
) -> Iterator[list[Any]]:
    """The ``entities`` of every page of a Genesys list (:class:`GenesysListPaginator`)."""

    def entities(page: Any) -> list[Any]:
        return (page.get(key) or []) if isinstance(page, dict) else []

    for _, data in pages(client, GenesysListPaginator(), "GET", path, params, items=entities):
        yield data
