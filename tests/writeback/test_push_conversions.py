"""``cxlake push conversions`` against the simulator: exactly once, orphans held back, kill -9 safe.

Delivery is counted on the simulator side. A bulk patch carries no transaction (one patch for
every contact of the job): ``ContactListsApi.batch_deliveries`` counts, per (contact, write id),
the first time a write reached the contact and ``batch_replays`` the same write again; the
outbox maps each transaction to its write. The ``put`` path writes the contact's own entries:
``deliveries`` / ``replays`` count them per transaction.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from cxlake_cli import PROJECT

from cxlake.writeback.outbox import Outbox
from cxlake.writeback.push import PushOptions, push_conversions, write_client
from ingestion.http_client import ClientCredentials, OAuth, WriteScopeRefused, new_session
from sandbox.generator.contact_lists import conversion_file
from sandbox.simulator.contact_lists import conversion_entries

ADMIN = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")


def _client(server, options: PushOptions):
    return write_client(server.url, None, ADMIN[0], ADMIN[1], options)


def _outbox_rows(outbox: Path) -> list[dict]:
    box = Outbox(outbox)
    try:
        return box.rows()
    finally:
        box.close()


def _delivered(sim: dict, outbox: Path) -> dict[str, int]:
    """Transaction id -> times the simulator applied its bulk write to its contact (first time).

    Also checks that every write the simulator applied is the write the outbox holds for that
    contact's transactions (a transaction sent again in another write would show here)."""
    rows = _outbox_rows(outbox)
    owned = {(row["contact_id"], row["batch_id"]) for row in rows if row["batch_id"]}
    assert set(sim["batch_deliveries"]) <= owned, set(sim["batch_deliveries"]) - owned
    return {
        row["transaction_id"]: sim["batch_deliveries"][(row["contact_id"], row["batch_id"])]
        for row in rows
        if (row["contact_id"], row["batch_id"]) in sim["batch_deliveries"]
    }


def _orphan_reasons(outbox: Path) -> dict[str, str]:
    box = Outbox(outbox)
    try:
        return {row["transaction_id"]: row["reason"] for row in box.rows("orphaned")}
    finally:
        box.close()


def test_flaky_push_delivers_every_resolvable_event_once_and_holds_back_orphans(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path, push_options: PushOptions
) -> None:
    events = tmp_path / "conversions.csv"
    truth = conversion_file(wb_tenant, events, resolvable=40, orphans=10, duplicates=5)
    server = sandbox_server(faults="flaky", data_dir=wb_tenant, rate_limit_per_minute=0)
    server.app.contactlists.job_delay_s = 0.02
    outbox = tmp_path / "outbox.sqlite"
    push_options.batch_size = 2
    client = _client(server, push_options)

    summary = push_conversions(warehouse, client, file=events, outbox_path=outbox, options=push_options)

    assert summary.ok, summary.error
    assert summary.retries + summary.throttles > 0, "the flaky profile met no fault: the test proves nothing"
    sim = server.app.contactlists.snapshot()
    assert _delivered(sim, outbox) == {txn: 1 for txn in truth["resolvable"]}
    assert not sim["deliveries"] and not sim["replays"]  # no transaction travels in a bulk patch
    assert summary.states["acknowledged"] == len(truth["resolvable"])
    reasons = _orphan_reasons(outbox)
    assert set(reasons) == set(truth["orphans"])
    expected_words = {
        "unknown_contact_id": "contact_id",
        "phone_not_dialled": "phone",
        "email_not_found": "email",
        "phone_not_e164": "field phone",
        "no_identifier": "no contact_id, phone or email",
    }
    for txn, kind in truth["orphans"].items():
        assert expected_words[kind] in reasons[txn] and txn in reasons[txn], reasons[txn]
    # every resolved contact is marked converted by one of its own writes; other columns are kept
    batches = {row["transaction_id"]: row["batch_id"] for row in _outbox_rows(outbox)}
    for expected in truth["resolvable"].values():
        contact = sim["contacts"][expected["contact_id"]]
        assert contact["data"]["cxlake_converted"] == "true"
        assert contact["data"]["cxlake_conversion_batch"] in {
            batches[other] for other, seen in truth["resolvable"].items()
            if seen["contact_id"] == expected["contact_id"]
        }  # fmt: skip
        assert contact["data"]["phone"].startswith("+")

    writes_before = sim["write_requests"]
    again = push_conversions(warehouse, client, file=events, outbox_path=outbox, options=push_options)
    assert again.ok
    assert (again.new_pending, again.events_sent, again.requests) == (0, 0, 0)
    assert server.app.contactlists.snapshot()["write_requests"] == writes_before


