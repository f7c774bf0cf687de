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
    """Seed-003 analytics response: every step needs ``stepId`` and ``contactCount``."""
    derived: tuple[str, ...] = field(default=())
    """Columns computed by ingestion (not from the record), e.g. ``pending_backfill``."""
    explode_data: bool = False
    """Aggregates result group: one row per ``data[]`` element, payload = element + ``group``."""

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


def _entity(source: str, name: str, *cursors: Column) -> TableSpec:
    return TableSpec(source, name, (_id(),), cursors)


def _salesforce(name: str, cursor: Column) -> TableSpec:
    return TableSpec(
        "salesforce",
        name,
        (_id("Id"),),
        (cursor,),
        extra=(Column("is_deleted", "IsDeleted", "boolean"),),
    )


_INTERVAL = (_ts("start_time", "startTime", required=True), _ts("end_time", "endTime"))

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
        ),
        _entity("genesys", "divisions"),
        _entity("genesys", "users"),
        _entity("genesys", "user_licenses"),
        _entity("genesys", "queues"),
        TableSpec("genesys", "queue_members", (_id("queueId", "queue_id"), _id())),
        _entity("genesys", "skills"),
        _entity("genesys", "skill_groups"),
        TableSpec("genesys", "skill_group_members", (_id("skillGroupId", "skill_group_id"), _id())),
        _entity("genesys", "wrapup_codes"),
        _entity("genesys", "presence_definitions"),
        _entity("genesys", "campaigns"),
        TableSpec(
            "genesys",
            "campaign_progress",
            (_id("campaign.id", "campaign_id"),),
            write_disposition="append",
            snapshot=True,
        ),
        TableSpec(
            "genesys",
            "campaign_stats",
            (_id("campaignId", "campaign_id"),),
            write_disposition="append",
            snapshot=True,
        ),
        TableSpec("genesys", "user_presences", (_id("userId", "user_id"), _INTERVAL[0]), (_INTERVAL[1],)),
        TableSpec(
            "genesys", "user_routing_statuses", (_id("userId", "user_id"), _INTERVAL[0]), (_INTERVAL[1],)
        ),
        TableSpec(
            "genesys",
            "queue_observations",
            (_id("group.queueId", "queue_id"), _id("group.mediaType", "media_type")),
            write_disposition="append",
            snapshot=True,
        ),
        _entity("genesys", "conversion_events", _ts("received_date", "receivedDate")),
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
        ),
        _entity("predictive_engagement", "campaigns"),
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
        _entity("predictive_engagement", "scorecards"),
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
        _entity("predictive_engagement", "outcomes"),
        _entity("predictive_engagement", "segments"),
        _entity("predictive_engagement", "action_maps"),
        TableSpec(
            "predictive_engagement",
            "journey_aggregates",
            (
                _id("group.journeyActionMapId", "journey_action_map_id"),
                Column("interval_start", "interval", "interval_start", required=True),
            ),
            explode_data=True,
        ),
        _salesforce("accounts", _ts("system_modstamp", "SystemModstamp", required=True)),
        _salesforce("account_history", _ts("created_date", "CreatedDate", required=True)),
        _salesforce("cases", _ts("system_modstamp", "SystemModstamp", required=True)),
        _salesforce("opportunities", _ts("system_modstamp", "SystemModstamp", required=True)),
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
