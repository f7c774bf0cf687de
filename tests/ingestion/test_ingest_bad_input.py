"""File mode against broken and inconsistent input: nothing stops a source, nothing is
dropped silently, and a build over what landed succeeds.

The input is the generated small tenant with real damage applied: lines cut
mid-way (past the first MiB, and the last line of a file), byte order marks, a
truncated saved page, uncastable nested values, duplicate nested ids, an oversize
record, a corrected record in a later part file.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from ingest_helpers import query

from ingestion.run import format_summary, run_ingest
from ingestion.tables import MAX_RECORD_BYTES, SOURCES
from ingestion.validation import RAW_TEXT_LIMIT

BOM = b"\xef\xbb\xbf"
NOT_JSON = "record is not valid JSON: "


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _copy(small_tenant: Path, root: Path, *resources: str) -> None:
    for resource in resources:
        shutil.copytree(small_tenant / resource, root / resource)


def _quarantine(warehouse: Path, schema: str = "raw_genesys") -> list[tuple[Any, ...]]:
    return query(
        warehouse,
        f"SELECT resource, record_key, field, reason, source_file, line_number, raw_record "
        f"FROM {schema}.quarantine ORDER BY resource, source_file, line_number, record_key",
    )


def test_cut_lines_and_byte_order_marks_lose_only_the_cut_lines(small_tenant: Path, tmp_path: Path) -> None:
    root = tmp_path / "export"
    _copy(small_tenant, root, "genesys/conversations", "genesys/users", "genesys/queues")
    part = root / "genesys" / "conversations" / "part-00000.ndjson"
    lines = _lines(part)
    # the first line that starts past 1 MiB (beyond DuckDB's first read buffer)
    offset, cut_at = 0, None
    for number, line in enumerate(lines, start=1):
        if offset > 1024 * 1024:
            cut_at = number
            break
        offset += len(line) + 1
    assert cut_at is not None and cut_at < len(lines) - 1
    cut = lines[cut_at - 1][: len(lines[cut_at - 1]) // 2]
    last = lines[-1][:-25]
    damaged = [*lines[: cut_at - 1], cut, *lines[cut_at:-1], last]
    part.write_bytes(BOM + b"\n".join(damaged))  # BOM on line 1, no newline after the cut last line
    users = root / "genesys" / "users" / "part-00000.ndjson"
    users.write_bytes(BOM + users.read_bytes())

    warehouse = tmp_path / "cut.duckdb"
    summary = run_ingest(warehouse, ["genesys"], from_files=root, progress=False)
    assert summary.ok, format_summary(summary)

    ids = {orjson.loads(line)["conversationId"] for line in lines}
    lost = {orjson.loads(lines[cut_at - 1])["conversationId"], orjson.loads(lines[-1])["conversationId"]}
    loaded = {row[0] for row in query(warehouse, "SELECT conversation_id FROM raw_genesys.conversations")}
    assert loaded == ids - lost, "every other line of the file lands, the BOM line included"
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.users")[0][0] == len(_lines(users))
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.queues")[0][0] > 0

    rows = _quarantine(warehouse)
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows] == [
        ("conversations", None, None, "genesys/conversations/part-00000.ndjson", cut_at),
        ("conversations", None, None, "genesys/conversations/part-00000.ndjson", len(lines)),
    ]
    assert [r[6] for r in rows] == [cut.decode(), last.decode()], "the raw text of each cut line"
    assert all(r[3].startswith(NOT_JSON) and len(r[3]) > len(NOT_JSON) for r in rows), "with the parse error"
    assert summary.quarantined == {"raw_genesys.conversations": 2}


def test_broken_or_bom_pages_do_not_stop_other_sources(small_tenant: Path, tmp_path: Path) -> None:
    root = tmp_path / "export"
    _copy(small_tenant, root, "genesys/users", "salesforce/accounts", "predictive_engagement/scorecards")
    campaigns = root / "predictive_engagement" / "campaigns"
    campaigns.mkdir(parents=True)
    records = [
        orjson.loads(line)
        for line in _lines(small_tenant / "predictive_engagement/campaigns/part-00000.ndjson")
    ]
    page = orjson.dumps({"entities": records, "pageSize": 25})
    (campaigns / "page-1.json").write_bytes(BOM + page)
    (campaigns / "page-2.json").write_bytes(page[: len(page) // 2])  # a truncated download

    warehouse = tmp_path / "pages.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=root, progress=False)
    assert summary.ok, format_summary(summary)
    assert query(warehouse, "SELECT count(*) FROM raw_predictive_engagement.campaigns")[0][0] == len(records)
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.users")[0][0] > 0
    assert query(warehouse, "SELECT count(*) FROM raw_salesforce.accounts")[0][0] > 0
    rows = _quarantine(warehouse, "raw_predictive_engagement")
    assert [(r[0], r[4], r[5]) for r in rows] == [
        ("campaigns", "predictive_engagement/campaigns/page-2.json", 1)
    ]
    assert rows[0][3].startswith(NOT_JSON) and rows[0][6] == page[: len(page) // 2].decode()


def test_empty_folder_is_an_error_naming_what_was_expected(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    (empty / "unrelated").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"holds no export files.*genesys/<resource>/.*it holds: unrelated"):
        run_ingest(tmp_path / "w.duckdb", list(SOURCES), from_files=empty, progress=False)
    # a folder with data for another source than the one asked for is just as empty
    (empty / "salesforce" / "accounts").mkdir(parents=True)
    (empty / "salesforce" / "accounts" / "a.ndjson").write_bytes(b'{"Id": "001"}\n')
    with pytest.raises(ValueError, match="holds no export files for genesys"):
        run_ingest(tmp_path / "w.duckdb", ["genesys"], from_files=empty, progress=False)


def test_later_part_file_wins_and_repeats_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "export" / "genesys" / "users"
    folder.mkdir(parents=True)
    (folder / "part-00000.ndjson").write_bytes(
        b'{"id": "u1", "name": "Ann (typo)"}\n{"id": "u2", "name": "Bob"}\n'
    )
    # the correction sits on a BOM-prefixed first line (re-read line by line): it still wins
    (folder / "part-00001.ndjson").write_bytes(BOM + b'{"id": "u1", "name": "Ann"}\n')
    warehouse = tmp_path / "parts.duckdb"
    summary = run_ingest(warehouse, ["genesys"], from_files=tmp_path / "export", progress=False)
    assert summary.ok, format_summary(summary)
    names = dict(query(warehouse, "SELECT id, json_extract_string(payload, '$.name') FROM raw_genesys.users"))
    assert names == {"u1": "Ann", "u2": "Bob"}
    assert any("raw_genesys.users: 1 records repeat a key" in m for m in summary.messages), summary.messages


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        # read by the bulk scan: quarantined there (no line number)
        (1024, None),
        # beyond the largest object DuckDB's scan reads (it stops): the file is re-read
        # line by line, and the record quarantined with its line
        (24 * 1024 * 1024, 11),
    ],
)
def test_oversize_record_is_quarantined_with_its_size(
    small_tenant: Path, tmp_path: Path, extra: int, line: int | None
) -> None:
    root = tmp_path / "export"
    _copy(small_tenant, root, "genesys/conversations")
    part = root / "genesys" / "conversations" / "part-00000.ndjson"
    lines = _lines(part)[:50]
    huge = orjson.loads(lines[10])
    huge["participants"][0]["participantName"] = "x" * (MAX_RECORD_BYTES + extra)
    lines[10] = orjson.dumps(huge)
    bad_time = orjson.loads(lines[30])
    bad_time["conversationStart"] = "not a time"  # after the oversize line: still quarantined, once
    lines[30] = orjson.dumps(bad_time)
    part.write_bytes(b"\n".join(lines) + b"\n")

    warehouse = tmp_path / "huge.duckdb"
    summary = run_ingest(warehouse, ["genesys"], from_files=root, progress=False)
    assert summary.ok, format_summary(summary)
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.conversations")[0][0] == 48
    rows = _quarantine(warehouse)
    assert [(r[1], r[2]) for r in rows if r[1] == bad_time["conversationId"]] == [
        (bad_time["conversationId"], "conversationStart")
    ]
    (resource, key, field, reason, source_file, number, raw) = next(
        r for r in rows if r[1] == huge["conversationId"]
    )
    assert len(rows) == 2
    assert (resource, key, field, source_file, number) == (
        "conversations",
        huge["conversationId"],
        None,
        "genesys/conversations/part-00000.ndjson",
        line,
    )
    assert reason.startswith("record larger than 16 MiB") and str(len(lines[10])) in reason
    assert len(raw) == RAW_TEXT_LIMIT
    assert summary.quarantined == {"raw_genesys.conversations": 2}


def _sessions(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in record["participants"] for s in p.get("sessions") or []]


def test_uncastable_and_duplicate_nested_values_are_quarantined_and_the_build_passes(
    small_tenant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxlake.build import BuildOptions, run_build

    root = tmp_path / "export"
    shutil.copytree(small_tenant, root)
    part = root / "genesys" / "conversations" / "part-00000.ndjson"
    records = [orjson.loads(line) for line in _lines(part)]
    rich = [
        n
        for n, r in enumerate(records)
        if len([p for p in r["participants"] if p.get("sessions")]) >= 2
        and any(s.get("metrics") for s in _sessions(r))
        and r.get("conversationEnd")
    ]
    bad_time, bad_metric, dup_session, dup_participant, old_style = (records[n] for n in rich[:5])
    # a segment time the models cannot cast, on the second participant
    second = [p for p in bad_time["participants"] if p.get("sessions")][1]
    second["sessions"][0]["segments"][-1]["segmentEnd"] = "yesterday"
    time_path = (
        f"participants[{bad_time['participants'].index(second)}].sessions[0]"
        f".segments[{len(second['sessions'][0]['segments']) - 1}].segmentEnd"
    )
    # a metric value that is not a number
    metric_session = next(s for s in _sessions(bad_metric) if s.get("metrics"))
    metric_session["metrics"][0]["value"] = "abc"
    # two sessions sharing an id (seen in redacted exports)
    first, other = [p for p in dup_session["participants"] if p.get("sessions")][:2]
    other["sessions"][0]["sessionId"] = first["sessions"][0]["sessionId"]
    session_path = f"participants[{dup_session['participants'].index(other)}].sessions[0].sessionId"
    # two participants sharing an id
    dup_participant["participants"][1]["participantId"] = dup_participant["participants"][0]["participantId"]
    # older / in-flight shapes that must land: two-digit fractions, no end, no direction
    old_style["conversationStart"] = old_style["conversationStart"][:22] + "Z"  # ...:SS.12Z
    del old_style["conversationEnd"]
    old_style.pop("originatingDirection", None)
    part.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))

    warehouse = tmp_path / "nested.duckdb"
    summary = run_ingest(warehouse, list(SOURCES), from_files=root, progress=False)
    assert summary.ok, format_summary(summary)
    rows = query(warehouse, "SELECT record_key, field, reason FROM raw_genesys.quarantine ORDER BY reason")
    metric_index = _sessions(bad_metric).index(metric_session)
    metric_owner = next(
        (pi, si)
        for pi, p in enumerate(bad_metric["participants"])
        for si, s in enumerate(p.get("sessions") or [])
        if s is metric_session
    )
    assert metric_index >= 0
    assert sorted(rows) == sorted(
        [
            (
                dup_participant["conversationId"],
                "participants[1].participantId",
                "duplicate participantId within the record",
            ),
            (dup_session["conversationId"], session_path, "duplicate sessionId within the record"),
            (
                bad_metric["conversationId"],
                f"participants[{metric_owner[0]}].sessions[{metric_owner[1]}].metrics[0].value",
                "not an integer",
            ),
            (bad_time["conversationId"], time_path, "unparseable timestamp"),
        ]
    )
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.conversations")[0][0] == len(records) - 4
    landed = query(
        warehouse,
        "SELECT CAST(conversation_start AS VARCHAR), conversation_end FROM raw_genesys.conversations "
        f"WHERE conversation_id = '{old_style['conversationId']}'",
    )
    start = old_style["conversationStart"]
    assert landed == [(f"{start[:10]} {start[11:22]}+00", None)], "two-digit fraction, still in flight"

    monkeypatch.setenv("CXLAKE_WAREHOUSE", str(warehouse))
    assert run_build(warehouse, BuildOptions()) == 0, "the build passes over what landed"
    in_flight = query(
        warehouse,
        "SELECT is_in_flight, originating_direction FROM staging.stg_genesys__conversations "
        f"WHERE conversation_id = '{old_style['conversationId']}'",
    )
    assert in_flight == [(True, None)]


def test_queue_level_observation_groups_load(tmp_path: Path) -> None:
    folder = tmp_path / "export" / "genesys" / "queue_observations"
    folder.mkdir(parents=True)
    queue_level = {
        "group": {"queueId": "q1"},
        "data": [
            {"metric": "oActiveUsers", "stats": {"count": 3}},
            {"metric": "oMemberUsers", "stats": {"count": 5}},
        ],
    }
    media_level = {
        "group": {"queueId": "q1", "mediaType": "voice"},
        "data": [{"metric": "oWaiting", "stats": {"count": 2}}],
    }
    (folder / "observations.json").write_bytes(orjson.dumps({"results": [queue_level, media_level]}))
    warehouse = tmp_path / "observations.duckdb"
    # a table created NOT NULL on media_type by an earlier version is relaxed, not failed
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw_genesys")
        con.execute(
            "CREATE TABLE raw_genesys.queue_observations (queue_id VARCHAR NOT NULL, "
            "media_type VARCHAR NOT NULL, payload VARCHAR, _extracted_at TIMESTAMPTZ, "
            "_load_id VARCHAR, _extract_method VARCHAR, "
            "observed_at TIMESTAMPTZ NOT NULL)"
        )
    summary = run_ingest(warehouse, ["genesys"], from_files=tmp_path / "export", progress=False)
    assert summary.ok, format_summary(summary)
    rows = query(
        warehouse,
        "SELECT queue_id, media_type, json_extract_string(payload, '$.data[0].metric') "
        "FROM raw_genesys.queue_observations ORDER BY media_type NULLS FIRST",
    )
    assert rows == [("q1", None, "oActiveUsers"), ("q1", "voice", "oWaiting")]
    assert query(warehouse, "SELECT count(*) FROM raw_genesys.quarantine")[0][0] == 0


def test_uncastable_values_of_other_resources_are_quarantined(tmp_path: Path) -> None:
    root = tmp_path / "export"
    files = {
        "genesys/queues/q.ndjson": [
            {"id": "q1", "name": "Sales", "memberCount": 4},
            {"id": "q2", "name": "Billing", "memberCount": "many"},
        ],
        "genesys/user_presences/p.ndjson": [
            {"userId": "u1", "startTime": "2026-10-01T08:00:00Z", "endTime": "2026-10-01T09:00:00Z"},
            {"userId": "u2", "startTime": "2026-10-01T08:00:00Z", "endTime": "2026-10-01T07:00:00Z"},
        ],
        "genesys/campaign_stats/s.ndjson": [{"campaignId": "k1", "contactRate": {"attempts": "x"}}],
        "predictive_engagement/journey_aggregates/a.ndjson": [
            {
                "group": {"journeyActionMapId": "m1"},
                "data": [
                    {"interval": "2026-10-01T00:00:00Z/2026-10-02T00:00:00Z", "metrics": []},
                    {"interval": "2026-10-02T00:00:00Z/later", "metrics": []},
                ],
            }
        ],
    }
    for name, records in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    warehouse = tmp_path / "other.duckdb"
    summary = run_ingest(warehouse, ["genesys", "predictive_engagement"], from_files=root, progress=False)
    assert summary.ok, format_summary(summary)
    genesys = query(
        warehouse, "SELECT resource, record_key, field, reason FROM raw_genesys.quarantine ORDER BY 1"
    )
    assert genesys == [
        ("campaign_stats", "k1", "contactRate.attempts", "not an integer"),
        ("queues", "q2", "memberCount", "not an integer"),
        ("user_presences", "u2|2026-10-01T08:00:00Z", "endTime", "endTime before startTime"),
    ]
    journeys = query(warehouse, "SELECT resource, field, reason FROM raw_predictive_engagement.quarantine")
    assert journeys == [("journey_aggregates", "interval", "unparseable timestamp")]
    assert query(warehouse, "SELECT id FROM raw_genesys.queues") == [("q1",)]
    assert query(warehouse, "SELECT user_id FROM raw_genesys.user_presences") == [("u1",)]
