"""The suites cxlake validates, defined in code and versioned with it.

* raw suites, one per raw table the ingestion lands (keys from ``ingestion.tables``):
  the grain, load metadata, cursor ordering;
* staging suites for the models reconciliation counts through;
* mart suites, one per mart of ``models/marts``: timestamps inside the extraction window,
  and the grain, rates, durations and enums the mart's dbt YAML does not test yet (an
  expectation that repeats a dbt test is dropped from the plan: see ``dbt_tests``; the CRM
  join rate is dbt's ``join_rate`` and ``crm_unlinked_share_*`` tests);
* the reconciliation suite: counts carried from raw to staging to marts (no
  conversation lost or duplicated; BPO daily totals = interval totals).

``measures()`` says what to count on each relation (aggregates computed in DuckDB);
``reconciliation()`` states how those counts must relate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.expectation import Expectation

from cxlake.quality.checks import (
    WARNING,
    TableSuite,
    accepted,
    at_most,
    key,
    non_negative,
    not_null,
    percent,
    ratio,
    with_severity,
    within_window,
)
from cxlake.quality.dbt_tests import rechecks_dbt
from ingestion.tables import TABLES, TableSpec

EXTRACT_METHODS = ("query", "jobs", "api", "file")
# Raw tables without which nothing downstream means anything; every other raw table may
# legitimately be absent (a source or resource that never loaded).
REQUIRED_RAW = ("raw_genesys.conversations", "raw_salesforce.accounts")
MEDIA_TYPES = ("voice", "chat", "message", "email", "callback")
DIRECTIONS = ("inbound", "outbound")
CUSTOMER_TIERS = ("SMB", "Mid-Market", "Enterprise", "Strategic")
GROUP_TYPES = ("queue", "skill_group")
DURATION_COLUMNS = ("duration_ms", "handle_time_ms", "talk_time_ms", "hold_time_ms", "acw_time_ms")
PE_CAMPAIGN_STATUSES = ("active", "paused", "archived")
CAMPAIGN_SOURCES = ("predictive_engagement", "journey_action_map")


@dataclass(frozen=True)
class Measure:
    """A number computed on one relation.

    ``sql``: a scalar query over ``{relation}`` run in DuckDB (nothing is loaded into
    Python: cxlake's own measures). ``compute``: a function of a DataFrame of ``columns``
    (the relation's columns are then read into pandas; for small, hand-written plans).
    """

    name: str
    relation: str
    columns: tuple[str, ...]
    compute: Callable[[pd.DataFrame], float] | None = None
    sql: str | None = None


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _distinct(column: str) -> str:
    return f"select count(distinct {_quoted(column)}) from {{relation}}"


_ROWS = "select count(*) from {relation}"


def _checksum(column: str) -> str:
    """Order-independent checksum of the distinct values: equal sets give equal sums."""
    return (
        f"select coalesce(sum(hash(value)::hugeint), 0) % {1 << 52} from "
        f"(select distinct {_quoted(column)} as value from {{relation}} where {_quoted(column)} is not null)"
    )


def raw_suite(spec: TableSpec) -> TableSuite:
    """Grain, load metadata and cursor ordering of one raw table."""
    relation = f"{spec.schema}.{spec.name}"
    required = [c.name for c in spec.cursors + spec.extra if c.required and not c.from_context]
    expectations: list[Expectation] = [
        *key(*spec.primary_key),
        *not_null(*required, "_extracted_at", "_load_id"),
        *accepted("_extract_method", EXTRACT_METHODS),
    ]
    cursor_names = {c.name for c in spec.cursors}
    if {"conversation_start", "conversation_end"} <= cursor_names:
        expectations += at_most("conversation_start", "conversation_end")
        expectations += at_most("conversation_start", "_extracted_at")
    if "system_modstamp" in cursor_names:
        expectations += at_most("system_modstamp", "_extracted_at")
    if {"start_time", "end_time"} <= cursor_names | {c.name for c in spec.keys}:
        expectations += at_most("start_time", "end_time")
    if {"start_date", "end_date"} <= cursor_names | {c.name for c in spec.keys}:
        expectations += at_most("start_date", "end_date")  # WFM adherence query days
    return TableSuite(
        relation=relation,
        key=tuple(spec.primary_key),
        expectations=expectations,
        optional=relation not in REQUIRED_RAW,
    )


def quarantine_suite(schema: str) -> TableSuite:
    """Quarantined records are expected on hostile input, but worth a warning each run: every
    quarantined record is an "unexpected" row, shown with its resource, key, field and reason."""
    return TableSuite(
        relation=f"{schema}.quarantine",
        key=("quarantine_id",),
        expectations=[
            *key("quarantine_id"),
            *not_null("resource", "raw_record"),
            with_severity(gxe.ExpectColumnValuesToBeNull(column="reason"), WARNING),
        ],
        optional=True,
        sample_columns=("resource", "record_key", "field"),
    )


def extraction_log_suite() -> TableSuite:
    """Campaigns a Predictive Engagement extraction skipped, with the reason (append-only log)."""
    return TableSuite(
        relation="raw_predictive_engagement.extraction_log",
        key=(),
        expectations=[*not_null("campaign_id", "status", "reason", "_extracted_at")],
        optional=True,
    )


def staging_suites() -> list[TableSuite]:
    """Staging models the reconciliation goes through."""
    return [
        TableSuite(
            relation="staging.stg_genesys__conversations",
            key=("conversation_id",),
            expectations=[*key("conversation_id"), *not_null("conversation_started_at")],
        ),
    ]


def mart_suites() -> list[TableSuite]:
    """One suite per mart (``models/marts``)."""
    return (
        cx_mart_suites()
        + campaign_mart_suites()
        + workforce_mart_suites()
        + journey_mart_suites()
        + bpo_mart_suites()
    )


def _interaction_checks() -> list[Expectation]:
    """What holds for every per-conversation mart (unified and its role views)."""
    return [
        *key("conversation_id"),
        *not_null("conversation_start", "media_type", "data_source"),
        *non_negative(*DURATION_COLUMNS),
        *accepted("media_type", MEDIA_TYPES),
        *accepted("direction", DIRECTIONS, severity=WARNING),
        *accepted("customer_tier", CUSTOMER_TIERS),
        *within_window("conversation_start"),
        *at_most("conversation_start", "conversation_end"),
    ]


def cx_mart_suites() -> list[TableSuite]:
    """Unified CX marts: unified interactions, its role views, escalation, containment, CRM join audit."""
    unified = [
        *_interaction_checks(),
        *accepted("current_customer_tier", CUSTOMER_TIERS),
    ]
    per_conversation = [
        TableSuite("marts.unified_interactions", ("conversation_id",), unified),
        TableSuite("marts.supervisor_interactions", ("conversation_id",), _interaction_checks()),
        TableSuite("marts.finance_interactions", ("conversation_id",), _interaction_checks()),
    ]
    return per_conversation + [
        TableSuite(
            "marts.escalation_by_tier",
            ("customer_tier",),
            [
                *key("customer_tier"),
                *accepted("customer_tier", CUSTOMER_TIERS),
                *non_negative("total_contacts", "escalations", "avg_handle_time_minutes", "avg_customer_ltv"),
                *percent("escalation_rate_pct"),
                *at_most("escalations", "total_contacts"),
            ],
        ),
        TableSuite(
            "marts.escalation_weekly_by_tier",
            ("week_start_date", "customer_tier"),
            [
                *key("week_start_date", "customer_tier"),
                *accepted("customer_tier", CUSTOMER_TIERS),
                *non_negative("total_contacts", "escalations"),
                *percent("escalation_rate_pct"),
                *at_most("escalations", "total_contacts"),
            ],
        ),
        TableSuite(
            "marts.bot_containment_by_industry",
            ("industry",),
            [
                *key("industry"),
                *non_negative("total_contacts", "bot_contained_contacts", "abandoned_contacts"),
                *percent("bot_containment_pct", "escalation_rate_pct", "abandon_rate_pct"),
                *at_most("bot_contained_contacts", "total_contacts"),
                *at_most("abandoned_contacts", "total_contacts"),
            ],
        ),
        TableSuite(
            "marts.crm_join_audit",
            ("audit_id",),
            [
                *key("audit_id"),
                *accepted("audit_level", ("overall", "day", "queue")),
                *non_negative("conversation_count", "linked_count", "unlinked_count"),
                *percent("linked_share_pct", "unlinked_share_pct"),
                *at_most("linked_count", "conversation_count"),
            ],
        ),
    ]


def campaign_mart_suites() -> list[TableSuite]:
    """Campaign KPI marts: campaign KPIs per 15-minute interval, rolling windows, orphaned events."""
    counts = ("contacted", "connected", "live_voice", "voicemail_count", "goal_completions")
    rolling = (
        "rolling_contacted",
        "rolling_connected",
        "rolling_voicemail_count",
        "rolling_goal_completions",
    )
    return [
        TableSuite(
            "marts.campaign_kpis",
            ("campaign_interval_id",),
            [
                *key("campaign_interval_id"),
                *key("campaign_id", "interval_start_at"),
                *non_negative(*counts, *rolling),
                *at_most("connected", "contacted"),
                *at_most("rolling_connected", "rolling_contacted"),
                *at_most("interval_start_at", "interval_end_at"),
                *within_window("interval_start_at"),
                *ratio("connect_rate", "rolling_connect_rate"),
                *at_most("converted_connected", "connected"),
                *ratio("conversion_rate", "rolling_conversion_rate"),
            ],
        ),
        TableSuite(
            "marts.campaign_kpis_rolling",
            ("campaign_window_id",),
            [
                *key("campaign_window_id"),
                *key("campaign_id", "window_end_at"),
                *non_negative(*rolling),
                *at_most("rolling_connected", "rolling_contacted"),
                *at_most("window_start_at", "window_end_at"),
                *ratio("rolling_connect_rate"),
                *at_most("rolling_converted_connected", "rolling_connected"),
                *ratio("rolling_conversion_rate"),
            ],
        ),
        TableSuite(
            "marts.orphaned_conversion_events",
            ("event_id",),
            [*key("event_id"), *not_null("received_at"), *non_negative("duplicates_dropped")],
        ),
        TableSuite(
            "marts.conversion_writeback_exceptions",
            ("transaction_id",),
            [
                *key("transaction_id"),
                *accepted("exception_kind", ("orphaned", "dead_lettered")),
                *not_null("reason"),
            ],
        ),
    ]


def workforce_mart_suites() -> list[TableSuite]:
    """Supervisor marts: utilization per group and 15-minute interval, supervisor capacity."""
    durations = ("on_queue_ms", "interacting_ms", "idle_ms", "not_responding_ms", "acw_ms")
    return [
        TableSuite(
            "marts.agent_utilization",
            ("group_interval_id",),
            [
                *key("group_interval_id"),
                *key("group_type", "group_id", "interval_start_at"),
                *accepted("group_type", GROUP_TYPES),
                *non_negative(*durations, "agents_on_queue", "agents_interacting", "inactive_licence_agents"),
                *at_most("utilization_numerator_ms", "utilization_denominator_ms"),
                *at_most("agents_interacting", "agents_on_queue", severity=WARNING),
                *percent("utilization_pct"),
            ],
        ),
        # WFM adherence; its row count also feeds the raw -> mart reconciliation.
        TableSuite(
            "marts.agent_adherence_daily",
            ("agent_adherence_day_id",),
            [
                *key("agent_adherence_day_id"),
                *non_negative("scheduled_seconds", "exception_seconds", "actual_on_queue_seconds"),
                *at_most("exception_seconds", "scheduled_seconds"),
                *percent("adherence_pct"),
            ],
        ),
        TableSuite(
            "marts.skill_group_adherence_by_interval",
            ("skill_group_interval_id",),
            [
                *key("skill_group_interval_id"),
                *non_negative("scheduled_seconds", "exception_seconds", "scheduled_agents"),
                *at_most("exception_seconds", "scheduled_seconds"),
                *percent("adherence_pct"),
            ],
        ),
        TableSuite(
            "marts.supervisor_campaign_capacity",
            ("capacity_id",),
            [
                *key("capacity_id"),
                *accepted("group_type", GROUP_TYPES),
                *non_negative("contacted", "connected", "agents_on_queue", "agents_interacting"),
                *at_most("connected", "contacted"),
                *ratio("connect_rate"),
                *percent("utilization_pct"),
            ],
        ),
    ]


def journey_mart_suites() -> list[TableSuite]:
    """Predictive Engagement marts: the journey funnel fact (history by model version) and its campaigns."""
    return [
        TableSuite(
            "marts.fact_predictive_journey",
            ("journey_fact_id",),
            [
                *key("journey_fact_id"),
                *key("campaign_id", "extraction_date", "step_id", "model_version"),
                *accepted("campaign_source", CAMPAIGN_SOURCES),
                *non_negative("contact_count", "step_sequence"),
                *ratio(
                    "conversion_rate",
                    "average_score",
                    "precision",
                    "recall",
                    "f1_score",
                    "auc",
                    "actual_conversion_rate",
                    "predicted_conversion_rate",
                ),
                *not_null("pending_backfill"),
            ],
        ),
        TableSuite(
            "marts.dim_predictive_campaign",
            ("campaign_id",),
            [
                *key("campaign_id"),
                *accepted("campaign_source", CAMPAIGN_SOURCES),
                *accepted("status", (*PE_CAMPAIGN_STATUSES, "inactive")),
            ],
        ),
    ]


def bpo_mart_suites() -> list[TableSuite]:
    """BPO partner marts: partner metrics per 5-minute interval and per partner-local day, labels."""
    counts = ("offered_count", "handled_count", "abandoned_count", "answered_within_target_count")
    durations = ("handle_time_ms", "interacting_ms", "on_queue_status_ms")

    def partner_checks() -> list[Expectation]:
        return [
            *not_null("partner_name", "time_zone"),
            *non_negative(*counts, *durations, "handle_time_count", "aht_seconds"),
            *percent("occupancy_pct", "service_level_pct"),
            *at_most("interacting_ms", "on_queue_status_ms"),
            # a contact is offered in one interval and may be answered in the next
            *at_most("handled_count", "offered_count", severity=WARNING),
            *at_most("answered_within_target_count", "offered_count", severity=WARNING),
        ]

    return [
        TableSuite(
            "marts.bpo_interval_metrics",
            ("partner_interval_id",),
            [
                *key("partner_interval_id"),
                *key("division_id", "interval_start_utc"),
                *partner_checks(),
                *at_most("interval_start_utc", "interval_end_utc"),
            ],
        ),
        TableSuite(
            "marts.bpo_daily_metrics",
            ("partner_day_id",),
            [*key("partner_day_id"), *key("division_id", "local_date"), *partner_checks()],
        ),
        TableSuite(
            "marts.bpo_agent_daily_metrics",
            ("partner_agent_day_id",),
            [
                *key("partner_agent_day_id"),
                *key("division_id", "local_date", "agent_key"),
                *not_null("partner_name"),
                *non_negative("handled_count", "aht_seconds", *durations),
                *percent("occupancy_pct"),
                *at_most("interacting_ms", "on_queue_status_ms"),
            ],
        ),
        TableSuite(
            "marts.bpo_partner_quality_daily",
            ("partner_quality_day_id",),
            [
                *key("partner_quality_day_id"),
                *not_null("partner_name"),
                *non_negative("contacts", "qa_scored_contacts", "csat_responses", "scheduled_seconds"),
                *at_most("qa_scored_contacts", "contacts"),
                *percent("avg_qa_score", "avg_csat_score", "adherence_pct"),
            ],
        ),
        TableSuite(
            "marts.bpo_metric_labels",
            ("metric_id",),
            [
                *key("metric_id"),
                *not_null("business_label"),
                *accepted("unit", ("count", "seconds", "percent")),
            ],
        ),
    ]


@dataclass(frozen=True)
class ValidationPlan:
    """What one validation run checks: table suites (in order), measures, reconciliation."""

    suites: list[TableSuite]
    measures: list[Measure]
    reconciliation: list[Expectation]


def default_plan() -> ValidationPlan:
    """cxlake's suites, built fresh for each run (GX attaches ids to expectation objects)."""
    return ValidationPlan(table_suites(), measures(), reconciliation())


def table_suites() -> list[TableSuite]:
    """Every table suite, raw first (the extraction window is measured on raw data), without the
    expectations a dbt test already makes on the same model (``dbt_tests.rechecks_dbt``)."""
    raw = [raw_suite(spec) for spec in TABLES.values()]
    schemas = sorted({spec.schema for spec in TABLES.values()})
    quarantine = [quarantine_suite(schema) for schema in schemas]
    suites = raw + quarantine + [extraction_log_suite()] + staging_suites() + mart_suites()
    return [without_dbt_rechecks(suite) for suite in suites]


def without_dbt_rechecks(suite: TableSuite) -> TableSuite:
    """``suite`` minus every expectation that repeats a dbt test of its model."""
    kept = [e for e in suite.expectations if not rechecks_dbt(suite.relation, e)]
    return replace(suite, expectations=kept)


def measures() -> list[Measure]:
    """Counts taken on the relations in DuckDB, for the reconciliation suite."""
    return [
        Measure(
            "raw_conversations",
            "raw_genesys.conversations",
            ("conversation_id",),
            sql=_distinct("conversation_id"),
        ),
        Measure(
            "raw_conversation_ids_checksum",
            "raw_genesys.conversations",
            ("conversation_id",),
            sql=_checksum("conversation_id"),
        ),
        Measure(
            "staged_conversations", "staging.stg_genesys__conversations", ("conversation_id",), sql=_ROWS
        ),
        Measure("unified_interactions", "marts.unified_interactions", ("conversation_id",), sql=_ROWS),
        Measure(
            "unified_conversation_ids_checksum",
            "marts.unified_interactions",
            ("conversation_id",),
            sql=_checksum("conversation_id"),
        ),
        *_bpo_measures(),
        # Adherence results: every raw result (one per unit, agent and day) reaches the mart.
        Measure(
            "raw_adherence_results", "raw_genesys.historical_adherence", ("management_unit_id",), sql=_ROWS
        ),
        Measure("mart_adherence_days", "marts.agent_adherence_daily", ("agent_adherence_day_id",), sql=_ROWS),
    ]


def _sum(column: str) -> str:
    return f"select coalesce(sum({_quoted(column)}), 0) from {{relation}}"


def _bpo_measures() -> list[Measure]:
    """Daily partner metrics are sums of the interval ones: the totals must agree."""
    return [
        Measure(f"bpo_{grain}_{column}", f"marts.bpo_{grain}_metrics", (column,), sql=_sum(column))
        for grain in ("interval", "daily")
        for column in ("offered_count", "handled_count")
    ]


def reconciliation() -> list[Expectation]:
    """How the measures must relate: raw -> staging -> marts, nothing lost or duplicated."""
    pairs = [
        ("raw_conversations", "staged_conversations"),
        ("staged_conversations", "unified_interactions"),
        ("raw_conversation_ids_checksum", "unified_conversation_ids_checksum"),
        ("bpo_interval_offered_count", "bpo_daily_offered_count"),
        ("bpo_interval_handled_count", "bpo_daily_handled_count"),
        ("raw_adherence_results", "mart_adherence_days"),
    ]
    return [
        with_severity(gxe.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b), "critical")
        for a, b in pairs
    ]
