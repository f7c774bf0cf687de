"""Predictive Engagement: the invented campaigns/analytics/scorecards API and the real Journey entities."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sandbox.generator.org import org_id
from sandbox.generator.output import TenantWriter
from sandbox.generator.timestamps import DAY_MS, HOUR_MS, interval, iso_z, iso_z_seconds

SOURCE = "predictive_engagement"

# (stepId, stepName, share of the previous step reaching it, exitReason)
_Step = tuple[str, str, float, str | None]
_SCORED: _Step = ("initial_score", "Lead Scored", 1.0, None)


@dataclass(frozen=True)
class PeCampaign:
    name: str
    status: str  # status now (in the files); analytics stop when it was paused/archived
    daily_contacts: int
    steps: tuple[_Step, ...]
    active_until: float = 1.0  # fraction of the period with analytics

    @property
    def id(self) -> str:
        return org_id("pe-campaign", self.name)

    @property
    def scorecard_id(self) -> str:
        return org_id("scorecard", self.name)

    @property
    def scorecard_name(self) -> str:
        return f"{self.name} Propensity Model"


PE_CAMPAIGNS: tuple[PeCampaign, ...] = (
    PeCampaign(
        "Cart Abandonment Recovery",
        "active",
        1_400,
        (
            _SCORED,
            ("web_offer", "Offer Displayed", 0.62, "ignored"),
            ("chat_engaged", "Chat Engaged", 0.45, "abandoned"),
            ("converted", "Purchase Completed", 0.55, None),
        ),
    ),
    PeCampaign(
        "High-Intent Lead Scoring",
        "active",
        1_100,
        (
            _SCORED,
            ("outbound_call", "Outbound Attempt", 0.72, "no_answer"),
            ("connected", "Agent Connected", 0.47, "disconnected"),
            ("qualified", "Qualified", 0.6, "not_interested"),
            ("converted", "Sale Closed", 0.55, None),
        ),
    ),
    PeCampaign(
        "Renewal Risk Outreach",
        "paused",
        700,
        (
            _SCORED,
            ("risk_flagged", "Churn Risk Flagged", 0.4, None),
            ("outreach_sent", "Outreach Sent", 0.9, "bounced"),
            ("outbound_call", "Outbound Attempt", 0.6, "no_answer"),
            ("connected", "Agent Connected", 0.5, "disconnected"),
            ("renewed", "Renewal Signed", 0.5, None),
        ),
        active_until=0.75,
    ),
    PeCampaign(
        "Webinar Nurture",
        "active",
        900,
        (
            _SCORED,
            ("invite_sent", "Invite Sent", 0.95, "bounced"),
            ("registered", "Registered", 0.3, "not_interested"),
            ("attended", "Attended", 0.55, "no_show"),
            ("converted", "Demo Booked", 0.2, None),
        ),
    ),
    PeCampaign(
        "Spring Promo 2026",
        "archived",
        800,
        (
            _SCORED,
            ("web_offer", "Offer Displayed", 0.7, "ignored"),
            ("clicked", "Offer Clicked", 0.3, None),
            ("converted", "Purchase Completed", 0.4, None),
        ),
        active_until=0.0,
    ),
)
RETRAINED = "High-Intent Lead Scoring"
HOSTILE_ARCHIVED = "Webinar Nurture"
HOSTILE_BAD_STEP = "Cart Abandonment Recovery"
FUNNEL_EXAMPLE = "High-Intent Lead Scoring"

_OUTCOMES = (
    ("Purchase Completed", True),
    ("Demo Requested", True),
    ("Support Article Helpful", True),
    ("Cart Abandoned", False),
)
_SEGMENTS = (
    ("Returning Visitor", "Customer", "#1f77b4"),
    ("High Cart Value", "Session", "#ff7f0e"),
    ("Pricing Page Viewer", "Session", "#2ca02c"),
    ("Mobile Shopper", "Session", "#d62728"),
)
# (name, media, trigger segment, active, daily qualified at demo scale)
_ACTION_MAPS = (
    ("Proactive Chat - Pricing", "webMessagingOffer", "Pricing Page Viewer", True, 420),
    ("Cart Rescue Offer", "contentOffer", "High Cart Value", True, 260),
    ("Returning Visitor Messenger", "webMessagingOffer", "Returning Visitor", True, 380),
    ("Demo Booking Prompt", "contentOffer", "Pricing Page Viewer", True, 150),
    ("Legacy Survey Popup", "contentOffer", "Mobile Shopper", False, 0),
)


@dataclass
class JourneyFacts:
    retrain: dict[str, Any]
    funnel_example: dict[str, Any]
    bad_step: dict[str, Any]
    archived_campaign_id: str


def retrain_day(days: int) -> int:
    return max(1, round(days * 0.64))


def generate_journey(
    out: TenantWriter,
    rng: random.Random,
    scale_factor: float,
    period_start_ms: int,
    days: int,
    configured_ms: int,
) -> JourneyFacts:
    retrain_index = retrain_day(days)
    retrain_ms = period_start_ms + retrain_index * DAY_MS + 2 * HOUR_MS
    volume = max(0.05, scale_factor)
    example: dict[str, Any] = {}
    example_day = min(days - 1, 3)
    precision_day = min(days - 1, max(0, retrain_index - 2))
    retrain: dict[str, Any] = {}
    for campaign in PE_CAMPAIGNS:
        created = configured_ms + 30 * DAY_MS
        modified = (
            period_start_ms + int(campaign.active_until * days) * DAY_MS + 9 * HOUR_MS
            if campaign.status != "active"
            else created
        )
        if campaign.active_until == 0.0:
            modified = period_start_ms - 20 * DAY_MS
        out.writer(SOURCE, "campaigns").write(
            {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "scorecardId": campaign.scorecard_id,
                "createdDate": iso_z_seconds(created),
                "modifiedDate": iso_z_seconds(modified),
            }
        )
        current = "v2" if campaign.name == RETRAINED else "v1"
        out.writer(SOURCE, "scorecards").write(
            {
                "id": campaign.scorecard_id,
                "name": campaign.scorecard_name,
                "campaignId": campaign.id,
                "modelVersion": current,
                "retrainedAt": iso_z_seconds(retrain_ms if campaign.name == RETRAINED else created),
            }
        )
        active_days = int(round(campaign.active_until * days))
        for day in range(active_days):
            day_ms = period_start_ms + day * DAY_MS
            analytics = _campaign_day(rng, campaign, day_ms, volume)
            out.writer(SOURCE, "campaign_analytics").write(analytics)
            if campaign.name == FUNNEL_EXAMPLE and day == example_day:
                example = {
                    "campaign_id": campaign.id,
                    "campaign_name": campaign.name,
                    "date_from": analytics["dateFrom"],
                    "steps": [
                        {
                            "stepId": step["stepId"],
                            "stepName": step["stepName"],
                            "contactCount": step["contactCount"],
                        }
                        for step in analytics["steps"]
                    ],
                }
            versions = ("v1", "v2") if campaign.name == RETRAINED else ("v1",)
            for version in versions:
                scorecard = _scorecard_day(rng, campaign, version, analytics, day / max(1, days - 1))
                out.writer(SOURCE, "scorecard_analytics").write(scorecard)
                if campaign.name == RETRAINED and day == precision_day:
                    retrain[f"{version}_precision"] = scorecard["performanceMetrics"]["precision"]
                    retrain[f"{version}_recall"] = scorecard["performanceMetrics"]["recall"]
    retrained = next(campaign for campaign in PE_CAMPAIGNS if campaign.name == RETRAINED)
    bad = next(campaign for campaign in PE_CAMPAIGNS if campaign.name == HOSTILE_BAD_STEP)
    bad_day = rng.randrange(days)
    _write_journey_entities(out, rng, volume, period_start_ms, days, configured_ms)
    return JourneyFacts(
        retrain={
            "scorecard_id": retrained.scorecard_id,
            "scorecard_name": retrained.scorecard_name,
            "campaign_id": retrained.id,
            "versions": ["v1", "v2"],
            "current_version": "v2",
            "retrained_at": iso_z_seconds(retrain_ms),
            "retrain_date": iso_z_seconds(retrain_ms)[:10],
            "example_day": iso_z_seconds(period_start_ms + precision_day * DAY_MS),
            **retrain,
        },
        funnel_example=example,
        bad_step={"campaignId": bad.id, "dateFrom": iso_z_seconds(period_start_ms + bad_day * DAY_MS)},
        archived_campaign_id=next(c.id for c in PE_CAMPAIGNS if c.name == HOSTILE_ARCHIVED),
    )


def _campaign_day(rng: random.Random, campaign: PeCampaign, day_ms: int, volume: float) -> dict[str, Any]:
    weekday = (day_ms // DAY_MS + 3) % 7
    base = campaign.daily_contacts * volume * (0.6 if weekday >= 5 else 1.0)
    count = max(20, int(rng.gauss(base, base * 0.08)))
    first = count
    score = rng.uniform(0.55, 0.7)
    steps = []
    for step_id, step_name, share, exit_reason in campaign.steps:
        if steps:
            count = max(0, int(count * min(1.0, share * rng.uniform(0.93, 1.07))))
            score = min(0.99, score + rng.uniform(0.03, 0.09))
        steps.append(
            {
                "stepId": step_id,
                "stepName": step_name,
                "contactCount": count,
                "conversionRate": round(count / first, 4),
                "averageScore": round(score, 2),
                "exitReason": exit_reason,
            }
        )
    converted = steps[-1]["contactCount"]
    return {
        "campaignId": campaign.id,
        "dateFrom": iso_z_seconds(day_ms),
        "dateTo": iso_z_seconds(day_ms + DAY_MS),
        "metrics": {
            "totalContacts": first,
            "totalConverted": converted,
            "overallConversionRate": round(converted / first, 4),
            "averageScore": round(sum(s["averageScore"] for s in steps) / len(steps), 2),
        },
        "steps": steps,
    }


def _scorecard_day(
    rng: random.Random, campaign: PeCampaign, version: str, analytics: dict[str, Any], progress: float
) -> dict[str, Any]:
    """v1 drifts down over the period; the retrained v2 restates every day at a higher level."""
    if version == "v1":
        precision = 0.84 - 0.16 * progress + rng.uniform(-0.01, 0.01)
        recall = 0.76 - 0.10 * progress + rng.uniform(-0.01, 0.01)
        auc = 0.91 - 0.08 * progress
        bias = 0.08 + 0.3 * progress
    else:
        precision = 0.87 + rng.uniform(-0.01, 0.01)
        recall = 0.79 + rng.uniform(-0.01, 0.01)
        auc = 0.93
        bias = 0.03
    precision, recall = round(precision, 4), round(recall, 4)
    actual = analytics["metrics"]["overallConversionRate"]
    total = analytics["metrics"]["totalContacts"]
    shares = (0.06, 0.16, 0.25, 0.32, 0.21) if version == "v1" else (0.10, 0.18, 0.24, 0.28, 0.20)
    buckets = [int(total * share) for share in shares]
    buckets[-1] += total - sum(buckets)
    return {
        "scorecardId": campaign.scorecard_id,
        "scorecardName": campaign.scorecard_name,
        "modelVersion": version,
        "dateFrom": analytics["dateFrom"],
        "dateTo": analytics["dateTo"],
        "performanceMetrics": {
            "precision": precision,
            "recall": recall,
            "f1Score": round(2 * precision * recall / (precision + recall), 4),
            "auc": round(auc, 4),
            "actualConversionRate": actual,
            "predictedConversionRate": round(actual * (1 + bias), 4),
        },
        "scoreDistribution": dict(
            zip(("0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"), buckets, strict=True)
        ),
    }


def _write_journey_entities(
    out: TenantWriter, rng: random.Random, volume: float, period_start_ms: int, days: int, configured_ms: int
) -> None:
    created = iso_z(configured_ms + 60 * DAY_MS)
    for name, positive in _OUTCOMES:
        outcome_id = org_id("journey-outcome", name)
        out.writer(SOURCE, "outcomes").write(
            {
                "id": outcome_id,
                "displayName": name,
                "description": f"Visitor outcome: {name}",
                "isActive": True,
                "isPositive": positive,
                "version": 2,
                "context": {"patterns": []},
                "journey": {
                    "patterns": [
                        {
                            "criteria": [
                                {
                                    "key": "page.url",
                                    "values": [name.lower().replace(" ", "-")],
                                    "operator": "containsAll",
                                    "shouldIgnoreCase": True,
                                }
                            ],
                            "count": 1,
                            "streamType": "Web",
                            "sessionType": "web",
                        }
                    ]
                },
                "associatedValueField": {"dataType": "Number", "name": "value"} if positive else None,
                "createdDate": created,
                "modifiedDate": created,
                "selfUri": f"/api/v2/journey/outcomes/{outcome_id}",
            }
        )
    for name, scope, color in _SEGMENTS:
        segment_id = org_id("journey-segment", name)
        out.writer(SOURCE, "segments").write(
            {
                "id": segment_id,
                "displayName": name,
                "color": color,
                "scope": scope,
                "isActive": True,
                "shouldDisplayToAgent": scope == "Customer",
                "context": {"patterns": []},
                "journey": {"patterns": []},
                "assignmentExpirationDays": 30 if scope == "Customer" else None,
                "version": 1,
                "createdDate": created,
                "modifiedDate": created,
                "selfUri": f"/api/v2/journey/segments/{segment_id}",
            }
        )
    for name, media, segment, active, qualified in _ACTION_MAPS:
        map_id = org_id("journey-actionmap", name)
        out.writer(SOURCE, "action_maps").write(
            {
                "id": map_id,
                "displayName": name,
                "isActive": active,
                "weight": 5,
                "triggerWithSegments": [org_id("journey-segment", segment)],
                "triggerWithEventConditions": [],
                "pageUrlConditions": [],
                "activation": {"type": "immediate"},
                "action": {
                    "mediaType": media,
                    "actionTemplate": {"id": org_id("journey-actiontemplate", name)},
                },
                "ignoreFrequencyCap": False,
                "startDate": created,
                "endDate": None,
                "createdDate": created,
                "modifiedDate": created,
                "selfUri": f"/api/v2/journey/actionmaps/{map_id}",
            }
        )
        if not active:
            continue
        for day in range(days):
            day_ms = period_start_ms + day * DAY_MS
            out.writer(SOURCE, "journey_aggregates").write(
                {
                    "group": {"journeyActionMapId": map_id},
                    "data": [
                        {
                            "interval": interval(day_ms, day_ms + DAY_MS),
                            "metrics": _action_map_metrics(rng, qualified * volume),
                        }
                    ],
                }
            )


def _action_map_metrics(rng: random.Random, qualified_mean: float) -> list[dict[str, Any]]:
    qualified = max(5, int(rng.gauss(qualified_mean, qualified_mean * 0.1 + 1)))
    offered = int(qualified * rng.uniform(0.7, 0.9))
    started = int(offered * rng.uniform(0.85, 0.98))
    engaged = int(started * rng.uniform(0.25, 0.45))
    accepted = int(engaged * rng.uniform(0.5, 0.8))
    rejected = int((started - engaged) * rng.uniform(0.2, 0.4))
    ignored = started - engaged - rejected
    achieved = int(accepted * rng.uniform(0.3, 0.6))
    counts = (
        ("nWebActionsQualified", qualified),
        ("nWebActionsOffered", offered),
        ("nWebActionsStarted", started),
        ("nWebActionsEngaged", engaged),
        ("nWebActionsAccepted", accepted),
        ("nWebActionsRejected", rejected),
        ("nWebActionsIgnored", ignored),
        ("nJourneyOutcomesAchieved", achieved),
        ("nJourneyOutcomesAttributed", int(achieved * rng.uniform(0.6, 0.9))),
    )
    return [{"metric": metric, "stats": {"count": count}} for metric, count in counts]
