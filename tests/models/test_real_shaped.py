"""The real-shaped fixture (``tests/fixtures/real_shaped``) through ingestion and dbt, against
values computed by hand.

The fixture is a small org written in the shapes the real APIs return (see its README): voice
with an IVR, web messaging with a workflow participant and a blind transfer, a chat routed
straight to an agent, a skipped preview and a preview delivered as a callback, missed alerts,
a bot hand-off nobody answered, an in-flight conversation, repeated talk/hold metrics next to
their *Complete totals, a queue whose division was not loaded, a queue-level observation group,
and Salesforce accounts with and without the custom tier field.

One ``cxlake ingest --from-files`` and one full ``cxlake build``; then two CRM variants built
on copies of that warehouse (the org without the custom fields, and the org that names them
differently, set once in the Salesforce source settings that ``cxlake build`` passes to dbt). Every expected value is a
literal, derived in the comment next to it from the fixture's records.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_build_support import BuiltWarehouse, build_into

from cxlake.build import dbt_target_path
from ingestion.run import run_ingest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_shaped"
START = date(2024, 5, 1)
SETTLED = ("success", "pass", "warn", "no-op")

# Conversations are named by their externalTag in the fixture.
NAMED = """
    select stg.external_tag as name, ui.*
    from marts.unified_interactions as ui
    inner join staging.stg_genesys__conversations as stg using (conversation_id)
"""


def _settled(warehouse: Path) -> list[str]:
    results = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())["results"]
    return [result["unique_id"] for result in results if result["status"] not in SETTLED]


@pytest.fixture(scope="module")
def real_shaped(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    warehouse = tmp_path_factory.mktemp("real_shaped") / "warehouse.duckdb"
    sources = ["genesys", "salesforce"]
    assert run_ingest(warehouse, sources, from_files=FIXTURE, start=START, progress=False).ok
    code = build_into(warehouse)
    return BuiltWarehouse(warehouse, {}, [code], [])


def _copy(built: BuiltWarehouse, folder: Path) -> Path:
    with duckdb.connect(str(built.path)) as connection:
        connection.execute("checkpoint")
    folder.mkdir()
    copy = folder / "warehouse.duckdb"
    shutil.copyfile(built.path, copy)
    return copy


def _rewrite_payloads(connection: duckdb.DuckDBPyConnection, table: str, change: Any) -> None:
    rows = connection.execute(f"select id, payload from {table}").fetchall()
    for key, payload in rows:
        record = change(json.loads(payload))
        if record is None:
            connection.execute(f"delete from {table} where id = ?", [key])
        else:
            connection.execute(f"update {table} set payload = ? where id = ?", [json.dumps(record), key])


CRM_SELECTION = (
    "--select",
    "stg_salesforce__accounts+",
    "stg_salesforce__account_history+",
    "stg_genesys__queue_observations+",
    "--full-refresh",
)


@pytest.fixture(scope="module")
def without_custom_fields(
    real_shaped: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The org without the custom tier / LTV fields: its Account payloads lack them and its
    AccountHistory has no rows for them. Also lands, as a raw row of the warehouse contract, an
    Account holding only ``Id`` and ``Name``."""
    warehouse = _copy(real_shaped, tmp_path_factory.mktemp("crm") / "without_custom_fields")
    with duckdb.connect(str(warehouse)) as connection:

        def strip(record: dict[str, Any]) -> dict[str, Any]:
            record.pop("Account_Tier__c", None)
            record.pop("Customer_LTV_USD__c", None)
            return record

        _rewrite_payloads(connection, "raw_salesforce.accounts", strip)
        _rewrite_payloads(
            connection,
            "raw_salesforce.account_history",
            lambda record: None if record["Field"] == "Account_Tier__c" else record,
        )
        connection.execute(
            "insert into raw_salesforce.accounts (id, system_modstamp, is_deleted, payload, _extracted_at, _load_id, _extract_method) "
            "values (?, null, null, ?, now(), 'test', 'file')",
            [
                "001Dn00000EchoAAA",
                json.dumps(
                    {
                        "attributes": {
                            "type": "Account",
                            "url": "/services/data/v62.0/sobjects/Account/001Dn00000EchoAAA",
                        },
                        "Id": "001Dn00000EchoAAA",
                        "Name": "Echo Minimal",
                    }
                ),
            ],
        )
    code = build_into(warehouse, CRM_SELECTION)
    return BuiltWarehouse(warehouse, {}, [code], [])


