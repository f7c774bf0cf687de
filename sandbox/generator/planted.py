"""The planted facts of the generated tenant, as written to ``manifest.json`` under ``planted``.

Each fact is computed from the records as written (the tallies the generator kept while
writing them), never from the probabilities that shaped them; tests and dashboards compare
cxlake's figures with these. One function per fact, grouped by the use case that shows it:
unified CX (escalations and CRM links), campaign KPIs (connect rates, goals), supervisor
(skill-group utilization) and journeys (scorecards, funnels). Quality and WFM facts come
from ``sandbox.generator.quality`` and ``sandbox.generator.wfm``.
"""

from __future__ import annotations

from typing import Any

from sandbox.generator.agents import Timelines
from sandbox.generator.conversations import BASE_ESCALATION, ENTERPRISE_AFTER_RELEASE, Truth
from sandbox.generator.journey import JourneyFacts
from sandbox.generator.org import (
    CAMPAIGNS,
    GOALS,
    QUEUES,
    VOICEMAIL_CAMPAIGN,
    SkillGroup,
    group_by_name,
    org_id,
)
from sandbox.generator.outbound import OutboundBook
from sandbox.generator.timestamps import iso_z

ENDED_LINKED = "ended linked conversations (customer participant attributes present and conversationEnd set)"


def planted_facts(
    truth: Truth,
    timelines: Timelines,
    book: OutboundBook,
    journey: JourneyFacts,
    release_ms: int,
    linked_share: float,
) -> dict[str, Any]:
    """The conversation, outbound, skill-group and journey facts, in manifest order."""
    utilization = skill_group_utilization(timelines)
    return {
        "enterprise_escalation_after_release": enterprise_escalation_after_release(truth, release_ms),
        "voicemail_drags_connect_rate": voicemail_drags_connect_rate(book),
        "unmapped_skill_group": unmapped_skill_group(utilization),
        "scorecard_retrain": scorecard_retrain(journey),
        "unlinked_share": unlinked_share(truth, linked_share),
        "escalation_rate_by_tier": escalation_rate_by_tier(truth),
        "connect_rate_by_campaign": connect_rate_by_campaign(book),
        "skill_group_utilization": {
            "description": (
                "Per skill group, summed over its members' routing-status intervals (period-clipped): "
                "interacting_ms = INTERACTING, on_queue_ms = IDLE + INTERACTING + COMMUNICATING + "
                "NOT_RESPONDING, utilization_pct = 100 * interacting_ms / on_queue_ms."
            ),
            "groups": utilization,
        },
        "journey_funnel_example": journey_funnel_example(journey),
        "disposition_goal_map": disposition_goal_map(book),
    }


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


# --- unified CX: escalations and CRM links -------------------------------------------------


def enterprise_escalation_after_release(truth: Truth, release_ms: int) -> dict[str, Any]:
    before = {tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.before_release.items()}
    after = {tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.after_release.items()}
    return {
        "description": (
            "Escalation rate of Enterprise-tier customers rises markedly on and after the product "
            f"release date. Over {ENDED_LINKED}, split by conversationStart < or >= release_date "
            "(UTC), tier = the account's Account_Tier__c in force at conversationStart (from "
            "AccountHistory), escalated = participant attribute escalated == 'true'."
        ),
        "release_date": iso_z(release_ms)[:10],
        "release_name": "Release 26.10",
        "tier": "Enterprise",
        "before": before["Enterprise"],
        "after": after["Enterprise"],
        "by_tier_before": before,
        "by_tier_after": after,
        "generator_probabilities": {
            "base": BASE_ESCALATION,
            "enterprise_after_release": ENTERPRISE_AFTER_RELEASE,
        },
    }


def escalation_rate_by_tier(truth: Truth) -> dict[str, Any]:
    return {
        "description": (
            f"Escalations / total per tier over {ENDED_LINKED}, tier in force at conversationStart."
        ),
        "tiers": {
            tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.escalation_by_tier.items()
        },
    }


def unlinked_share(truth: Truth, linked_share: float) -> dict[str, Any]:
    return {
        "description": (
            "Conversations with no CRM link: no participant attributes (no sfAccountId) on the "
            "customer participant; all conversations in the files count, in-flight included."
        ),
        "conversations": truth.conversations,
        "linked": truth.linked,
        "unlinked": truth.conversations - truth.linked,
        "unlinked_share": rate(truth.conversations - truth.linked, truth.conversations),
        "configured_linked_share": linked_share,
    }


# --- campaign KPIs: connect rates and goals ------------------------------------------------


