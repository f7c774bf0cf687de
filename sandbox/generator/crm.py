"""Salesforce side of the tenant: Accounts (with tier history), Cases, Opportunities.

Conversations link to accounts through :class:`CrmIndex`, which knows each
account's tier over time (the tier in force at a conversation's start is the
account's initial tier changed by every ``AccountHistory`` row before it).
Deleted rows are written but never referenced by conversations.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator.output import TenantWriter
from sandbox.generator.timestamps import DAY_MS, HOUR_MS, iso_date, iso_sf

API_VERSION = "v62.0"
TIERS = ("SMB", "Mid-Market", "Enterprise", "Strategic")
_TIER_SHARE = (0.45, 0.30, 0.17, 0.08)
_TIER_CONTACT_WEIGHT = {"SMB": 1.0, "Mid-Market": 1.5, "Enterprise": 2.6, "Strategic": 3.0}
# Names of the custom Account fields for tier and lifetime value, per ``crm_fields`` mode:
# "custom" (the names the demo org uses), "renamed" (another org's names for the same
# data), "absent" (an org without such fields: no tier, no LTV, no tier history).
CRM_FIELDS: dict[str, tuple[str | None, str | None]] = {
    "custom": ("Account_Tier__c", "Customer_LTV_USD__c"),
    "renamed": ("Tier__c", "Lifetime_Value__c"),
    "absent": (None, None),
}
_REVENUE = {"SMB": (5e5, 1e7), "Mid-Market": (1e7, 1e8), "Enterprise": (1e8, 2e9), "Strategic": (1e9, 2e10)}
_LTV = {"SMB": (2e3, 4e4), "Mid-Market": (4e4, 3e5), "Enterprise": (3e5, 3e6), "Strategic": (2e6, 2e7)}
_INDUSTRIES = (
    "Technology",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Telecommunications",
    "Energy",
    "Education",
    "Hospitality",
    "Transportation",
)
_NAME_A = (
    "Blue",
    "North",
    "Silver",
    "Bright",
    "Summit",
    "Pioneer",
    "Harbor",
    "Granite",
    "Cedar",
    "Atlas",
    "Vertex",
    "Golden",
    "Union",
    "Coastal",
    "Prairie",
    "Metro",
    "Crescent",
    "Liberty",
    "Evergreen",
    "Orion",
)
_NAME_B = (
    "Analytics",
    "Logistics",
    "Health",
    "Foods",
    "Energy",
    "Systems",
    "Capital",
    "Motors",
    "Media",
    "Labs",
    "Telecom",
    "Outfitters",
    "Pharma",
    "Networks",
    "Holdings",
    "Robotics",
    "Airways",
    "Textiles",
)
_NAME_C = ("Inc", "LLC", "Corp", "Group", "Ltd", "Co")
_OWNERS = (
    "Jane Doe",
    "Marcus Lee",
    "Priya Shah",
    "Tom Becker",
    "Ana Souza",
    "Kenji Watanabe",
    "Laura Chen",
    "David Okafor",
    "Sofia Rossi",
    "Ethan Brooks",
    "Maya Cohen",
    "Lucas Martin",
)
# (city, state, postal code prefix, country) of billing addresses; about one account in
# twelve has no billing address at all (``BillingAddress: null``).
_CITIES = (
    ("San Francisco", "CA", "941", "United States"),
    ("Austin", "TX", "787", "United States"),
    ("Chicago", "IL", "606", "United States"),
    ("New York", "NY", "100", "United States"),
    ("Atlanta", "GA", "303", "United States"),
    ("Denver", "CO", "802", "United States"),
    ("Seattle", "WA", "981", "United States"),
    ("Boston", "MA", "021", "United States"),
    ("Toronto", "ON", "M5V", "Canada"),
    ("London", None, "EC1", "United Kingdom"),
    ("Dublin", None, "D02", "Ireland"),
    ("Munich", "BY", "803", "Germany"),
    ("Sydney", "NSW", "200", "Australia"),
)
_STREETS = ("Market St", "Main St", "Congress Ave", "Harbor Blvd", "Park Ave", "Elm St", "King St W")
_NO_ADDRESS_SHARE = 0.08
_CASE_SUBJECTS = (
    "Cannot log in",
    "Invoice discrepancy",
    "Feature request",
    "Service outage",
    "Upgrade question",
    "Data export failing",
    "Password reset",
    "Contract renewal",
    "API rate limit errors",
    "Billing address change",
)
_CASE_TYPES = ("Problem", "Question", "Feature Request")
_ORIGINS = ("Phone", "Web", "Email", "Chat")
_PRIORITIES = ("Low", "Medium", "High")
_OPPORTUNITY_KINDS = ("Renewal", "Expansion", "New Business", "Upsell")
_OPEN_STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECK = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SPACE = 62**10
_ID_MULTIPLIER = 2_654_435_761  # odd and not a multiple of 31: a bijection on 62**10


def sf_id(prefix: str, number: int, seed: int) -> str:
    """18-character Salesforce id (with the real case-safe checksum), unique per (prefix, number)."""
    value = (number * _ID_MULTIPLIER + seed * 7_919 + 12_345) % _ID_SPACE
    digits = []
    for _ in range(10):
        value, rest = divmod(value, 62)
        digits.append(_B62[rest])
    body = prefix + "5g" + "".join(reversed(digits))
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(body[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _CHECK[bits]
    return body + suffix


def _attributes(sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/{API_VERSION}/sobjects/{sobject}/{record_id}"}


@dataclass(slots=True)
class CrmAccount:
    id: str
    initial_tier: str
    change_times: list[int] = field(default_factory=list)
    change_tiers: list[str] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)

    def tier_at(self, at_ms: int) -> str:
        """Tier in force at ``at_ms`` (a change at exactly ``at_ms`` is already in force)."""
        position = bisect_right(self.change_times, at_ms)
        return self.change_tiers[position - 1] if position else self.initial_tier


class CrmIndex:
    """Accounts conversations may reference (never deleted ones), weighted by tier."""

    def __init__(self, accounts: list[CrmAccount]) -> None:
        self.accounts = accounts
        self._cumulative: list[float] = []
        total = 0.0
        for account in accounts:
            total += _TIER_CONTACT_WEIGHT[account.initial_tier]
            self._cumulative.append(total)
        self._total = total

    def pick(self, rng: random.Random) -> CrmAccount:
        return self.accounts[bisect_right(self._cumulative, rng.random() * self._total)]


@dataclass
class CrmSummary:
    index: CrmIndex
    deleted: dict[str, int]
    tier_changes: int
    referencable_case_ids: list[str]


class _Ids:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.numbers: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        number = self.numbers.get(prefix, 0)
        self.numbers[prefix] = number + 1
        return sf_id(prefix, number, self.seed)


def generate_crm(
    out: TenantWriter,
    rng: random.Random,
    seed: int,
    n_accounts: int,
    period_start_ms: int,
    period_end_ms: int,
    crm_fields: str = "custom",
) -> CrmSummary:
    """Write accounts, account_history, cases, opportunities; return the index for linking.

    ``crm_fields`` names the custom tier / LTV fields (see :data:`CRM_FIELDS`); the hidden
    tier still drives the accounts' behaviour when the org has no field to show it.
    """
    tier_field, ltv_field = CRM_FIELDS[crm_fields]
    # Addresses draw from their own stream, so adding them changed no other generated value.
    address_rng = random.Random(f"cxlake:{seed}:billing-address")
    ids = _Ids(seed)
    owners = [(ids.next("005"), name) for name in _OWNERS]
    n_deleted_accounts = max(3, n_accounts // 200)
    linkable: list[CrmAccount] = []
    deleted = {"accounts": 0, "cases": 0, "opportunities": 0}
    tier_changes = 0
    case_number = 10_000
    referencable_case_ids: list[str] = []
    period_ms = period_end_ms - period_start_ms
    for number in range(n_accounts):
        account_id = ids.next("001")
        is_deleted = (
            number % max(1, n_accounts // n_deleted_accounts) == 7
            and deleted["accounts"] < n_deleted_accounts
        )
        tier = rng.choices(TIERS, _TIER_SHARE)[0]
        created = period_start_ms - rng.randrange(30, 2_000) * DAY_MS - rng.randrange(0, DAY_MS)
        modified = min(period_start_ms - DAY_MS, created + rng.randrange(1, 600) * DAY_MS)
        account = CrmAccount(account_id, tier)
        if not is_deleted and rng.random() < 0.09:
            tier_changes += _plan_tier_changes(rng, account, period_start_ms, period_ms)
        for at_ms, (old, new) in zip(account.change_times, _transitions(account), strict=True):
            if tier_field is None:  # no field, no field history
                continue
            out.writer("salesforce", "account_history").write(
                {
                    "attributes": _attributes("AccountHistory", history_id := ids.next("017")),
                    "Id": history_id,
                    "AccountId": account_id,
                    "Field": tier_field,
                    "OldValue": old,
                    "NewValue": new,
                    "CreatedDate": iso_sf(at_ms),
                    "IsDeleted": False,
                }
            )
            modified = at_ms
        if is_deleted:
            deleted["accounts"] += 1
            modified = period_start_ms + rng.randrange(0, period_ms)
        owner_id, owner_name = owners[rng.randrange(len(owners))]
        low, high = _REVENUE[tier]
        ltv_low, ltv_high = _LTV[tier]
        record: dict[str, Any] = {
            "attributes": _attributes("Account", account_id),
            "Id": account_id,
            "Name": f"{rng.choice(_NAME_A)} {rng.choice(_NAME_B)} {rng.choice(_NAME_C)}",
            "Type": rng.choice(("Customer - Direct", "Customer - Direct", "Customer - Channel", "Partner")),
            "Industry": rng.choice(_INDUSTRIES),
            "Account_Tier__c": account.change_tiers[-1] if account.change_tiers else tier,
            "OwnerId": owner_id,
            "Owner": {"attributes": _attributes("User", owner_id), "Name": owner_name},
            "AnnualRevenue": float(round(rng.uniform(low, high), -3)),
            "Customer_LTV_USD__c": round(rng.uniform(ltv_low, ltv_high), 2),
            "BillingAddress": billing_address(address_rng),
            "CreatedDate": iso_sf(created),
            "LastModifiedDate": iso_sf(modified),
            "SystemModstamp": iso_sf(modified + 1_000),
            "IsDeleted": is_deleted,
        }
        out.writer("salesforce", "accounts").write(_with_field_names(record, tier_field, ltv_field))
        if is_deleted:
            continue
        linkable.append(account)
        for _ in range(rng.choices((0, 1, 2, 3), (0.25, 0.35, 0.25, 0.15))[0]):
            case_number += 1
            case_id, case_deleted, referencable = _write_case(
                out, rng, ids, account_id, case_number, period_start_ms, period_ms, deleted
            )
            if referencable:
                account.case_ids.append(case_id)
                referencable_case_ids.append(case_id)
            deleted["cases"] += case_deleted
        for _ in range(rng.choices((0, 1, 2), (0.4, 0.4, 0.2))[0]):
            deleted["opportunities"] += _write_opportunity(
                out, rng, ids, account_id, tier, period_start_ms, period_ms
            )
    return CrmSummary(CrmIndex(linkable), deleted, tier_changes, referencable_case_ids)


def _with_field_names(
    record: dict[str, Any], tier_field: str | None, ltv_field: str | None
) -> dict[str, Any]:
    """The record with the org's names for the tier / LTV fields (same position), or without them."""
    names = {"Account_Tier__c": tier_field, "Customer_LTV_USD__c": ltv_field}
    renamed: dict[str, Any] = {}
    for name, value in record.items():
        if name not in names:
            renamed[name] = value
        elif names[name] is not None:
            renamed[names[name]] = value
    return renamed