@pytest.fixture(scope="module")
def renamed_custom_fields(
    real_shaped: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The org whose tier / LTV fields are named Service_Tier__c / Lifetime_Value__c (its
    AccountHistory tracks Service_Tier__c), configured once in the Salesforce source settings."""
    warehouse = _copy(real_shaped, tmp_path_factory.mktemp("crm") / "renamed_custom_fields")
    with duckdb.connect(str(warehouse)) as connection:

        def rename(record: dict[str, Any]) -> dict[str, Any]:
            if "Account_Tier__c" in record:
                record["Service_Tier__c"] = record.pop("Account_Tier__c")
            if "Customer_LTV_USD__c" in record:
                record["Lifetime_Value__c"] = record.pop("Customer_LTV_USD__c")
            return record

        def rename_history(record: dict[str, Any]) -> dict[str, Any]:
            if record["Field"] == "Account_Tier__c":
                record["Field"] = "Service_Tier__c"
            return record

        _rewrite_payloads(connection, "raw_salesforce.accounts", rename)
        _rewrite_payloads(connection, "raw_salesforce.account_history", rename_history)
    # set once, where ingestion reads it too: cxlake build passes it to dbt as vars
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCES__SALESFORCE__TIER_FIELD", "Service_Tier__c")
        patch.setenv("SOURCES__SALESFORCE__LTV_FIELD", "Lifetime_Value__c")
        code = build_into(warehouse, CRM_SELECTION)
    return BuiltWarehouse(warehouse, {}, [code], [])


def test_fixture_loads_and_every_mart_builds(real_shaped: BuiltWarehouse) -> None:
    assert real_shaped.build_codes == [0]
    assert _settled(real_shaped.path) == []
    # 12 conversations in two saved jobs-results pages, all in the mart
    assert real_shaped.query("select count(*) from marts.unified_interactions") == [(12,)]


def test_unified_interactions_match_hand_computed_values(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        f"""
        select name, agent_name, answering_agent_count, missed_alert_count, abandoned, transferred,
            was_escalated, handled_by_bot_only, handle_time_ms, talk_time_ms, hold_time_ms
        from ({NAMED}) order by name
        """
    )
    expected = {
        # alice answered; tTalk 120000 + 60000 = 180000 (tTalkComplete 180000 not added);
        # tHeld 30000 (tHeldComplete 30000 not added); tHandle 230000
        "voice_ivr": ("Alice Archer", 1, 0, False, False, False, False, 230000, 180000, 30000),
        # bob answered first (10:00:30), blind transfer (nBlindTransferred, disconnect transfer) to
        # carol: two answering agents -> escalated; tHandle 90000 + 150000; tTalk 80000 + 130000
        "webmessaging_blind_transfer": ("Bob Baker", 2, 0, False, True, True, False, 240000, 210000, None),
        # no acd participant: dave answered directly; tHandle 100000, tTalk 90000
        "chat_direct_to_agent": ("Dave Diaz", 1, 0, False, False, False, False, 100000, 90000, None),
        # alice took the preview (interact) and skipped it; tHandle 37000, no talk metric
        "preview_skipped": ("Alice Archer", 1, 0, False, False, False, False, 37000, None, None),
        # bob's callback session then his voice session: one answering agent, no transfer;
        # tHandle 342000 on the voice session, tTalk 300000
        "preview_dialled_callback": ("Bob Baker", 1, 0, False, False, False, False, 342000, 300000, None),
        # carol alerted, tNotResponding, ININ-WRAP-UP-TIMEOUT: missed; dave answered (210000)
        "missed_alert_then_answered": ("Dave Diaz", 1, 1, False, False, False, False, 210000, 200000, None),
        # alice missed the alert, the caller left the queue (tAbandon): abandoned, no agent
        "missed_alert_then_abandon": (None, 0, 1, True, False, False, False, None, None, None),
        # bot hand-off, bob missed it, the visitor left (tAbandon): abandoned, not contained
        "bot_handoff_unanswered": (None, 0, 1, True, False, False, False, None, None, None),
        # bot only, botHandled 'true': contained
        "bot_contained": (None, 0, 0, False, False, False, True, None, None, None),
        # bot + carol answered is an escalation by structure, but the flow's escalated 'false' decides
        "attribute_says_not_escalated": (
            "Carol Chen",
            1,
            0,
            False,
            False,
            False,
            False,
            300000,
            270000,
            None,
        ),
        # dave is talking: answered (interact, tAnswered), no tHandle / tTalk yet
        "in_flight": ("Dave Diaz", 1, 0, False, False, False, False, None, None, None),
        # an internal user (purpose user) reaches an external party's voicemail: no agent at all
        "user_call_to_voicemail": (None, 0, 0, False, False, False, False, None, None, None),
    }
    assert {name: values for name, *values in rows} == {
        name: list(values) for name, values in expected.items()
    }


def test_unified_interactions_queues_divisions_media_and_tiers(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        f"""
        select name, media_type, direction, queue_name, division_name, is_in_flight, customer_tier, industry,
            wrap_up_code_name, message_type
        from ({NAMED}) order by name
        """
    )
    billing_division = real_shaped.query(
        "select division_id from staging.stg_genesys__queues where queue_name = 'Billing'"
    )
    unknown_division = f"Unknown division {billing_division[0][0]}"
    expected = {
        # ACC Acme: Mid-Market until the AccountHistory change at 2024-05-01 12:00, Enterprise after
        "voice_ivr": (
            "voice",
            "inbound",
            "Support",
            "Home",
            False,
            "Mid-Market",
            "Banking",
            "Resolved",
            None,
        ),
        "webmessaging_blind_transfer": (
            "message",
            "inbound",
            "Support",
            "Home",
            False,
            "SMB",
            "Retail",
            "Resolved",
            "webmessaging",
        ),
        # older record: no originatingDirection; routed without a queue; Delta Labs sends no tier field
        "chat_direct_to_agent": (
            "chat",
            None,
            None,
            "Home",
            False,
            "Unknown",
            "Technology",
            "Resolved",
            None,
        ),
        # only the agent's callback-type preview session: media callback; the system code is the wrap-up
        "preview_skipped": (
            "callback",
            "outbound",
            "Sales",
            "Home",
            False,
            None,
            None,
            "ININ-OUTBOUND-PREVIEW-SKIPPED",
            None,
        ),
        # the customer's session is voice; bob's wrap-up code id maps to "Sale"
        "preview_dialled_callback": ("voice", "outbound", "Sales", "Home", False, None, None, "Sale", None),
        # queue Billing is loaded, its division is not: the id stays with an unknown name
        "missed_alert_then_answered": (
            "voice",
            "inbound",
            "Billing",
            unknown_division,
            False,
            "Mid-Market",
            "Healthcare",
            "Resolved",
            None,
        ),
        # 14:00, after Acme's change to Enterprise; the missed alert left no wrap-up code
        "missed_alert_then_abandon": (
            "voice",
            "inbound",
            "Support",
            "Home",
            False,
            "Enterprise",
            "Banking",
            None,
            None,
        ),
        # the missed alert's ININ-WRAP-UP-TIMEOUT is never the conversation's wrap-up
        "bot_handoff_unanswered": (
            "message",
            "inbound",
            "Support",
            "Home",
            False,
            "SMB",
            "Retail",
            None,
            "webmessaging",
        ),
        "bot_contained": (
            "message",
            "inbound",
            None,
            "Home",
            False,
            "Mid-Market",
            "Healthcare",
            None,
            "webmessaging",
        ),
        "attribute_says_not_escalated": (
            "chat",
            "inbound",
            "Support",
            "Home",
            False,
            "Enterprise",
            "Banking",
            "Resolved",
            None,
        ),
        "in_flight": ("voice", "inbound", "Sales", "Home", True, "SMB", "Retail", None, None),
        "user_call_to_voicemail": ("voice", "outbound", None, "Home", False, None, None, None, None),
    }
    assert {name: values for name, *values in rows} == {
        name: list(values) for name, values in expected.items()
    }


def test_escalation_by_tier_matches_hand_computed_values(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        "select customer_tier, total_contacts, escalations, escalation_rate_pct, avg_handle_time_minutes, "
        "avg_customer_ltv, as_of_date from marts.escalation_by_tier order by customer_tier"
    )
    # linked, ended conversations in the 30 days to 2024-05-02 (in_flight excluded; previews and
    # the internal call are not linked):
    assert rows == [
        # missed_alert_then_abandon (no handle) + attribute_says_not_escalated (300000 ms = 5 min);
        # no escalation (the attribute says false); Acme LTV 500000
        ("Enterprise", 2, 0, 0.0, 5.0, 500000.0, date(2024, 5, 2)),
        # voice_ivr (230000) + missed_alert_then_answered (210000) + bot_contained (none):
        # 440000 / 2 / 60000 = 3.666... min; LTV (500000 + 150000 + 150000) / 3
        (
            "Mid-Market",
            3,
            0,
            0.0,
            pytest.approx(440000 / 2 / 60000),
            pytest.approx(800000 / 3),
            date(2024, 5, 2),
        ),
        # webmessaging_blind_transfer (escalated, 240000) + bot_handoff_unanswered: 1 of 2 = 50%
        ("SMB", 2, 1, 50.0, 4.0, 20000.0, date(2024, 5, 2)),
        # chat_direct_to_agent, account without the tier field: 100000 ms; no LTV field -> null
        ("Unknown", 1, 0, 0.0, pytest.approx(100000 / 60000), None, date(2024, 5, 2)),
    ]


def test_bot_containment_by_industry_matches_hand_computed_values(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        "select industry, total_contacts, bot_contained_contacts, bot_containment_pct, escalations, "
        "abandoned_contacts from marts.bot_containment_by_industry order by industry"
    )
    assert rows == [
        # voice_ivr, missed_alert_then_abandon (abandoned), attribute_says_not_escalated
        ("Banking", 3, 0, 0.0, 0, 1),
        # missed_alert_then_answered, bot_contained (contained): 1 of 2
        ("Healthcare", 2, 1, 50.0, 0, 0),
        # webmessaging_blind_transfer (escalated), bot_handoff_unanswered (abandoned, not
        # contained), in_flight (the 7-day window keeps in-flight conversations)
        ("Retail", 3, 0, 0.0, 1, 1),
        # chat_direct_to_agent
        ("Technology", 1, 0, 0.0, 0, 0),
    ]


def test_campaign_kpis_skip_previews_and_count_the_dialled_callback_once(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        "select campaign_name, interval_start_at, contacted, connected, voicemail_count, preview_skipped "
        "from marts.campaign_kpis where contacted > 0 or preview_skipped > 0 order by interval_start_at"
    )
    assert rows == [
        # preview_skipped at 12:00: ININ-OUTBOUND-PREVIEW-SKIPPED, no dialing / contacting segment
        ("Renewals Preview", datetime(2024, 5, 1, 12, 0), 0, 0, 0, 1),
        # preview_dialled_callback at 12:30: callback session then a dialled voice session
        # (dialing, contacting) answered by a person (callable.person): one contact, one connect
        ("Renewals Preview", datetime(2024, 5, 1, 12, 30), 1, 1, 0, 0),
    ]


def test_staging_keeps_the_real_fields(real_shaped: BuiltWarehouse) -> None:
    purposes = real_shaped.query(
        "select distinct purpose from staging.stg_genesys__conversation_participants order by 1"
    )
    assert [purpose for (purpose,) in purposes] == [
        "acd",
        "agent",
        "botflow",
        "customer",
        "external",
        "ivr",
        "user",
        "voicemail",
        "workflow",
    ]
    # conversationStart 2024-05-01T09:00:00.12Z: two-digit fractional seconds
    assert real_shaped.query(
        "select conversation_started_at from staging.stg_genesys__conversations where external_tag = 'voice_ivr'"
    ) == [(datetime(2024, 5, 1, 9, 0, 0, 120000),)]
    sessions = real_shaped.query(
        """
        select message_type, journey_customer_id, journey_customer_session_id
        from staging.stg_genesys__conversation_sessions as sessions
        inner join staging.stg_genesys__conversations using (conversation_id)
        where external_tag = 'webmessaging_blind_transfer' and purpose = 'customer'
        """
    )
    assert sessions == [
        ("webmessaging", "a9d2c6f0-1b2e-4e55-9b63-5d1c0b7e2f11", "c2f5e7a1-8d3b-4b0c-a1e2-9f8d7c6b5a40")
    ]
    callbacks = real_shaped.query(
        "select callback_numbers, callback_scheduled_at, used_routing from staging.stg_genesys__conversation_sessions "
        "where media_type = 'callback' order by callback_numbers"
    )
    assert callbacks == [
        ("+15550123", None, None),
        ("+15550124,+15550125", datetime(2024, 5, 1, 12, 25), None),
    ]
    segments = real_shaped.query(
        """
        select segment_type, error_code, sip_response_codes, wrap_up_note, segment_properties is not null
        from staging.stg_genesys__conversation_segments
        where error_code is not null or sip_response_codes is not null or wrap_up_note is not null
            or segment_properties is not null
        order by all
        """
    )
    assert segments == [
        ("interact", None, "180,302", None, False),
        ("interact", None, None, None, True),
        ("voicemail", "error.ininedgecontrol.session.inactive", "200", None, False),
        ("wrapup", None, None, "Reset the customer's card PIN", False),
    ]


def test_accounts_standard_fields_and_compound_address(real_shaped: BuiltWarehouse) -> None:
    rows = real_shaped.query(
        "select account_name, customer_tier, ltv_usd, industry, account_owner, annual_revenue, billing_country, billing_city "
        "from staging.stg_salesforce__accounts order by account_name"
    )
    assert rows == [
        # BillingAddress compound field
        ("Acme Bank", "Enterprise", 500000.0, "Banking", "Jane Doe", 950000000.0, "United States", "Chicago"),
        # BillingAddress null, flat BillingCountry / BillingCity
        ("Bolt Retail", "SMB", 20000.0, "Retail", "Ravi Patel", 4200000.0, "Canada", "Toronto"),
        (
            "Cobalt Health",
            "Mid-Market",
            150000.0,
            "Healthcare",
            "Jane Doe",
            61000000.0,
            "United States",
            "Boston",
        ),
        # no custom fields selected, "Owner": null (empty lookup)
        ("Delta Labs", "Unknown", None, "Technology", None, None, None, None),
    ]


def test_org_without_custom_fields_builds_with_unknown_tier(without_custom_fields: BuiltWarehouse) -> None:
    assert without_custom_fields.build_codes == [0]
    assert _settled(without_custom_fields.path) == []
    accounts = without_custom_fields.query(
        "select account_name, customer_tier, ltv_usd, industry, account_owner from staging.stg_salesforce__accounts order by 1"
    )
    assert accounts == [
        ("Acme Bank", "Unknown", None, "Banking", "Jane Doe"),
        ("Bolt Retail", "Unknown", None, "Retail", "Ravi Patel"),
        ("Cobalt Health", "Unknown", None, "Healthcare", "Jane Doe"),
        ("Delta Labs", "Unknown", None, "Technology", None),
        # a page carrying only Id and Name
        ("Echo Minimal", "Unknown", None, None, None),
    ]
    # every linked, ended conversation of the window (8, as above) now has tier Unknown;
    # the one escalation is webmessaging_blind_transfer; handle 230000 + 240000 + 100000 +
    # 210000 + 300000 over 5 conversations with a handle time; no LTV anywhere
    assert without_custom_fields.query(
        "select customer_tier, total_contacts, escalations, avg_handle_time_minutes, avg_customer_ltv "
        "from marts.escalation_by_tier"
    ) == [("Unknown", 8, 1, pytest.approx(1080000 / 5 / 60000), None)]
    # standard fields still flow: the industries are unchanged
    assert without_custom_fields.query(
        "select industry, total_contacts from marts.bot_containment_by_industry order by 1"
    ) == [("Banking", 3), ("Healthcare", 2), ("Retail", 3), ("Technology", 1)]


def test_queue_level_observation_group_is_data(real_shaped: BuiltWarehouse) -> None:
    # loaded by `cxlake ingest --from-files` like every other result group, not quarantined
    rows = real_shaped.query(
        "select media_type, is_queue_level, metric_name, qualifier, observed_count "
        "from staging.stg_genesys__queue_observations where is_queue_level order by observation_index"
    )
    # group {queueId} only: oActiveUsers 3, oMemberUsers 4, oOnQueueUsers IDLE 2 / INTERACTING 1
    assert rows == [
        (None, True, "oActiveUsers", None, 3),
        (None, True, "oMemberUsers", None, 4),
        (None, True, "oOnQueueUsers", "IDLE", 2),
        (None, True, "oOnQueueUsers", "INTERACTING", 1),
    ]


def test_renamed_custom_fields_set_once_in_vars(renamed_custom_fields: BuiltWarehouse) -> None:
    assert renamed_custom_fields.build_codes == [0]
    assert renamed_custom_fields.query(
        "select account_name, customer_tier, ltv_usd from staging.stg_salesforce__accounts order by 1"
    ) == [
        ("Acme Bank", "Enterprise", 500000.0),
        ("Bolt Retail", "SMB", 20000.0),
        ("Cobalt Health", "Mid-Market", 150000.0),
        ("Delta Labs", "Unknown", None),
    ]
    # the AccountHistory filter follows the var too: Acme is Mid-Market before 12:00 on
    # 2024-05-01 and Enterprise after, so the marts equal the default org's
    rows = renamed_custom_fields.query(
        f"select name, customer_tier from ({NAMED}) where customer_tier is not null order by name"
    )
    assert dict(rows) == {
        "attribute_says_not_escalated": "Enterprise",
        "bot_contained": "Mid-Market",
        "bot_handoff_unanswered": "SMB",
        "chat_direct_to_agent": "Unknown",
        "in_flight": "SMB",
        "missed_alert_then_abandon": "Enterprise",
        "missed_alert_then_answered": "Mid-Market",
        "voice_ivr": "Mid-Market",
        "webmessaging_blind_transfer": "SMB",
    }
    assert renamed_custom_fields.query(
        "select customer_tier, total_contacts, escalations from marts.escalation_by_tier order by 1"
    ) == [("Enterprise", 2, 0), ("Mid-Market", 3, 0), ("SMB", 2, 1), ("Unknown", 1, 0)]
