"""Genesys Cloud CX source (HTTP).

Resources (table = resource name in ``raw_genesys``):

- ``conversations``: async details jobs (``POST /api/v2/analytics/conversations/details/jobs``,
  the only path that returns participant ``attributes``) up to ``jobs/availability``,
  then the details query (``POST .../details/query``, UTC day slices, pageSize 100) for
  the tail; deduplicated on ``conversationId``; incremental with a trailing re-read
  window; merge on ``conversation_id`` (in-flight rows are replaced later).
- entity lists are read page by page: through ``nextUri`` where the page has one, else
  (``/api/v2/license/users``, whose listing carries no paging links) by asking the
  next ``pageNumber`` while ``pageCount`` (or ``total``) says more pages exist; see
  :func:`entity_pages`.
- entities (merge on ``id``): ``divisions`` (``/api/v2/authorization/divisions``),
  ``users`` (``/api/v2/users?state=any``), ``user_licenses`` (``/api/v2/license/users``),
  ``queues`` + ``queue_members``, ``skills``, ``skill_groups`` + ``skill_group_members``,
  ``wrapup_codes``, ``presence_definitions``, ``campaigns``, ``conversion_events``.
- snapshots (append, stamped ``observed_at``): ``campaign_progress``, ``campaign_stats``,
  ``queue_observations``.
- ``user_presences``, ``user_routing_statuses``: ``POST /api/v2/analytics/users/details/query``.
- ``conversation_aggregates``: ``POST /api/v2/analytics/conversations/aggregates/query``
  per division at PT5M in the division's time zone.
- workforce management: ``management_units``, ``activity_codes``, ``agent_schedules``,
  ``historical_adherence`` (bulk adherence jobs), see :mod:`ingestion.genesys_cloud.wfm`.
- evaluations and surveys need no resource: they arrive inside the conversation records
  (``evaluations[]``, ``surveys[]``). Genesys rewrites a conversation's detail record when an
  evaluation is released, rescored or deleted or a survey is completed; the trailing re-read
  (``lookback_days``) extracts such conversations again and the merge on ``conversation_id``
  replaces the stored record. Evaluations released later than ``lookback_days`` after the
  contact are caught only with a longer window: set ``SOURCES__GENESYS__LOOKBACK_DAYS`` to the
  org's QA release lag (e.g. 14) when QA scores matter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.extract import Extraction, RecordBatch, interval, parse_time, resource_state, slices
from ingestion.genesys_cloud.wfm import WfmSource
from ingestion.http_client import ApiClient, ApiError
from ingestion.settings import GenesysSettings

DETAILS = "/api/v2/analytics/conversations/details"
AGGREGATE_METRICS = [
    "nOffered",
    "nConnected",
    "nOverSla",
    "nTransferred",
    "tAcd",
    "tAbandon",
    "tAnswered",
    "tTalk",
    "tHeld",
    "tAcw",
    "tHandle",
    "oServiceLevel",
]
OBSERVATION_METRICS = [
    "oWaiting",
    "oInteracting",
    "oAlerting",
    "oOnQueueUsers",
    "oOffQueueUsers",
    "oActiveUsers",
    "oMemberUsers",
]
JOBS_WINDOW_DAYS = 7
USERS_WINDOW_DAYS = 7
AGGREGATES_WINDOW_DAYS = 7
QUEUE_FILTER_BATCH = 100


def resources(client: ApiClient, settings: GenesysSettings, run: Extraction) -> list[Any]:
    """All Genesys resources, in load order."""
    source = _GenesysSource(client, settings, run)
    return [
        run.resource("divisions", source.entities("divisions", "/api/v2/authorization/divisions")),
        run.resource("users", source.entities("users", "/api/v2/users", {"state": "any"})),
        run.resource("user_licenses", source.entities("user_licenses", "/api/v2/license/users")),
        run.resource("queues", source.entities("queues", "/api/v2/routing/queues")),
        run.resource(
            "queue_members", source.members("queues", "/api/v2/routing/queues/{}/members", "queueId")
        ),
        run.resource("skills", source.entities("skills", "/api/v2/routing/skills")),
        run.resource("skill_groups", source.entities("skill_groups", "/api/v2/routing/skillgroups")),
        run.resource(
            "skill_group_members",
            source.members("skill_groups", "/api/v2/routing/skillgroups/{}/members", "skillGroupId"),
        ),
        run.resource("wrapup_codes", source.entities("wrapup_codes", "/api/v2/routing/wrapupcodes")),
        run.resource(
            "presence_definitions", source.entities("presence_definitions", "/api/v2/presence/definitions")
        ),
        run.resource("campaigns", source.entities("campaigns", "/api/v2/outbound/campaigns")),
        run.resource("campaign_progress", source.campaign_snapshots("progress")),
        run.resource("campaign_stats", source.campaign_snapshots("stats")),
        run.resource("queue_observations", source.queue_observations),
        run.resource("conversion_events", source.entities("conversion_events", "/api/v2/contacts/events")),
        run.resource("contact_list_contacts", source.contact_list_contacts),
        run.resource("conversations", source.conversations, method="jobs"),
        run.resource("user_presences", source.user_intervals("user_presences", "primaryPresence")),
        run.resource(
            "user_routing_statuses", source.user_intervals("user_routing_statuses", "routingStatus")
        ),
        run.resource("conversation_aggregates", source.aggregates, method="query"),
        *_wfm_resources(WfmSource(client, settings, run), run),
    ]


def _wfm_resources(wfm: WfmSource, run: Extraction) -> list[Any]:
    """Workforce management resources (see ``ingestion.genesys_cloud.wfm``)."""
    return [
        run.resource("management_units", wfm.management_units),
        run.resource("activity_codes", wfm.activity_codes),
        run.resource("agent_schedules", wfm.agent_schedules),
        run.resource("historical_adherence", wfm.historical_adherence, method="jobs"),
    ]


def entity_pages(client: ApiClient, path: str, params: dict[str, Any]) -> Iterator[list[Any]]:
    """The ``entities`` of every page of a Genesys list.

    A page's ``nextUri`` is followed when present. A page without one is the last,
    unless it says which page it is (``pageNumber``) and how many there are
    (``pageCount``, else ``total`` with ``pageSize``): then the next page number is
    asked with the page size the server actually served (it may serve fewer than
    asked; the numbering then continues from its size). An empty page ends the list.
    """
    page = client.get(path, params)
    while True:
        body = page if isinstance(page, dict) else {}
        items = body.get("entities") or []
        yield items
        if not items:
            return
        next_uri = body.get("nextUri")
        if next_uri:
            page = client.get(next_uri)
            continue
        following = _next_page_query(body, params)
        if following is None:
            return
        params = following
        page = client.get(path, params)


def _next_page_query(body: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
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


class _GenesysSource:
    def __init__(self, client: ApiClient, settings: GenesysSettings, run: Extraction) -> None:
        self.client = client
        self.settings = settings
        self.run = run
        self.ids: dict[str, list[str]] = {}
        """Ids of the entities listed in this run (queues, skill groups, campaigns, divisions)."""

    # --- entities ---------------------------------------------------------------------------

    def entities(self, name: str, path: str, params: dict[str, Any] | None = None) -> Any:
        def batches() -> Iterator[RecordBatch]:
            query = {"pageSize": self.settings.entity_page_size, **(params or {})}
            ids: list[str] = []
            for page in entity_pages(self.client, path, query):
                ids.extend(str(item.get("id")) for item in page if isinstance(item, dict) and item.get("id"))
                yield RecordBatch(page)
            self.ids[name] = ids
            self.run.stats.say(f"  genesys {name}: listed {len(ids)}")

        return batches

    def members(self, parent: str, path: str, parent_key: str) -> Any:
        def batches() -> Iterator[RecordBatch]:
            for parent_id in self.ids.get(parent, []):
                query = {"pageSize": self.settings.entity_page_size}
                for page in entity_pages(self.client, path.format(parent_id), query):
                    yield RecordBatch(
                        [{parent_key: parent_id, **m} if isinstance(m, dict) else m for m in page]
                    )

        return batches

    def campaign_snapshots(self, kind: str) -> Any:
        def batches() -> Iterator[RecordBatch]:
            records = []
            for campaign_id in self.ids.get("campaigns", []):
                record = self.client.get(f"/api/v2/outbound/campaigns/{campaign_id}/{kind}")
                if kind == "stats" and isinstance(record, dict):
                    record = {"campaignId": campaign_id, **record}
                records.append(record)
            yield RecordBatch(records)

        return batches

    def contact_list_contacts(self) -> Iterator[RecordBatch]:
        """Dialer contacts of every campaign's contact list (``POST .../contacts/search``, paged in
        the body), so the columns the write-back sets come back into the warehouse."""
        lists: list[str] = []
        for campaign_id in self.ids.get("campaigns", []):
            campaign = self.client.get(f"/api/v2/outbound/campaigns/{campaign_id}") or {}
            list_id = (campaign.get("contactList") or {}).get("id")
            if list_id and list_id not in lists:
                lists.append(list_id)
        for list_id in lists:
            number = 1
            while True:
                body = {"pageNumber": number, "pageSize": self.settings.entity_page_size}
                try:
                    page = (
                        self.client.post(f"/api/v2/outbound/contactlists/{list_id}/contacts/search", body)
                        or {}
                    )
                except ApiError as exc:
                    if exc.status in (403, 404):
                        self.run.stats.say(
                            f"  genesys contact_list_contacts: list {list_id} answered {exc.status}"
                        )
                        break
                    raise
                yield RecordBatch(page.get("entities") or [])
                if number >= int(page.get("pageCount") or 1) or not page.get("entities"):
                    break
                number += 1

    def queue_observations(self) -> Iterator[RecordBatch]:
        queue_ids = self.ids.get("queues", [])
        for first in range(0, len(queue_ids), QUEUE_FILTER_BATCH):
            chunk = queue_ids[first : first + QUEUE_FILTER_BATCH]
            body = {
                "filter": {
                    "type": "or",
                    "predicates": [{"dimension": "queueId", "value": queue_id} for queue_id in chunk],
                },
                "metrics": OBSERVATION_METRICS,
            }
            answer = self.client.post("/api/v2/analytics/queues/observations/query", body) or {}
            yield RecordBatch(answer.get("results") or [])

    # --- conversations ------------------------------------------------------------------

    def conversations(self) -> Iterator[RecordBatch]:
        state = resource_state()
        start, end = self.run.window(state, self.settings.lookback_days, self.settings.initial_days)
        availability = self._availability()
        in_flight = _InFlight()
        jobs_end = min(availability, end)
        for part_start, part_end in slices(start, jobs_end, JOBS_WINDOW_DAYS):
            for page in self._job_pages(part_start, part_end):
                yield RecordBatch(page=page, list_key="conversations", on_rows=in_flight.observe)
        # The tail after the availability date (query: no attributes). Conversations seen
        # in the jobs windows are dropped by the run's key filter (first one wins).
        for day_start, day_end in slices(max(start, jobs_end), end, 1):
            records = self._query_conversations(day_start, day_end)
            yield RecordBatch(records, on_rows=in_flight.observe)
        state["cursor"] = end.isoformat()
        state["oldest_in_flight"] = in_flight.oldest.isoformat() if in_flight.oldest else None

    def _availability(self) -> datetime:
        answer = self.client.get(f"{DETAILS}/jobs/availability") or {}
        value = answer.get("dataAvailabilityDate")
        if not value:
            raise ApiError(f"GET {DETAILS}/jobs/availability: no dataAvailabilityDate in {answer}")
        return parse_time(value)

    def _job_pages(self, start: datetime, end: datetime) -> Iterator[bytes]:
        """Raw result pages of one details job (with participant attributes)."""
        window = interval(start, end)
        job = self.client.post(f"{DETAILS}/jobs", {"interval": window, "order": "asc"}) or {}
        job_id = job.get("jobId")
        if not job_id:
            raise ApiError(f"POST {DETAILS}/jobs: no jobId in answer {job}")
        self._wait_for_job(job_id, window)
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"pageSize": self.settings.jobs_page_size}
            if cursor:
                params["cursor"] = cursor
            page = self.client.get_raw(f"{DETAILS}/jobs/{job_id}/results", params)
            pages += 1
            yield page
            cursor = self.run.transformer.page_value(page, "cursor")
            if not cursor:
                break
        self.run.stats.say(f"  genesys conversations: jobs {window}: {pages} result pages")

    def _wait_for_job(self, job_id: str, window: str) -> None:
        delay = 0.05
        while True:
            status = self.client.get(f"{DETAILS}/jobs/{job_id}") or {}
            state = status.get("state")
            if state == "FULFILLED":
                return
            if state in ("FAILED", "CANCELLED", "EXPIRED"):
                raise ApiError(
                    f"details job {job_id} for {window} ended {state}: {status.get('errorMessage', '')}"
                )
            time.sleep(delay)
            delay = min(self.settings.job_poll_s, delay * 2)

    def _query_conversations(self, start: datetime, end: datetime) -> list[Any]:
        window = interval(start, end)
        records: list[Any] = []
        number = 1
        while True:
            body = {
                "interval": window,
                "order": "asc",
                "orderBy": "conversationStart",
                "paging": {"pageSize": self.settings.query_page_size, "pageNumber": number},
            }
            page = self.client.post(f"{DETAILS}/query", body) or {}
            conversations = page.get("conversations") or []
            if not conversations:
                break
            records.extend(conversations)
            number += 1
        self.run.stats.say(f"  genesys conversations: query {window}: {len(records)}")
        return records

    # --- users details ------------------------------------------------------------------

    def user_intervals(self, name: str, list_name: str) -> Any:
        def batches() -> Iterator[RecordBatch]:
            state = resource_state()
            start, end = self.run.window(state, self.settings.lookback_days, self.settings.initial_days)
            seen: set[tuple[Any, Any]] = set()
            for part_start, part_end in slices(start, end, USERS_WINDOW_DAYS):
                records = list(self._user_details(part_start, part_end, list_name, seen))
                self.run.stats.say(f"  genesys {name}: {interval(part_start, part_end)}: {len(records)}")
                yield RecordBatch(records)
            state["cursor"] = end.isoformat()

        return batches

    def _user_details(
        self, start: datetime, end: datetime, list_name: str, seen: set[tuple[Any, Any]]
    ) -> Iterator[Any]:
        number = 1
        while True:
            body = {
                "interval": interval(start, end),
                "order": "asc",
                "paging": {"pageSize": self.settings.query_page_size, "pageNumber": number},
            }
            page = self.client.post("/api/v2/analytics/users/details/query", body) or {}
            details = page.get("userDetails") or []
            if not details:
                return
            for detail in details:
                user_id = detail.get("userId") if isinstance(detail, dict) else None
                for item in (detail.get(list_name) if isinstance(detail, dict) else None) or []:
                    key = (user_id, item.get("startTime") if isinstance(item, dict) else None)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield {"userId": user_id, **item} if isinstance(item, dict) else item
            number += 1

    # --- aggregates ---------------------------------------------------------------------

    def aggregates(self) -> Iterator[RecordBatch]:
        state = resource_state()
        start, end = self.run.window(state, self.settings.lookback_days, self.settings.initial_days)
        granularity = self.settings.aggregates_granularity
        for division_id in self.ids.get("divisions", []):
            zone = self.settings.aggregates_time_zones.get(division_id, self.settings.aggregates_time_zone)
            context = {"divisionId": division_id, "timeZone": zone, "granularity": granularity}
            for part_start, part_end in slices(start, end, AGGREGATES_WINDOW_DAYS):
                body = {
                    "interval": interval(part_start, part_end),
                    "granularity": granularity,
                    "timeZone": zone,
                    "groupBy": ["queueId", "mediaType"],
                    "filter": {
                        "type": "and",
                        "predicates": [
                            {"type": "dimension", "dimension": "divisionId", "value": division_id}
                        ],
                    },
                    "metrics": AGGREGATE_METRICS,
                }
                answer = self.client.post("/api/v2/analytics/conversations/aggregates/query", body) or {}
                yield RecordBatch(answer.get("results") or [], context=context)
        state["cursor"] = end.isoformat()


class _InFlight:
    """Oldest start among loaded conversations that have not ended yet."""

    def __init__(self) -> None:
        self.oldest: datetime | None = None

    def observe(self, rows: pa.Table) -> None:
        open_rows = rows.filter(pc.is_null(rows["conversation_end"]))
        if open_rows.num_rows == 0:
            return
        started = pc.min(open_rows["conversation_start"]).as_py()
        if started is not None and (self.oldest is None or started < self.oldest):
            self.oldest = started
