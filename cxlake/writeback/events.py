"""Conversion events to push: read from a file or from the warehouse, each field checked.

A file is NDJSON (one JSON object per line) or CSV (header row), by suffix (``.csv`` is
CSV, anything else NDJSON). Fields: ``transaction_id``, ``occurred_at`` (ISO 8601 with a
zone, or epoch milliseconds), ``goal``, ``value``, and at least one of ``contact_id``,
``phone`` (E.164), ``email``. camelCase names (``transactionId``, ``contactId``...) are
accepted too. A record that breaks a rule is not dropped: it becomes an event with a
``problem`` naming the record and the field, which the outbox keeps as an orphan.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FORBIDDEN_IN_IDS = ("|", ";")
ALIASES = {
    "transactionId": "transaction_id",
    "occurredAt": "occurred_at",
    "timestamp": "occurred_at",
    "time": "occurred_at",
    "goalId": "goal",
    "contactId": "contact_id",
    "accountId": "account_id",
}


@dataclass
class Event:
    """One conversion to push. ``problem`` set: the record cannot be used (reason, field named)."""

    transaction_id: str
    source: str
    occurred_ms: int | None = None
    goal: str | None = None
    value: float | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def _ms(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.astimezone(UTC).timestamp() * 1000)


def normalise_phone(value: str) -> str:
    return value.strip().removeprefix("tel:").replace(" ", "")


def check_record(record: Any, where: str) -> Event:
    """An :class:`Event` from one input record; ``where`` names it (``file.ndjson line 7``)."""
    if not isinstance(record, dict):
        return Event(where, where, problem=f"{where}: not an object")
    row = {ALIASES.get(key, key): value for key, value in record.items()}
    row = {key: (value.strip() if isinstance(value, str) else value) for key, value in row.items()}
    txn = row.get("transaction_id")
    if not isinstance(txn, str | int) or isinstance(txn, bool) or str(txn) == "":
        return Event(where, where, problem=f"{where}: field transaction_id is missing")
    txn = str(txn)
    where = f"{where} (transaction {txn})"
    event = Event(txn, where)
    if any(char in txn for char in FORBIDDEN_IN_IDS):
        event.problem = f"{where}: field transaction_id {txn!r} contains '|' or ';'"
        return event
    event.occurred_ms = _ms(row.get("occurred_at"))
    if event.occurred_ms is None:
        event.problem = f"{where}: field occurred_at {row.get('occurred_at')!r} is not a time with a zone"
        return event
    goal = row.get("goal")
    if not isinstance(goal, str) or not goal or any(char in goal for char in FORBIDDEN_IN_IDS):
        event.problem = f"{where}: field goal {goal!r} is missing or invalid"
        return event
    event.goal = goal
    value = row.get("value")
    try:
        event.value = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        event.problem = f"{where}: field value {value!r} is not a number"
        return event
    for name in ("contact_id", "phone", "email", "account_id"):
        raw = row.get(name)
        if isinstance(raw, str) and raw:
            event.identifiers[name] = raw
    phone = event.identifiers.get("phone")
    if phone is not None:
        normalised = normalise_phone(phone)
        if not E164.match(normalised):
            event.problem = f"{where}: field phone {phone!r} is not an E.164 number"
            return event
        event.identifiers["phone"] = normalised
    email = event.identifiers.get("email")
    if email is not None:
        if not EMAIL.match(email):
            event.problem = f"{where}: field email {email!r} is not an e-mail address"
            return event
        event.identifiers["email"] = email.lower()
    if not event.identifiers:
        event.problem = f"{where}: no contact_id, phone or email"
    return event


def read_file(path: Path) -> list[Event]:
    """Every record of an NDJSON or CSV file as an :class:`Event` (bad ones carry a problem)."""
    path = Path(path)
    events: list[Event] = []
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                events.append(check_record(dict(row), f"{path.name} line {number}"))
        return events
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                events.append(Event(where, where, problem=f"{where}: not JSON ({exc})"))
                continue
            events.append(check_record(record, where))
    return events


def won_opportunities(con: Any, goal: str) -> list[Event]:
    """Won, not deleted Salesforce opportunities in the warehouse, as events for their account.

    The opportunity id is the transaction id, ``Amount`` the value, and the time is when it was
    last modified into the won state (``SystemModstamp``; ``CloseDate`` is only a date).
    """
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_salesforce'"
        ).fetchall()
    }
    if "opportunities" not in tables:
        return []
    rows = con.execute(
        """
        select payload->>'$.Id', payload->>'$.AccountId', payload->>'$.SystemModstamp', payload->>'$.Amount'
        from raw_salesforce.opportunities
        where (payload->>'$.IsWon') = 'true' and coalesce(payload->>'$.IsDeleted', 'false') <> 'true'
        order by 1
        """
    ).fetchall()
    events = []
    for opportunity_id, account_id, modstamp, amount in rows:
        stamp = (modstamp or "").replace("+0000", "+00:00")
        record = {
            "transaction_id": opportunity_id,
            "occurred_at": stamp,
            "goal": goal,
            "value": amount,
            "account_id": account_id or "",
        }
        events.append(check_record(record, f"opportunity {opportunity_id}"))
    return events
