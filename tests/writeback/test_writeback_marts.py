"""Write-backs come back with the next ingest and reach ``campaign_kpis`` once each."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from unittest import mock

import duckdb

from cxlake.build import BuildOptions, run_build
from cxlake.lock import warehouse_lock
from cxlake.writeback.push import PushOptions, push_conversions, write_client
from ingestion.run import run_ingest
from sandbox.generator.contact_lists import conversion_file

ADMIN = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")


def _completions(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select campaign_id, sum(goal_completions) from marts.campaign_kpis group by 1"
        ).fetchall()
    return {campaign: int(total or 0) for campaign, total in rows}


def test_pushed_conversions_show_in_campaign_kpis_equal_to_ground_truth(
    sandbox_server, wb_tenant: Path, warehouse: Path, tmp_path: Path
) -> None:
    events = tmp_path / "conversions.ndjson"
    truth = conversion_file(wb_tenant, events, seed=21, resolvable=45, orphans=5, duplicates=3)
    with mock.patch.dict(os.environ, {"CXLAKE_WAREHOUSE": str(warehouse), "CXLAKE_SANDBOX": "1"}):
        assert (
            run_build(
                warehouse,
                BuildOptions(
                    ("build", "--select", "+campaign_kpis", "--exclude", "resource_type:test", "--quiet")
                ),
            )
            == 0
        )
        before = _completions(warehouse)

        server = sandbox_server(faults="flaky", data_dir=wb_tenant, rate_limit_per_minute=0)
        server.app.contactlists.job_delay_s = 0.02
        options = PushOptions(batch_size=10, interval_s=0, rate_limit_per_minute=0, job_poll_s=0.02)
        client = write_client(server.url, None, ADMIN[0], ADMIN[1], options)
        summary = push_conversions(
            warehouse,
            client,
            file=events,
            options=options,
            lock=lambda: warehouse_lock(warehouse, "test push"),
            mirror_lock=lambda: warehouse_lock(warehouse, "test push"),
        )
        assert summary.ok and summary.mirrored, summary
        # the next ingest reads the updated contacts back
        started = time.monotonic()
        last_day = date(2026, 10, 28)  # contacts and entities are read whole; one day of conversations
        ingest = run_ingest(
            warehouse,
            ["genesys"],
            sandbox_url=server.url,
            start=last_day,
            end=date(2026, 10, 29),
            progress=False,
        )
        assert ingest.ok
        print(f"ingest over HTTP: {time.monotonic() - started:.1f} s")
        selection = ["int_conversion_writebacks+,+campaign_kpis", "+conversion_writeback_exceptions"]
        assert run_build(warehouse, BuildOptions(("run", "--select", *selection, "--quiet"))) == 0
        after = _completions(warehouse)

    gained = {campaign: after.get(campaign, 0) - before.get(campaign, 0) for campaign in after}
    expected = {campaign: truth["new_completions_by_campaign"].get(campaign, 0) for campaign in after}
    assert sum(expected.values()) == len(truth["resolvable"]) > 0
    assert gained == expected
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exceptions = dict(
            con.execute(
                "select transaction_id, exception_kind from marts.conversion_writeback_exceptions"
            ).fetchall()
        )
        writebacks = con.execute(
            "select count(*), count(distinct transaction_id) from intermediate.int_conversion_writebacks"
        ).fetchone()
        ingested = dict(
            con.execute("select payload->>'$.id', payload from raw_genesys.contact_list_contacts").fetchall()
        )
    assert exceptions == {txn: "orphaned" for txn in truth["orphans"]}
    assert writebacks == (len(truth["resolvable"]), len(truth["resolvable"]))
    # what ingest read back: each converted contact flagged, none carrying another contact's transaction
    for txn, expected in truth["resolvable"].items():
        assert '"cxlake_converted":"true"' in ingested[expected["contact_id"]].replace(" ", "")
        assert not [
            other for other, payload in ingested.items() if other != expected["contact_id"] and txn in payload
        ]
