r"""Genesys Cloud CX source (HTTP): :func:`genesys_cloud_source`, a ``@dlt.source``.

Its settings are arguments injected by dlt (``sources.genesys.*``: ``lookback_days``,
``initial_days``, page sizes, ``aggregates_time_zone(s)``, ...); the connection comes
from :func:`ingestion.api_settings.genesys_connection`. Resources that read one
request per item of another resource are ``dlt.transformer``\ s of it: queue members and
observations per queue (``queues``), skill group members (``skill_groups``), progress,
stats and contact-list contacts per campaign (``campaigns``), aggregates per division
(``divisions``), and the WFM reads per management unit.

Resources (table = resource name in ``raw_genesys``):

- ``conversations``: async details jobs (``POST /api/v2/analytics/conversations/details/jobs``,
  the only path that returns participant ``attributes``) up to ``jobs/availability``,
  then the details query (``POST .../details/query``, UTC day slices, pageSize 100) for
  the tail; deduplicated on ``conversationId``; incremental with a trailing re-read
  window; merge on ``conversation_id`` (in-flight rows are replaced later).
- entity lists are read page by page: through ``nextUri`` where the page has one, else
  (``/api/v2/license/users``, whose listing carries no paging links) by asking the
  next ``pageNumber`` while ``pageCount`` (or ``total``) says more pages exist; see
  :class:`ingestion.paging.GenesysListPaginator`.
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

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.api_settings import GenesysSettings
from ingestion.genesys_cloud.wfm import wfm_resources
from ingestion.http_client import ApiClient, ApiError
from ingestion.paging import RawCursorPaginator, body_pages, entity_pages, pages
from ingestion.raw_resources import Extraction, RecordBatch, ids_of
from ingestion.windows import interval, parse_time, resource_state, slices

__all__ = ["AGGREGATE_METRICS", "OBSERVATION_METRICS", "entity_pages", "genesys_cloud_source"]

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


@dlt.source(name="cxlake_genesys", section="genesys", max_table_nesting=0)
def genesys_cloud_source(
    client: ApiClient = None,  # type: ignore[assignment]
    run: Extraction = None,  # type: ignore[assignment]
    lookback_days: int = 3,
    initial_days: int = 90,
    query_page_size: int = 100,
    jobs_page_size: int = 1000,
    entity_page_size: int = 100,
    job_poll_s: float = 1.0,
    aggregates_granularity: str = "PT5M",
    aggregates_time_zone: str = "UTC",
    aggregates_time_zones: dict[str, str] | None = None,
) -> list[Any]:
    """All Genesys resources. ``client`` and ``run`` are passed; everything else is injected."""
    settings = GenesysSettings(
        lookback_days=lookback_days,
        initial_days=initial_days,
        query_page_size=query_page_size,
        jobs_page_size=jobs_page_size,
        entity_page_size=entity_page_size,
        job_poll_s=job_poll_s,
        aggregates_granularity=aggregates_granularity,
        aggregates_time_zone=aggregates_time_zone,
        aggregates_time_zones=dict(aggregates_time_zones or {}),
    )
    source = _GenesysReads(client, settings, run)
    divisions = run.resource("divisions", source.entities("divisions", "/api/v2/authorization/divisions"))
    queues = run.resource("queues", source.entities("queues", "/api/v2/routing/queues"))
    skill_groups = run.resource(
        "skill_groups", source.entities("skill_groups", "/api/v2/routing/skillgroups")
    )
    campaigns = run.resource("campaigns", source.entities("campaigns", "/api/v2/outbound/campaigns"))
    return [
        divisions,
        run.resource("users", source.entities("users", "/api/v2/users", {"state": "any"})),
        run.resource("user_licenses", source.entities("user_licenses", "/api/v2/license/users")),
        queues,
        run.transformer(
            "queue_members", queues, source.members("/api/v2/routing/queues/{}/members", "queueId")
        ),
        run.resource("skills", source.entities("skills", "/api/v2/routing/skills")),
        skill_groups,
        run.transformer(
            "skill_group_members",
            skill_groups,
            source.members("/api/v2/routing/skillgroups/{}/members", "skillGroupId"),
        ),
        run.resource("wrapup_codes", source.entities("wrapup_codes", "/api/v2/routing/wrapupcodes")),
        run.resource(
            "presence_definitions", source.entities("presence_definitions", "/api/v2/presence/definitions")
        ),
        campaigns,
        run.transformer("campaign_progress", campaigns, source.campaign_snapshots("progress")),
        run.transformer("campaign_stats", campaigns, source.campaign_snapshots("stats")),
        run.transformer("queue_observations", queues, source.queue_observations),
        run.resource("conversion_events", source.entities("conversion_events", "/api/v2/contacts/events")),
        run.transformer("contact_list_contacts", campaigns, source.contact_list_contacts),
        run.resource("conversations", source.conversations, method="jobs"),
        run.resource("user_presences", source.user_intervals("user_presences", "primaryPresence")),
        run.resource(
            "user_routing_statuses", source.user_intervals("user_routing_statuses", "routingStatus")
        ),
        run.transformer("conversation_aggregates", divisions, source.aggregates, method="query"),
        *wfm_resources(client, settings, run),
    ]


class _GenesysReads:
    """The reads of the Genesys resources (one client, one run; no state between resources)."""

    def __init__(self, client: ApiClient, settings: GenesysSettings, run: Extraction) -> None:
        self.client = client
        self.settings = settings
        self.run = run

    # --- entities ---------------------------------------------------------------------------

    def entities(self, name: str, path: str, params: dict[str, Any] | None = None) -> Any:
        def batches() -> Iterator[RecordBatch]:
            query = {"pageSize": self.settings.entity_page_size, **(params or {})}
            listed = 0
            for page in entity_pages(self.client, path, query):
                listed += sum(1 for item in page if isinstance(item, dict) and item.get("id"))
                yield RecordBatch(page)
            self.run.stats.say(f"  genesys {name}: listed {listed}")

        return batches

    def members(self, path: str, parent_key: str) -> Any:
        def batches(parents: pa.Table) -> Iterator[RecordBatch]:
            for parent_id in ids_of(parents):
                query = {"pageSize": self.settings.entity_page_size}
                for page in entity_pages(self.client, path.format(parent_id), query):
                    yield RecordBatch(
                        [{parent_key: parent_id, **m} if isinstance(m, dict) else m for m in page]
                    )

        return batches

    def campaign_snapshots(self, kind: str) -> Any:
        def batches(campaigns: pa.Table) -> Iterator[RecordBatch]:
            records = []
            for campaign_id in ids_of(campaigns):
                record = self.client.get(f"/api/v2/outbound/campaigns/{campaign_id}/{kind}")
                if kind == "stats" and isinstance(record, dict):
                    record = {"campaignId": campaign_id, **record}
                records.append(record)
            yield RecordBatch(records)

        return batches

    def contact_list_contacts(self, campaigns: pa.Table) -> Iterator[RecordBatch]:
        """Dialer contacts of every campaign's contact list (``POST .../contacts/search``, paged in
        the body), so the columns the write-back sets come back into the warehouse."""
        lists: list[str] = []
        for campaign_id in ids_of(campaigns):
            campaign = self.client.get(f"/api/v2/outbound/campaigns/{campaign_id}") or {}
            list_id = (campaign.get("contactList") or {}).get("id")
            if list_id and list_id not in lists:
                lists.append(list_id)
        for list_id in lists:
            body = {"pageNumber": 1, "pageSize": self.settings.entity_page_size}
            try:
                for page in body_pages(
                    self.client,
                    f"/api/v2/outbound/contactlists/{list_id}/contacts/search",
                    body,
                    "entities",
                    "pageNumber",
                    total_path="pageCount",
                ):
                    yield RecordBatch(page)
            except ApiError as exc:
                if exc.status not in (403, 404):
                    raise
                self.run.stats.say(f"  genesys contact_list_contacts: list {list_id} answered {exc.status}")

    def queue_observations(self, queues: pa.Table) -> Iterator[RecordBatch]:
        queue_ids = ids_of(queues)
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
        count = 0
        paginator = RawCursorPaginator(lambda page: self.run.validator.page_value(page, "cursor"))
        params = {"pageSize": self.settings.jobs_page_size}
        results = f"{DETAILS}/jobs/{job_id}/results"
        for page, _ in pages(self.client, paginator, "GET", results, params, raw=True):
            count += 1
            yield page
        self.run.stats.say(f"  genesys conversations: jobs {window}: {count} result pages")

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
        body = {
            "interval": window,
            "order": "asc",
            "orderBy": "conversationStart",
            "paging": {"pageSize": self.settings.query_page_size, "pageNumber": 1},
        }
        records = [
            record
            for page in body_pages(
                self.client, f"{DETAILS}/query", body, "conversations", "paging.pageNumber"
            )
            for record in page
        ]
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
        body = {
            "interval": interval(start, end),
            "order": "asc",
            "paging": {"pageSize": self.settings.query_page_size, "pageNumber": 1},
        }
        path = "/api/v2/analytics/users/details/query"
        for details in body_pages(self.client, path, body, "userDetails", "paging.pageNumber"):
            for detail in details:
                user_id = detail.get("userId") if isinstance(detail, dict) else None
                for item in (detail.get(list_name) if isinstance(detail, dict) else None) or []:
                    key = (user_id, item.get("startTime") if isinstance(item, dict) else None)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield {"userId": user_id, **item} if isinstance(item, dict) else item

    # --- aggregates ---------------------------------------------------------------------

    def aggregates(self, divisions: pa.Table) -> Iterator[RecordBatch]:
        state = resource_state()
        start, end = self.run.window(
            state, self.settings.lookback_days, self.settings.initial_days, "conversation_aggregates"
        )
        granularity = self.settings.aggregates_granularity
        for division_id in ids_of(divisions):
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