def voicemail_drags_connect_rate(book: OutboundBook) -> dict[str, Any]:
    voicemail = next(t for t in book.tallies.values() if t.campaign.name == VOICEMAIL_CAMPAIGN)
    others = [t for t in book.tallies.values() if t.campaign.name != VOICEMAIL_CAMPAIGN]
    return {
        "description": (
            "One campaign dials at hours when answering machines pick up: its connect rate "
            "(connected / contacted, connected = dispositionName callable.person, voicemail = "
            "callable.machine, contacted = dial attempts) is far below the others', "
            "while excluding voicemail from the denominator brings it close to them."
        ),
        "campaign_id": voicemail.campaign.id,
        "campaign_name": voicemail.campaign.name,
        "contacted": voicemail.contacted,
        "connected": voicemail.connected,
        "voicemail": voicemail.voicemail,
        "connect_rate": rate(voicemail.connected, voicemail.contacted),
        "connect_rate_excluding_voicemail": rate(
            voicemail.connected, voicemail.contacted - voicemail.voicemail
        ),
        "other_campaigns_connect_rate": rate(
            sum(t.connected for t in others), sum(t.contacted for t in others)
        ),
    }


def connect_rate_by_campaign(book: OutboundBook) -> dict[str, Any]:
    campaigns = {}
    for tally in book.tallies.values():
        campaigns[tally.campaign.id] = {
            "campaign_name": tally.campaign.name,
            "status": tally.campaign.status,
            "contacted": tally.contacted,
            "connected": tally.connected,
            "voicemail": tally.voicemail,
            "connect_rate": rate(tally.connected, tally.contacted),
            "connect_rate_excluding_voicemail": rate(tally.connected, tally.contacted - tally.voicemail),
            "right_party_contacts": tally.right_party,
            "sales": tally.sales,
            "skipped_previews": tally.skipped_previews,
        }
    return {
        "description": (
            "Per outbound campaign: contacted = dial attempts (conversations with outboundCampaignId "
            "and a dialing segment; a preview the agent skipped, wrap-up ININ-OUTBOUND-PREVIEW-SKIPPED, "
            "is not one), connected = callable.person, voicemail = callable.machine, over every "
            "conversation in the files."
        ),
        "campaigns": campaigns,
    }


def disposition_goal_map(book: OutboundBook) -> dict[str, Any]:
    return {
        "description": (
            "Outbound wrap-up code -> campaign goal. Conversion events for goal "
            "goal_purchase_001 are keyed by the outboundContactId of the live-voice Sale call; "
            "a few are orphaned (unknown contactId) and a few are re-sent duplicates sharing "
            "data.metadata.transactionId."
        ),
        "mapping": [
            {
                "wrapup_code_id": org_id("wrapupcode", wrapup),
                "wrapup_code_name": wrapup,
                "goal_id": goal_id,
                "goal_name": goal_name,
            }
            for wrapup, goal_id, goal_name in GOALS
        ],
        "conversion_events": book.goal_events,
        "orphaned_events": book.orphans,
        "duplicate_events": book.duplicates,
    }


# --- supervisor: skill-group utilization ---------------------------------------------------


def skill_group_utilization(timelines: Timelines) -> dict[str, dict[str, Any]]:
    """Per skill group id: interacting and on-queue milliseconds and their ratio."""
    groups = group_by_name()
    utilization = {}
    for name, totals in timelines.totals.items():
        utilization[groups[name].id] = {
            "skill_group_name": name,
            "interacting_ms": totals.interacting_ms,
            "on_queue_ms": totals.on_queue_ms,
            "utilization_pct": round(100 * totals.interacting_ms / totals.on_queue_ms, 2)
            if totals.on_queue_ms
            else None,
        }
    return utilization


def unmapped_skill_group(utilization: dict[str, dict[str, Any]]) -> dict[str, Any]:
    groups = group_by_name()
    campaign = next(c for c in CAMPAIGNS if c.intended_group)
    assert campaign.intended_group is not None
    unmapped = groups[campaign.intended_group]
    mapped: list[SkillGroup] = [
        groups[name] for name in next(q for q in QUEUES if q.name == campaign.queue).member_groups
    ]
    return {
        "description": (
            "The agents meant to work a campaign sit in a skill group that is not in the campaign "
            "queue's memberGroups: they are on queue but receive no campaign contacts, so their "
            "utilization is ~0 while the mapped group's is not (utilization_pct per contract: "
            "100 * INTERACTING / (IDLE + INTERACTING + COMMUNICATING + NOT_RESPONDING) ms over the "
            "whole period, routing-status intervals of the group's members)."
        ),
        "skill_group_id": unmapped.id,
        "skill_group_name": unmapped.name,
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "queue_id": org_id("queue", campaign.queue),
        "queue_name": campaign.queue,
        "queue_member_group_ids": [group.id for group in mapped],
        "utilization_pct": utilization[unmapped.id]["utilization_pct"],
        "mapped_group_utilization_pct": {
            group.id: utilization[group.id]["utilization_pct"] for group in mapped
        },
    }


# --- journeys: scorecards and funnels ------------------------------------------------------


def scorecard_retrain(journey: JourneyFacts) -> dict[str, Any]:
    return {
        "description": (
            "A scorecard was retrained during the period: its modelVersion moved v1 -> v2 at "
            "retrained_at and v2 restates every day of the period; v1 rows stay in the files. "
            "Precision/recall of one example day are given per version."
        ),
        **journey.retrain,
    }


def journey_funnel_example(journey: JourneyFacts) -> dict[str, Any]:
    return {
        "description": "Steps of one Predictive Engagement campaign on one UTC day (campaign_analytics).",
        **journey.funnel_example,
    }
