"""Outbound campaigns (entity, progress, stats) and the conversion events that report their goals.

The event intake ``POST /api/v2/contacts/{contactId}/events`` is an invented path (no public
Genesys endpoint takes web goal events) and its read-back listing is a sandbox extension.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.simulator.context import SimContext
from sandbox.simulator.genesys.entities import ID_NAMESPACE, listing, require
from sandbox.simulator.httpapi import ApiError, Request, Response, Route, genesys_time, json_response
from sandbox.simulator.paging import list_page


@dataclass
class OutboundApi:
    ctx: SimContext
    posted_events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> list[Route]:
        return [
            Route(
                "GET",
                "/api/v2/outbound/campaigns",
                listing(self.ctx, "campaigns", 100),
                "genesys",
                "outbound:readonly",
            ),
            Route(
                "GET",
                "/api/v2/outbound/campaigns/{campaignId}",
                self.campaign,
                "genesys",
                "outbound:readonly",
            ),
            Route(
                "GET",
                "/api/v2/outbound/campaigns/{campaignId}/progress",
                self.campaign_progress,
                "genesys",
                "outbound:readonly",
            ),
            Route(
                "GET",
                "/api/v2/outbound/campaigns/{campaignId}/stats",
                self.campaign_stats,
                "genesys",
                "outbound:readonly",
            ),
            Route("GET", "/api/v2/contacts/events", self.list_events, "genesys", "contacts:readonly"),
            Route(
                "POST", "/api/v2/contacts/{contactId}/events", self.post_event, "genesys", "contacts:write"
            ),
        ]

    # --- campaigns -------------------------------------------------------------------------

    def campaign(self, request: Request) -> Response:
        return json_response(require(self.ctx, "campaigns", "id", request.params["campaignId"], "Campaign"))

    def campaign_progress(self, request: Request) -> Response:
        campaign_id = request.params["campaignId"]
        require(self.ctx, "campaigns", "id", campaign_id, "Campaign")
        return json_response(
            require(self.ctx, "campaign_progress", "campaign.id", campaign_id, "Campaign progress")
        )

    def campaign_stats(self, request: Request) -> Response:
        campaign_id = request.params["campaignId"]
        require(self.ctx, "campaigns", "id", campaign_id, "Campaign")
        stats = require(self.ctx, "campaign_stats", "campaignId", campaign_id, "Campaign stats")
        return json_response({name: value for name, value in stats.items() if name != "campaignId"})

    # --- conversion events -------------------------------------------------------------------

    def list_events(self, request: Request) -> Response:
        events = self.ctx.tenant.records("genesys", "conversion_events") + self.posted_events
        return list_page(self.ctx, request, events)

    def post_event(self, request: Request) -> Response:
        contact_id = request.params["contactId"]
        body = request.json()
        event_type = body.get("eventType")
        if not isinstance(event_type, str) or not event_type:
            raise ApiError(400, "invalid.value", f"event for contact {contact_id}: eventType is required")
        data = body.get("data")
        if not isinstance(data, dict):
            raise ApiError(400, "invalid.value", f"event for contact {contact_id}: data must be an object")
        for name, kind in (("goalId", str), ("campaignId", str), ("timestamp", int)):
            if not isinstance(data.get(name), kind):
                raise ApiError(
                    400,
                    "invalid.value",
                    f"event for contact {contact_id}: data.{name} must be a {kind.__name__}",
                )
        received = self.ctx.clock.tick()
        with self.lock:
            number = len(self.posted_events) + 1
            event = {
                "id": str(uuid.uuid5(ID_NAMESPACE, f"event:{self.ctx.faults.seed}:{number}")),
                "contactId": contact_id,
                "eventType": event_type,
                "data": data,
                "receivedDate": genesys_time(received),
            }
            self.posted_events.append(event)
        return json_response(event, 202)