def billing_address(rng: random.Random) -> dict[str, Any] | None:
    """A compound ``BillingAddress`` value as Salesforce returns it (keys in its order), or None."""
    if rng.random() < _NO_ADDRESS_SHARE:
        return None
    city, state, postal, country = rng.choice(_CITIES)
    suffix = f"{rng.randrange(100):02d}" if postal.isdigit() else f" {rng.randrange(1, 9)}AB"
    return {
        "city": city,
        "country": country,
        "geocodeAccuracy": None,
        "latitude": None,
        "longitude": None,
        "postalCode": postal + suffix,
        "state": state,
        "street": f"{rng.randrange(1, 2_000)} {rng.choice(_STREETS)}",
    }


def _plan_tier_changes(rng: random.Random, account: CrmAccount, period_start_ms: int, period_ms: int) -> int:
    changes = 2 if rng.random() < 0.2 else 1
    times = sorted(period_start_ms + rng.randrange(HOUR_MS, period_ms - HOUR_MS) for _ in range(changes))
    current = TIERS.index(account.initial_tier)
    for at_ms in times:
        step = rng.choice((-1, 1))
        if not 0 <= current + step < len(TIERS):
            step = -step
        current += step
        account.change_times.append(at_ms)
        account.change_tiers.append(TIERS[current])
    return changes


