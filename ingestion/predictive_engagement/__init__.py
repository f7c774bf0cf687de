"""Predictive Engagement source (HTTP), into ``raw_predictive_engagement``.

Invented Predictive Engagement path (sandbox extension of ``/api/v2/predictive-engagement/...``):

- ``campaigns`` (merge on ``id``); before extracting a campaign its status is
  checked (``GET .../campaigns/{id}``): an archived campaign, or one that answers
  404 mid-paging, is recorded in ``extraction_log`` as skipped with the reason.
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

from ingestion.extract import Extraction, RecordBatch, interval, midnight, parse_time, resource_state, slices
from ingestion.http_client import ApiClient, ApiError
from ingestion.records import model_version_case
from ingestion.settings import PredictiveSettings

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


def resources(client: ApiClient, settings: PredictiveSettings, run: Extraction) -> list[Any]:
    """All Predictive Engagement resources, in load order (extraction_log last)."""
    source = _PredictiveSource(client, settings, run)
    offset = settings.scorecard_offset_hours
    run.derived["scorecard_analytics"] = {
        "pending_backfill": f"(date_to > _extracted_at - INTERVAL {offset} HOUR)"
    }
    return [
        run.resource("scorecards", source.scorecards),
        run.resource("campaigns", source.campaigns),
        run.resource("campaign_analytics", source.campaign_analytics),
        run.resource("scorecard_analytics", source.scorecard_analytics),
        run.resource("outcomes", source.journey_list("outcomes", "/api/v2/journey/outcomes")),
        run.resource("segments", source.journey_list("segments", "/api/v2/journey/segments")),
        run.resource("action_maps", source.journey_list("action_maps", "/api/v2/journey/actionmaps")),
        run.resource("journey_aggregates", source.journey_aggregates, method="query"),
    ]


class _PredictiveSource:
    def __init__(self, client: ApiClient, settings: PredictiveSettings, run: Extraction) -> None:
        self.client = client
        self.settings = settings
        self.run = run
        self.enabled = True
        self.journey_enabled = True
        self.scorecard_versions: dict[str, str] = {}
        self.campaign_list: list[dict[str, Any]] = []

    def _disabled(self, exc: ApiError, what: str) -> bool:
        if exc.status in NOT_ENABLED:
            self.run.stats.note(
                f"predictive_engagement: {what} answered {exc.status}: the org has no Predictive "
                "Engagement add-on (or the client lacks its permissions); nothing loaded for it"
            )
            return True
        return False

    def _list(self, path: str) -> list[Any]:
        items: list[Any] = []
        for page in self.client.paginate(path, {"pageSize": 100}):
            items.extend(page)
        return items

    # --- invented Predictive Engagement API path --------------------------------------------

    def scorecards(self) -> Iterator[RecordBatch]:
        try:
            records = self._list(f"{PE}/scorecards")
        except ApiError as exc:
            if not self._disabled(exc, f"GET {PE}/scorecards"):
                raise
            self.enabled = False
            return
        for record in records:
            if isinstance(record, dict) and record.get("id"):
                self.scorecard_versions[record["id"]] = record.get("modelVersion")
        yield RecordBatch(records)

    def campaigns(self) -> Iterator[RecordBatch]:
        if not self.enabled:
            return
        records = self._list(f"{PE}/campaigns")
        self.campaign_list = [r for r in records if isinstance(r, dict) and r.get("id")]
        yield RecordBatch(records)

    def campaign_analytics(self) -> Iterator[RecordBatch]:
        if not self.enabled:
            return
        state = resource_state()
        start, end = self.run.window(state, 0, self.settings.initial_days)
        for campaign in self.campaign_list:
            campaign_id = campaign["id"]
            status = self._status(campaign_id)
            if status not in EXTRACTABLE:
                self._skip(campaign_id, status, f"campaign status is {status!r}; not extracted")
                continue
            version = self.scorecard_versions.get(campaign.get("scorecardId") or "")
            context_derived = {"model_version": model_version_case({campaign_id: version} if version else {})}
            days = 0
            for day_start, day_end in slices(start, end, 1):
                try:
                    record = self._campaign_day(campaign_id, day_start, day_end)
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                    self._skip(
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

    def _skip(self, campaign_id: str, status: str, reason: str) -> None:
        self.run.stats.skipped.append({"campaign_id": campaign_id, "status": status, "reason": reason})
        self.run.stats.say(f"  predictive_engagement campaign {campaign_id} skipped: {reason}")

    def _campaign_day(self, campaign_id: str, start: datetime, end: datetime) -> dict[str, Any] | None:
        """One day's funnel: pages followed through ``nextPageUri``, steps joined."""
        params = {
            "dateFrom": _pe_time(start),
            "dateTo": _pe_time(end),
            "groupBy": "step",
            "pageSize": self.settings.page_size,
        }
        page = self.client.get(f"{PE}/campaigns/{campaign_id}/analytics", params)
        record: dict[str, Any] | None = None
        while isinstance(page, dict):
            steps = page.get("steps")
            if record is None:
                record = {k: v for k, v in page.items() if k != "nextPageUri"}
            elif isinstance(steps, list):
                record["steps"] = list(record.get("steps") or []) + steps
            next_uri = page.get("nextPageUri")
            if not next_uri:
                break
            page = self.client.get(next_uri)
        if record is None or not record.get("steps"):
            return None
        return record

    def scorecard_analytics(self) -> Iterator[RecordBatch]:
        """Per scorecard and UTC day. Re-read: days still inside the backfill offset, and the
        whole history of a scorecard whose model version changed (a retrain recomputes past
        days; the new version's rows are kept beside the old ones)."""
        if not self.enabled:
            return
        state = resource_state()
        start, end = self.run.window(state, 0, self.settings.initial_days)
        pending = state.get("pending_from")
        if pending and self.run.start is None:
            start = min(start, parse_time(pending))
        first_day = min(parse_time(state["first_day"]), start) if state.get("first_day") else start
        extracted_versions: dict[str, str] = state.setdefault("versions", {})
        offset = timedelta(hours=self.settings.scorecard_offset_hours)
        first_pending: datetime | None = None
        for scorecard_id, version in self.scorecard_versions.items():
            previous = extracted_versions.get(scorecard_id)
            scorecard_start = start
            if previous is not None and previous != version:
                scorecard_start = first_day
                self.run.stats.say(
                    f"  predictive_engagement scorecard {scorecard_id}: model {previous} -> {version}, "
                    "re-reading its history"
                )
            records = []
            for day_start, day_end in slices(midnight(scorecard_start.date()), end, 1):
                if day_end - day_start < timedelta(days=1):
                    break
                record = self._scorecard_day(scorecard_id, day_start, day_end)
                if record is None:
                    continue
                records.append(record)
                if day_end > self.run.started - offset and (
                    first_pending is None or day_start < first_pending
                ):
                    first_pending = day_start
            self.run.stats.say(f"  predictive_engagement scorecard {scorecard_id}: {len(records)} days")
            yield RecordBatch(records)
            extracted_versions[scorecard_id] = version
        state["cursor"] = end.isoformat()
        state["first_day"] = first_day.isoformat()
        state["pending_from"] = first_pending.isoformat() if first_pending else None

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
            if not self.journey_enabled:
                return
            try:
                records = self._list(path)
            except ApiError as exc:
                if not self._disabled(exc, f"GET {path}"):
                    raise
                self.journey_enabled = False
                return
            self.run.stats.say(f"  predictive_engagement {name}: {len(records)}")
            yield RecordBatch(records)

        return batches

    def journey_aggregates(self) -> Iterator[RecordBatch]:
        if not self.journey_enabled:
            return
        state = resource_state()
        start, end = self.run.window(state, 3, self.settings.initial_days)
        for part_start, part_end in slices(start, end, 7):
            body = {
                "interval": interval(part_start, part_end),
                "granularity": "P1D",
                "groupBy": ["journeyActionMapId"],
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
