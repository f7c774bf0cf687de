"""Raw table specifications shared by HTTP and file mode (docs/contracts.md §2 and §4).

Each :class:`TableSpec` says which fields of a record become typed columns (keys and
cursors), which write disposition the table has and which validation rules send a
record to quarantine instead of the main table. The record itself is always kept
verbatim in ``payload``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["text", "timestamp", "boolean", "json", "interval_start"]
WriteDisposition = Literal["merge", "append"]
CheckKind = Literal[
    "timestamp", "integer", "number", "boolean", "required", "unique", "not_negative", "not_before"
]

MAX_RECORD_BYTES = 16 * 1024 * 1024
"""Largest record (JSON text) landed in a raw table; a larger one is quarantined.

16 MiB is far above any real API record (a long conversation is well under 1 MiB)
and is DuckDB's default JSON object size: one oversize field (a 64 MiB string) would
otherwise be carried through every staging model that parses the payload."""

SOURCES = ("genesys", "predictive_engagement", "salesforce")
SCHEMAS = {
    "genesys": "raw_genesys",
    "predictive_engagement": "raw_predictive_engagement",
    "salesforce": "raw_salesforce",
}


@dataclass(frozen=True)
class Column:
    """A typed column extracted from the record at ``path`` (dotted JSON path).

    Kinds: ``text``; ``timestamp`` (ISO-8601 with zone, validated strictly);
    ``boolean``; ``json`` (JSON text of a sub-object); ``interval_start`` (start of
    an ISO ``start/end`` interval string). A path starting with ``@`` names a value
    of the extraction context (e.g. the division an aggregates query was run for)
    instead of a record field.
    """

    name: str
    path: str
    kind: ColumnKind = "text"
    required: bool = False

    @property
    def from_context(self) -> bool:
        return self.path.startswith("@")

    @property
    def json_path(self) -> str:
        """DuckDB JSON path of the field, e.g. ``$.campaign.id``."""
        return "$." + ".".join(f'"{part}"' for part in self.path.split("."))


@dataclass(frozen=True)
class Nested:
    """A value inside the record that the dbt models cast or key on, checked at ingestion.

    ``path`` is dotted, ``[]`` marking an array whose every element is checked
    (``participants[].sessions[].segments[].segmentStart``). Kinds:

    - ``timestamp`` / ``integer`` / ``number`` / ``boolean``: when present, the text
      value must cast to TIMESTAMPTZ / BIGINT / DOUBLE / BOOLEAN (the casts of staging);
    - ``required``: present and not empty (a ``not_null`` test of staging);
    - ``unique``: no two elements share the value within the record (a uniqueness
      test of staging; missing values are left to ``required``);
    - ``not_negative``: a number >= 0 (an ``accepted_range`` test of staging);
    - ``not_before``: when both are present, not earlier than the sibling field ``other``.

    The first failing check of a record quarantines it, with the concrete JSON path
    (``participants[0].sessions[1].segments[2].segmentStart``) in ``field``.
    """

    path: str
    kind: CheckKind
    other: str = ""
    """``path`` may name a configured field: ``{salesforce_ltv_field}`` (see
    :func:`ingestion.api_settings.crm_field_mapping`)."""


@dataclass(frozen=True)
class TableSpec:
    """How one resource lands in its raw table."""

    source: str
    name: str
    keys: tuple[Column, ...]
    cursors: tuple[Column, ...] = ()
    write_disposition: WriteDisposition = "merge"
    snapshot: bool = False
    """Append-only snapshot: adds ``observed_at`` and keys on (keys, observed_at)."""
    extraction: bool = False
    """Immutable extraction: adds ``extracted_at`` and keys on (keys, extracted_at)."""
    extra: tuple[Column, ...] = ()
    steps_check: bool = False
    """Predictive Engagement analytics response (invented API): steps need ``stepId``, ``contactCount``."""
    derived: tuple[str, ...] = field(default=())
    """Columns computed by ingestion (not from the record), e.g. ``pending_backfill``."""
    explode_data: bool = False
    """Aggregates result group: one row per ``data[]`` element, payload = element + ``group``."""
    nested: tuple[Nested, ...] = ()
    """Values inside the record that must cast / be unique for the dbt models (see :class:`Nested`)."""

    @property
    def schema(self) -> str:
        return SCHEMAS[self.source]

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.keys + self.cursors + self.extra

    @property
    def primary_key(self) -> list[str]:
        names = [c.name for c in self.keys]
        if self.snapshot:
            names.append("observed_at")
        if self.extraction:
            names.append("extracted_at")
        return names


def _id(path: str = "id", name: str = "id") -> Column:
    return Column(name, path, "text", required=True)


def _ts(name: str, path: str, required: bool = False) -> Column:
    return Column(name, path, "timestamp", required=required)


def _entity(source: str, name: str, *cursors: Column, nested: tuple[Nested, ...] = ()) -> TableSpec:
    return TableSpec(source, name, (_id(),), cursors, nested=nested)


def _times(*paths: str) -> tuple[Nested, ...]:
    return tuple(Nested(path, "timestamp") for path in paths)


_PARTICIPANT = "participants[]"
_SESSION = f"{_PARTICIPANT}.sessions[]"
_SEGMENT = f"{_SESSION}.segments[]"
_METRIC = f"{_SESSION}.metrics[]"
CONVERSATION_CHECKS: tuple[Nested, ...] = (
    # what stg_genesys__conversations casts
    Nested("mediaStatsMinConversationMos", "number"),
    Nested("conversationEnd", "not_before", "conversationStart"),
    # participants / sessions: not_null and uniqueness tests of staging
    Nested(f"{_PARTICIPANT}.purpose", "required"),
    Nested(f"{_PARTICIPANT}.participantId", "unique"),
    Nested(f"{_SESSION}.sessionId", "required"),
    Nested(f"{_SESSION}.sessionId", "unique"),
    Nested(f"{_SESSION}.mediaType", "required"),
    # segments
    Nested(f"{_SEGMENT}.segmentType", "required"),
    Nested(f"{_SEGMENT}.segmentStart", "required"),
    Nested(f"{_SEGMENT}.segmentStart", "timestamp"),
    Nested(f"{_SEGMENT}.segmentEnd", "timestamp"),
    Nested(f"{_SEGMENT}.segmentEnd", "not_before", "segmentStart"),
    Nested(f"{_SEGMENT}.conference", "boolean"),
    # metrics
    Nested(f"{_METRIC}.name", "required"),
    Nested(f"{_METRIC}.value", "integer"),
    Nested(f"{_METRIC}.value", "not_negative"),
    Nested(f"{_METRIC}.emitDate", "timestamp"),
)
"""Every value of a conversation the staging models cast, key on or range-test."""


def _salesforce(name: str, cursor: Column, nested: tuple[Nested, ...] = ()) -> TableSpec:
    return TableSpec(
        "salesforce",
        name,
        (_id("Id"),),
        (cursor,),
        extra=(Column("is_deleted", "IsDeleted", "boolean"),),
        nested=nested,
    )


_INTERVAL = (_ts("start_time", "startTime", required=True), _ts("end_time", "endTime"))
_INTERVAL_ORDER = Nested("endTime", "not_before", "startTime")

TABLES: dict[tuple[str, str], TableSpec] = {
    (spec.source, spec.name): spec
    for spec in (
        TableSpec(
            "genesys",
            "conversations",
            (_id("conversationId", "conversation_id"),),
            (
                _ts("conversation_start", "conversationStart", required=True),
                _ts("conversation_end", "conversationEnd"),
            ),
            nested=CONVERSATION_CHECKS,
        ),
        _entity("genesys", "divisions", nested=(Nested("homeDivision", "boolean"),)),
        _entity("genesys", "users"),
        _entity("genesys", "user_licenses"),
        _entity(
            "genesys",
            "queues",
            nested=(
                *_times("dateCreated", "dateModified"),
                Nested("memberCount", "integer"),
                Nested("mediaSettings.call.serviceLevel.percentage", "number"),
                *(
                    Nested(f"mediaSettings.{media}.serviceLevel.durationMs", "integer")
                    for media in ("call", "chat", "message", "email", "callback")
                ),
            ),
        ),
        TableSpec(
            "genesys",
            "queue_members",
            (_id("queueId", "queue_id"), _id()),
            nested=(Nested("joined", "boolean"),),
        ),
        _entity("genesys", "skills", nested=_times("dateModified")),
        _entity(
            "genesys",
            "skill_groups",
            nested=(*_times("dateModified"), Nested("memberCount", "integer")),
        ),
        TableSpec("genesys", "skill_group_members", (_id("skillGroupId", "skill_group_id"), _id())),
        _entity("genesys", "wrapup_codes", nested=_times("dateCreated")),
        _entity("genesys", "presence_definitions"),
        _entity("genesys", "campaigns", nested=_times("dateCreated", "dateModified")),
        TableSpec(
            "genesys",
            "campaign_progress",
            (_id("campaign.id", "campaign_id"),),
            write_disposition="append",
            snapshot=True,
            nested=(
                *(
                    Nested(name, "integer")
                    for name in (
                        "numberOfContactsCalled",
                        "numberOfContactsMessaged",
                        "totalNumberOfContacts",
                    )
                ),
                Nested("percentage", "number"),
            ),
        ),
        TableSpec(
            "genesys",
            "campaign_stats",
            (_id("campaignId", "campaign_id"),),
            write_disposition="append",
            snapshot=True,
            nested=(
                *(
                    Nested(name, "integer")
                    for name in (
                        "contactRate.attempts",
                        "contactRate.connects",
                        "idleAgents",
                        "outstandingCalls",
                        "scheduledCalls",
                        "rightPartyContactsCount",
                        "validAttempts",
                        "linesUtilization.assignedOutboundLines",
                        "linesUtilization.totalAvailableOutboundLines",
                    )
                ),
                *(
                    Nested(name, "number")
                    for name in ("contactRate.connectRatio", "effectiveIdleAgents", "adjustedCallsPerAgent")
                ),
            ),
        ),
        TableSpec(
            "genesys",
            "user_presences",
            (_id("userId", "user_id"), _INTERVAL[0]),
            (_INTERVAL[1],),
            nested=(_INTERVAL_ORDER,),
        ),
        TableSpec(
            "genesys",
            "user_routing_statuses",
            (_id("userId", "user_id"), _INTERVAL[0]),
            (_INTERVAL[1],),
            nested=(_INTERVAL_ORDER,),
        ),
        TableSpec(
            "genesys",
            "queue_observations",
            # a queue-level group (queue user counts such as oActiveUsers) has no mediaType
            (_id("group.queueId", "queue_id"), Column("media_type", "group.mediaType")),
            write_disposition="append",
            snapshot=True,
            nested=(Nested("data[].stats.count", "integer"),),
        ),
        _entity(
            "genesys",
            "conversion_events",
            _ts("received_date", "receivedDate"),
            nested=(Nested("data.timestamp", "integer"), Nested("data.value", "number")),
        ),
        TableSpec("genesys", "contact_list_contacts", (_id("contactListId", "contact_list_id"), _id())),
        TableSpec(
            "genesys",
            "conversation_aggregates",
            (
                _id("@divisionId", "division_id"),
                Column("interval_start", "interval", "interval_start", required=True),
                Column("group_key", "group", "json", required=True),
            ),
            extra=(Column("time_zone", "@timeZone"), Column("granularity", "@granularity")),
            explode_data=True,
            nested=(
                Nested("metrics[].metric", "required"),
                *(
                    Nested(f"metrics[].stats.{stat}", "number")
                    for stat in ("count", "sum", "max", "min", "numerator", "denominator", "ratio")
                ),
            ),
        ),
        # Workforce management (WFM): management units, activity codes, scheduled shifts, adherence.
        _entity("genesys", "management_units"),
        _entity("genesys", "activity_codes"),
        TableSpec(
            "genesys",
            "agent_schedules",
            (_id(),),
            (_ts("start_date", "startDate", required=True),),
            extra=(Column("management_unit_id", "managementUnitId"), Column("user_id", "userId")),
        ),
        TableSpec(
            "genesys",
            "historical_adherence",
            (
                _id("managementUnitId", "management_unit_id"),
                _id("userId", "user_id"),
                _ts("start_date", "startDate", required=True),
            ),
            (_ts("end_date", "endDate"),),
        ),
        _entity("predictive_engagement", "campaigns", nested=_times("createdDate", "modifiedDate")),
        TableSpec(
            "predictive_engagement",
            "campaign_analytics",
            (_id("campaignId", "campaign_id"), _ts("date_from", "dateFrom", required=True)),
            (_ts("date_to", "dateTo"),),
            write_disposition="append",
            extraction=True,
            steps_check=True,
            derived=("model_version",),
        ),
        _entity("predictive_engagement", "scorecards", nested=_times("retrainedAt")),
        TableSpec(
            "predictive_engagement",
            "scorecard_analytics",
            (
                _id("scorecardId", "scorecard_id"),
                _ts("date_from", "dateFrom", required=True),
                _id("modelVersion", "model_version"),
            ),
            (_ts("date_to", "dateTo"),),
            write_disposition="append",
            extraction=True,
            derived=("pending_backfill",),
        ),
        _entity("predictive_engagement", "outcomes", nested=_times("createdDate", "modifiedDate")),
        _entity("predictive_engagement", "segments", nested=_times("createdDate", "modifiedDate")),
        _entity(
            "predictive_engagement",
            "action_maps",
            nested=_times("startDate", "endDate", "createdDate", "modifiedDate"),
        ),
        TableSpec(
            "predictive_engagement",
            "journey_aggregates",
            (
                _id("group.journeyActionMapId", "journey_action_map_id"),
                Column("interval_start", "interval", "interval_start", required=True),
            ),
            explode_data=True,
            nested=(Nested("metrics[].stats.count", "integer"),),
        ),
        _salesforce(
            "accounts",
            _ts("system_modstamp", "SystemModstamp"),
            nested=(
                *_times("CreatedDate", "LastModifiedDate"),
                Nested("AnnualRevenue", "number"),
                # the org's LTV field, named by SOURCES__SALESFORCE__LTV_FIELD
                Nested("{salesforce_ltv_field}", "number"),
            ),
        ),
        _salesforce("account_history", _ts("created_date", "CreatedDate")),
        _salesforce(
            "cases",
            _ts("system_modstamp", "SystemModstamp"),
            nested=(*_times("CreatedDate", "ClosedDate"), Nested("IsClosed", "boolean")),
        ),
        _salesforce(
            "opportunities",
            _ts("system_modstamp", "SystemModstamp"),
            nested=(*_times("CreatedDate"), Nested("Amount", "number")),
        ),
    )
}


def spec_for(source: str, resource: str) -> TableSpec:
    """The spec of ``source``/``resource``; a clear error for unknown names."""
    try:
        return TABLES[(source, resource)]
    except KeyError:
        known = sorted(name for src, name in TABLES if src == source)
        raise ValueError(f"unknown resource {source}/{resource}; known: {', '.join(known)}") from None


def specs_of(source: str) -> list[TableSpec]:
    """All table specs of one source, in declaration order."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    return [spec for (src, _), spec in TABLES.items() if src == source]
