"""Who a dashboard is for, and what each audience may read.

Audience rules are enforced in the data read: a dashboard never asks for a column
by itself, it reads exactly the columns listed here for its audience (the SQL
select list), and partner audiences add a ``where division_id = ?`` filter. A column
that is not listed is never read, so it cannot leak into the HTML.

What a role may see at the interaction level is defined once, by its role view in the
marts (``ROLE_VIEWS``, dbt models ``supervisor_interactions`` / ``finance_interactions``):
the role-specific figures (per-tier customer LTV) are read from the role's own view, so
a column the view leaves out is never shown to that role, and no Python list restates it.

- ``internal``: everything the dashboards show.
- ``supervisor``: its role view (no LTV, revenue or pipeline); no write-back ``event_value``.
- ``finance``: its role view (no agent identity); agent-level marts are not read.
- ``bpo:<division>``: only the BPO dashboard, only that partner's rows, no PII.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERNAL = "internal"
SUPERVISOR = "supervisor"
FINANCE = "finance"
BPO = "bpo"
KINDS = (INTERNAL, SUPERVISOR, FINANCE, BPO)
ROLE_VIEWS = {SUPERVISOR: "supervisor_interactions", FINANCE: "finance_interactions"}
"""The marts view each role reads interaction-level figures from; what it omits, the role never sees."""

CAMPAIGNS = "campaigns"
SUPERVISOR_VIEW = "supervisor"
UNIFIED_CX = "unified_cx"
JOURNEYS = "journeys"
BPO_PARTNER = "bpo_partner"

_ALL_DASHBOARDS = (CAMPAIGNS, SUPERVISOR_VIEW, UNIFIED_CX, JOURNEYS, BPO_PARTNER)
DASHBOARDS: dict[str, tuple[str, ...]] = {
    INTERNAL: _ALL_DASHBOARDS,
    SUPERVISOR: _ALL_DASHBOARDS,
    FINANCE: _ALL_DASHBOARDS,
    BPO: (BPO_PARTNER,),
}

_CAMPAIGN_KPIS = (
    "campaign_id",
    "campaign_name",
    "interval_start_at",
    "contacted",
    "connected",
    "voicemail_count",
    "goal_completions",
    "connect_rate",
    "is_carried_forward",
    "rolling_connect_rate",
    "is_rolling_carried_forward",
    "voicemail_counts_as_connect",
)
_AGENT_UTILIZATION = (
    "group_type",
    "group_id",
    "group_name",
    "interval_start_at",
    "agents_on_queue",
    "inactive_licence_agents",
    "utilization_numerator_ms",
    "utilization_denominator_ms",
    "utilization_pct",
)
_CAPACITY = (
    "campaign_id",
    "campaign_name",
    "interval_start_at",
    "group_type",
    "group_id",
    "group_name",
    "is_mapped_to_campaign",
    "has_handled_campaign_calls",
    "contacted",
    "agents_on_queue",
    "inactive_licence_agents",
    "utilization_numerator_ms",
    "utilization_denominator_ms",
)
_ESCALATION_BY_TIER = (
    "customer_tier",
    "total_contacts",
    "escalations",
    "escalation_rate_pct",
    "avg_handle_time_minutes",
    "avg_qa_score",
    "qa_scored_contacts",
    "avg_csat_score",
    "csat_responses",
    "nps",
    "window_start_date",
    "as_of_date",
)
_ESCALATION_WEEKLY = (
    "week_start_date",
    "customer_tier",
    "total_contacts",
    "escalations",
    "escalation_rate_pct",
    "latest_release_name",
    "latest_release_date",
)
_BOT_CONTAINMENT = (
    "industry",
    "total_contacts",
    "bot_containment_pct",
    "abandon_rate_pct",
    "window_start_date",
    "as_of_date",
)
_CRM_JOIN_AUDIT = (
    "audit_level",
    "audit_key",
    "conversation_count",
    "linked_count",
    "unlinked_share_pct",
    "unlinked_warn_pct",
    "unlinked_error_pct",
)
_JOURNEY = (
    "campaign_id",
    "extraction_date",
    "step_id",
    "step_name",
    "step_sequence",
    "model_version",
    "contact_count",
    "precision",
    "recall",
    "f1_score",
    "pending_backfill",
)
_JOURNEY_CAMPAIGN = ("campaign_id", "campaign_name", "status", "current_model_version", "retrained_at")
_BPO_INTERVAL = (
    "division_id",
    "partner_name",
    "time_zone",
    "interval_start_local",
    "offered_count",
    "handled_count",
    "aht_seconds",
    "occupancy_pct",
    "service_level_pct",
)
_BPO_DAILY = (
    "division_id",
    "partner_name",
    "time_zone",
    "local_date",
    "offered_count",
    "handled_count",
    "aht_seconds",
    "occupancy_pct",
    "service_level_pct",
)
_BPO_LABELS = ("metric_id", "business_label", "unit")
_BPO_QUALITY = (
    "division_id",
    "partner_name",
    "metric_date",
    "avg_qa_score",
    "qa_scored_contacts",
    "avg_csat_score",
    "csat_responses",
    "scheduled_agents",
    "adherence_pct",
    "conformance_pct",
)
# Adherence per management unit and day, read without agent identity (summed in the dashboard).
_ADHERENCE_DAILY = (
    "management_unit_id",
    "management_unit_name",
    "adherence_date",
    "scheduled_seconds",
    "exception_seconds",
    "scheduled_on_queue_seconds",
    "actual_on_queue_seconds",
)
_SKILL_GROUP_ADHERENCE = (
    "skill_group_id",
    "skill_group_name",
    "interval_start_at",
    "scheduled_seconds",
    "exception_seconds",
    "adherence_pct",
)

_SHARED_MARTS: dict[str, tuple[str, ...]] = {
    "campaign_kpis": _CAMPAIGN_KPIS,
    "agent_utilization": _AGENT_UTILIZATION,
    "supervisor_campaign_capacity": _CAPACITY,
    "escalation_weekly_by_tier": _ESCALATION_WEEKLY,
    "bot_containment_by_industry": _BOT_CONTAINMENT,
    "crm_join_audit": _CRM_JOIN_AUDIT,
    "fact_predictive_journey": _JOURNEY,
    "dim_predictive_campaign": _JOURNEY_CAMPAIGN,
    "bpo_interval_metrics": _BPO_INTERVAL,
    "bpo_daily_metrics": _BPO_DAILY,
    "bpo_metric_labels": _BPO_LABELS,
    "bpo_partner_quality_daily": _BPO_QUALITY,
    "agent_adherence_daily": _ADHERENCE_DAILY,
    "skill_group_adherence_by_interval": _SKILL_GROUP_ADHERENCE,
}

_WRITEBACK_EXCEPTIONS = (
    "transaction_id",
    "exception_kind",
    "reason",
    "goal_id",
    "occurred_at",
    "campaign_id",
)

ALLOWED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    INTERNAL: {
        **_SHARED_MARTS,
        "escalation_by_tier": (*_ESCALATION_BY_TIER, "avg_customer_ltv"),
        "conversion_writeback_exceptions": (*_WRITEBACK_EXCEPTIONS, "event_value"),
    },
    # the roles' per-tier LTV comes from their role view (ROLE_VIEWS), not from escalation_by_tier
    SUPERVISOR: {
        **_SHARED_MARTS,
        "escalation_by_tier": _ESCALATION_BY_TIER,
        "conversion_writeback_exceptions": _WRITEBACK_EXCEPTIONS,
    },
    FINANCE: {
        **_SHARED_MARTS,
        "escalation_by_tier": _ESCALATION_BY_TIER,
        "conversion_writeback_exceptions": (*_WRITEBACK_EXCEPTIONS, "event_value"),
    },
    BPO: {
        "bpo_interval_metrics": _BPO_INTERVAL,
        "bpo_daily_metrics": _BPO_DAILY,
        "bpo_metric_labels": _BPO_LABELS,
        "bpo_partner_quality_daily": _BPO_QUALITY,
    },
}
"""Per audience kind, per mart: the exact columns read. A mart not listed is not readable
(a role's own view is read through ``MartReader.read_role_view``: the view is its allow-list)."""

PARTNER_KEY = "division_id"
PARTNER_SCOPED_MARTS = frozenset({"bpo_interval_metrics", "bpo_daily_metrics", "bpo_partner_quality_daily"})
"""Marts whose rows belong to one partner: a partner audience reads them ``where division_id = ?``.
Any other mart a partner may read (metric labels) holds no partner rows at all."""


class AudienceError(ValueError):
    """An audience string that is not one of the supported forms."""


@dataclass(frozen=True)
class Audience:
    """A parsed ``--audience`` value. ``partner`` is the raw text after ``bpo:``."""

    kind: str
    partner: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.partner}" if self.partner else self.kind

    @property
    def dashboards(self) -> tuple[str, ...]:
        return DASHBOARDS[self.kind]

    @property
    def role_view(self) -> str | None:
        """The marts view holding what this role may see per interaction (None: no role view)."""
        return ROLE_VIEWS.get(self.kind)

    def columns(self, mart: str) -> tuple[str, ...]:
        """The columns this audience reads from ``mart``; ``PermissionError`` if none."""
        allowed = ALLOWED_COLUMNS[self.kind].get(mart)
        if allowed is None:
            raise PermissionError(f"audience '{self.label}' may not read mart '{mart}'")
        return allowed


def parse_audience(value: str) -> Audience:
    """Parse ``internal``, ``supervisor``, ``finance`` or ``bpo:<division id or partner name>``."""
    text = value.strip()
    if text.lower().startswith(f"{BPO}:"):
        partner = text[len(BPO) + 1 :].strip()
        if not partner:
            raise AudienceError(f"audience '{value}': give the partner after 'bpo:' (division id or name)")
        return Audience(BPO, partner)
    if text.lower() in (INTERNAL, SUPERVISOR, FINANCE):
        return Audience(text.lower())
    raise AudienceError(
        f"unknown audience '{value}': expected internal, supervisor, finance or bpo:<division>"
    )
