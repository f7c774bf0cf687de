"""Which dialer contact did the campaign call? Resolution from the warehouse, read-only.

Sources (raw layer, docs/contracts.md §4):

- ``raw_genesys.conversations``: every campaign call names ``outboundContactId``,
  ``outboundContactListId`` and ``outboundCampaignId`` on its sessions; the customer
  session's ``dnis`` is the number dialled; the customer participant's ``sfAccountId``
  attribute links the call to a Salesforce account.
- ``raw_genesys.contact_list_contacts`` (when ingested): the contacts with their columns
  (``phone``/any column holding an E.164 number, ``email``).

Rules: an event resolves to a contact the campaign dialled at or before the event's time.
By ``contact_id``: that contact. By ``phone``: a contact whose phone column holds it or whose
call dialled it. By ``email``: a contact whose email column holds it. By ``account_id``: the
contact of a campaign call linked to that account. Several candidates: the most recently
dialled before the event. No candidate: an orphan, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from cxlake.writeback.events import Event, normalise_phone


@dataclass(frozen=True)
class Dial:
    contact_id: str
    list_id: str
    campaign_id: str
    started_ms: int


@dataclass(frozen=True)
class Resolution:
    list_id: str | None = None
    contact_id: str | None = None
    campaign_id: str | None = None
    contact_data: dict[str, str] | None = None
    orphan_reason: str | None = None


def _tables(con: Any, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {row[0] for row in rows}


class Resolver:
    """An index of the campaign calls and contacts of one warehouse snapshot."""

    def __init__(self, con: Any) -> None:
        self.dials: dict[str, list[Dial]] = {}
        self.by_phone: dict[str, set[str]] = {}
        self.by_email: dict[str, set[str]] = {}
        self.by_account: dict[str, set[str]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        genesys = _tables(con, "raw_genesys")
        self.has_contacts = "contact_list_contacts" in genesys
        if "conversations" in genesys:
            self._load_calls(con)
        if self.has_contacts:
            self._load_contacts(con)

    def _load_calls(self, con: Any) -> None:
        rows = con.execute(
            """
            with calls as (
                select
                    epoch_ms(conversation_start) as started_ms,
                    unnest(from_json(json_extract(payload, '$.participants'),
                        '[{"purpose":"VARCHAR","attributes":"JSON","sessions":[{"outboundContactId":"VARCHAR",
                           "outboundContactListId":"VARCHAR","outboundCampaignId":"VARCHAR","dnis":"VARCHAR"}]}]'))
                        as participant
                from raw_genesys.conversations
                where payload like '%outboundContactId%'
            ),
            sessions as (
                select started_ms, participant.purpose as purpose,
                    participant.attributes->>'$.sfAccountId' as account_id,
                    unnest(participant.sessions) as session
                from calls
            )
            select started_ms, purpose, account_id, session.outboundContactId, session.outboundContactListId,
                session.outboundCampaignId, session.dnis
            from sessions
            where session.outboundContactId is not null
            """
        ).fetchall()
        seen: set[tuple[str, int]] = set()
        for started_ms, purpose, account_id, contact_id, list_id, campaign_id, dnis in rows:
            if (contact_id, started_ms) not in seen and list_id and campaign_id:
                seen.add((contact_id, started_ms))
                self.dials.setdefault(contact_id, []).append(
                    Dial(contact_id, list_id, campaign_id, started_ms)
                )
            if purpose == "customer":
                if dnis:
                    self.by_phone.setdefault(normalise_phone(dnis), set()).add(contact_id)
                if account_id:
                    self.by_account.setdefault(account_id, set()).add(contact_id)
        for dials in self.dials.values():
            dials.sort(key=lambda dial: dial.started_ms)

    def _load_contacts(self, con: Any) -> None:
        for (payload,) in con.execute("select payload from raw_genesys.contact_list_contacts").fetchall():
            contact = orjson.loads(payload)
            contact_id = contact.get("id")
            if not contact_id:
                continue
            self.contacts[contact_id] = contact
            for column, value in (contact.get("data") or {}).items():
                if not isinstance(value, str) or not value:
                    continue
                if column.lower() in ("email", "e-mail", "email_address"):
                    self.by_email.setdefault(value.strip().lower(), set()).add(contact_id)
                elif value.strip().startswith(("+", "tel:+")):
                    self.by_phone.setdefault(normalise_phone(value), set()).add(contact_id)

    def resolve(self, event: Event) -> Resolution:
        ids = event.identifiers
        candidates: set[str] = set()
        tried: list[str] = []
        if "contact_id" in ids:
            tried.append(f"contact_id {ids['contact_id']}")
            candidates |= {ids["contact_id"]} if ids["contact_id"] in self.dials else set()
        if "phone" in ids:
            tried.append(f"phone {ids['phone']}")
            candidates |= self.by_phone.get(ids["phone"], set())
        if "email" in ids:
            tried.append(f"email {ids['email']}")
            if not self.has_contacts and not candidates:
                return Resolution(
                    orphan_reason=f"{event.source}: email {ids['email']} cannot be matched: no contact lists "
                    "in the warehouse (ingest contact_list_contacts first)"
                )
            candidates |= self.by_email.get(ids["email"], set())
        if "account_id" in ids:
            tried.append(f"account_id {ids['account_id']}")
            candidates |= self.by_account.get(ids["account_id"], set())
        dials = [dial for contact in candidates for dial in self.dials.get(contact, [])]
        if not dials:
            known = [c for c in candidates if c in self.contacts]
            detail = " (in a contact list, never dialled)" if known else ""
            return Resolution(
                orphan_reason=f"{event.source}: {' / '.join(tried)} matches no contact a campaign "
                f"dialled{detail}"
            )
        before = [
            dial for dial in dials if event.occurred_ms is not None and dial.started_ms <= event.occurred_ms
        ]
        if not before:
            return Resolution(
                orphan_reason=f"{event.source}: {' / '.join(tried)} was first dialled after the "
                "conversion time"
            )
        dial = max(before, key=lambda d: (d.started_ms, d.contact_id))
        contact = self.contacts.get(dial.contact_id)
        data = dict(contact.get("data") or {}) if contact else None
        return Resolution(dial.list_id, dial.contact_id, dial.campaign_id, data)
