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
    DEFAULT_LINKED_SHARE,
    SHAPES,
    Simulator,
    Truth,
)
from sandbox.generator.crm import CRM_FIELDS, account_count, generate_crm
from sandbox.generator.journey import generate_journey
from sandbox.generator.org import (
    CAMPAIGNS,
    DEFAULT_DAYS,
    DIVISIONS,
    HOME_TIME_ZONE,
    QUEUES,
    build_org_records,
    configured_ms,
)
from sandbox.generator.outbound import OutboundBook
from sandbox.generator.output import TenantWriter
from sandbox.generator.planted import planted_facts
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
    days: int = DEFAULT_DAYS,
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
            **planted_facts(truth, timelines, book, journey, release_ms, linked_share),
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