def _transitions(account: CrmAccount) -> list[tuple[str, str]]:
    olds = [account.initial_tier, *account.change_tiers][: len(account.change_tiers)]
    return list(zip(olds, account.change_tiers, strict=True))


def _write_case(
    out: TenantWriter,
    rng: random.Random,
    ids: _Ids,
    account_id: str,
    case_number: int,
    period_start_ms: int,
    period_ms: int,
    deleted: dict[str, int],
) -> tuple[str, int, bool]:
    case_id = ids.next("500")
    in_period = rng.random() < 0.2
    created = (
        period_start_ms + rng.randrange(0, period_ms)
        if in_period
        else period_start_ms - rng.randrange(1, 120) * DAY_MS + rng.randrange(0, DAY_MS)
    )
    closed = rng.random() < 0.55
    closed_at = created + rng.randrange(HOUR_MS, 20 * DAY_MS) if closed else None
    if closed_at is not None and closed_at >= period_start_ms + period_ms:
        closed, closed_at = False, None
    is_deleted = rng.random() < 0.01 or (case_number % 997 == 0)
    modstamp = min(
        max(created, closed_at or created) + rng.randrange(1_000, HOUR_MS),
        period_start_ms + period_ms - 1_000,
    )
    if is_deleted:
        modstamp = max(modstamp, period_start_ms + rng.randrange(0, period_ms))
    out.writer("salesforce", "cases").write(
        {
            "attributes": _attributes("Case", case_id),
            "Id": case_id,
            "AccountId": account_id,
            "CaseNumber": f"{case_number:08d}",
            "Subject": rng.choice(_CASE_SUBJECTS),
            "Status": "Closed" if closed else rng.choice(("New", "Working", "Escalated")),
            "Type": rng.choice(_CASE_TYPES),
            "Priority": rng.choice(_PRIORITIES),
            "Origin": rng.choice(_ORIGINS),
            "IsClosed": closed,
            "CreatedDate": iso_sf(created),
            "ClosedDate": iso_sf(closed_at) if closed_at is not None else None,
            "SystemModstamp": iso_sf(modstamp),
            "IsDeleted": is_deleted,
        }
    )
    return case_id, int(is_deleted), not is_deleted and not in_period


