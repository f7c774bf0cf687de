"""Workforce management: management units, agents' scheduled shifts and historical adherence.

Shapes follow the Genesys WFM API (SDK models ``ManagementUnit``,
``BusinessUnitActivityCode``, ``BuAgentScheduleShift`` / ``BuAgentScheduleActivity``,
``WfmHistoricalAdherenceBulkResult`` / ``WfmHistoricalAdherenceBulkUserResult`` /
``WfmHistoricalAdherenceBulkUserDayMetrics`` / ``HistoricalAdherenceExceptionInfo``).

- One business unit per division and one management unit per skill group (the team a
  supervisor schedules); the management unit's time zone is its division's.
- Each agent's working day (the on-queue blocks of :mod:`sandbox.generator.agents`) was
  *scheduled*: the schedule's ``OnQueueWork`` activities are the blocks as planned, the
  gaps between them ``Break`` / ``Meal`` / ``Training``. Agents do not always follow it:
  some log in a few minutes late or leave a little early, and during one planted week one
  team (``ADHERENCE_DROP_GROUP``) logs in late, comes back late from meals and leaves early.
  The actual on-queue time is the agent's shift blocks as the routing-status timelines
  show them (a call running past a block end is not counted as out of adherence).
- Historical adherence per agent per shift day (UTC day the shift starts; the bulk query's
  ``timeZone`` is ``UTC``): exceptions = scheduled ``OnQueueWork`` time the agent was off
  queue; ``adherencePercentage`` = 100 * (scheduled shift seconds - exception seconds) /
  scheduled shift seconds (share of scheduled time in the scheduled activity);
  ``conformancePercentage`` = 100 * actual on-queue seconds / scheduled on-queue seconds.
- Files: ``genesys/management_units``, ``genesys/activity_codes`` (with ``businessUnitId``),
  ``genesys/agent_schedules`` (one shift per record, with ``managementUnitId`` and
  ``userId`` as the schedules search groups them by user), ``genesys/historical_adherence``
  (one user result of one day's bulk-job download per record, with ``managementUnitId``,
  ``startDate``, ``endDate`` of the query item).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.agents import Agent
from sandbox.generator.org import DIVISIONS, SKILL_GROUPS, configured_ms, division_by_name, org_id
from sandbox.generator.output import TenantWriter
from sandbox.generator.timestamps import DAY_MS, MINUTE_MS, iso_z

ADHERENCE_DROP_GROUP = "Chat Agents"
ADHERENCE_DROP_WEEK = 1  # zero-based week of the period (days 7-13)
INTERVAL_MS = 15 * MINUTE_MS
CATEGORIES = ("OnQueueWork", "Break", "Meal", "Training")
_GAP_CATEGORY = {"BREAK": "Break", "MEAL": "Meal", "TRAINING": "Training"}
_ACTUAL_BEFORE_FIRST = ("AVAILABLE", "Available")


def management_unit_id(group: str) -> str:
    return org_id("managementunit", group)


def business_unit_id(division: str) -> str:
    return org_id("businessunit", division)


def activity_code_id(division: str, category: str) -> str:
    return org_id("activitycode", f"{division}:{category}")


@dataclass
class _Sum:
    scheduled_s: int = 0
    exception_s: int = 0
    on_queue_scheduled_s: int = 0
    on_queue_actual_s: int = 0

    def add(self, other: _Sum) -> None:
        self.scheduled_s += other.scheduled_s
        self.exception_s += other.exception_s
        self.on_queue_scheduled_s += other.on_queue_scheduled_s
        self.on_queue_actual_s += other.on_queue_actual_s

    def as_dict(self) -> dict[str, Any]:
        return {
            "scheduled_seconds": self.scheduled_s,
            "exception_seconds": self.exception_s,
            "adherence_pct": round(100 * (self.scheduled_s - self.exception_s) / self.scheduled_s, 4)
            if self.scheduled_s
            else None,
            "conformance_pct": round(100 * self.on_queue_actual_s / self.on_queue_scheduled_s, 4)
            if self.on_queue_scheduled_s
            else None,
        }


@dataclass
class _Day:
    """One agent's adherence day (the shifts starting on one UTC day)."""

    exceptions: list[tuple[int, int, tuple[str, str]]] = field(default_factory=list)
    totals: _Sum = field(default_factory=_Sum)
    schedule_length_s: int = 0
    actual_length_s: int = 0


