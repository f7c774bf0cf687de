"""Lookups and plain listings of the stored Genesys entities, shared by the route groups."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import ApiError, Request, Response
from sandbox.simulator.paging import LIST_PAGE_MAX, list_page

# Namespace of the ids the simulator mints (analytics job ids, received conversion events),
# seeded per server so two runs with the same seed hand out the same ids.
ID_NAMESPACE = uuid.UUID("5d1f0c52-7a51-4c1e-9a55-1f1f2b7d0c01")


def require(ctx: SimContext, resource: str, key: str, value: str, what: str) -> dict[str, Any]:
    """The stored ``resource`` record whose ``key`` is ``value``; 404 naming ``what`` otherwise."""
    record = ctx.tenant.lookup("genesys", resource, key, value)
    if record is None:
        raise ApiError(404, "not.found", f"{what} {value} not found")
    return record


def listing(ctx: SimContext, resource: str, max_size: int = LIST_PAGE_MAX) -> Callable[[Request], Response]:
    """A handler answering ``resource`` as a page-number list."""

    def handler(request: Request) -> Response:
        return list_page(ctx, request, ctx.tenant.records("genesys", resource), max_size=max_size)

    return handler
