"""Routing configuration: queues and their members, skills, skill groups and wrap-up codes."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.simulator.context import SimContext
from sandbox.simulator.genesys.entities import listing, require
from sandbox.simulator.httpapi import Request, Response, Route, json_response
from sandbox.simulator.paging import cursor_page, list_page

# The skill group listing's entity model is slimmer than a single skill group
# (no ``status``, no ``skillConditions``: those come from GET .../skillgroups/{id}).
SKILL_GROUP_LISTED = (
    "id",
    "name",
    "division",
    "description",
    "memberCount",
    "dateModified",
    "dateCreated",
    "selfUri",
)


@dataclass
class RoutingApi:
    ctx: SimContext

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/v2/routing/queues", self.queues, "genesys", "routing:readonly"),
            Route(
                "GET",
                "/api/v2/routing/queues/{queueId}/members",
                self.queue_members,
                "genesys",
                "routing:readonly",
            ),
            Route(
                "GET", "/api/v2/routing/skills", listing(self.ctx, "skills"), "genesys", "routing:readonly"
            ),
            Route("GET", "/api/v2/routing/skillgroups", self.skill_groups, "genesys", "routing:readonly"),
            Route(
                "GET",
                "/api/v2/routing/skillgroups/{skillGroupId}",
                self.skill_group,
                "genesys",
                "routing:readonly",
            ),
            Route(
                "GET",
                "/api/v2/routing/skillgroups/{skillGroupId}/members",
                self.skill_group_members,
                "genesys",
                "routing:readonly",
            ),
            Route(
                "GET",
                "/api/v2/routing/wrapupcodes",
                listing(self.ctx, "wrapup_codes"),
                "genesys",
                "routing:readonly",
            ),
        ]

    def queues(self, request: Request) -> Response:
        division_ids = request.query.get("divisionId") or []
        queues = self.ctx.tenant.records("genesys", "queues")
        if division_ids:
            queues = [queue for queue in queues if (queue.get("division") or {}).get("id") in division_ids]
        extra = {"divisionId": division_ids[0]} if len(division_ids) == 1 else None
        return list_page(self.ctx, request, queues, extra)

    def queue_members(self, request: Request) -> Response:
        queue_id = request.params["queueId"]
        require(self.ctx, "queues", "id", queue_id, "Queue")
        members = [
            {name: value for name, value in member.items() if name != "queueId"}
            for member in self.ctx.tenant.records("genesys", "queue_members")
            if member.get("queueId") == queue_id
        ]
        return list_page(self.ctx, request, members, omit=("total", "pageCount", "lastUri"))

    def skill_groups(self, request: Request) -> Response:
        return cursor_page(
            self.ctx, request, self.ctx.tenant.records("genesys", "skill_groups"), fields=SKILL_GROUP_LISTED
        )

    def skill_group(self, request: Request) -> Response:
        group_id = request.params["skillGroupId"]
        group = require(self.ctx, "skill_groups", "id", group_id, "Skill group")
        return json_response(self.ctx.tenant.served(group))

    def skill_group_members(self, request: Request) -> Response:
        group_id = request.params["skillGroupId"]
        require(self.ctx, "skill_groups", "id", group_id, "Skill group")
        members = [
            {name: value for name, value in member.items() if name != "skillGroupId"}
            for member in self.ctx.tenant.records("genesys", "skill_group_members")
            if member.get("skillGroupId") == group_id
        ]
        return cursor_page(self.ctx, request, members)
