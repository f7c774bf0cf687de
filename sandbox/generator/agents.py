"""Agents: shifts, routing (earliest-free agent of a queue's skill groups) and status timelines.

Each agent belongs to exactly one skill group. An agent's legs are assigned in
increasing time order (an agent is only handed work once it is free), so its
routing-status and presence intervals can be written as the simulation goes:

- ``INTERACTING`` from a leg's first segment (alert) to its wrapup end,
- ``IDLE`` while on a shift block and free, ``OFF_QUEUE`` otherwise;
- presence ``ON_QUEUE`` exactly while the routing status is not ``OFF_QUEUE``;
  off queue it is the shift's gap activity (``BREAK``, ``MEAL``, ``TRAINING``),
  ``AVAILABLE`` for the few minutes before a shift starts, ``OFFLINE`` otherwise.

Intervals are clipped to the period; every interval has an ``endTime``.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from sandbox.generator.org import PRESENCE_IDS
from sandbox.generator.output import PartWriter
from sandbox.generator.timestamps import DAY_MS, HOUR_MS, MINUTE_MS, iso_z

WORK_DAYS_PER_WEEK = 5
TRAINING_WEEKDAY = 2  # the third working day of an agent's week has a one-hour training
AVAILABLE_LEAD_MS = 10 * MINUTE_MS  # logged in (AVAILABLE) before going on queue
# A working day: on-queue blocks as (start minute, length in minutes, presence of the gap after it).
_WORKDAY = ((0, 120, "BREAK"), (135, 105, "MEAL"), (270, 120, "BREAK"), (405, 105, "OFFLINE"))
_TRAINING_DAY = ((0, 120, "BREAK"), (135, 105, "MEAL"), (270, 60, "TRAINING"), (390, 120, "OFFLINE"))

IDLE = "IDLE"
INTERACTING = "INTERACTING"
OFF_QUEUE = "OFF_QUEUE"
NOT_RESPONDING = "NOT_RESPONDING"
ON_QUEUE_STATUSES = frozenset({IDLE, INTERACTING, "COMMUNICATING", NOT_RESPONDING})


@dataclass(slots=True)
class Agent:
    index: int
    user_id: str
    name: str
    group: str
    starts: list[int] = field(default_factory=list)  # shift block starts, sorted
    ends: list[int] = field(default_factory=list)  # matching block ends
    gap_after: list[str] = field(default_factory=list)  # presence between block i and block i + 1
    cursor: int = 0  # timeline written up to here
    status: str = OFF_QUEUE
    status_start: int = 0
    presence: str = "OFFLINE"
    presence_start: int = 0

    def available_from(self, at_ms: int) -> int | None:
        """Earliest time >= ``at_ms`` inside a shift block, or None when no block is left."""
        position = bisect_right(self.ends, at_ms)
        if position >= len(self.ends):
            return None
        return max(at_ms, self.starts[position])


def build_shifts(rng: random.Random, agent: Agent, start_hour: int, period_start_ms: int, days: int) -> None:
    """Give ``agent`` a shift from ``start_hour`` UTC (+/- 30 min) on 5 days a week.

    A shift is four on-queue blocks separated by two breaks and a meal (once a
    week, one break becomes a training hour). Days off rotate with the agent's
    index, so three agents with consecutive indexes on one template cover every day.
    """
    day_off_offset = agent.index % 7
    for day in range(days):
        weekday = (day + day_off_offset) % 7
        if weekday >= WORK_DAYS_PER_WEEK:
            continue
        start = period_start_ms + day * DAY_MS + start_hour * HOUR_MS + rng.randrange(-30, 31) * MINUTE_MS
        for offset, length, gap in _TRAINING_DAY if weekday == TRAINING_WEEKDAY else _WORKDAY:
            block_start = start + offset * MINUTE_MS
            block_end = block_start + length * MINUTE_MS
            if block_end <= period_start_ms:
                continue
            agent.starts.append(max(block_start, period_start_ms))
            agent.ends.append(block_end)
            agent.gap_after.append(gap)


@dataclass
class GroupTotals:
    interacting_ms: int = 0
    on_queue_ms: int = 0


class Timelines:
    """Writes routing-status and presence intervals; sums the utilization ground truth."""

    def __init__(
        self, routing: PartWriter, presence: PartWriter, period_start_ms: int, period_end_ms: int
    ) -> None:
        self.routing = routing
        self.presence = presence
        self.period_start_ms = period_start_ms
        self.period_end_ms = period_end_ms
        self.totals: dict[str, GroupTotals] = {}

    def start(self, agent: Agent) -> None:
        agent.cursor = agent.status_start = agent.presence_start = self.period_start_ms
        self.totals.setdefault(agent.group, GroupTotals())

    def _close_status(self, agent: Agent, until: int) -> None:
        start, end = agent.status_start, min(until, self.period_end_ms)
        if end <= start:
            return
        self.routing.write(
            {
                "userId": agent.user_id,
                "startTime": iso_z(start),
                "endTime": iso_z(end),
                "routingStatus": agent.status,
            }
        )
        if agent.status in ON_QUEUE_STATUSES:
            totals = self.totals[agent.group]
            totals.on_queue_ms += end - start
            if agent.status == INTERACTING:
                totals.interacting_ms += end - start

    def _close_presence(self, agent: Agent, until: int) -> None:
        start, end = agent.presence_start, min(until, self.period_end_ms)
        if end <= start:
            return
        self.presence.write(
            {
                "userId": agent.user_id,
                "startTime": iso_z(start),
                "endTime": iso_z(end),
                "systemPresence": agent.presence,
                "organizationPresenceId": PRESENCE_IDS[agent.presence],
            }
        )

    def _set(self, agent: Agent, at_ms: int, status: str, presence: str) -> None:
        if status != agent.status:
            self._close_status(agent, at_ms)
            agent.status, agent.status_start = status, at_ms
        if presence != agent.presence:
            self._close_presence(agent, at_ms)
            agent.presence, agent.presence_start = presence, at_ms

    def walk_free(self, agent: Agent, until: int) -> None:
        """Advance ``agent``'s timeline through free time up to ``until``."""
        at = agent.cursor
        while at < until:
            position = bisect_right(agent.ends, at)
            if position < len(agent.starts) and agent.starts[position] <= at:
                self._set(agent, at, IDLE, "ON_QUEUE")
                at = min(agent.ends[position], until)
            else:
                at = self._walk_gap(agent, at, until, position)
        agent.cursor = max(agent.cursor, until)

    def _walk_gap(self, agent: Agent, at: int, until: int, position: int) -> int:
        """Off queue before block ``position``: the gap's activity, AVAILABLE just before a shift."""
        gap = agent.gap_after[position - 1] if position > 0 else "OFFLINE"
        next_start = agent.starts[position] if position < len(agent.starts) else None
        if next_start is None:
            self._set(agent, at, OFF_QUEUE, gap)
            return until
        if gap == "OFFLINE" and at >= next_start - AVAILABLE_LEAD_MS:
            gap = "AVAILABLE"
        elif gap == "OFFLINE":
            next_start -= AVAILABLE_LEAD_MS
        self._set(agent, at, OFF_QUEUE, gap)
        return min(next_start, until)

    def interact(self, agent: Agent, start: int, end: int) -> None:
        """Record a leg from its first segment start to its wrapup end."""
        self.walk_free(agent, start)
        self._set(agent, start, INTERACTING, "ON_QUEUE")
        agent.cursor = end

    def not_responding(self, agent: Agent, start: int, alert_end: int, until: int) -> None:
        """A missed alert: INTERACTING while alerting, then NOT_RESPONDING until ``until``."""
        self.walk_free(agent, start)
        self._set(agent, start, INTERACTING, "ON_QUEUE")
        self._set(agent, alert_end, NOT_RESPONDING, "ON_QUEUE")
        agent.cursor = until

    def finish(self, agent: Agent) -> None:
        self.walk_free(agent, self.period_end_ms)
        self._close_status(agent, self.period_end_ms)
        self._close_presence(agent, self.period_end_ms)

    def status_at_end(self, agent: Agent) -> str:
        """Routing status an observer sees at the end of the period (call before ``finish``)."""
        if agent.cursor > self.period_end_ms:
            return INTERACTING
        available = agent.available_from(self.period_end_ms - 1)
        return IDLE if available == self.period_end_ms - 1 else OFF_QUEUE


