"""State shared by the simulator's API modules: tenant, options, faults, clock."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.simulator.faults import FaultPlan
from sandbox.simulator.httpapi import Clock, Request
from sandbox.simulator.store import Tenant


@dataclass(frozen=True)
class SimOptions:
    """Tunable behaviour of the simulator (constructor keyword arguments of ``SandboxServer``)."""

    rate_limit_per_minute: int = 300  # per token, Genesys; 0 = off
    token_lifetime_s: float = 86399.0
    availability_lag_hours: float = 0.0  # jobs see data up to data_availability_date minus this
    max_query_interval_days: int = 7  # details query interval cap (400 beyond)
    scorecard_version: str = "v1"  # model version active at start
    salesforce_request_limit: int = 15000  # total Salesforce API requests; 0 = off
    predictive_engagement: bool = True  # False: every PE / Journey endpoint answers 404 (org without add-on)
    adherence_download_ttl_s: float = 3600.0  # historical adherence download URLs expire after this
    adherence_expired_jobs: int = 0  # the first N adherence jobs' download URLs are expired when read


@dataclass
class SimContext:
    tenant: Tenant
    options: SimOptions
    faults: FaultPlan
    clock: Clock

    def served_size(self, request: Request, requested: int) -> int:
        """Page size actually served for this request (fault profiles may shrink it)."""
        return self.faults.page_size(request.endpoint, request.number, requested)