def test_a_bulk_push_puts_no_other_contact_data_on_any_contact(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path, push_options: PushOptions
) -> None:
    """One patch goes to every contact of a bulk job: it must carry nothing about any one contact."""
    events = tmp_path / "conversions.csv"
    truth = conversion_file(wb_tenant, events, seed=17, resolvable=30, orphans=0, duplicates=0)
    server = sandbox_server(data_dir=wb_tenant, rate_limit_per_minute=0)
    server.app.contactlists.job_delay_s = 0.02
    outbox = tmp_path / "outbox.sqlite"
    push_options.batch_size = 10
    before = server.app.contactlists.snapshot()["contacts"]

    summary = push_conversions(
        warehouse, _client(server, push_options), file=events, outbox_path=outbox, options=push_options
    )

    assert summary.ok, summary.error
    assert summary.batches_sent >= 2 and summary.states["acknowledged"] == len(truth["resolvable"])
    txn_owner = {txn: expected["contact_id"] for txn, expected in truth["resolvable"].items()}
    pushed = set(txn_owner.values())
    sim = server.app.contactlists.snapshot()
    for contact_id, contact in sim["contacts"].items():
        text = " ".join(contact["data"].values())
        others = {other for other in pushed if other != contact_id and other in text}
        assert not others, f"contact {contact_id} carries other contacts' ids: {sorted(others)}"
        foreign = {txn for txn, owner in txn_owner.items() if owner != contact_id and txn in text}
        assert not foreign, f"contact {contact_id} carries other contacts' transactions: {sorted(foreign)}"
        if contact_id in pushed:
            assert contact["data"]["cxlake_converted"] == "true"
        else:
            assert contact["data"] == before[contact_id]["data"]
    with sqlite3.connect(outbox) as con:
        bodies = [orjson.loads(body) for (body,) in con.execute("select body from conversion_batches")]
    for body in bodies:
        assert set(body["contact"]["data"]) == {"cxlake_converted", "cxlake_conversion_batch"}


