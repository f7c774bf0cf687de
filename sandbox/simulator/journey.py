"""Predictive Engagement endpoints of the simulator.

Two shapes, as in docs/contracts.md section 2:

- the invented Predictive Engagement API paths (``/api/v2/predictive-engagement/...``, invented, served as a
  documented sandbox option and kept as a sandbox extension): campaigns, per-day step funnels paged
  only through ``nextPageUri`` (``null`` on the last page), scorecards whose
  analytics serve the *active* model version, and a retrain (write scope) that
  makes the next version in the data active;
- the real Journey endpoints (what Genesys really offers for journeys): outcomes, segments, action maps
  and ``POST /api/v2/analytics/journeys/aggregates/query``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sandbox.simulator.context import SimContext
from sandbox.simulator.httpapi import (
    ApiError,
    Request,
    Response,
    Route,
    genesys_time,
    json_response,
    parse_interval,
    parse_time,
    to_ms,
)
from sandbox.simulator.paging import decode_cursor, encode_cursor, list_page
from sandbox.simulator.store import DAY_MS

PE = "/api/v2/predictive-engagement"
STEP_PAGE_MAX = 1000
SOURCE = "predictive_engagement"


def _version_key(version: str) -> tuple[int, str]:
    digits = re.findall(r"\d+", version)
    return (int(digits[0]) if digits else 0, version)


def _day_ms(value: str, what: str) -> int:
    return to_ms(parse_time(value, what))


@dataclass
class JourneyApi:
    ctx: SimContext
    archived: set[str] = field(default_factory=set)
    analytics_pages: dict[str, int] = field(default_factory=dict)
    active_versions: dict[str, str] = field(default_factory=dict)
    retrained_at: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    analytics_days: list[tuple[str, str, int]] = field(default_factory=list)
    """Request log of the analytics endpoints: (``campaign``/``scorecard``, id, dateFrom in ms)."""

    def __post_init__(self) -> None:
        for scorecard_id, versions in self._versions().items():
            wanted = self.ctx.options.scorecard_version
            self.active_versions[scorecard_id] = wanted if wanted in versions else versions[0]

    def routes(self) -> list[Route]:
        view, analytics = "predictive-engagement:view", "predictive-engagement:analytics:view"
        return [
            Route("GET", f"{PE}/campaigns", self.campaigns, "genesys", view),
            Route("GET", f"{PE}/campaigns/{{campaignId}}", self.campaign, "genesys", view),
            Route(
                "GET",
                f"{PE}/campaigns/{{campaignId}}/analytics",
                self.campaign_analytics,
                "genesys",
                analytics,
            ),
            Route("GET", f"{PE}/scorecards", self.scorecards, "genesys", view),
            Route("GET", f"{PE}/scorecards/{{scorecardId}}", self.scorecard, "genesys", view),
            Route(
                "GET",
                f"{PE}/scorecards/{{scorecardId}}/analytics",
                self.scorecard_analytics,
                "genesys",
                analytics,
            ),
            Route(
                "POST",
                f"{PE}/scorecards/{{scorecardId}}/retrain",
                self.retrain,
                "genesys",
                "predictive-engagement:edit",
            ),
            Route("GET", "/api/v2/journey/outcomes", self._list("outcomes"), "genesys", "journey:readonly"),
            Route("GET", "/api/v2/journey/segments", self._list("segments"), "genesys", "journey:readonly"),
            Route(
                "GET", "/api/v2/journey/actionmaps", self._list("action_maps"), "genesys", "journey:readonly"
            ),
            Route(
                "POST",
                "/api/v2/analytics/journeys/aggregates/query",
                self.journey_aggregates,
                "genesys",
                "analytics:readonly",
            ),
        ]

    def _list(self, resource: str) -> Any:
        def handler(request: Request) -> Response:
            return list_page(self.ctx, request, self.ctx.tenant.records(SOURCE, resource))

        return handler

    # --- campaigns ------------------------------------------------------------------------

    def _campaign_view(self, record: dict[str, Any]) -> dict[str, Any]:
        served = dict(self.ctx.tenant.served(record))
        if record.get("id") in self.archived:
            served["status"] = "archived"
        return served

    def _campaign(self, campaign_id: str) -> dict[str, Any]:
        record = self.ctx.tenant.lookup(SOURCE, "campaigns", "id", campaign_id)
        if record is None:
            raise ApiError(404, "not.found", f"Predictive Engagement campaign {campaign_id} not found")
        return record

    def campaigns(self, request: Request) -> Response:
        views = [self._campaign_view(record) for record in self.ctx.tenant.records(SOURCE, "campaigns")]
        return list_page(self.ctx, request, views)

    def campaign(self, request: Request) -> Response:
        return json_response(self._campaign_view(self._campaign(request.params["campaignId"])))

    def _check_not_archived(self, campaign_id: str) -> None:
        """404 for archived campaigns; the hostile plan archives one after its first page."""
        record = self._campaign(campaign_id)
        planned = (
            (self.ctx.tenant.manifest.get("faults") or {}).get("hostile", {}).get("archived_campaign_id")
        )
        with self.lock:
            served_pages = self.analytics_pages.get(campaign_id, 0)
            if self.ctx.faults.profile == "hostile" and campaign_id == planned and served_pages >= 1:
                self.archived.add(campaign_id)
            if campaign_id in self.archived or record.get("status") == "archived":
                raise ApiError(404, "not.found", f"Predictive Engagement campaign {campaign_id} is archived")
            self.analytics_pages[campaign_id] = served_pages + 1

    def campaign_analytics(self, request: Request) -> Response:
        campaign_id = request.params["campaignId"]
        date_from, date_to = self._date_range(request)
        group_by = request.arg("groupBy", "step")
        if group_by != "step":
            raise ApiError(400, "invalid.value", f"groupBy must be 'step', got {group_by!r}")
        size = self.ctx.served_size(request, request.int_arg("pageSize", STEP_PAGE_MAX, 1, STEP_PAGE_MAX))
        cursor = request.arg("cursor")
        day_index, step_offset = (
            divmod(decode_cursor(cursor, "cursor", campaign_id), 1_000_000) if cursor else (0, 0)
        )
        if not cursor:
            with self.lock:
                self.analytics_days.append(("campaign", campaign_id, date_from))
        self._check_not_archived(campaign_id)
        days = sorted(
            (
                record
                for record in self.ctx.tenant.records(SOURCE, "campaign_analytics")
                if record.get("campaignId") == campaign_id
                and date_from <= _day_ms(record["dateFrom"], "campaign_analytics.dateFrom") < date_to
            ),
            key=lambda record: record["dateFrom"],
        )
        if not days:
            return json_response(
                {
                    "campaignId": campaign_id,
                    "dateFrom": genesys_time(date_from),
                    "dateTo": genesys_time(date_to),
                    "metrics": {},
                    "steps": [],
                    "nextPageUri": None,
                }
            )
        if day_index >= len(days):
            raise ApiError(400, "bad.request", f"Invalid cursor {cursor!r}")
        page = dict(self.ctx.tenant.served(days[day_index]))
        steps = list(page.get("steps") or [])
        page["steps"] = steps[step_offset : step_offset + size]
        if step_offset + size < len(steps):
            following: tuple[int, int] | None = (day_index, step_offset + size)
        elif day_index + 1 < len(days):
            following = (day_index + 1, 0)
        else:
            following = None
        page["nextPageUri"] = None
        if following is not None:
            query = {name: values[0] for name, values in request.query.items() if name != "cursor"}
            query["cursor"] = encode_cursor(following[0] * 1_000_000 + following[1], campaign_id)
            page["nextPageUri"] = f"{request.path}?{urlencode(query)}"
        return json_response(page)

    def _date_range(self, request: Request) -> tuple[int, int]:
        date_from, date_to = request.arg("dateFrom"), request.arg("dateTo")
        if not date_from or not date_to:
            raise ApiError(400, "bad.request", "dateFrom and dateTo are required (ISO-8601 UTC)")
        return parse_interval(f"{date_from}/{date_to}", "dateFrom/dateTo")

    # --- scorecards -----------------------------------------------------------------------

    def _versions(self) -> dict[str, list[str]]:
        versions: dict[str, set[str]] = {}
        for record in self.ctx.tenant.records(SOURCE, "scorecard_analytics"):
            versions.setdefault(record["scorecardId"], set()).add(record["modelVersion"])
        return {key: sorted(found, key=_version_key) for key, found in versions.items()}

    def _scorecard(self, scorecard_id: str) -> dict[str, Any]:
        record = self.ctx.tenant.lookup(SOURCE, "scorecards", "id", scorecard_id)
        if record is None:
            raise ApiError(404, "not.found", f"Scorecard {scorecard_id} not found")
        return record

    def _created(self, scorecard_id: str) -> str:
        """A scorecard's ``createdDate`` (Journey objects carry one; the tenant's scorecards have
        none): the UTC midnight of its first analytics day, since a scorecard scores from the day
        it is created; one without analytics was created at the period's end."""
        days = [
            _day_ms(record["dateFrom"], "scorecard_analytics.dateFrom")
            for record in self.ctx.tenant.records(SOURCE, "scorecard_analytics")
            if record.get("scorecardId") == scorecard_id
        ]
        first = min(days) if days else self.ctx.tenant.period_end_ms
        return genesys_time(first // DAY_MS * DAY_MS)

    def _scorecard_view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = dict(self.ctx.tenant.served(record))
        if "createdDate" not in view:
            view["createdDate"] = self._created(record["id"])
        active = self.active_versions.get(record["id"])
        if active is not None and active != record.get("modelVersion"):
            view["modelVersion"] = active
            view["retrainedAt"] = self.retrained_at.get(record["id"])
        elif record["id"] in self.retrained_at:
            view["retrainedAt"] = self.retrained_at[record["id"]]
        return view

    def scorecards(self, request: Request) -> Response:
        views = [self._scorecard_view(record) for record in self.ctx.tenant.records(SOURCE, "scorecards")]
        return list_page(self.ctx, request, views)

    def scorecard(self, request: Request) -> Response:
        return json_response(self._scorecard_view(self._scorecard(request.params["scorecardId"])))

    def scorecard_analytics(self, request: Request) -> Response:
        scorecard_id = request.params["scorecardId"]
        self._scorecard(scorecard_id)
        metric = request.arg("metric", "performance")
        if metric != "performance":
            raise ApiError(400, "invalid.value", f"metric must be 'performance', got {metric!r}")
        date_from, date_to = self._date_range(request)
        if date_from % DAY_MS or date_to - date_from != DAY_MS:
            raise ApiError(
                400,
                "bad.request",
                "scorecard analytics are served per UTC day: dateFrom must be a "
                "UTC midnight and dateTo the next one",
            )
        with self.lock:
            self.analytics_days.append(("scorecard", scorecard_id, date_from))
        version = self.active_versions.get(scorecard_id)
        for record in self.ctx.tenant.records(SOURCE, "scorecard_analytics"):
            if (
                record.get("scorecardId") == scorecard_id
                and record.get("modelVersion") == version
                and _day_ms(record["dateFrom"], "scorecard_analytics.dateFrom") == date_from
            ):
                return json_response(self.ctx.tenant.served(record))
        raise ApiError(
            404, "not.found", f"No analytics for scorecard {scorecard_id} on {genesys_time(date_from)}"
        )

    def retrain(self, request: Request) -> Response:
        scorecard_id = request.params["scorecardId"]
        self._scorecard(scorecard_id)
        versions = self._versions().get(scorecard_id, [])
        with self.lock:
            current = self.active_versions.get(scorecard_id)
            later = [version for version in versions if _version_key(version) > _version_key(current or "")]
            if not later:
                raise ApiError(
                    409, "conflict", f"Scorecard {scorecard_id} has no model version after {current}"
                )
            self.active_versions[scorecard_id] = later[0]
            self.retrained_at[scorecard_id] = genesys_time(self.ctx.clock.tick())
        return json_response(
            {
                "scorecardId": scorecard_id,
                "previousModelVersion": current,
                "modelVersion": later[0],
                "retrainedAt": self.retrained_at[scorecard_id],
            },
            202,
        )

    # --- journey aggregates ---------------------------------------------------------------

    def journey_aggregates(self, request: Request) -> Response:
        body = request.json()
        start_ms, end_ms = parse_interval(body.get("interval"))
        granularity = body.get("granularity", "P1D")
        if granularity != "P1D":
            raise ApiError(400, "invalid.value", f"granularity {granularity!r}: the sandbox serves P1D only")
        group_by = body.get("groupBy") or []
        if any(name != "journeyActionMapId" for name in group_by):
            raise ApiError(400, "invalid.value", "groupBy supports journeyActionMapId only in the sandbox")
        metrics = set(body.get("metrics") or [])
        wanted_maps = _action_map_filter(body.get("filter"))
        merged: dict[str, dict[str, dict[str, int]]] = {}
        for record in self.ctx.tenant.records(SOURCE, "journey_aggregates"):
            map_id = (record.get("group") or {}).get("journeyActionMapId")
            if wanted_maps is not None and map_id not in wanted_maps:
                continue
            key = map_id if group_by else ""
            for item in record.get("data") or []:
                item_start, _ = parse_interval(item.get("interval"), "journey_aggregates interval")
                if not start_ms <= item_start < end_ms:
                    continue
                bucket = merged.setdefault(key, {}).setdefault(item["interval"], {})
                for metric in item.get("metrics") or []:
                    if not metrics or metric["metric"] in metrics:
                        count = (metric.get("stats") or {}).get("count", 0)
                        bucket[metric["metric"]] = bucket.get(metric["metric"], 0) + count
        results = []
        for key in sorted(merged):
            data = [
                {
                    "interval": interval,
                    "metrics": [
                        {"metric": name, "stats": {"count": count}} for name, count in sorted(values.items())
                    ],
                }
                for interval, values in sorted(merged[key].items())
            ]
            results.append({"group": {"journeyActionMapId": key} if group_by else {}, "data": data})
        return json_response({"results": results})


def _action_map_filter(query_filter: Any) -> set[str] | None:
    if not query_filter:
        return None
    wanted: set[str] = set()
    for i, predicate in enumerate(query_filter.get("predicates") or []):
        if predicate.get("dimension") != "journeyActionMapId":
            raise ApiError(
                400,
                "invalid.value",
                f"filter.predicates[{i}].dimension: the sandbox filters on journeyActionMapId only",
            )
        wanted.add(predicate.get("value"))
    return wanted
