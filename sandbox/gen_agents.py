"""Agents: shifts, routing (earliest-free agent of a queue's skill groups) and status timelines.

Each agent belongs to exactly one skill group. An agent's legs are assigned in
increasing time order (an agent is only handed work once it is free), so its
routing-status and presence intervals can be written as the simulation goes:

- ``INTERACTING`` from a leg's first segment (alert) to its wrapup end,
- ``IDLE`` while on a shift block and free, ``OFF_QUEUE`` otherwise;
- presence ``ON_QUEUE`` exactly while the routing status is not ``OFF_QUEUE``,
  ``MEAL`` during the break inside a shift, ``OFFLINE`` between shifts.

Intervals are clipped to the period; every interval has an ``endTime``.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from sandbox.gen_org import PRESENCE_IDS
from sandbox.gen_output import PartWriter
from sandbox.gen_time import DAY_MS, HOUR_MS, MINUTE_MS, iso_z

BLOCK_MS = 4 * HOUR_MS
MEAL_MS = 30 * MINUTE_MS
WORK_DAYS_PER_WEEK = 5

IDLE = "IDLE"
INTERACTING = "INTERACTING"
OFF_QUEUE = "OFF_QUEUE"
ON_QUEUE_STATUSES = frozenset({IDLE, INTERACTING, "COMMUNICATING", "NOT_RESPONDING"})


@dataclass(slots=True)
class Agent:
    index: int
    user_id: str
    name: str
    group: str
    starts: list[int] = field(default_factory=list)  # shift block starts, sorted
    ends: list[int] = field(default_factory=list)  # matching block ends
    meal_after: list[bool] = field(default_factory=list)  # the gap after block i is a meal break
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
    """Give ``agent`` two 4 h blocks with a 30 min meal, from ``start_hour`` UTC, 5 days a week.

    Days off rotate with the agent's index, so three agents with consecutive
    indexes on one shift template cover every day of the week.
    """
    day_off_offset = agent.index % 7
    for day in range(days):
        if (day + day_off_offset) % 7 >= WORK_DAYS_PER_WEEK:
            continue
        start = period_start_ms + day * DAY_MS + start_hour * HOUR_MS + rng.randrange(-30, 31) * MINUTE_MS
        start = max(start, period_start_ms)
        agent.starts.extend((start, start + BLOCK_MS + MEAL_MS))
        agent.ends.extend((start + BLOCK_MS, start + 2 * BLOCK_MS + MEAL_MS))
        agent.meal_after.extend((True, False))


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
                meal = position > 0 and agent.meal_after[position - 1]
                self._set(agent, at, OFF_QUEUE, "MEAL" if meal else "OFFLINE")
                at = min(agent.starts[position], until) if position < len(agent.starts) else until
        agent.cursor = max(agent.cursor, until)

    def interact(self, agent: Agent, start: int, end: int) -> None:
        """Record a leg from its first segment start to its wrapup end."""
        self.walk_free(agent, start)
        self._set(agent, start, INTERACTING, "ON_QUEUE")
        agent.cursor = end

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
            heapq.heapreplace(heap, (available, index)) if available is not None else heapq.heappop(heap)
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
