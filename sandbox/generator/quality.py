"""Quality evaluations and customer surveys inside the conversation detail records.

Genesys Cloud's analytics conversation records carry two conversation-level arrays
beside ``participants``: ``evaluations[]`` (quality management: an evaluator scores an
agent's handling of the contact on an evaluation form) and ``surveys[]`` (the customer's
post-contact survey). Field names follow the SDK models ``AnalyticsEvaluation`` and
``AnalyticsSurvey``. The generator writes them at rates plausible for a mid-sized centre:

- evaluations: ``EVALUATED_SHARE`` of the ended conversations an agent answered get one
  evaluation of the first answering agent. It is created 1-9 days after the contact
  ends (none yet when that is after the end of the period); ``RELEASED_SHARE`` of them
  are finished and released to the agent, the rest still ``InProgress`` / ``Pending``;
  ``RESCORED_SHARE`` of the released ones are rescored later (the record then holds the
  original entry and the rescore entry, same ``evaluationId``, later ``eventTime``,
  ``rescored: true``); ``DELETED_SHARE`` were deleted (``deleted: true``); and
  ``CALIBRATION_SHARE`` of the evaluated contacts also carry a calibration evaluation
  (``calibrationId`` set: evaluators scoring the same contact to align, not a score of
  the agent).
- surveys: ``SURVEY_SENT_SHARE`` of the ended, answered voice / callback / chat /
  message contacts get a survey; ``surveyStatus`` ``Finished`` for the answered ones
  (some of them partial responses), else ``Sent``, ``InProgress``, ``Expired`` or
  ``OptOut``. ``surveyPromoterScore`` is the 0-10 "would you recommend" answer,
  ``oSurveyTotalScore`` the form's 0-100 total.

Definitions shared with the models (ground truth in the manifest):
- qa_score of a conversation = mean ``oTotalScore`` over its evaluations that are released,
  not deleted and not calibrations, each evaluation counted once by its latest ``eventTime``
  (a rescore replaces the original score); null when there is none.
- csat_score = mean ``oSurveyTotalScore`` over its completed surveys (``surveyStatus``
  ``Finished`` and not a partial response); null when there is none. NPS is computed from
  ``surveyPromoterScore`` of the same surveys: promoters 9-10, detractors 0-6.

Planted fact ``csat_drops_for_escalated_enterprise``: escalated Enterprise customers rate
much lower on and after the release date. Draws use their own random stream, so adding
quality data leaves every other generated value unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.generator.ids import uuid4_str
from sandbox.generator.org import org_id
from sandbox.generator.timestamps import DAY_MS, HOUR_MS, MINUTE_MS, iso_z

EVALUATED_SHARE = 0.12
RELEASED_SHARE = 0.85
RESCORED_SHARE = 0.10
DELETED_SHARE = 0.03
CALIBRATION_SHARE = 0.05
SURVEY_SENT_SHARE = 0.40
SURVEY_ANSWERED_SHARE = 0.45  # of the surveys sent
PARTIAL_SHARE = 0.08  # of the answered surveys
SURVEY_MEDIA = {"voice": "Voice", "callback": "Voice", "chat": "Web", "message": "Web"}
EVALUATION_FORM = ("Inbound Quality Form", "Outbound Quality Form")
SURVEY_FORM = "Post-Contact CSAT"
EVALUATORS = tuple(org_id("user", f"QA Evaluator {n}") for n in range(1, 5))
# Promoter-score weights (0..10): the usual population, and escalated Enterprise customers after the release.
_PROMOTER_WEIGHTS = (1, 1, 1, 2, 2, 4, 6, 10, 18, 25, 30)
_UNHAPPY_WEIGHTS = (8, 8, 9, 10, 11, 12, 10, 8, 6, 4, 3)


def _completed(survey: dict[str, Any]) -> bool:
    return survey["surveyStatus"] == "Finished" and not survey["surveyPartialResponse"]


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@dataclass
class _Mean:
    count: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "mean": round(self.total / self.count, 4) if self.count else None}


@dataclass
class QualityTruth:
    evaluations: dict[str, int] = field(default_factory=dict)  # entries by kind
    surveys: dict[str, int] = field(default_factory=dict)  # entries by status
    qa: _Mean = field(default_factory=_Mean)
    csat: _Mean = field(default_factory=_Mean)
    qa_by_tier: dict[str, _Mean] = field(default_factory=dict)
    csat_by_tier: dict[str, _Mean] = field(default_factory=dict)
    escalated_enterprise_before: _Mean = field(default_factory=_Mean)
    escalated_enterprise_after: _Mean = field(default_factory=_Mean)
    others_after: _Mean = field(default_factory=_Mean)
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def bump(self, table: dict[str, int], key: str) -> None:
        table[key] = table.get(key, 0) + 1


class QualityBook:
    """Adds ``evaluations`` / ``surveys`` to conversation records and sums the ground truth."""

    def __init__(self, rng: random.Random, release_ms: int, period_end_ms: int) -> None:
        self.rng = rng
        self.release_ms = release_ms
        self.period_end_ms = period_end_ms
        self.truth = QualityTruth()

    def annotate(
        self,
        record: dict[str, Any],
        kind: str,
        ended: bool,
        escalated: bool,
        tier: str | None,
        shown_tier: str | None,
        start_ms: int,
    ) -> None:
        """Add the arrays to a finalised record (ISO times); ``shown_tier`` as the truth counts it."""
        if not ended or kind == "preview_skipped":
            return
        answering = [
            p
            for p in record["participants"]
            if p["purpose"] == "agent"
            and any(
                any(s["segmentType"] == "interact" for s in session["segments"])
                or any(m["name"] == "tAnswered" for m in session["metrics"])
                for session in p["sessions"]
            )
        ]
        if not answering:
            return
        end_ms = _ms(record["conversationEnd"])
        rng = self.rng
        evaluations: list[dict[str, Any]] = []
        surveys: list[dict[str, Any]] = []
        if rng.random() < EVALUATED_SHARE:
            evaluations = self._evaluations(record, answering[0], kind, end_ms)
        if kind in SURVEY_MEDIA and rng.random() < SURVEY_SENT_SHARE:
            unhappy = escalated and tier == "Enterprise" and start_ms >= self.release_ms
            surveys = [self._survey(answering[-1], kind, end_ms, unhappy, escalated)]
        if evaluations:
            record["evaluations"] = evaluations
        if surveys:
            record["surveys"] = surveys
        self._count(record, evaluations, surveys, escalated, tier, shown_tier, start_ms)

    # ------------------------------------------------------------------ records
    def _evaluations(
        self, record: dict[str, Any], agent: dict[str, Any], kind: str, end_ms: int
    ) -> list[dict[str, Any]]:
        rng = self.rng
        created = end_ms + rng.randrange(DAY_MS, 9 * DAY_MS)
        if created > self.period_end_ms:
            return []  # not evaluated yet when the period ends
        form = EVALUATION_FORM[1] if kind == "outbound" else EVALUATION_FORM[0]
        queue_id = _queue_of(agent)
        score = round(min(100.0, max(20.0, rng.gauss(82, 10))), 2)
        roll = rng.random()
        if roll < DELETED_SHARE:
            status, released, deleted = "Finished", True, True
        elif roll < DELETED_SHARE + RELEASED_SHARE:
            status, released, deleted = "Finished", True, False
        else:
            status, released, deleted = rng.choice(("InProgress", "Pending")), False, False
        evaluation_id = uuid4_str(rng)
        entries = [
            _evaluation(
                evaluation_id,
                form,
                rng.choice(EVALUATORS),
                agent["userId"],
                queue_id,
                created,
                status,
                released,
                deleted,
                False,
                None,
                score,
                rng,
            )
        ]
        if released and not deleted and rng.random() < RESCORED_SHARE:
            rescored_at = created + rng.randrange(HOUR_MS, 4 * DAY_MS)
            if rescored_at <= self.period_end_ms:
                new_score = round(min(100.0, max(20.0, score + rng.choice((-1, 1)) * rng.uniform(5, 15))), 2)
                entries.append(
                    _evaluation(
                        evaluation_id,
                        form,
                        entries[0]["evaluatorId"],
                        agent["userId"],
                        queue_id,
                        rescored_at,
                        "Finished",
                        True,
                        False,
                        True,
                        None,
                        new_score,
                        rng,
                    )
                )
        if rng.random() < CALIBRATION_SHARE:
            entries.append(
                _evaluation(
                    uuid4_str(rng),
                    form,
                    rng.choice(EVALUATORS),
                    agent["userId"],
                    queue_id,
                    created + rng.randrange(HOUR_MS, DAY_MS),
                    "Finished",
                    False,
                    False,
                    False,
                    uuid4_str(rng),
                    round(min(100.0, max(20.0, rng.gauss(75, 12))), 2),
                    rng,
                )
            )
        return entries

    def _survey(
        self, agent: dict[str, Any], kind: str, end_ms: int, unhappy: bool, escalated: bool
    ) -> dict[str, Any]:
        rng = self.rng
        sent_at = end_ms + rng.randrange(MINUTE_MS, 10 * MINUTE_MS)
        answered = rng.random() < SURVEY_ANSWERED_SHARE
        survey: dict[str, Any] = {
            "surveyId": uuid4_str(rng),
            "surveyFormId": org_id("surveyform", SURVEY_FORM),
            "surveyFormName": SURVEY_FORM,
            "surveyFormContextId": org_id("surveyformcontext", SURVEY_FORM),
            "surveyType": SURVEY_MEDIA[kind],
            "userId": agent["userId"],
            "queueId": _queue_of(agent),
            "eventTime": iso_z(min(sent_at, self.period_end_ms)),
        }
        if answered:
            completed = sent_at + rng.randrange(MINUTE_MS, 6 * HOUR_MS)
            if completed > self.period_end_ms:
                answered = False
        if not answered:
            survey["surveyStatus"] = rng.choice(("Sent", "Sent", "Expired", "OptOut", "InProgress"))
            survey["surveyPartialResponse"] = False
            return survey
        weights = _UNHAPPY_WEIGHTS if unhappy else _PROMOTER_WEIGHTS
        promoter = rng.choices(range(11), weights)[0]
        if escalated and not unhappy and promoter > 0 and rng.random() < 0.2:
            promoter -= 1  # escalated contacts rate a little lower anyway
        total = round(min(100.0, max(0.0, promoter * 9 + rng.uniform(0, 10))), 2)
        survey["eventTime"] = iso_z(completed)
        survey["surveyStatus"] = "Finished"
        survey["surveyCompletedDate"] = iso_z(completed)
        survey["surveyPartialResponse"] = rng.random() < PARTIAL_SHARE
        survey["surveyPromoterScore"] = promoter
        survey["oSurveyTotalScore"] = total
        return survey

    # ------------------------------------------------------------------ truth
    def _count(
        self,
        record: dict[str, Any],
        evaluations: list[dict[str, Any]],
        surveys: list[dict[str, Any]],
        escalated: bool,
        tier: str | None,
        shown_tier: str | None,
        start_ms: int,
    ) -> None:
        truth = self.truth
        latest: dict[str, dict[str, Any]] = {}
        for entry in evaluations:
            if entry.get("calibrationId") is not None:
                truth.bump(truth.evaluations, "calibration")
            elif entry["rescored"]:
                truth.bump(truth.evaluations, "rescore")
            elif entry["deleted"]:
                truth.bump(truth.evaluations, "deleted")
            elif entry["released"]:
                truth.bump(truth.evaluations, "released")
            else:
                truth.bump(truth.evaluations, "not_released")
            held = latest.get(entry["evaluationId"])
            if held is None or entry["eventTime"] > held["eventTime"]:
                latest[entry["evaluationId"]] = entry
        scores = [
            e["oTotalScore"]
            for e in latest.values()
            if e["released"] and not e["deleted"] and e.get("calibrationId") is None
        ]
        qa = sum(scores) / len(scores) if scores else None
        for survey in surveys:
            truth.bump(
                truth.surveys, "partial" if survey.get("surveyPartialResponse") else survey["surveyStatus"]
            )
        completed = [s for s in surveys if _completed(s)]
        csat = sum(s["oSurveyTotalScore"] for s in completed) / len(completed) if completed else None
        for survey in completed:
            if survey["surveyPromoterScore"] >= 9:
                truth.promoters += 1
            elif survey["surveyPromoterScore"] <= 6:
                truth.detractors += 1
            else:
                truth.passives += 1
        if qa is not None:
            truth.qa.add(qa)
        if csat is not None:
            truth.csat.add(csat)
        if shown_tier is not None:
            if qa is not None:
                truth.qa_by_tier.setdefault(shown_tier, _Mean()).add(qa)
            if csat is not None:
                truth.csat_by_tier.setdefault(shown_tier, _Mean()).add(csat)
        if csat is not None and tier is not None:
            after = start_ms >= self.release_ms
            if escalated and tier == "Enterprise":
                (truth.escalated_enterprise_after if after else truth.escalated_enterprise_before).add(csat)
            elif after:
                truth.others_after.add(csat)
        if len(truth.examples) < 40 and (evaluations or surveys):
            truth.examples.append(
                {"conversation_id": record["conversationId"], "qa_score": qa, "csat_score": csat}
            )

    def manifest_totals(self) -> dict[str, Any]:
        truth = self.truth
        nps_base = truth.promoters + truth.detractors + truth.passives
        return {
            "evaluation_entries": dict(sorted(truth.evaluations.items())),
            "survey_entries": dict(sorted(truth.surveys.items())),
            "conversations_with_qa_score": truth.qa.count,
            "conversations_with_csat_score": truth.csat.count,
            "nps": round(100 * (truth.promoters - truth.detractors) / nps_base, 2) if nps_base else None,
        }

    def planted(self, release_date: str) -> dict[str, Any]:
        truth = self.truth
        return {
            "csat_drops_for_escalated_enterprise": {
                "description": (
                    "Escalated Enterprise customers rate the contact much lower on and after the release "
                    "date. csat_score per conversation = mean oSurveyTotalScore (0-100) of its completed "
                    "surveys (surveyStatus Finished, not a partial response); averaged over ended linked "
                    "conversations with a csat_score, escalated = participant attribute escalated, tier "
                    "in force at conversationStart, split by conversationStart < or >= release_date (UTC)."
                ),
                "release_date": release_date,
                "tier": "Enterprise",
                "before": truth.escalated_enterprise_before.as_dict(),
                "after": truth.escalated_enterprise_after.as_dict(),
                "other_contacts_after": truth.others_after.as_dict(),
            },
            "quality_scores": {
                "description": (
                    "qa_score per conversation = mean oTotalScore of its evaluations that are released, "
                    "not deleted and not calibrations (calibrationId null), each evaluation taken at its "
                    "latest eventTime (a rescore wins); csat_score as above; null when none exists. "
                    "Overall counts/means over every conversation; by_tier over ended linked "
                    "conversations, tier in force at conversationStart; examples list exact values."
                ),
                "qa": truth.qa.as_dict(),
                "csat": truth.csat.as_dict(),
                "qa_by_tier": {tier: m.as_dict() for tier, m in sorted(truth.qa_by_tier.items())},
                "csat_by_tier": {tier: m.as_dict() for tier, m in sorted(truth.csat_by_tier.items())},
                "nps_promoters": truth.promoters,
                "nps_detractors": truth.detractors,
                "examples": truth.examples,
            },
        }


def _evaluation(
    evaluation_id: str,
    form: str,
    evaluator: str,
    user_id: str,
    queue_id: str | None,
    at_ms: int,
    status: str,
    released: bool,
    deleted: bool,
    rescored: bool,
    calibration_id: str | None,
    score: float,
    rng: random.Random,
) -> dict[str, Any]:
    entry = {
        "evaluationId": evaluation_id,
        "formId": org_id("evaluationform", form),
        "formName": form,
        "evaluatorId": evaluator,
        "userId": user_id,
        "queueId": queue_id,
        "eventTime": iso_z(at_ms),
        "evaluationStatus": status,
        "released": released,
        "deleted": deleted,
        "rescored": rescored,
        "calibrationId": calibration_id,
        "systemSubmitted": False,
        "oTotalScore": score,
        "oTotalCriticalScore": 100.0 if score >= 60 else round(rng.uniform(0, 100), 2),
    }
    return {key: value for key, value in entry.items() if value is not None}  # the API omits absent fields


def _queue_of(agent: dict[str, Any]) -> str | None:
    for session in agent["sessions"]:
        for segment in session["segments"]:
            if segment.get("queueId"):
                return segment["queueId"]
    return None
