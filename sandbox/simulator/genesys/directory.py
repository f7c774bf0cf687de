"""The organisation's directory: divisions, users, their licences and the presence definitions."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.simulator.context import SimContext
from sandbox.simulator.genesys.entities import listing
from sandbox.simulator.httpapi import ApiError, Request, Response, Route
from sandbox.simulator.paging import PAGE_LINKS, list_page, unpaged_list

USER_STATES = ("active", "inactive", "deleted", "any")


@dataclass
class DirectoryApi:
    ctx: SimContext

    def routes(self) -> list[Route]:
        return [
            Route(
                "GET",
                "/api/v2/authorization/divisions",
                listing(self.ctx, "divisions"),
                "genesys",
                "authorization:readonly",
            ),
            Route("GET", "/api/v2/users", self.users, "genesys", "users:readonly"),
            Route("GET", "/api/v2/license/users", self.license_users, "genesys", "license:readonly"),
            Route(
                "GET",
                "/api/v2/presence/definitions",
                self.presence_definitions,
                "genesys",
                "presence:readonly",
            ),
        ]

    def license_users(self, request: Request) -> Response:
        """Licences per user; the listing's model has no paging links (page by ``pageNumber``)."""
        return list_page(
            self.ctx,
            request,
            self.ctx.tenant.records("genesys", "user_licenses"),
            omit=PAGE_LINKS,
        )

    def users(self, request: Request) -> Response:
        state = request.arg("state", "active") or "active"
        if state not in USER_STATES:
            raise ApiError(
                400, "invalid.value", f"state must be one of {', '.join(USER_STATES)}, got {state!r}"
            )
        users = self.ctx.tenant.records("genesys", "users")
        chosen = users if state == "any" else [user for user in users if user.get("state", "active") == state]
        return list_page(self.ctx, request, chosen, {"state": state})

    def presence_definitions(self, request: Request) -> Response:
        return unpaged_list(self.ctx, request, self.ctx.tenant.records("genesys", "presence_definitions"))
