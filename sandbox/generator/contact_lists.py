"""Dialer contact lists of a generated tenant, and off-call conversions to push back.

The conversation generator names every dialled contact (``outboundContactId`` and
``outboundContactListId`` on the campaign call's sessions) but writes no contact list.
This module derives the lists from a generated tenant directory, after the fact and
deterministically (``cxlake sandbox generate`` calls :func:`write_contact_lists` last), so
the simulator's contact-list endpoints and the write-back tests have contacts to resolve
and update:

- ``genesys/contact_list_contacts/part-00000.ndjson``: one ``DialerContact`` per dialled
  contact, in the real record shape (``id``, ``contactListId``, ``data`` with the list's
  columns, ``callable``, ``phoneNumberStatus``, ``selfUri``). Columns: ``phone`` (E.164,
  the number of the contact's first dial), ``email``, ``first_name``, plus the empty
  conversion columns the write-back fills (:data:`CONVERSION_COLUMNS`).
- :func:`conversion_file` writes a file of off-call business outcomes (NDJSON or CSV:
  transaction id, time, goal, value, and one of contact id / phone / email) with their
  ground truth: which events resolve to which campaign contact, which are orphans and
  why, which are resends of the same transaction.

Nothing here reads the wall clock; the same tenant and seed give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

CONTACTS_RESOURCE = ("genesys", "contact_list_contacts")
CONVERSION_COLUMNS = ("cxlake_converted", "cxlake_conversion_batch", "cxlake_conversions")
"""Contact-list columns the write-back owns (empty until a conversion is written)."""
OFF_CALL_GOALS = ("goal_purchase_001", "goal_qualified_lead_001")
FIRST_NAMES = ("Alex", "Sam", "Robin", "Kim", "Jo", "Noa", "Lee", "Ari", "Max", "Eli")


def _ndjson(directory: Path) -> Iterator[bytes]:
    for part in sorted(directory.glob("*.ndjson")):
        with part.open("rb") as handle:
            yield from (line for line in handle if line.strip())


def dialled_contacts(data_dir: Path) -> dict[str, dict[str, Any]]:
    """``contactId`` -> first dial of that contact, from the tenant's conversations, in call order:
    ``{contact_id, list_id, campaign_id, phone, first_dial, dispositions{...}, sale_goals{...}}``."""
    contacts: dict[str, dict[str, Any]] = {}
    conversations = Path(data_dir) / "genesys" / "conversations"
    for line in _ndjson(conversations):
        if b'"outboundContactId"' not in line:
            continue
        conversation = orjson.loads(line)
        ids: dict[str, str] = {}
        phone = None
        for participant in conversation.get("participants") or []:
            for session in participant.get("sessions") or []:
                if session.get("outboundContactId") and not ids:
                    ids = {
                        "contact_id": session["outboundContactId"],
                        "list_id": session.get("outboundContactListId"),
                        "campaign_id": session.get("outboundCampaignId"),
                    }
                if participant.get("purpose") == "customer" and session.get("dnis"):
                    phone = str(session["dnis"]).removeprefix("tel:")
        if not ids:
            continue
        known = contacts.get(ids["contact_id"])
        if known is None or conversation["conversationStart"] < known["first_dial"]:
            contacts[ids["contact_id"]] = {
                **ids,
                "phone": phone,
                "first_dial": conversation["conversationStart"],
            }
    return dict(sorted(contacts.items(), key=lambda item: (item[1]["first_dial"], item[0])))


def contact_email(contact_id: str) -> str:
    return f"customer.{contact_id[:12]}@example.com"


def contact_record(contact: dict[str, Any], index: int) -> dict[str, Any]:
    """The contact as ``GET /api/v2/outbound/contactlists/{listId}/contacts/{contactId}`` answers."""
    data = {
        "phone": contact["phone"] or "",
        "email": contact_email(contact["contact_id"]),
        "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
        **{column: "" for column in CONVERSION_COLUMNS},
    }
    return {
        "id": contact["contact_id"],
        "contactListId": contact["list_id"],
        "data": data,
        "callable": True,
        "phoneNumberStatus": {"phone": {"callable": True}},
        "selfUri": f"/api/v2/outbound/contactlists/{contact['list_id']}/contacts/{contact['contact_id']}",
    }


def write_contact_lists(data_dir: Path) -> int:
    """Write ``genesys/contact_list_contacts`` into a generated tenant; return the contact count."""
    data_dir = Path(data_dir)
    contacts = dialled_contacts(data_dir)
    out = data_dir.joinpath(*CONTACTS_RESOURCE)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "part-00000.ndjson").open("wb") as handle:
        for index, contact in enumerate(contacts.values()):
            handle.write(orjson.dumps(contact_record(contact, index)) + b"\n")
    return len(contacts)


def _credited(data_dir: Path) -> set[tuple[str, str]]:
    """(contact, goal) pairs the tenant already credits: pushed conversion events of the tenant.
    (Call dispositions are excluded by choosing contacts never connected to an agent with a goal:
    see :func:`conversion_file`.)"""
    credited: set[tuple[str, str]] = set()
    for line in _ndjson(Path(data_dir) / "genesys" / "conversion_events"):
        event = orjson.loads(line)
        credited.add((event.get("contactId"), (event.get("data") or {}).get("goalId")))
    return credited


def _goal_contacts(data_dir: Path) -> set[str]:
    """Contacts whose call an agent wrapped up with a goal code (credited from the call itself)."""
    goal_codes: set[str] = set()
    for line in _ndjson(Path(data_dir) / "genesys" / "wrapup_codes"):
        code = orjson.loads(line)
        if code.get("name") in ("Sale", "Callback Requested"):
            goal_codes.add(code["id"])
    contacts: set[str] = set()
    for line in _ndjson(Path(data_dir) / "genesys" / "conversations"):
        if b'"outboundContactId"' not in line or not any(code.encode() in line for code in goal_codes):
            continue
        conversation = orjson.loads(line)
        contact = None
        found = False
        for participant in conversation.get("participants") or []:
            for session in participant.get("sessions") or []:
                contact = contact or session.get("outboundContactId")
                for segment in session.get("segments") or []:
                    found = found or segment.get("wrapUpCode") in goal_codes
        if contact and found:
            contacts.add(contact)
    return contacts


def conversion_file(
    data_dir: Path,
    out: Path,
    *,
    seed: int = 7,
    resolvable: int = 60,
    orphans: int = 8,
    duplicates: int = 4,
    repeat_contacts: bool = False,
) -> dict[str, Any]:
    """Write off-call conversions to ``out`` (``.csv`` or NDJSON by suffix); return the ground truth.

    Resolvable events credit contacts that no call disposition and no pushed event credits yet,
    each (contact, goal) once, so every one is a *new* goal completion of its campaign. They name
    their contact by id, by phone or by email in turn. Orphans name nobody the campaigns dialled
    (an unknown id, an undialled phone, an unknown email, a phone not in E.164, no identifier).
    Duplicates resend a resolvable transaction. ``repeat_contacts`` lets a contact take several
    transactions (benchmarks need more events than the tenant has contacts).

    Ground truth: ``{"events": N, "transactions": [...], "resolvable": {txn: {contact_id, list_id,
    campaign_id, goal_id, value, occurred_ms}}, "orphans": {txn: reason}, "new_completions_by_campaign":
    {campaign_id: n}}``.
    """
    rng = random.Random(seed)
    contacts = dialled_contacts(data_dir)
    taken = _credited(data_dir)
    goal_contacts = _goal_contacts(data_dir)
    period = orjson.loads((Path(data_dir) / "manifest.json").read_bytes())["period"]
    start_ms = _iso_ms(period["start"])
    end_ms = _iso_ms(period["end"])
    candidates = [c for cid, c in contacts.items() if cid not in goal_contacts]
    rng.shuffle(candidates)
    rows: list[dict[str, Any]] = []
    truth: dict[str, Any] = {"resolvable": {}, "orphans": {}, "new_completions_by_campaign": {}}
    pairs: set[tuple[str, str]] = set()

    def slots() -> Iterator[tuple[dict[str, Any], str]]:
        while True:
            for goal in OFF_CALL_GOALS:
                for contact in candidates:
                    yield contact, goal
            if not repeat_contacts:
                return

    for contact, goal in slots():
        if len(truth["resolvable"]) >= resolvable or not candidates:
            break
        pair = (contact["contact_id"], goal)
        if pair in taken or (pair in pairs and not repeat_contacts):
            continue
        first_dial = _iso_ms(contact["first_dial"])
        occurred = min(end_ms - 60_000, first_dial + rng.randrange(10 * 60_000, 3 * 86_400_000))
        txn = f"WB-{seed:03d}-{len(truth['resolvable']) + 1:06d}"
        row: dict[str, Any] = {
            "transaction_id": txn,
            "occurred_at": _ms_iso(occurred),
            "goal": goal,
            "value": round(rng.uniform(20, 1_500), 2),
        }
        how = len(truth["resolvable"]) % 3
        if how == 0 or (how == 1 and not contact["phone"]):
            row["contact_id"] = contact["contact_id"]
        elif how == 1:
            row["phone"] = contact["phone"]
        else:
            row["email"] = contact_email(contact["contact_id"])
        rows.append(row)
        if pair not in pairs:
            campaigns = truth["new_completions_by_campaign"]
            campaigns[contact["campaign_id"]] = campaigns.get(contact["campaign_id"], 0) + 1
        pairs.add(pair)
        truth["resolvable"][txn] = {
            "contact_id": contact["contact_id"],
            "list_id": contact["list_id"],
            "campaign_id": contact["campaign_id"],
            "goal_id": goal,
            "value": row["value"],
            "occurred_ms": occurred,
        }
    orphan_kinds = (
        "unknown_contact_id",
        "phone_not_dialled",
        "email_not_found",
        "phone_not_e164",
        "no_identifier",
    )
    for number in range(orphans):
        kind = orphan_kinds[number % len(orphan_kinds)]
        txn = f"WB-{seed:03d}-O{number + 1:05d}"
        row = {
            "transaction_id": txn,
            "occurred_at": _ms_iso(start_ms + rng.randrange(0, end_ms - start_ms - 60_000)),
            "goal": OFF_CALL_GOALS[0],
            "value": round(rng.uniform(20, 900), 2),
        }
        digest = hashlib.sha1(f"{seed}:{number}".encode()).hexdigest()
        if kind == "unknown_contact_id":
            row["contact_id"] = digest[:32]
        elif kind == "phone_not_dialled":
            row["phone"] = f"+1{int(digest[:12], 16) % 8_000_000_000 + 2_000_000_000}"
            while any(c["phone"] == row["phone"] for c in contacts.values()):
                row["phone"] = f"+1{int(row['phone'][2:]) + 1}"
        elif kind == "email_not_found":
            row["email"] = f"nobody.{digest[:10]}@example.org"
        elif kind == "phone_not_e164":
            row["phone"] = f"555-{digest[:4]}"
        rows.append(row)
        truth["orphans"][txn] = kind
    resolvable_rows = [row for row in rows if row["transaction_id"] in truth["resolvable"]]
    for _ in range(min(duplicates, len(resolvable_rows))):
        rows.append(dict(resolvable_rows[rng.randrange(len(resolvable_rows))]))
    rng.shuffle(rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".csv":
        columns = ["transaction_id", "occurred_at", "goal", "value", "contact_id", "phone", "email"]
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    else:
        out.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    truth["events"] = len(rows)
    truth["transactions"] = sorted({row["transaction_id"] for row in rows})
    return truth


def _iso_ms(value: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def _ms_iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def main(argv: list[str] | None = None) -> int:
    """``python -m sandbox.generator.contact_lists DIR [--conversions OUT]``: add the contact lists to a
    generated tenant (serve it afterwards) and optionally write a conversions file to push."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sandbox.generator.contact_lists", description=main.__doc__
    )
    parser.add_argument("data", type=Path, help="a tenant written by `cxlake sandbox generate`")
    parser.add_argument(
        "--conversions", type=Path, help="also write off-call conversions here (.ndjson/.csv)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events", type=int, default=60, help="resolvable conversions in that file")
    args = parser.parse_args(argv)
    written = write_contact_lists(args.data)
    print(f"{written} dialled contacts written to {args.data.joinpath(*CONTACTS_RESOURCE)}")
    if args.conversions:
        truth = conversion_file(args.data, args.conversions, seed=args.seed, resolvable=args.events)
        print(
            f"{truth['events']} conversion events written to {args.conversions} "
            f"({len(truth['resolvable'])} resolvable, {len(truth['orphans'])} orphans)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