def _write_opportunity(
    out: TenantWriter,
    rng: random.Random,
    ids: _Ids,
    account_id: str,
    tier: str,
    period_start_ms: int,
    period_ms: int,
) -> int:
    opportunity_id = ids.next("006")
    created = period_start_ms - rng.randrange(1, 200) * DAY_MS + rng.randrange(0, period_ms)
    close_ms = created + rng.randrange(20, 150) * DAY_MS
    closed = close_ms < period_start_ms + period_ms and rng.random() < 0.7
    won = closed and rng.random() < 0.45
    stage = ("Closed Won" if won else "Closed Lost") if closed else rng.choice(_OPEN_STAGES)
    is_deleted = rng.random() < 0.012
    low, high = {
        "SMB": (2e3, 3e4),
        "Mid-Market": (2e4, 2e5),
        "Enterprise": (1e5, 2e6),
        "Strategic": (5e5, 8e6),
    }[tier]
    modstamp = min(
        (close_ms if closed else created) + rng.randrange(1_000, HOUR_MS), period_start_ms + period_ms - 1_000
    )
    out.writer("salesforce", "opportunities").write(
        {
            "attributes": _attributes("Opportunity", opportunity_id),
            "Id": opportunity_id,
            "AccountId": account_id,
            "Name": f"{rng.choice(_OPPORTUNITY_KINDS)} {iso_date(created)[:7]}",
            "StageName": stage,
            "Amount": float(round(rng.uniform(low, high), -2)),
            "CloseDate": iso_date(close_ms),
            "IsClosed": closed,
            "IsWon": won,
            "CreatedDate": iso_sf(created),
            "SystemModstamp": iso_sf(modstamp),
            "IsDeleted": is_deleted,
        }
    )
    return int(is_deleted)


def account_count(scale_factor: float) -> int:
    return max(150, round(1_500 * scale_factor))
