"""``cxlake sandbox generate``: a deterministic synthetic Genesys / Journey / Salesforce tenant.

Writes ``DIR/<source>/<resource>/part-NNNNN.ndjson`` (contract section 2) and
``DIR/manifest.json`` (section 3) with counts, totals and the planted facts,
each computed from the records as written. Same seed and options give
byte-identical files: every random draw comes from ``random.Random`` instances
seeded from ``seed``, and no wall-clock value is written anywhere.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from sandbox.generator.agents import IDLE, INTERACTING, OFF_QUEUE, Router, Timelines
from sandbox.generator.contact_lists import write_contact_lists
from sandbox.generator.conversations import (
    BASE_ESCALATION,
    DEFAULT_LINKED_SHARE,
    ENTERPRISE_AFTER_RELEASE,
    SHAPES,
    Simulator,
    Truth,
)
from sandbox.generator.crm import CRM_FIELDS, account_count, generate_crm
from sandbox.generator.journey import JourneyFacts, generate_journey
from sandbox.generator.org import (
    CAMPAIGNS,
    DIVISIONS,
    GOALS,
    HOME_TIME_ZONE,
    QUEUES,
    VOICEMAIL_CAMPAIGN,
    build_org_records,
    configured_ms,
    group_by_name,
    org_id,
)
from sandbox.generator.outbound import OutboundBook
from sandbox.generator.output import TenantWriter
from sandbox.generator.quality import QualityBook
from sandbox.generator.timestamps import DAY_MS, date_to_ms, iso_z
from sandbox.generator.users import Staff, generate_users, queue_member_counts
from sandbox.generator.wfm import generate_wfm
from sandbox.generator.wfm import planted as wfm_planted

GENERATOR_VERSION = 1
SCALES = {"demo": 20_000, "small": 4_000}
SOURCES = ("genesys", "predictive_engagement", "salesforce")
RELEASE_FRACTION = 0.5
UNKNOWN_USER_FIELD = {
    "source": "genesys",
    "resource": "users",
    "field": "workforceProfileId",
    "value": "wfp-2026-beta",
}


def resolve_scale(scale: str | int) -> int:
    """Number of conversations for ``demo``, ``small`` or an integer (also as a string)."""
    if isinstance(scale, int):
        value = scale
    elif scale in SCALES:
        value = SCALES[scale]
    elif isinstance(scale, str) and scale.isdigit():
        value = int(scale)
    else:
        raise ValueError(f"scale: expected 'demo', 'small' or a number of conversations, got {scale!r}")
    if value < 100:
        raise ValueError(f"scale: at least 100 conversations are needed, got {value}")
    return value


def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"cxlake:{seed}:{purpose}")


def generate(
    out_dir: Path,
    seed: int = 42,
    days: int = 28,
    start: date = date(2026, 10, 1),
    scale: str | int = "demo",
    linked_share: float = DEFAULT_LINKED_SHARE,
    crm_fields: str = "custom",
) -> dict[str, Any]:
    """Write a tenant into ``out_dir`` and return its manifest (also written to ``manifest.json``).

    ``linked_share`` is the probability that a conversation carries CRM participant attributes.
    ``crm_fields``: ``custom`` (Account_Tier__c / Customer_LTV_USD__c), ``renamed`` (the same
    data as Tier__c / Lifetime_Value__c) or ``absent`` (an org without tier / LTV fields; the
    ground truth then counts every linked conversation under tier ``Unknown``).
    """
    if crm_fields not in CRM_FIELDS:
        raise ValueError(f"crm_fields: expected one of {', '.join(CRM_FIELDS)}, got {crm_fields!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    if isinstance(start, datetime) or not isinstance(start, date):
        raise ValueError(f"start: expected a date (UTC day), got {start!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 2:
        raise ValueError(f"days: expected an integer of at least 2, got {days!r}")
    if not 0.0 <= linked_share <= 1.0:
        raise ValueError(f"linked_share: expected a share between 0 and 1, got {linked_share}")
    n_target = resolve_scale(scale)
    scale_factor = n_target / SCALES["demo"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        shutil.rmtree(out_dir / source, ignore_errors=True)
    period_start = date_to_ms(start)
    period_end = period_start + days * DAY_MS
    release_ms = period_start + round(days * RELEASE_FRACTION) * DAY_MS
    configured = configured_ms(period_start)
    out = TenantWriter(out_dir)

    crm = generate_crm(
        out, _rng(seed, "crm"), seed, account_count(scale_factor), period_start, period_end, crm_fields
    )
    tier_field, ltv_field = CRM_FIELDS[crm_fields]
    staff = generate_users(out, _rng(seed, "users"), n_target, period_start, days)
    members, joined = queue_member_counts(staff)
    group_sizes = {name: len(agents) for name, agents in staff.members.items()}
    org = build_org_records(configured, group_sizes, members, joined)
    for resource in (
        "divisions",
        "skills",
        "wrapup_codes",
        "presence_definitions",
        "queues",
        "skill_groups",
        "campaigns",
    ):
        out.write_all("genesys", resource, getattr(org, resource))

    timelines = Timelines(
        out.writer("genesys", "user_routing_statuses"),
        out.writer("genesys", "user_presences"),
        period_start,
        period_end,
    )
    router = Router(staff.agents)
    book = OutboundBook(
        _rng(seed, "outbound"),
        seed,
        {c.name: n_target * c.share for c in CAMPAIGNS},
        out.writer("genesys", "conversion_events"),
        period_end,
    )
    quality = QualityBook(_rng(seed, "quality"), release_ms, period_end)
    simulator = Simulator(
        rng=_rng(seed, "conversations"),
        n_target=n_target,
        linked_share=linked_share,
        period_start_ms=period_start,
        days=days,
        release_ms=release_ms,
        crm=crm.index,
        router=router,
        timelines=timelines,
        outbound=book,
        conversations=out.writer("genesys", "conversations"),
        tier_visible=tier_field is not None,
        quality=quality,
    )
    truth = simulator.run()
    end_status = {agent.user_id: timelines.status_at_end(agent) for agent in staff.agents}
    for agent in staff.agents:
        timelines.finish(agent)
    book.write_orphans(period_start)
    out.write_all("genesys", "queue_observations", _queue_observations(truth, staff, end_status))
    out.write_all("genesys", "campaign_progress", book.progress_records())
    out.write_all("genesys", "campaign_stats", book.stats_records(_idle_per_campaign(staff, end_status)))
    journey = generate_journey(out, _rng(seed, "journey"), scale_factor, period_start, days, configured)
    wfm = generate_wfm(out, _rng(seed, "wfm"), staff.agents, period_start, days)
    counts = out.close()
    counts.setdefault("genesys", {})["contact_list_contacts"] = write_contact_lists(out_dir)

    bad_rng = _rng(seed, "faults")
    manifest: dict[str, Any] = {
        "generator": {
            "version": GENERATOR_VERSION,
            "seed": seed,
            "start": start.isoformat(),
            "days": days,
            "scale": scale if isinstance(scale, str) else str(scale),
            "conversations_target": n_target,
            "linked_share": linked_share,
            "crm_fields": crm_fields,
        },
        "period": {"start": iso_z(period_start), "end": iso_z(period_end)},
        "data_availability_date": iso_z(period_end),
        "org": {
            "home_time_zone": HOME_TIME_ZONE,
            "salesforce_tier_field": tier_field,
            "salesforce_ltv_field": ltv_field,
        },
        "counts": {
            **{source: counts.get(source, {}) for source in SOURCES},
            "salesforce_deleted": crm.deleted,
        },
        "totals": {
            "genesys": {
                "sum_t_handle_ms": truth.sum_t_handle_ms,
                "conversations_in_flight": truth.in_flight,
                "conversations_with_attributes": truth.linked,
                "linked_conversations": truth.linked,
                "conversations_by_kind": dict(sorted(truth.kinds.items())),
                "abandoned_in_queue": truth.abandoned,
                "bot_contained": truth.bot_contained,
                "transferred_to_tier2": truth.transferred,
                **{name: truth.shapes.get(name, 0) for name in SHAPES},
            },
            "salesforce": {"account_tier_changes": crm.tier_changes},
            "quality": quality.manifest_totals(),
        },
        "partners": [
            {
                "division_id": division.id,
                "division_name": division.name,
                "partner_name": division.partner_name,
                "time_zone": division.time_zone,
            }
            for division in DIVISIONS
            if division.partner_name
        ],
        "planted": {
            **_planted(truth, timelines, book, journey, release_ms, linked_share),
            **quality.planted(iso_z(release_ms)[:10]),
            **wfm_planted(wfm, period_start),
        },
        "faults": {
            "hostile": {
                "bad_records": [
                    {
                        "source": "genesys",
                        "resource": "conversations",
                        "key": simulator.first_ended_ids[bad_rng.randrange(len(simulator.first_ended_ids))],
                        "field": "conversationStart",
                        "reason": "unparseable timestamp",
                    },
                    {
                        "source": "salesforce",
                        "resource": "cases",
                        "key": crm.referencable_case_ids[bad_rng.randrange(len(crm.referencable_case_ids))],
                        "field": "SystemModstamp",
                        "reason": "unparseable timestamp",
                    },
                    {
                        "source": "predictive_engagement",
                        "resource": "campaign_analytics",
                        "key": journey.bad_step,
                        "field": "steps[1].stepId",
                        "reason": "missing stepId",
                    },
                ],
                "archived_campaign_id": journey.archived_campaign_id,
                "unknown_fields": [UNKNOWN_USER_FIELD],
            }
        },
    }
    (out_dir / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def _queue_observations(truth: Truth, staff: Staff, end_status: dict[str, str]) -> list[dict[str, Any]]:
    """One observations-query result per queue and media type, as seen at the end of the period."""
    records = []
    for queue in QUEUES:
        agents = [agent for group in queue.member_groups for agent in staff.members[group]]
        statuses = [end_status[agent.user_id] for agent in agents if agent.user_id not in staff.unlicensed]
        for media in queue.media:
            observed = truth.observed.get((queue.id, media), {"oWaiting": 0, "oInteracting": 0})
            data = [
                {"metric": "oWaiting", "stats": {"count": observed["oWaiting"]}},
                {"metric": "oInteracting", "stats": {"count": observed["oInteracting"]}},
                {"metric": "oOnQueueUsers", "qualifier": IDLE, "stats": {"count": statuses.count(IDLE)}},
                {
                    "metric": "oOnQueueUsers",
                    "qualifier": INTERACTING,
                    "stats": {"count": statuses.count(INTERACTING)},
                },
                {"metric": "oOffQueueUsers", "stats": {"count": statuses.count(OFF_QUEUE)}},
                {"metric": "oActiveUsers", "stats": {"count": len(statuses)}},
                {"metric": "oMemberUsers", "stats": {"count": len(agents)}},
            ]
            records.append({"group": {"queueId": queue.id, "mediaType": media}, "data": data})
    return records


def _idle_per_campaign(staff: Staff, end_status: dict[str, str]) -> dict[str, int]:
    queues = {queue.name: queue for queue in QUEUES}
    return {
        campaign.name: sum(
            end_status[agent.user_id] == IDLE
            for group in queues[campaign.queue].member_groups
            for agent in staff.members[group]
        )
        for campaign in CAMPAIGNS
    }


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _planted(
    truth: Truth,
    timelines: Timelines,
    book: OutboundBook,
    journey: JourneyFacts,
    release_ms: int,
    linked_share: float,
) -> dict[str, Any]:
    ended_linked = (
        "ended linked conversations (customer participant attributes present and conversationEnd set)"
    )
    by_tier = {
        tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.escalation_by_tier.items()
    }
    before = {tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.before_release.items()}
    after = {tier: ratio.as_dict("escalations", "total") for tier, ratio in truth.after_release.items()}
    campaigns = {}
    for tally in book.tallies.values():
        campaigns[tally.campaign.id] = {
            "campaign_name": tally.campaign.name,
            "status": tally.campaign.status,
            "contacted": tally.contacted,
            "connected": tally.connected,
            "voicemail": tally.voicemail,
            "connect_rate": _rate(tally.connected, tally.contacted),
            "connect_rate_excluding_voicemail": _rate(tally.connected, tally.contacted - tally.voicemail),
            "right_party_contacts": tally.right_party,
            "sales": tally.sales,
            "skipped_previews": tally.skipped_previews,
        }
    voicemail = next(t for t in book.tallies.values() if t.campaign.name == VOICEMAIL_CAMPAIGN)
    others = [t for t in book.tallies.values() if t.campaign.name != VOICEMAIL_CAMPAIGN]
    other_contacted = sum(t.contacted for t in others)
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
    unmapped_campaign = next(c for c in CAMPAIGNS if c.intended_group)
    assert unmapped_campaign.intended_group is not None
    unmapped_group = groups[unmapped_campaign.intended_group]
    mapped = [
        groups[name] for name in next(q for q in QUEUES if q.name == unmapped_campaign.queue).member_groups
    ]
    release_date = iso_z(release_ms)[:10]
    return {
        "enterprise_escalation_after_release": {
            "description": (
                "Escalation rate of Enterprise-tier customers rises markedly on and after the product "
                f"release date. Over {ended_linked}, split by conversationStart < or >= release_date "
                "(UTC), tier = the account's Account_Tier__c in force at conversationStart (from "
                "AccountHistory), escalated = participant attribute escalated == 'true'."
            ),
            "release_date": release_date,
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
        },
        "voicemail_drags_connect_rate": {
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
            "connect_rate": _rate(voicemail.connected, voicemail.contacted),
            "connect_rate_excluding_voicemail": _rate(
                voicemail.connected, voicemail.contacted - voicemail.voicemail
            ),
            "other_campaigns_connect_rate": _rate(sum(t.connected for t in others), other_contacted),
        },
        "unmapped_skill_group": {
            "description": (
                "The agents meant to work a campaign sit in a skill group that is not in the campaign "
                "queue's memberGroups: they are on queue but receive no campaign contacts, so their "
                "utilization is ~0 while the mapped group's is not (utilization_pct per contract: "
                "100 * INTERACTING / (IDLE + INTERACTING + COMMUNICATING + NOT_RESPONDING) ms over the "
                "whole period, routing-status intervals of the group's members)."
            ),
            "skill_group_id": unmapped_group.id,
            "skill_group_name": unmapped_group.name,
            "campaign_id": unmapped_campaign.id,
            "campaign_name": unmapped_campaign.name,
            "queue_id": org_id("queue", unmapped_campaign.queue),
            "queue_name": unmapped_campaign.queue,
            "queue_member_group_ids": [group.id for group in mapped],
            "utilization_pct": utilization[unmapped_group.id]["utilization_pct"],
            "mapped_group_utilization_pct": {
                group.id: utilization[group.id]["utilization_pct"] for group in mapped
            },
        },
        "scorecard_retrain": {
            "description": (
                "A scorecard was retrained during the period: its modelVersion moved v1 -> v2 at "
                "retrained_at and v2 restates every day of the period; v1 rows stay in the files. "
                "Precision/recall of one example day are given per version."
            ),
            **journey.retrain,
        },
        "unlinked_share": {
            "description": (
                "Conversations with no CRM link: no participant attributes (no sfAccountId) on the "
                "customer participant; all conversations in the files count, in-flight included."
            ),
            "conversations": truth.conversations,
            "linked": truth.linked,
            "unlinked": truth.conversations - truth.linked,
            "unlinked_share": _rate(truth.conversations - truth.linked, truth.conversations),
            "configured_linked_share": linked_share,
        },
        "escalation_rate_by_tier": {
            "description": (
                f"Escalations / total per tier over {ended_linked}, tier in force at conversationStart."
            ),
            "tiers": by_tier,
        },
        "connect_rate_by_campaign": {
            "description": (
                "Per outbound campaign: contacted = dial attempts (conversations with outboundCampaignId "
                "and a dialing segment; a preview the agent skipped, wrap-up ININ-OUTBOUND-PREVIEW-SKIPPED, "
                "is not one), connected = callable.person, voicemail = callable.machine, over every "
                "conversation in the files."
            ),
            "campaigns": campaigns,
        },
        "skill_group_utilization": {
            "description": (
                "Per skill group, summed over its members' routing-status intervals (period-clipped): "
                "interacting_ms = INTERACTING, on_queue_ms = IDLE + INTERACTING + COMMUNICATING + "
                "NOT_RESPONDING, utilization_pct = 100 * interacting_ms / on_queue_ms."
            ),
            "groups": utilization,
        },
        "journey_funnel_example": {
            "description": "Steps of one Predictive Engagement campaign on one UTC day (campaign_analytics).",
            **journey.funnel_example,
        },
        "disposition_goal_map": {
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
        },
    }