class Router:
    """Per skill group, a heap of (time the agent can next take work, agent index)."""

    def __init__(self, agents: list[Agent]) -> None:
        self.agents = agents
        self.heaps: dict[str, list[tuple[int, int]]] = {}
        for agent in agents:
            first = agent.available_from(0)
            heap = self.heaps.setdefault(agent.group, [])
            if first is not None:
                heap.append((first, agent.index))
        for heap in self.heaps.values():
            heapq.heapify(heap)

    def _peek(self, group: str, at_ms: int) -> tuple[int, int] | None:
        """(time the best agent of ``group`` can answer a contact arriving at ``at_ms``, agent index)."""
        heap = self.heaps.get(group)
        while heap:
            free_at, index = heap[0]
            candidate = max(at_ms, free_at)
            available = self.agents[index].available_from(candidate)
            if available == candidate:
                return candidate, index
            if available is None:  # no shift left in the period
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (available, index))
        return None

    def offer(self, groups: tuple[str, ...], at_ms: int) -> tuple[int, int] | None:
        """Earliest (answer time, agent index) over ``groups``; the agent is not taken yet."""
        best: tuple[int, int] | None = None
        for group in groups:
            found = self._peek(group, at_ms)
            if found is not None and (best is None or found < best):
                best = found
        return best

    def take(self, agent_index: int, busy_until: int) -> None:
        """The agent offered by :meth:`offer` takes the contact and is busy until ``busy_until``."""
        agent = self.agents[agent_index]
        heap = self.heaps[agent.group]
        top = heapq.heappop(heap)
        if top[1] != agent_index:
            raise RuntimeError(f"router: agent {agent_index} was not at the top of {agent.group}")
        available = agent.available_from(busy_until)
        if available is not None:
            heapq.heappush(heap, (available, agent_index))
