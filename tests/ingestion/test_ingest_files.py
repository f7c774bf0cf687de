"""File mode: generated tenant files and saved API pages -> raw tables."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import orjson
from ingest_helpers import query, sum_t_handle, warehouse_digest

from ingestion.run import format_summary, run_ingest
from ingestion.tables import SCHEMAS, SOURCES, TABLES


def _count(warehouse: Path, table: str) -> int:
    return query(warehouse, f"SELECT count(*) FROM {table}")[0][0]


def test_generated_tenant_loads_with_manifest_counts(
    small_tenant: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    warehouse = tmp_path / "files.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=small_tenant, progress=False)
    assert summary.ok, format_summary(summary)
    assert summary.quarantined_total == 0
    for source in SOURCES:
        schema = SCHEMAS[source]
        for resource, expected in manifest["counts"][source].items():
            assert _count(warehouse, f"{schema}.{resource}") == expected, f"{source}/{resource}"
    deleted = manifest["counts"].get("salesforce_deleted") or {}
    for resource, expected in deleted.items():
        assert (
            query(warehouse, f"SELECT count(*) FROM raw_salesforce.{resource} WHERE is_deleted")[0][0]
            == expected
        )
    totals = manifest["totals"]["genesys"]
    assert sum_t_handle(warehouse) == totals["sum_t_handle_ms"]
    in_flight = query(
        warehouse, "SELECT count(*) FROM raw_genesys.conversations WHERE conversation_end IS NULL"
    )
    assert in_flight[0][0] == totals["conversations_in_flight"]
    assert query(warehouse, "SELECT DISTINCT _extract_method FROM raw_genesys.conversations") == [("file",)]

    # Loading the same files again changes no entity row.
    before = warehouse_digest(warehouse)
    again = run_ingest(warehouse, list(SOURCES), from_files=small_tenant, progress=False)
    assert again.ok, format_summary(again)
    assert warehouse_digest(warehouse) == before

    # dlt's loaded packages keep their state, not a second copy of the data.
    pipelines = tmp_path / ".dlt_pipelines"
    assert list(pipelines.rglob("load_package_state.json")), "no loaded package found"
    assert [p.name for p in pipelines.rglob("*.parquet")] == []


def test_saved_pages_bad_records_and_missing_folders(small_tenant: Path, tmp_path: Path) -> None:
    root = tmp_path / "export"
    users = root / "genesys" / "users"
    users.mkdir(parents=True)
    (users / "page-1.json").write_bytes(
        orjson.dumps({"entities": [{"id": "u1", "name": "Ann"}, {"name": "no id"}], "pageNumber": 1})
    )
    presences = root / "genesys" / "user_presences"
    presences.mkdir(parents=True)
    detail = {
        "userId": "u1",
        "primaryPresence": [{"startTime": "2026-10-01T08:00:00.000Z", "systemPresence": "AVAILABLE"}],
    }
    (presences / "details.json").write_bytes(orjson.dumps({"userDetails": [detail], "totalHits": 1}))
    conversations = root / "genesys" / "conversations"
    conversations.mkdir(parents=True)
    good = {"conversationId": "c1", "conversationStart": "2026-10-01T10:00:00.000Z", "newField": {"x": 1}}
    bad_time = {"conversationId": "c2", "conversationStart": "2026-13-45T25:61:00.000Z"}
    (conversations / "part-00000.ndjson").write_bytes(
        orjson.dumps(good) + b"\n" + orjson.dumps(bad_time) + b"\n" + b"{not json\n"
    )
    analytics = root / "predictive_engagement" / "campaign_analytics"
    analytics.mkdir(parents=True)
    response = {
        "campaignId": "k1",
        "dateFrom": "2026-10-01T00:00:00Z",
        "dateTo": "2026-10-02T00:00:00Z",
        "steps": [{"stepId": "a", "contactCount": 3}, {"stepName": "b"}],
    }
    (analytics / "k1-2026-10-01.json").write_bytes(orjson.dumps(response))
    shutil.copytree(small_tenant / "salesforce" / "cases", root / "salesforce" / "cases")

    warehouse = tmp_path / "pages.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=root, progress=False)
    assert summary.ok, format_summary(summary)

    assert query(warehouse, "SELECT id FROM raw_genesys.users") == [("u1",)]
    assert query(
        warehouse, "SELECT user_id, CAST(start_time AS VARCHAR) FROM raw_genesys.user_presences"
    ) == [("u1", "2026-10-01 08:00:00+00")]
    payload = query(warehouse, "SELECT payload FROM raw_genesys.conversations")
    assert [orjson.loads(p[0]) for p in payload] == [good], "unknown fields stay in the payload"
    quarantined = query(
        warehouse,
        "SELECT resource, record_key, field, reason FROM raw_genesys.quarantine ORDER BY field NULLS FIRST",
    )
    assert quarantined == [
        (
            "conversations",
            None,
            None,
            "record is not valid JSON: unexpected character, expected a string key",
        ),
        ("conversations", "c2", "conversationStart", "unparseable timestamp"),
        ("users", None, "id", "missing id"),
    ]
    assert query(
        warehouse, "SELECT resource, record_key, field, reason FROM raw_predictive_engagement.quarantine"
    ) == [("campaign_analytics", "k1|2026-10-01T00:00:00Z", "steps[1].stepId", "missing stepId")]
    assert _count(warehouse, "raw_predictive_engagement.campaign_analytics") == 0
    assert summary.quarantined_total == 4
    # Folders that are missing are "no data": their tables exist, empty, with their columns.
    assert _count(warehouse, "raw_genesys.queues") == 0
    assert _count(warehouse, "raw_salesforce.accounts") == 0
    columns = query(
        warehouse,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw_genesys' AND table_name = 'campaign_stats' ORDER BY ordinal_position",
    )
    assert [c[0] for c in columns] == [
        "campaign_id",
        "payload",
        "_extracted_at",
        "_load_id",
        "_extract_method",
        "observed_at",
    ]
    assert _count(warehouse, "raw_salesforce.cases") > 0


def test_in_flight_conversation_is_replaced_by_a_later_load(tmp_path: Path) -> None:
    def export(name: str, records: list[dict[str, Any]]) -> Path:
        folder = tmp_path / name / "genesys" / "conversations"
        folder.mkdir(parents=True)
        (folder / "part-00000.ndjson").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        return tmp_path / name

    in_flight = {"conversationId": "c1", "conversationStart": "2026-10-01T10:00:00.000Z"}
    other = {"conversationId": "c2", "conversationStart": "2026-10-01T11:00:00.000Z"}
    ended = {**in_flight, "conversationEnd": "2026-10-01T10:07:00.000Z"}
    warehouse = tmp_path / "merge.duckdb"
    day1 = export("day1", [in_flight, other, in_flight])
    first = run_ingest(warehouse, ["genesys"], from_files=day1, progress=False)
    assert first.ok and first.rows["raw_genesys.conversations"] == 2, "keys are deduplicated within a run"
    second = run_ingest(warehouse, ["genesys"], from_files=export("day2", [ended]), progress=False)
    assert second.ok, format_summary(second)
    rows = query(
        warehouse,
        "SELECT conversation_id, CAST(conversation_end AS VARCHAR) FROM raw_genesys.conversations ORDER BY 1",
    )
    assert rows == [("c1", "2026-10-01 10:07:00+00"), ("c2", None)]


def test_every_raw_table_is_created(tmp_path: Path) -> None:
    # one record of one resource: every other folder is missing ("no data")
    empty = tmp_path / "almost-empty"
    (empty / "genesys" / "divisions").mkdir(parents=True)
    (empty / "genesys" / "divisions" / "d.ndjson").write_bytes(b'{"id": "d1", "name": "Home"}\n')
    warehouse = tmp_path / "empty.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=empty, progress=False)
    assert summary.ok, format_summary(summary)
    tables = set(query(warehouse, "SELECT table_schema || '.' || table_name FROM information_schema.tables"))
    expected = {(f"{spec.schema}.{spec.name}",) for spec in TABLES.values()}
    expected |= {
        (f"{schema}.quarantine",) for schema in ("raw_genesys", "raw_predictive_engagement", "raw_salesforce")
    }
    expected.add(("raw_predictive_engagement.extraction_log",))
    assert expected <= tables


def test_gzip_export_files_load_like_plain_ones(small_tenant: Path, tmp_path: Path) -> None:
    """``*.ndjson.gz`` / ``*.json.gz`` beside plain files: the same rows as the plain tenant,
    and a bad line inside a compressed file is quarantined with its file and line number."""
    plain = tmp_path / "plain.duckdb"
    assert run_ingest(plain, list(SOURCES), from_files=small_tenant, progress=False).ok

    root = tmp_path / "compressed"
    shutil.copytree(small_tenant, root)
    compressed = 0
    for path in sorted(root.rglob("*.ndjson")):
        if path.parent.name == "queues":
            continue  # stays plain: a folder may mix both
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
        compressed += 1
    assert compressed > 10
    warehouse = tmp_path / "compressed.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=root, progress=False)
    assert summary.ok, format_summary(summary)
    assert summary.quarantined_total == 0
    assert warehouse_digest(warehouse) == warehouse_digest(plain)

    # a saved page and a broken line, both compressed
    users = root / "genesys" / "users"
    (users / "page-9.json.gz").write_bytes(
        gzip.compress(orjson.dumps({"entities": [{"id": "u-gz", "name": "Zip"}], "pageNumber": 9}))
    )
    part = sorted((root / "genesys" / "conversations").glob("*.ndjson.gz"))[0]
    lines = gzip.decompress(part.read_bytes()).splitlines()
    part.write_bytes(gzip.compress(b"\n".join([*lines, b"{broken"]) + b"\n"))
    again = run_ingest(warehouse, ["genesys"], from_files=root, progress=False)
    assert again.ok, format_summary(again)
    assert query(warehouse, "SELECT id FROM raw_genesys.users WHERE id = 'u-gz'") == [("u-gz",)]
    quarantined = (
        "SELECT source_file, line_number FROM raw_genesys.quarantine WHERE resource = 'conversations'"
    )
    assert query(warehouse, quarantined) == [(part.relative_to(root).as_posix(), len(lines) + 1)]
    assert _count(warehouse, "raw_genesys.conversations") == _count(plain, "raw_genesys.conversations")