def test_kill_9_mid_push_then_rerun_still_delivers_exactly_once(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path
) -> None:
    events = tmp_path / "conversions.ndjson"
    truth = conversion_file(wb_tenant, events, seed=11, resolvable=30, orphans=3, duplicates=2)
    server = sandbox_server(faults="flaky", data_dir=wb_tenant, rate_limit_per_minute=0)
    server.app.contactlists.job_delay_s = 0.05
    outbox = tmp_path / "outbox.sqlite"
    env = {**os.environ, "CXLAKE_WAREHOUSE": str(warehouse), "CXLAKE_LOCK_TIMEOUT": "30"}
    args = [
        sys.executable, "-m", "cxlake.cli", "push", "conversions", "--sandbox", server.url,
        "--file", str(events), "--outbox", str(outbox), "--batch-size", "2", "--interval", "0.05",
        "--job-poll", "0.02", "--rate-limit-per-minute", "0",
    ]  # fmt: skip
    child = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    acknowledged = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if outbox.exists():
            try:
                with sqlite3.connect(outbox, timeout=5) as con:
                    acknowledged = con.execute(
                        "select count(*) from conversion_outbox where state = 'acknowledged'"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                acknowledged = 0
        if acknowledged >= 6:
            break
        time.sleep(0.01)
    assert child.poll() is None, (
        "the push finished before it could be killed: " + child.stdout.read().decode()
    )
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    assert 6 <= acknowledged < len(truth["resolvable"])

    rerun = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr

    sim = server.app.contactlists.snapshot()
    assert _delivered(sim, outbox) == {txn: 1 for txn in truth["resolvable"]}
    # only the batch in flight at the kill may have been sent twice (its contacts, harmlessly)
    assert sum(sim["batch_replays"].values()) <= 2
    box = Outbox(outbox)
    try:
        assert box.counts()["acknowledged"] == len(truth["resolvable"])
        assert box.counts()["pending"] == box.counts()["sent"] == 0
    finally:
        box.close()


def test_put_path_keeps_the_contact_columns_and_a_rerun_sends_nothing(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path
) -> None:
    events = tmp_path / "conversions.ndjson"
    truth = conversion_file(wb_tenant, events, seed=5, resolvable=12, orphans=2, duplicates=1)
    server = sandbox_server(faults="flaky", data_dir=wb_tenant, rate_limit_per_minute=0)
    options = PushOptions(method="put", interval_s=0, rate_limit_per_minute=0, backoff_base_s=0.01)
    before = server.app.contactlists.snapshot()["contacts"]
    client = _client(server, options)
    outbox = tmp_path / "outbox.sqlite"

    summary = push_conversions(warehouse, client, file=events, outbox_path=outbox, options=options)

    assert summary.ok, summary.error
    sim = server.app.contactlists.snapshot()
    assert sim["deliveries"] == {txn: 1 for txn in truth["resolvable"]}
    contacts = {expected["contact_id"] for expected in truth["resolvable"].values()}
    for contact_id in contacts:
        data, old = sim["contacts"][contact_id]["data"], before[contact_id]["data"]
        assert (data["phone"], data["email"], data["first_name"]) == (
            old["phone"],
            old["email"],
            old["first_name"],
        )
        assert set(conversion_entries(data["cxlake_conversions"]).values()) == {contact_id}
    assert summary.requests >= len(contacts)
    again = push_conversions(warehouse, client, file=events, outbox_path=outbox, options=options)
    assert (again.events_sent, again.requests) == (0, 0)


def test_a_refused_bulk_job_dead_letters_its_events_with_the_api_reason(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path, push_options: PushOptions
) -> None:
    events = tmp_path / "conversions.ndjson"
    truth = conversion_file(wb_tenant, events, seed=9, resolvable=6, orphans=0, duplicates=0)
    server = sandbox_server(data_dir=wb_tenant, rate_limit_per_minute=0)
    gone_txn, gone = next(iter(truth["resolvable"].items()))
    del server.app.contactlists.lists[gone["list_id"]][gone["contact_id"]]  # removed from the list since
    outbox = tmp_path / "outbox.sqlite"

    summary = push_conversions(
        warehouse, _client(server, push_options), file=events, outbox_path=outbox, options=push_options
    )

    assert summary.ok and summary.dead_lettered >= 1
    box = Outbox(outbox)
    try:
        dead = {row["transaction_id"]: row["reason"] for row in box.rows("dead_lettered")}
    finally:
        box.close()
    assert gone_txn in dead and gone["contact_id"] in dead[gone_txn] and "failed" in dead[gone_txn]
    delivered = _delivered(server.app.contactlists.snapshot(), outbox)
    assert set(delivered) | set(dead) == set(truth["resolvable"])
    assert not set(delivered) & set(dead)


def test_only_the_push_client_accepts_write_scopes(sandbox_server) -> None:
    server = sandbox_server()
    token_url = server.url + "/oauth/token"
    extraction = OAuth(ClientCredentials(token_url, *ADMIN), new_session(), 10)
    extraction.api_base = server.url
    with pytest.raises(WriteScopeRefused):
        extraction.current()
    push = OAuth(ClientCredentials(token_url, *ADMIN, allow_write_scopes=True), new_session(), 10)
    push.api_base = server.url
    assert "contacts:write" in (push.current().scope or "")


def test_sandbox_events_path_posts_each_conversion_once(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path
) -> None:
    events = tmp_path / "conversions.ndjson"
    truth = conversion_file(wb_tenant, events, seed=3, resolvable=15, orphans=2, duplicates=2)
    server = sandbox_server(faults="flaky", data_dir=wb_tenant, rate_limit_per_minute=0)
    options = PushOptions(method="events", interval_s=0, rate_limit_per_minute=0, backoff_base_s=0.01)
    client = _client(server, options)
    outbox = tmp_path / "outbox.sqlite"
    assert push_conversions(warehouse, client, file=events, outbox_path=outbox, options=options).ok
    assert push_conversions(warehouse, client, file=events, outbox_path=outbox, options=options).requests == 0

    posted: dict[str, int] = {}
    for page in client.paginate("/api/v2/contacts/events", {"pageSize": 500}):
        for event in page:
            if event["data"].get("metadata", {}).get("channel") == "cxlake_push":
                txn = event["data"]["metadata"]["transactionId"]
                assert event["contactId"] == truth["resolvable"][txn]["contact_id"]
                posted[txn] = posted.get(txn, 0) + 1
    assert posted == {txn: 1 for txn in truth["resolvable"]}


def test_won_opportunities_are_pushed_to_the_contact_dialled_for_their_account(
    sandbox_server, warehouse: Path, wb_tenant: Path, tmp_path: Path, push_options: PushOptions
) -> None:
    import duckdb

    server = sandbox_server(data_dir=wb_tenant, rate_limit_per_minute=0)
    outbox = tmp_path / "outbox.sqlite"
    summary = push_conversions(
        warehouse,
        _client(server, push_options),
        from_warehouse=True,
        outbox_path=outbox,
        options=push_options,
    )
    assert summary.ok and summary.new_pending > 0 and summary.new_orphans > 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        won = dict(
            con.execute(
                "select payload->>'$.Id', payload->>'$.AccountId' from raw_salesforce.opportunities "
                "where payload->>'$.IsWon' = 'true' and payload->>'$.IsDeleted' = 'false'"
            ).fetchall()
        )
        linked = set(
            con.execute(
                """select distinct p->>'$.attributes.sfAccountId', s->>'$.outboundContactId'
                   from (select unnest(from_json(payload->'$.participants', '["JSON"]')) as p
                         from raw_genesys.conversations where payload like '%outboundContactId%'),
                        lateral (select unnest(from_json(p->'$.sessions', '["JSON"]')) as s)
                   where p->>'$.purpose' = 'customer'"""
            ).fetchall()
        )
    box = Outbox(outbox)
    try:
        rows = box.rows()
    finally:
        box.close()
    assert {row["transaction_id"] for row in rows} == set(won)
    delivered = _delivered(server.app.contactlists.snapshot(), outbox)
    acknowledged = {row["transaction_id"]: row for row in rows if row["state"] == "acknowledged"}
    assert delivered == dict.fromkeys(acknowledged, 1)
    for txn, row in acknowledged.items():
        assert (won[txn], row["contact_id"]) in linked
    for row in rows:
        if row["state"] == "orphaned":
            assert row["transaction_id"] in row["reason"] and "account_id" in row["reason"]


def test_cli_needs_a_write_client_and_keeps_the_invented_intake_to_the_sandbox(tmp_path: Path) -> None:
    from cxlake_cli import run_cxlake

    events = tmp_path / "e.ndjson"
    events.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXLAKE_PUSH_")}
    env["CXLAKE_WAREHOUSE"] = str(tmp_path / "w.duckdb")
    missing = run_cxlake(env, "push", "conversions", "--file", str(events), timeout=60)
    assert missing.returncode == 2 and "CXLAKE_PUSH_CLIENT_ID" in missing.stderr
    invented = run_cxlake(
        {**env, "CXLAKE_PUSH_CLIENT_ID": "a", "CXLAKE_PUSH_CLIENT_SECRET": "b"},
        "push", "conversions", "--file", str(events), "--method", "events", timeout=60,
    )  # fmt: skip
    assert invented.returncode == 2 and "only the sandbox has" in invented.stderr
