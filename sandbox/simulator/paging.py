"""Paging shared by the simulated Genesys Cloud and Predictive Engagement listings.

Three shapes the real APIs use: page-number lists (``pageSize``/``pageNumber`` with
``nextUri``), whole lists (``{entities, total, selfUri}``) and cursor lists (``after``
or ``cursor``, opaque to the client). Fault profiles may shrink a served page
(``SimContext.served_size``); the links always continue where the page stopped.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import ApiError, Request, Response, json_response, paged_list

LIST_PAGE_MAX = 500

# The link keys of a page-number list, for listings whose real model has none.
PAGE_LINKS = ("firstUri", "selfUri", "lastUri", "nextUri", "previousUri")


def _shrunk_page(ctx: SimContext, request: Request, size: int, number: int) -> tuple[int, int]:
    """(pageSize, pageNumber) actually served, keeping the same first record.

    A shrunk page is half the asked size (even sizes of 20 or more only), so
    that ``nextUri``, built with the served size, continues exactly where this
    page stops; repeated shrinking stops at an odd size.
    """
    if size < 20 or size % 2 or ctx.served_size(request, size) >= size:
        return size, number
    return size // 2, (number - 1) * 2 + 1


def list_page(
    ctx: SimContext,
    request: Request,
    entities: Sequence[Any],
    extra_query: dict[str, str] | None = None,
    max_size: int = LIST_PAGE_MAX,
    omit: Sequence[str] = (),
) -> Response:
    """Answer a page-number paged Genesys list.

    ``omit``: page keys that this listing's real response model does not have
    (e.g. queue members carry no ``total``/``pageCount``/``lastUri``).
    """
    size = request.int_arg("pageSize", 25, 1, max_size)
    number = request.int_arg("pageNumber", 1, 1)
    size, number = _shrunk_page(ctx, request, size, number)
    page = paged_list(request, entities, size, number, extra_query)
    page["entities"] = [ctx.tenant.served(entity) for entity in page["entities"]]
    for name in omit:
        page.pop(name, None)
    return json_response(page)


def unpaged_list(ctx: SimContext, request: Request, entities: Sequence[Any]) -> Response:
    """A list the real API answers whole (``{entities, total, selfUri}``, no paging parameters)."""
    served = [ctx.tenant.served(entity) for entity in entities]
    return json_response({"entities": served, "total": len(served), "selfUri": request.path})


def cursor_page(
    ctx: SimContext,
    request: Request,
    entities: Sequence[Any],
    max_size: int = 100,
    fields: Sequence[str] | None = None,
) -> Response:
    """Answer a cursor (``after``) paged Genesys list: ``{entities, nextUri?, selfUri}``.

    ``fields``: the keys of the listing's (slimmer) entity model, when it differs
    from the stored record (skill groups list without ``status``/``skillConditions``).
    """
    asked = request.int_arg("pageSize", 25, 1, max_size)
    size = ctx.served_size(request, asked)
    after = request.arg("after")
    offset = decode_cursor(after, "after") if after else 0
    chosen = [ctx.tenant.served(entity) for entity in entities[offset : offset + size]]
    if fields is not None:
        chosen = [{name: value for name, value in entity.items() if name in fields} for entity in chosen]
    page: dict[str, Any] = {
        "entities": chosen,
        "selfUri": request.path,
    }
    if offset + size < len(entities):
        page["nextUri"] = f"{request.path}?pageSize={asked}&after={encode_cursor(offset + size)}"
    return json_response(page)


def encode_cursor(offset: int, scope: str = "") -> str:
    return base64.urlsafe_b64encode(f"sbx:{scope}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(value: str, what: str, scope: str = "") -> int:
    """Offset inside an opaque cursor; 400 naming ``what`` when it is not ours."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        tag, cursor_scope, offset = text.split(":")
        if tag != "sbx" or cursor_scope != scope:
            raise ValueError(text)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad.request", f"Invalid {what} cursor {value!r}") from exc


def int_field(container: dict[str, Any], name: str, default: int, what: str, maximum: int | None) -> int:
    value = container.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(400, "invalid.value", f"{what} must be a positive integer, got {value!r}")
    if maximum is not None and value > maximum:
        raise ApiError(400, "invalid.value", f"{what} must be at most {maximum}, got {value}")
    return value
