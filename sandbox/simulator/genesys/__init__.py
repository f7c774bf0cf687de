"""Genesys Cloud endpoints of the simulator, one module per route group.

``directory`` (divisions, users, licences, presence definitions), ``routing`` (queues,
skills, skill groups, wrap-up codes), ``outbound`` (campaigns and conversion events) and
``analytics`` (conversation details query and jobs, users details, queue observations).
WFM, aggregates and contact lists live in their own simulator modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.simulator.context import SimContext
from sandbox.simulator.genesys.analytics import AnalyticsApi
from sandbox.simulator.genesys.directory import DirectoryApi
from sandbox.simulator.genesys.outbound import OutboundApi
from sandbox.simulator.genesys.routing import RoutingApi
from sandbox.simulator.httpapi import Route


@dataclass
class GenesysApi:
    """The route groups of one simulated Genesys org, sharing its context."""

    ctx: SimContext
    directory: DirectoryApi = field(init=False)
    routing: RoutingApi = field(init=False)
    outbound: OutboundApi = field(init=False)
    analytics: AnalyticsApi = field(init=False)

    def __post_init__(self) -> None:
        self.directory = DirectoryApi(self.ctx)
        self.routing = RoutingApi(self.ctx)
        self.outbound = OutboundApi(self.ctx)
        self.analytics = AnalyticsApi(self.ctx)

    def routes(self) -> list[Route]:
        return (
            self.directory.routes() + self.routing.routes() + self.outbound.routes() + self.analytics.routes()
        )
