"""Genesys workforce management (WFM) resources: management units, activity codes,
agents' scheduled shifts and historical schedule adherence.

- ``management_units``: ``GET /api/v2/workforcemanagement/managementunits`` (paged entities).
- ``activity_codes``: ``GET /api/v2/workforcemanagement/businessunits/{buId}/activitycodes``
  for every business unit the management units name; ``businessUnitId`` is added to each
  code (the listing does not repeat it).
- ``agent_schedules``: ``POST .../managementunits/{muId}/agentschedules/search``
  ``{startDate, endDate}`` per management unit over the incremental window; one record per
  shift, with ``managementUnitId`` and ``userId`` added (the answer groups shifts by user).
  An answer that is not ``Complete`` at once is read from its ``downloadUrl``.
- ``historical_adherence``: asynchronous, as Genesys computes it. ``POST
  /api/v2/workforcemanagement/adherence/historical/bulk`` with one item per management
  unit and UTC day (``timeZone: UTC``, exceptions included) answers 202 and a job id; the
  job is polled at ``GET .../adherence/historical/bulk/jobs/{jobId}`` until ``Complete``
  (``Error`` fails the run naming the job), and each ``downloadUrls`` entry is fetched
  *without* the bearer token (pre-signed storage links on another host). Download URLs
  expire: an expired link (403/404 from the store) re-submits the whole job, up to
  ``EXPIRED_RESUBMITS`` times, then fails naming the job. One record per user result, with the
  item's ``managementUnitId``, ``startDate`` and ``endDate``. The notification topic
  ``v2.users.{id}.workforcemanagement.historicaladherencequery`` announces completion in
  real orgs; polling needs no websocket and gives the same result.

An org without WFM (403/404 on the management units listing) loads no WFM data and says so.
The adherence/schedule window is the same incremental window as the other interval data
(stored cursor minus ``lookback_days``), so a day recalculated after a late schedule change
is re-read and merged on its keys.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

from ingestion.api_settings import GenesysSettings
from ingestion.http_client import ApiClient, ApiError
from ingestion.paging import entity_pages
from ingestion.raw_resources import Extraction, RecordBatch, ids_of, payloads
from ingestion.windows import genesys_time, resource_state, slices

WFM = "/api/v2/workforcemanagement"
ITEMS_PER_JOB = 50
SCHEDULE_WINDOW_DAYS = 7
EXPIRED_RESUBMITS = 2
DOWNLOAD_RETRIES = 4
JOB_POLL_LIMIT = 600


def wfm_resources(client: ApiClient, settings: GenesysSettings, run: Extraction) -> list[Any]:
    """Workforce management resources: the management units, and per unit (transformers of
    ``management_units``) the activity codes of its business unit, the schedules and the
    historical adherence."""
    wfm = WfmReads(client, settings, run)
    units = run.resource("management_units", wfm.management_units)
    return [
        units,
        run.transformer("activity_codes", units, wfm.activity_codes()),
        run.transformer("agent_schedules", units, wfm.agent_schedules),
        run.transformer("historical_adherence", units, wfm.historical_adherence, method="jobs"),
    ]


class WfmReads:
    def __init__(self, client: ApiClient, settings: GenesysSettings, run: Extraction) -> None:
        self.client = client
        self.settings = settings
        self.run = run

    def management_units(self) -> Iterator[RecordBatch]:
        units: list[dict[str, Any]] = []
        try:
            for page in entity_pages(self.client, f"{WFM}/managementunits", {"pageSize": 100}):
                units.extend(unit for unit in page if isinstance(unit, dict) and unit.get("id"))
        except ApiError as error:
            if error.status not in (403, 404):
                raise
            self.run.stats.say(f"  genesys WFM: not available for this org ({error.status}); no WFM data")
        yield RecordBatch(units)

    def activity_codes(self) -> Any:
        read: set[str] = set()  # a business unit shared by units on several pages is read once

        def batches(units: pa.Table) -> Iterator[RecordBatch]:
            business_units = sorted(
                {str((unit.get("businessUnit") or {}).get("id")) for unit in payloads(units)}
                - {"None"}
                - read
            )
            for business_unit in business_units:
                read.add(business_unit)
                answer = self.client.get(f"{WFM}/businessunits/{business_unit}/activitycodes") or {}
                codes = [
                    {**code, "businessUnitId": business_unit}
                    for code in answer.get("entities") or []
                    if isinstance(code, dict)
                ]
                yield RecordBatch(codes)

        return batches

    def _window(self, key: str) -> tuple[datetime, datetime]:
        state = resource_state()
        start, end = self.run.window(state, self.settings.lookback_days, self.settings.initial_days, key)
        state["cursor"] = end.isoformat()
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, end

    def agent_schedules(self, units: pa.Table) -> Iterator[RecordBatch]:
        start, end = self._window("agent_schedules")
        for unit_id in ids_of(units):
            for part_start, part_end in slices(start, end, SCHEDULE_WINDOW_DAYS):
                body = {"startDate": genesys_time(part_start), "endDate": genesys_time(part_end)}
                answer = (
                    self.client.post(f"{WFM}/managementunits/{unit_id}/agentschedules/search", body) or {}
                )
                result = answer.get("result")
                if result is None and answer.get("downloadUrl"):
                    result = self._download(answer["downloadUrl"], f"schedules of {unit_id}")
                records = []
                for schedule in (result or {}).get("agentSchedules") or []:
                    user_id = (schedule.get("user") or {}).get("id")
                    for shift in schedule.get("shifts") or []:
                        if isinstance(shift, dict):
                            records.append({**shift, "managementUnitId": unit_id, "userId": user_id})
                yield RecordBatch(records)

    def historical_adherence(self, units: pa.Table) -> Iterator[RecordBatch]:
        start, end = self._window("historical_adherence")
        items = []
        for unit_id in ids_of(units):
            day = start
            while day < end:
                items.append(
                    {
                        "managementUnitId": unit_id,
                        "startDate": genesys_time(day),
                        "endDate": genesys_time(min(day + timedelta(days=1), end)),
                        "includeExceptions": True,
                    }
                )
                day += timedelta(days=1)
        for first in range(0, len(items), ITEMS_PER_JOB):
            chunk = items[first : first + ITEMS_PER_JOB]
            records = []
            for item, result in zip(chunk, self._adherence_results(chunk), strict=True):
                for user_result in result.get("userResults") or []:
                    if isinstance(user_result, dict):
                        records.append(
                            {
                                "managementUnitId": result.get("managementUnitId")
                                or item["managementUnitId"],
                                "startDate": result.get("startDate") or item["startDate"],
                                "endDate": result.get("endDate") or item["endDate"],
                                **user_result,
                            }
                        )
            self.run.stats.say(
                f"  genesys historical_adherence: {len(chunk)} unit-days, {len(records)} results"
            )
            yield RecordBatch(records)

    def _adherence_results(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submit one bulk job, poll it, download every result; re-submit when links expired."""
        for attempt in range(EXPIRED_RESUBMITS + 1):
            job_id, urls = self._run_job(items)
            if len(urls) != len(items):
                raise ApiError(
                    f"adherence bulk job {job_id}: {len(urls)} download URLs for {len(items)} items",
                    None,
                    f"{WFM}/adherence/historical/bulk/jobs/{{jobId}}",
                )
            try:
                return [self._download(url, f"adherence job {job_id}") for url in urls]
            except _Expired as expired:
                again = attempt < EXPIRED_RESUBMITS
                self.run.stats.say(
                    f"  genesys historical_adherence: job {job_id} results expired before they were read "
                    f"({expired})"
                    + (f"; submitting it again ({attempt + 1}/{EXPIRED_RESUBMITS})" if again else "")
                )
        raise ApiError(
            f"adherence bulk job results kept expiring before they could be read "
            f"({EXPIRED_RESUBMITS + 1} jobs submitted, last {job_id})",
            403,
            f"{WFM}/adherence/historical/bulk",
        )

    def _run_job(self, items: list[dict[str, Any]]) -> tuple[str, list[str]]:
        answer = (
            self.client.post(f"{WFM}/adherence/historical/bulk", {"timeZone": "UTC", "items": items}) or {}
        )
        job = answer.get("job") or {}
        job_id = job.get("id")
        if not job_id:
            raise ApiError(f"POST {WFM}/adherence/historical/bulk: no job id in answer {answer}")
        delay = 0.05
        for _ in range(JOB_POLL_LIMIT):
            if job.get("status") == "Complete" and answer.get("downloadUrls") is not None:
                return job_id, list(answer.get("downloadUrls") or [])
            if job.get("status") == "Error":
                raise ApiError(f"adherence bulk job {job_id} ended in Error: {answer}")
            time.sleep(delay)
            delay = min(self.settings.job_poll_s, delay * 2)
            answer = self.client.get(f"{WFM}/adherence/historical/bulk/jobs/{job_id}") or {}
            job = answer.get("job") or {}
        raise ApiError(f"adherence bulk job {job_id} still not Complete after {JOB_POLL_LIMIT} polls")

    def _download(self, url: str, what: str) -> dict[str, Any]:
        """GET a pre-signed download link: no bearer token, retried on 5xx and timeouts."""
        history: list[str] = []
        for attempt in range(DOWNLOAD_RETRIES + 1):
            try:
                response = self.client.session.get(url, timeout=self.client.timeout_s)
            except Exception as exc:  # requests' timeouts / connection errors
                history.append(type(exc).__name__)
            else:
                if response.status_code < 300:
                    return orjson.loads(response.content)
                if response.status_code in (403, 404, 410):
                    raise _Expired(f"{response.status_code} {response.text[:120]}")
                history.append(str(response.status_code))
                if response.status_code < 500 and response.status_code != 429:
                    break
            time.sleep(min(2.0, 0.1 * 2**attempt))
        raise ApiError(f"download of {what} failed: {', '.join(history)}", None, "download")


class _Expired(Exception):
    """A download link that is no longer valid."""