@dataclass
class WfmFacts:
    by_unit_day: dict[str, dict[str, _Sum]] = field(default_factory=dict)  # mu id -> day -> sums
    by_unit_week: dict[str, dict[int, _Sum]] = field(default_factory=dict)
    agent_days: int = 0
    exceptions: int = 0
    interval_example: dict[str, Any] = field(default_factory=dict)


def generate_wfm(
    out: TenantWriter,
    rng: random.Random,
    agents: list[Agent],
    period_start_ms: int,
    days: int,
) -> WfmFacts:
    configured = iso_z(configured_ms(period_start_ms))
    period_end_ms = period_start_ms + days * DAY_MS
    divisions = division_by_name()
    groups = {group.name: group for group in SKILL_GROUPS}
    units = []
    for group in SKILL_GROUPS:
        division = divisions[group.division]
        units.append(
            {
                "id": management_unit_id(group.name),
                "name": f"{group.name} MU",
                "businessUnit": {"id": business_unit_id(division.name)},
                "startDayOfWeek": "Monday",
                "timeZone": division.time_zone,
                "division": {"id": division.id, "selfUri": f"/api/v2/authorization/divisions/{division.id}"},
                "version": 1,
                "dateModified": configured,
                "selfUri": f"/api/v2/workforcemanagement/managementunits/{management_unit_id(group.name)}",
            }
        )
    out.write_all("genesys", "management_units", units)
    codes = []
    for division in DIVISIONS:
        for category in CATEGORIES:
            codes.append(
                {
                    "id": activity_code_id(division.name, category),
                    "name": {"OnQueueWork": "On Queue Work"}.get(category, category),
                    "active": True,
                    "defaultCode": True,
                    "category": category,
                    "lengthInMinutes": {"Break": 15, "Meal": 30, "Training": 60}.get(category, 0),
                    "countsAsPaidTime": category != "Meal",
                    "countsAsWorkTime": category in ("OnQueueWork", "Training"),
                    "businessUnitId": business_unit_id(division.name),
                }
            )
    out.write_all("genesys", "activity_codes", codes)

    facts = WfmFacts()
    example_day = period_start_ms + (ADHERENCE_DROP_WEEK * 7 + 1) * DAY_MS
    example_intervals: dict[int, _Sum] = {}
    schedules = out.writer("genesys", "agent_schedules")
    adherence = out.writer("genesys", "historical_adherence")
    for agent in agents:
        group = groups[agent.group]
        division = group.division
        unit = management_unit_id(group.name)
        counted_days: set[int] = set()
        per_day: dict[int, _Day] = {}  # two shifts may start on one UTC day: one day result
        for blocks in _working_days(agent):
            if len(blocks) != 4 or blocks[0][0] <= period_start_ms:
                continue  # the shift began before the period (clipped to its start)
            day = (blocks[0][0] - period_start_ms) // DAY_MS  # the planned day (late starts move no day)
            dropped = group.name == ADHERENCE_DROP_GROUP and day // 7 == ADHERENCE_DROP_WEEK
            late = [0] * len(blocks)
            early = 0
            if dropped:
                late[0] = rng.randrange(20, 46) * MINUTE_MS
                for k, block in enumerate(blocks[:-1]):
                    if block[3] == "MEAL":
                        late[k + 1] = rng.randrange(10, 26) * MINUTE_MS
                early = rng.randrange(10, 21) * MINUTE_MS
            else:
                if rng.random() < 0.25:
                    late[0] = rng.randrange(1, 9) * MINUTE_MS
                if rng.random() < 0.15:
                    early = rng.randrange(1, 6) * MINUTE_MS
            planned = [
                (start - late[k], end + (early if k == len(blocks) - 1 else 0), gap)
                for k, (start, end, _, gap) in enumerate(blocks)
            ]
            shift_start, shift_end = planned[0][0], planned[-1][1]
            if shift_start < period_start_ms or shift_end > period_end_ms:
                continue  # only shifts inside the period (nothing is dated after its end)
            day = (shift_start - period_start_ms) // DAY_MS  # adherence day = UTC day the shift starts
            activities = []
            for k, (start, end, gap) in enumerate(planned):
                activities.append(_activity(division, "OnQueueWork", start, end))
                if k + 1 < len(planned) and gap in _GAP_CATEGORY:
                    activities.append(_activity(division, _GAP_CATEGORY[gap], end, planned[k + 1][0]))
                elif k + 1 < len(planned):
                    activities.append(_activity(division, "Break", end, planned[k + 1][0]))
            schedules.write(
                {
                    "id": org_id("shift", f"{agent.user_id}:{shift_start}"),
                    "managementUnitId": unit,
                    "userId": agent.user_id,
                    "startDate": iso_z(shift_start),
                    "lengthMinutes": (shift_end - shift_start) // MINUTE_MS,
                    "activities": activities,
                    "manuallyEdited": False,
                }
            )
            day_start = period_start_ms + day * DAY_MS
            exceptions = []
            for k, (start, _end, _, _gap) in enumerate(blocks):
                if late[k]:
                    actual = (
                        _ACTUAL_BEFORE_FIRST
                        if k == 0
                        else (blocks[k - 1][3], _GAP_CATEGORY.get(blocks[k - 1][3], "Break"))
                    )
                    exceptions.append((start - late[k], start, actual))
            if early:
                exceptions.append((blocks[-1][1], blocks[-1][1] + early, ("OFFLINE", "Unscheduled")))
            totals = _Sum(
                scheduled_s=(shift_end - shift_start) // 1000,
                exception_s=sum(end - start for start, end, _ in exceptions) // 1000,
                on_queue_scheduled_s=sum(end - start for start, end, _ in planned) // 1000,
                on_queue_actual_s=sum(end - start for start, end, _, _ in blocks) // 1000,
            )
            pending = per_day.setdefault(day, _Day())
            pending.exceptions.extend(exceptions)
            pending.totals.add(totals)
            pending.schedule_length_s += (shift_end - shift_start) // 1000
            pending.actual_length_s += (blocks[-1][1] - blocks[0][0]) // 1000
            facts.agent_days += day not in counted_days
            counted_days.add(day)
            facts.exceptions += len(exceptions)
            day_key = iso_z(day_start)[:10]
            facts.by_unit_day.setdefault(unit, {}).setdefault(day_key, _Sum()).add(totals)
            facts.by_unit_week.setdefault(unit, {}).setdefault(day // 7, _Sum()).add(totals)
            if group.name == ADHERENCE_DROP_GROUP and day_start == example_day:
                _add_intervals(example_intervals, shift_start, shift_end, exceptions)
        for day, pending in sorted(per_day.items()):
            adherence.write(
                _adherence_record(unit, division, agent.user_id, period_start_ms + day * DAY_MS, pending)
            )
    facts.interval_example = {
        "skill_group_id": groups[ADHERENCE_DROP_GROUP].id,
        "skill_group_name": ADHERENCE_DROP_GROUP,
        "date": iso_z(example_day)[:10],
        "intervals": {
            iso_z(start): {"scheduled_seconds": s.scheduled_s, "exception_seconds": s.exception_s}
            for start, s in sorted(example_intervals.items())
        },
    }
    return facts


def _working_days(agent: Agent) -> list[list[tuple[int, int, bool, str]]]:
    """The agent's blocks grouped by working day: (start, end, unused flag, gap after) per block."""
    days: list[list[tuple[int, int, bool, str]]] = []
    current: list[tuple[int, int, bool, str]] = []
    for start, end, gap in zip(agent.starts, agent.ends, agent.gap_after, strict=True):
        current.append((start, end, False, gap))
        if gap == "OFFLINE":
            days.append(current)
            current = []
    if current:
        days.append(current)
    return days


def _activity(division: str, category: str, start: int, end: int) -> dict[str, Any]:
    return {
        "startDate": iso_z(start),
        "lengthMinutes": (end - start) // MINUTE_MS,
        "description": {"OnQueueWork": "On Queue Work"}.get(category, category),
        "activityCodeId": activity_code_id(division, category),
        "paid": category != "Meal",
    }


def _adherence_record(unit: str, division: str, user_id: str, day_start: int, day: _Day) -> dict[str, Any]:
    totals, exceptions = day.totals, day.exceptions
    summary = totals.as_dict()
    exception_info = [
        {
            "startOffsetSeconds": (start - day_start) // 1000,
            "endOffsetSeconds": (end - day_start) // 1000,
            "scheduledActivityCodeId": activity_code_id(division, "OnQueueWork"),
            "scheduledActivityCategory": "OnQueueWork",
            "actualActivityCategory": actual[1],
            "systemPresence": actual[0],
            "routingStatus": "OFF_QUEUE",
            "impact": "Negative",
        }
        for start, end, actual in exceptions
    ]
    return {
        "managementUnitId": unit,
        "startDate": iso_z(day_start),
        "endDate": iso_z(day_start + DAY_MS),
        "userId": user_id,
        "adherencePercentage": summary["adherence_pct"],
        "conformancePercentage": summary["conformance_pct"],
        "impact": "Negative" if exceptions else "Neutral",
        "exceptionInfo": exception_info,
        "dayMetrics": [
            {
                "dayStartOffsetSeconds": 0,
                "adherenceScheduleSeconds": totals.scheduled_s,
                "conformanceScheduleSeconds": totals.on_queue_scheduled_s,
                "conformanceActualSeconds": totals.on_queue_actual_s,
                "exceptionCount": len(exceptions),
                "exceptionDurationSeconds": totals.exception_s,
                "impactSeconds": -totals.exception_s,
                "scheduleLengthSeconds": day.schedule_length_s,
                "actualLengthSeconds": day.actual_length_s,
                "adherencePercentage": summary["adherence_pct"],
                "conformancePercentage": summary["conformance_pct"],
            }
        ],
    }


def _add_intervals(
    intervals: dict[int, _Sum], shift_start: int, shift_end: int, exceptions: list[tuple[int, int, Any]]
) -> None:
    """Scheduled and exception seconds of one shift per 15-minute interval (UTC)."""
    for start, end, into in (
        (shift_start, shift_end, "scheduled_s"),
        *((s, e, "exception_s") for s, e, _ in exceptions),
    ):
        bucket = start - start % INTERVAL_MS
        while bucket < end:
            overlap = min(end, bucket + INTERVAL_MS) - max(start, bucket)
            if overlap > 0:
                slot = intervals.setdefault(bucket, _Sum())
                setattr(slot, into, getattr(slot, into) + overlap // 1000)
            bucket += INTERVAL_MS


def planted(facts: WfmFacts, period_start_ms: int) -> dict[str, Any]:
    unit = management_unit_id(ADHERENCE_DROP_GROUP)
    weeks = facts.by_unit_week.get(unit, {})  # empty when the period is shorter
    week_start = period_start_ms + ADHERENCE_DROP_WEEK * 7 * DAY_MS
    others = _Sum()
    for week, sums in weeks.items():
        if week != ADHERENCE_DROP_WEEK:
            others.add(sums)
    rest_of_org = _Sum()
    for other_unit, by_week in facts.by_unit_week.items():
        if other_unit != unit:
            rest_of_org.add(by_week.get(ADHERENCE_DROP_WEEK, _Sum()))
    return {
        "adherence_drop_one_team_one_week": {
            "description": (
                "One team's schedule adherence drops during one week: its agents log in late, come back "
                "late from meals and leave early. adherence_pct = 100 * (scheduled shift seconds - exception "
                "seconds) / scheduled shift seconds, summed over the team's agent shift-days (UTC day the "
                "shift starts); conformance_pct = 100 * actual / scheduled on-queue seconds."
            ),
            "management_unit_id": unit,
            "skill_group_name": ADHERENCE_DROP_GROUP,
            "week_start": iso_z(week_start)[:10],
            "week_end": iso_z(week_start + 7 * DAY_MS)[:10],
            "during": weeks.get(ADHERENCE_DROP_WEEK, _Sum()).as_dict(),
            "other_weeks": others.as_dict(),
            "other_teams_same_week": rest_of_org.as_dict(),
        },
        "adherence_by_management_unit_day": {
            "description": (
                "Per management unit and UTC shift day: scheduled/exception seconds and the adherence / "
                "conformance percentages (definitions above), summed over the unit's agents."
            ),
            "units": {
                mu: {day: sums.as_dict() for day, sums in sorted(days.items())}
                for mu, days in sorted(facts.by_unit_day.items())
            },
            "agent_days": facts.agent_days,
            "exceptions": facts.exceptions,
        },
        "adherence_interval_example": {
            "description": (
                "Scheduled and exception seconds per 15-minute UTC interval of one skill group on one day "
                "(shifts starting that day)."
            ),
            **facts.interval_example,
        },
    }
