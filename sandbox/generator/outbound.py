"""Outbound bookkeeping: contact lists, conversion events, progress and stats snapshots."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.ids import uuid4_str
from sandbox.generator.org import CAMPAIGNS, GOALS, Campaign
from sandbox.generator.output import PartWriter
from sandbox.generator.timestamps import MINUTE_MS, iso_z

DISPOSITIONS = ("person", "machine", "busy", "noanswer")
SYSTEM_WRAPUPS = {
    "person": "ININ-OUTBOUND-LIVE-VOICE",
    "machine": "ININ-OUTBOUND-MACHINE",
    "busy": "ININ-OUTBOUND-BUSY",
    "noanswer": "ININ-OUTBOUND-NO-ANSWER",
}
DISPOSITION_NAMES = {kind: f"disposition.classification.callable.{kind}" for kind in DISPOSITIONS}
ANALYZERS = {
    "person": "speech.person",
    "machine": "speech.machine",
    "busy": "sit.busy",
    "noanswer": "noanswer",
}
GOAL_BY_WRAPUP = {wrapup: goal for wrapup, goal, _name in GOALS}


@dataclass
class CampaignTally:
    campaign: Campaign
    list_size: int
    contacted: int = 0
    connected: int = 0
    voicemail: int = 0
    busy: int = 0
    no_answer: int = 0
    right_party: int = 0
    sales: int = 0
    skipped_previews: int = 0
    called: set[int] = field(default_factory=set)


class OutboundBook:
    """Tracks dialer attempts per campaign and writes conversion events as sales happen."""

    def __init__(
        self,
        rng: random.Random,
        seed: int,
        expected_attempts: dict[str, float],
        events: PartWriter,
        period_end_ms: int,
    ) -> None:
        self.rng = rng
        self.seed = seed
        self.events = events
        self.period_end_ms = period_end_ms
        self.tallies = {
            campaign.name: CampaignTally(campaign, max(50, round(expected_attempts[campaign.name] / 1.3)))
            for campaign in CAMPAIGNS
        }
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"cxlake-sandbox-contacts:{seed}")
        self._contact_ids: dict[tuple[str, int], str] = {}
        self.transactions = 0
        self.duplicates = 0
        self.orphans = 0
        self.goal_events = 0

    def contact_id(self, campaign: Campaign, number: int) -> str:
        """Stable id of contact ``number`` of the campaign's list (cached: contacts are redialled)."""
        key = (campaign.name, number)
        contact = self._contact_ids.get(key)
        if contact is None:
            contact = uuid.uuid5(self._namespace, f"{campaign.name}:{number}").hex
            self._contact_ids[key] = contact
        return contact

    def dial(self, campaign: Campaign) -> tuple[str, int]:
        tally = self.tallies[campaign.name]
        number = self.rng.randrange(tally.list_size)
        return self.contact_id(campaign, number), number

    def skipped(self, campaign: Campaign) -> None:
        """A previewed record the agent skipped: not dialled, so not a contact attempt."""
        self.tallies[campaign.name].skipped_previews += 1

    def record(self, campaign: Campaign, number: int, disposition: str) -> None:
        tally = self.tallies[campaign.name]
        tally.contacted += 1
        tally.called.add(number)
        if disposition == "person":
            tally.connected += 1
        elif disposition == "machine":
            tally.voicemail += 1
        elif disposition == "busy":
            tally.busy += 1
        else:
            tally.no_answer += 1

    def wrapped_up(
        self, campaign: Campaign, contact_id: str, wrapup: str, right_party: bool, end_ms: int
    ) -> None:
        """An agent wrapped up a live-voice call: count it, and send the web conversion event for sales."""
        tally = self.tallies[campaign.name]
        tally.right_party += right_party
        if wrapup != "Sale":
            return
        tally.sales += 1
        if self.rng.random() < 0.1:
            return  # the customer never completed the purchase on the web
        timestamp = end_ms + self.rng.randrange(2 * MINUTE_MS, 180 * MINUTE_MS)
        if timestamp >= self.period_end_ms:
            return
        self.transactions += 1
        transaction = f"TXN-{self.seed % 1000:03d}{self.transactions:07d}"
        value = round(self.rng.uniform(49, 2_500), 2)
        self._write(contact_id, campaign.id, GOAL_BY_WRAPUP["Sale"], timestamp, value, transaction)
        if self.rng.random() < 0.03:
            resend = timestamp + self.rng.randrange(MINUTE_MS, 30 * MINUTE_MS)
            if resend < self.period_end_ms:
                self.duplicates += 1
                self._write(contact_id, campaign.id, GOAL_BY_WRAPUP["Sale"], resend, value, transaction)

    def _write(
        self, contact_id: str, campaign_id: str, goal_id: str, timestamp: int, value: float, transaction: str
    ) -> None:
        received = min(timestamp + self.rng.randrange(200, 5_000), self.period_end_ms - 1)
        self.goal_events += 1
        self.events.write(
            {
                "id": uuid4_str(self.rng),
                "contactId": contact_id,
                "eventType": "goalCompletion",
                "data": {
                    "goalId": goal_id,
                    "campaignId": campaign_id,
                    "timestamp": timestamp,
                    "value": value,
                    "metadata": {
                        "transactionId": transaction,
                        "channel": self.rng.choice(("web_form", "web_form", "checkout", "crm")),
                    },
                },
                "receivedDate": iso_z(received),
            }
        )

    def write_orphans(self, period_start_ms: int) -> None:
        """A few events whose contactId matches no dialled contact (orphaned events)."""
        count = max(3, self.goal_events // 50)
        for number in range(count):
            campaign = CAMPAIGNS[number % len(CAMPAIGNS)]
            timestamp = period_start_ms + self.rng.randrange(0, self.period_end_ms - period_start_ms - 10_000)
            self.transactions += 1
            self.orphans += 1
            self._write(
                uuid.uuid5(self._namespace, f"orphan:{number}").hex,
                campaign.id,
                GOAL_BY_WRAPUP["Sale"],
                timestamp,
                round(self.rng.uniform(49, 900), 2),
                f"TXN-{self.seed % 1000:03d}{self.transactions:07d}",
            )

    def progress_records(self) -> list[dict[str, Any]]:
        records = []
        for tally in self.tallies.values():
            campaign = tally.campaign
            called = len(tally.called)
            # A complete campaign has worked through its whole list; the others part of it.
            total = called if campaign.status == "complete" else tally.list_size
            records.append(
                {
                    "campaign": {
                        "id": campaign.id,
                        "name": campaign.name,
                        "selfUri": f"/api/v2/outbound/campaigns/{campaign.id}",
                    },
                    "contactList": {
                        "id": campaign.contact_list_id,
                        "name": campaign.contact_list_name,
                        "selfUri": f"/api/v2/outbound/contactlists/{campaign.contact_list_id}",
                    },
                    "numberOfContactsCalled": called,
                    "numberOfContactsMessaged": 0,
                    "totalNumberOfContacts": total,
                    "percentage": int(100 * called / total) if total else 0,
                    "numberOfContactsSkipped": {
                        "skippedByDnc": total // 200,
                        "skippedByCallableTime": total // 150,
                    },
                }
            )
        return records

    def stats_records(self, idle_agents: dict[str, int]) -> list[dict[str, Any]]:
        records = []
        for tally in self.tallies.values():
            campaign = tally.campaign
            running = campaign.status == "on"
            ratio = round(tally.connected / tally.contacted, 4) if tally.contacted else 0.0
            records.append(
                {
                    "campaignId": campaign.id,
                    "contactRate": {
                        "attempts": tally.contacted,
                        "connects": tally.connected,
                        "connectRatio": ratio,
                    },
                    "idleAgents": idle_agents.get(campaign.name, 0) if running else 0,
                    "effectiveIdleAgents": float(idle_agents.get(campaign.name, 0)) if running else 0.0,
                    "adjustedCallsPerAgent": 1.8 if running else 0.0,
                    "outstandingCalls": 0,
                    "scheduledCalls": tally.no_answer // 10 if running else 0,
                    "timeZoneRescheduledCalls": 0,
                    "filteredOutContactsCount": 0,
                    "rightPartyContactsCount": tally.right_party,
                    "validAttempts": tally.contacted - tally.busy // 4,
                    "linesUtilization": {
                        "assignedOutboundLines": 10 if running else 0,
                        "totalAvailableOutboundLines": 50,
                    },
                }
            )
        return records
