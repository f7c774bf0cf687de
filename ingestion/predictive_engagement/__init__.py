r"""Predictive Engagement source (HTTP), into ``raw_predictive_engagement``:
:func:`predictive_engagement_source`, a ``@dlt.source`` whose settings
(``sources.predictive_engagement.*``) dlt injects.

Per-campaign and per-scorecard reads are ``dlt.transformer``\ s of ``campaigns`` /
``scorecards``; journey aggregates are read per page of ``action_maps`` (filtered on
those action maps). A first load asks only for the days where the thing existed: a
campaign's days start at its ``createdDate`` (and its scorecard's), a scorecard's at its
``createdDate``, the journey aggregates at the earliest ``createdDate`` of the action maps
(Genesys Journey objects carry ``createdDate``). A long read prints one progress line
every 30 s with the requests left and an estimate of the time.

Invented Predictive Engagement path (sandbox extension of ``/api/v2/predictive-engagement/...``):

- ``campaigns`` (merge on ``id``); before extracting a campaign its status is
  checked (``GET .../campaigns/{id}``): an archived campaign, or one that answers
  404 mid-paging, is recorded in ``extraction_log`` as skipped with the reason (the
  rows are routed there by ``campaign_analytics`` with ``dlt.mark.with_hints``).
- ``campaign_analytics``: ``GET .../campaigns/{id}/analytics`` per UTC day, pages
  followed through ``nextPageUri`` only, pages of one day joined into one record;
  every extraction kept (append, keyed with ``extracted_at``) with the
  scorecard's ``model_version``.
- ``scorecards`` (merge) and ``scorecard_analytics`` per UTC day (append, keyed
  with ``model_version`` and ``extracted_at``); days within the configurable
  backfill offset (48 h) are flagged ``pending_backfill`` and re-read next run.

Real Journey path: ``outcomes``, ``segments``, ``action_maps``
(``/api/v2/journey/...``) and ``journey_aggregates``
(``POST /api/v2/analytics/journeys/aggregates/query`` at P1D by action map).

An org without the add-on (403/404 on these endpoints) loads nothing for them and
says so; nothing else fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa

from ingestion.http_client import ApiClient, ApiError
from ingestion.paging import JSONLinkPaginator, entity_pages, pages
from ingestion.raw_resources import (
    Extraction,
    RecordBatch,
    RequestProgress,
    extraction_log_resource,
    ids_of,
    payloads,
)
from ingestion.validation import model_version_case
from ingestion.windows import created_day, interval, midnight, parse_time, resource_state, slices

PE = "/api/v2/predictive-engagement"
EXTRACTABLE = ("active", "paused")
NOT_ENABLED = (403, 404)
JOURNEY_METRICS = [
    "nJourneySessions",
    "nJourneyOutcomesAchieved",
    "nJourneyOutcomesAttributed",
    "nWebActionsOffered",
    "nWebActionsEngaged",
    "nWebActionsAccepted",
    "nWebActionsRejected",
]


@dlt.source(name="cxlake_predictive_engagement", section="predictive_engagement", max_table_nesting=0)
def predictive_engagement_source(
    client: ApiClient = None,  # type: ignore[assignment]
    run: Extraction = None,  # type: ignore[assignment]
    scorecard_offset_hours: int = 48,
    page_size: int = 1000,
    initial_days: int = 90,
) -> list[Any]:
    """All Predictive Engagement resources. ``client`` and ``run`` are passed; the rest is injected."""
    reads = _PredictiveReads(client, run, scorecard_offset_hours, page_size, initial_days)
    run.derived["scorecard_analytics"] = {
        "pending_backfill": f"(date_to > _extracted_at - INTERVAL {scorecard_offset_hours} HOUR)"
    }
    scorecards = run.resource("scorecards", reads.scorecards)
    campaigns = run.resource("campaigns", reads.campaigns)
    action_maps = run.resource("action_maps", reads.journey_list("action_maps", "/api/v2/journey/actionmaps"))
    return [
        scorecards,
        campaigns,
        run.transformer("campaign_analytics", campaigns, reads.campaign_analytics),
        run.transformer("scorecard_analytics", scorecards, reads.scorecard_analytics()),
        run.resource("outcomes", reads.journey_list("outcomes", "/api/v2/journey/outcomes")),
        run.resource("segments", reads.journey_list("segments", "/api/v2/journey/segments")),
        action_maps,
        run.transformer("journey_aggregates", action_maps, reads.journey_aggregates, method="query"),
        extraction_log_resource(run.started),
    ]


class _PredictiveReads:
    def __init__(
        self, client: ApiClient, run: Extraction, offset_hours: int, page_size: int, initial_days: int
    ) -> None:
        self.client = client
        self.run = run
        self.offset_hours = offset_hours
        self.page_size = page_size
        self.initial_days = initial_days
        self.noted: set[str] = set()

    def _disabled(self, exc: ApiError, what: str) -> bool:
        if exc.status in NOT_ENABLED:
            if what not in self.noted:
                self.noted.add(what)
                self.run.stats.note(
                    f"predictive_engagement: {what} answered {exc.status}: the org has no Predictive "
                    "Engagement add-on (or the client lacks its permissions); nothing loaded for it"
                )
            return True
        return False

    def _list(self, path: str) -> list[Any]:
        return [item for page in entity_pages(self.client, path, {"pageSize": 100}) for item in page]

    def _listing(self, path: str) -> Iterator[RecordBatch]:
        try:
            records = self._list(path)
        except ApiError as exc:
            if not self._disabled(exc, f"GET {path}"):
                raise
            return
        yield RecordBatch(records)

    # --- invented Predictive Engagement API path --------------------------------------------

    def scorecards(self) -> Iterator[RecordBatch]:
        yield from self._listing(f"{PE}/scorecards")

    def campaigns(self) -> Iterator[RecordBatch]:
        yield from self._listing(f"{PE}/campaigns")

    def _scorecard(self, scorecard_id: str) -> dict[str, Any]:
        """The campaign's scorecard (its model version and creation date)."""
        try:
            record = self.client.get(f"{PE}/scorecards/{scorecard_id}")
        except ApiError as exc:
            if exc.status == 404:
                return {}
            raise
        return record if isinstance(record, dict) else {}

    def campaign_analytics(self, campaigns: pa.Table) -> Iterator[RecordBatch]:
        state = resource_state()
        start, end = self.run.window(state, 0, self.initial_days, "campaign_analytics")
        plans = []
        for campaign in payloads(campaigns):
            campaign_id = str(campaign.get("id") or "")
            if not campaign_id:
                continue
            status = self._status(campaign_id)
            if status not in EXTRACTABLE:
                yield self._skip(campaign_id, status, f"campaign status is {status!r}; not extracted")
                continue
            scorecard = (
                self._scorecard(str(campaign.get("scorecardId") or "")) if campaign.get("scorecardId") else {}
            )
            version = scorecard.get("modelVersion")
            # no funnel before the campaign existed, nor before the scorecard that scores it
            first = max(
                [
                    start,
                    *(
                        d
                        for d in (
                            created_day(campaign.get("createdDate")),
                            created_day(scorecard.get("createdDate")),
                        )
                        if d
                    ),
                ]
            )
            plans.append((campaign_id, version, list(slices(first, end, 1))))
        progress = RequestProgress(
            self.run.stats, "predictive_engagement campaign_analytics", sum(len(days) for _, _, days in plans)
        )
        for campaign_id, version, days_of in plans:
            context_derived = {"model_version": model_version_case({campaign_id: version} if version else {})}
            days = 0
            for day_start, day_end in days_of:
                progress.step()
                try:
                    record = self._campaign_day(campaign_id, day_start, day_end)
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                    yield self._skip(
                        campaign_id,
                        "archived",
                        f"404 while paging analytics of {day_start.date()} "
                        f"(campaign archived or removed mid-extraction): {exc}",
                    )
                    break
                if record is not None:
                    days += 1
                    yield RecordBatch([record], derived=context_derived)
            self.run.stats.say(f"  predictive_engagement campaign {campaign_id}: {days} days")
        state["cursor"] = end.isoformat()

    def _status(self, campaign_id: str) -> str:
        try:
            record = self.client.get(f"{PE}/campaigns/{campaign_id}") or {}
        except ApiError as exc:
            if exc.status == 404:
                return "not found"
            raise
        return str(record.get("status"))

    def _skip(self, campaign_id: str, status: str, reason: str) -> RecordBatch:
        """A batch carrying the skipped campaign for ``extraction_log`` (and the run summary)."""
        self.run.stats.say(f"  predictive_engagement campaign {campaign_id} skipped: {reason}")
        return RecordBatch(log=[{"campaign_id": campaign_id, "status": status, "reason": reason}])

    def _campaign_day(self, campaign_id: str, start: datetime, end: datetime) -> dict[str, Any] | None:
        """One day's funnel: pages followed through ``nextPageUri`` (``JSONLinkPaginator``), steps joined."""
        params = {
            "dateFrom": _pe_time(start),
            "dateTo": _pe_time(end),
            "groupBy": "step",
            "pageSize": self.page_size,
        }
        record: dict[str, Any] | None = None
        paginator = JSONLinkPaginator(next_url_path="nextPageUri")
        path = f"{PE}/campaigns/{campaign_id}/analytics"
        for page, _ in pages(self.client, paginator, "GET", path, params):
            if not isinstance(page, dict):
                break
            steps = page.get("steps")
            if record is None:
                record = {k: v for k, v in page.items() if k != "nextPageUri"}
            elif isinstance(steps, list):
                record["steps"] = list(record.get("steps") or []) + steps
        if record is None or not record.get("steps"):
            return None
        return record

    def scorecard_analytics(self) -> Any:
        """Per scorecard and UTC day, from the scorecard's creation day. Re-read: days still inside
        the backfill offset, and the whole history of a scorecard whose model version changed (a
        retrain recomputes past days; the new version's rows are kept beside the old ones)."""
        this_run: dict[str, Any] = {}  # what earlier parent pages of this run found

        def batches(scorecards: pa.Table) -> Iterator[RecordBatch]:
            state = resource_state()
            if not this_run:
                start, end = self.run.window(state, 0, self.initial_days)
                pending = state.get("pending_from")
                if pending and self.run.start is None:
                    start = min(start, parse_time(pending))
                first_day = min(parse_time(state["first_day"]), start) if state.get("first_day") else start
                this_run.update(start=start, end=end, first_day=first_day, first_pending=None)
            start, end, first_day = this_run["start"], this_run["end"], this_run["first_day"]
            extracted_versions: dict[str, str] = state.setdefault("versions", {})
            offset = timedelta(hours=self.offset_hours)
            plans = []
            for scorecard in payloads(scorecards):
                scorecard_id, version = scorecard.get("id"), scorecard.get("modelVersion")
                if not scorecard_id:
                    continue
                previous = extracted_versions.get(scorecard_id)
                scorecard_start = start
                if previous is not None and previous != version:
                    scorecard_start = first_day
                    self.run.stats.say(
                        f"  predictive_engagement scorecard {scorecard_id}: model {previous} -> {version}, "
                        "re-reading its history"
                    )
                created = created_day(scorecard.get("createdDate"))
                first = (
                    max(midnight(scorecard_start.date()), created)
                    if created
                    else midnight(scorecard_start.date())
                )
                days = [(a, b) for a, b in slices(first, end, 1) if b - a >= timedelta(days=1)]
                plans.append((scorecard_id, version, days))
            progress = RequestProgress(
                self.run.stats, "predictive_engagement scorecard_analytics", sum(len(d) for _, _, d in plans)
            )
            for scorecard_id, version, days in plans:
                records = []
                for day_start, day_end in days:
                    progress.step()
                    record = self._scorecard_day(scorecard_id, day_start, day_end)
                    if record is None:
                        continue
                    records.append(record)
                    pending_first = this_run["first_pending"]
                    if day_end > self.run.started - offset and (
                        pending_first is None or day_start < pending_first
                    ):
                        this_run["first_pending"] = day_start
                self.run.stats.say(f"  predictive_engagement scorecard {scorecard_id}: {len(records)} days")
                yield RecordBatch(records)
                extracted_versions[scorecard_id] = version
            state["cursor"] = end.isoformat()
            state["first_day"] = first_day.isoformat()
            pending_first = this_run["first_pending"]
            state["pending_from"] = pending_first.isoformat() if pending_first else None

        return batches

    def _scorecard_day(self, scorecard_id: str, start: datetime, end: datetime) -> Any:
        params = {"dateFrom": _pe_time(start), "dateTo": _pe_time(end), "metric": "performance"}
        try:
            return self.client.get(f"{PE}/scorecards/{scorecard_id}/analytics", params)
        except ApiError as exc:
            if exc.status == 404:  # no analytics that day
                return None
            raise

    # --- real Journey path ------------------------------------------------------------------

    def journey_list(self, name: str, path: str) -> Any:
        def batches() -> Iterator[RecordBatch]:
            for batch in self._listing(path):
                self.run.stats.say(f"  predictive_engagement {name}: {len(batch.records)}")
                yield batch

        return batches

    def journey_aggregates(self, action_maps: pa.Table) -> Iterator[RecordBatch]:
        """Daily journey metrics of these action maps, from the day the first of them was created."""
        state = resource_state()
        start, end = self.run.window(state, 3, self.initial_days, "journey_aggregates")
        maps = payloads(action_maps)
        created = [day for day in (created_day(m.get("createdDate")) for m in maps) if day]
        if created and len(created) == len(maps):
            start = max(start, min(created))
        map_ids = ids_of(action_maps)
        if not map_ids:
            return
        for part_start, part_end in slices(start, end, 7):
            body = {
                "interval": interval(part_start, part_end),
                "granularity": "P1D",
                "groupBy": ["journeyActionMapId"],
                "filter": {
                    "type": "or",
                    "predicates": [
                        {"dimension": "journeyActionMapId", "value": map_id} for map_id in map_ids
                    ],
                },
                "metrics": JOURNEY_METRICS,
            }
            try:
                answer = self.client.post("/api/v2/analytics/journeys/aggregates/query", body) or {}
            except ApiError as exc:
                if not self._disabled(exc, "POST /api/v2/analytics/journeys/aggregates/query"):
                    raise
                return
            yield RecordBatch(answer.get("results") or [])
        state["cursor"] = end.isoformat()


def _pe_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
