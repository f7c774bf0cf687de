"""Fault profiles of the simulator, deterministic by seed.

Every decision is a hash of (seed, endpoint, per-endpoint request counter,
purpose), so the same sequence of requests meets the same faults on every run.

- ``none``: no faults.
- ``flaky``: about 3% 429 (``Retry-After: 1``), 4% 500/503/504, 3% slow answers
  (0.05-0.3 s), a 30 s token lifetime, and one page in five shorter than asked
  where the continuation says where to resume: jobs results (``cursor``), SOQL
  (``nextRecordsUrl``), skill groups (``after``), journey steps (``nextPageUri``),
  and page-number lists (half pages, with ``pageSize``/``pageNumber`` of the
  served page in ``nextUri``). The details and users-details queries page in the
  request body and are never shortened (a client could not tell a short page
  from the last one). Salesforce meets 5xx only (it has no 429). Faults are
  decided before a request is handled, so a failed request has no side effect
  and a client that retries loses or duplicates nothing.
- ``hostile``: ``flaky`` plus the manifest's ``faults.hostile`` plan, applied by
  :func:`apply_hostile_plan`: the planned bad records are corrupted, unknown
  fields appear, and the archived campaign is archived during paging.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any

import orjson

PROFILES = ("none", "flaky", "hostile")
FLAKY_TOKEN_LIFETIME_S = 30.0
UNPARSEABLE_TIMESTAMP = "2026-13-45T25:61:00.000Z"


@dataclass(frozen=True)
class Fault:
    kind: str  # "rate" | "error" | "slow"
    status: int = 0
    delay_s: float = 0.0


class FaultPlan:
    """Decides, per request, whether a fault replaces or delays the answer."""

    def __init__(self, profile: str, seed: int) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown fault profile {profile!r}; expected one of {', '.join(PROFILES)}")
        self.profile = profile
        self.seed = seed
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.profile != "none"

    def _unit(self, endpoint: str, number: int, purpose: str) -> float:
        digest = hashlib.blake2b(
            f"{self.seed}|{endpoint}|{number}|{purpose}".encode(), digest_size=8
        ).digest()
        return int.from_bytes(digest, "big") / 2**64

    def next_request(self, endpoint: str) -> int:
        """Number this request on ``endpoint`` (1, 2, ...)."""
        with self._lock:
            number = self._counters.get(endpoint, 0) + 1
            self._counters[endpoint] = number
            return number

    def fault_for(self, endpoint: str, number: int) -> Fault | None:
        """The fault met by request ``number`` of ``endpoint``, if any."""
        if not self.active:
            return None
        draw = self._unit(endpoint, number, "fault")
        if draw < 0.03:
            return Fault("rate", 429)
        if draw < 0.07:
            statuses = (500, 503, 504)
            return Fault("error", statuses[int(self._unit(endpoint, number, "status") * 3)])
        if draw < 0.10:
            return Fault("slow", delay_s=0.05 + 0.25 * self._unit(endpoint, number, "delay"))
        return None

    def page_size(self, endpoint: str, number: int, requested: int) -> int:
        """The page size actually served: sometimes smaller than requested."""
        if not self.active or requested < 2 or self._unit(endpoint, number, "shrink") >= 0.2:
            return requested
        return max(1, int(requested * (0.25 + 0.5 * self._unit(endpoint, number, "ratio"))))


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _path_parts(field: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(field):
        if index:
            parts.append(int(index))
        elif name.isdigit():
            parts.append(int(name))
        else:
            parts.append(name)
    if not parts:
        raise ValueError(f"empty field path {field!r}")
    return parts


def corrupt_field(record: dict[str, Any], field: str, reason: str) -> None:
    """Corrupt ``field`` (dotted path, ``[n]`` list indexes) of ``record`` as ``reason`` says.

    Reasons mentioning missing/absent/removed delete the field; reasons mentioning
    timestamp/date/unparseable replace it by an unparseable timestamp; ``null``
    sets it to null; anything else replaces it by a value of the wrong type.
    """
    parts = _path_parts(field)
    container: Any = record
    for part in parts[:-1]:
        try:
            container = container[part]
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"bad record plan: field path {field!r} not found ({part!r})") from exc
    last = parts[-1]
    lowered = reason.lower()
    if any(word in lowered for word in ("missing", "absent", "remove", "without", "no ")):
        if isinstance(container, dict):
            container.pop(last, None)
        else:
            raise ValueError(f"bad record plan: cannot delete list item {field!r}")
    elif any(word in lowered for word in ("timestamp", "date", "unparseable", "time")):
        container[last] = UNPARSEABLE_TIMESTAMP
    elif "null" in lowered:
        container[last] = None
    else:
        container[last] = {"unexpected": True}


KEY_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("genesys", "conversations"): ("conversationId",),
    ("genesys", "queue_members"): ("queueId", "id"),
    ("genesys", "skill_group_members"): ("skillGroupId", "id"),
    ("genesys", "campaign_progress"): ("campaign.id",),
    ("genesys", "campaign_stats"): ("campaignId",),
    ("genesys", "user_presences"): ("userId", "startTime"),
    ("genesys", "user_routing_statuses"): ("userId", "startTime"),
    ("genesys", "queue_observations"): ("group.queueId", "group.mediaType"),
    ("predictive_engagement", "campaign_analytics"): ("campaignId", "dateFrom"),
    ("predictive_engagement", "scorecard_analytics"): ("scorecardId", "dateFrom", "modelVersion"),
    ("predictive_engagement", "journey_aggregates"): ("group.journeyActionMapId",),
    ("salesforce", "accounts"): ("Id",),
    ("salesforce", "account_history"): ("Id",),
    ("salesforce", "cases"): ("Id",),
    ("salesforce", "opportunities"): ("Id",),
}


def _dig(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def key_matches(record: dict[str, Any], fields: tuple[str, ...], key: Any) -> bool:
    """Whether ``record`` has the planned ``key`` (a value, a list, a dict or an ``a|b`` string)."""
    actual = [_dig(record, name) for name in fields]
    if isinstance(key, dict):
        return all(_dig(record, name) == value for name, value in key.items())
    if isinstance(key, (list, tuple)):
        return actual == list(key)
    if len(fields) == 1:
        return actual[0] == key
    return any(separator.join(str(value) for value in actual) == key for separator in ("|", ":", "/", ","))


def _plan(tenant: Any) -> dict[str, Any]:
    return (tenant.manifest.get("faults") or {}).get("hostile") or {}


def apply_hostile_plan(tenant: Any) -> None:
    """Corrupt the manifest's planned bad records and add its unknown fields.

    Conversations get corrupted bytes beside their clean ones (their index keeps
    the clean instants); other records get a corrupted copy in ``tenant.overlay`` so that
    filters and lookups still see the clean values while answers carry the bad ones.
    """
    plan = _plan(tenant)
    for number, unknown in enumerate(plan.get("unknown_fields") or []):
        _add_unknown_field(tenant, unknown, f"manifest faults.hostile.unknown_fields[{number}]")
    for number, bad in enumerate(plan.get("bad_records") or []):
        where = f"manifest faults.hostile.bad_records[{number}]"
        try:
            source, resource, key, field, reason = (
                bad[name] for name in ("source", "resource", "key", "field", "reason")
            )
        except KeyError as exc:
            raise ValueError(f"{where}: missing {exc.args[0]}") from exc
        fields = KEY_FIELDS.get((source, resource), ("id",))
        if (source, resource) == ("genesys", "conversations"):
            target = next((c for c in tenant.conversations if c.conversation_id == key), None)
            if target is None:
                raise ValueError(f"{where}: conversation {key!r} not found")
            record = orjson.loads(target.served)
            corrupt_field(record, field, reason)
            target.corrupted = orjson.dumps(record)
            continue
        record = next((r for r in tenant.records(source, resource) if key_matches(r, fields, key)), None)
        if record is None:
            raise ValueError(f"{where}: {source}/{resource} record {key!r} not found")
        served = tenant.overlay.get(id(record)) or copy.deepcopy(record)
        corrupt_field(served, field, reason)
        tenant.overlay[id(record)] = served


def _add_unknown_field(tenant: Any, unknown: Any, where: str) -> None:
    if isinstance(unknown, str):
        parts = unknown.split(".")
        if len(parts) == 2:
            parts = ["genesys", *parts]
        if len(parts) != 3:
            raise ValueError(f"{where}: expected 'source.resource.field', got {unknown!r}")
        unknown = {"source": parts[0], "resource": parts[1], "field": parts[2]}
    if not isinstance(unknown, dict) or "resource" not in unknown or "field" not in unknown:
        raise ValueError(f"{where}: expected an object with resource and field, got {unknown!r}")
    value = unknown.get("value", {"sandboxNewField": True})
    for record in tenant.records(unknown.get("source", "genesys"), unknown["resource"]):
        record.setdefault(unknown["field"], value)
