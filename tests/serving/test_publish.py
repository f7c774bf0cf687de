"""Publishing: only validated warehouses, complete versions, atomic swaps, readers never blocked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from cxlake.publish import PublishError, current_publication, publish
from cxlake.quality.stamp import fingerprint, write_build_stamp, write_stamp


def _set_generation(warehouse: Path, generation: int) -> None:
    """Marts whose content says which generation they are: ``generation`` rows valued ``generation``."""
    con = duckdb.connect(str(warehouse))
    con.execute("create schema if not exists marts")
    con.execute(
        f"create or replace table marts.kpis as select {generation} as generation from range({generation})"
    )
    con.execute("create or replace view marts.kpis_view as select generation * 10 as scaled from marts.kpis")
    con.close()


def _validated(warehouse: Path, success: bool = True) -> None:
    """The state now was built (a passed ``cxlake build``) and validated (``success``)."""
    write_build_stamp(warehouse, "build", 0)
    write_stamp(warehouse, fingerprint(warehouse), success, 0 if success else 1, 0)


def _read_generation(version: Path) -> int:
    con = duckdb.connect(str(version / "marts.duckdb"), read_only=True)
    try:
        rows = con.execute("select count(*), min(generation), max(generation) from marts.kpis").fetchone()
    finally:
        con.close()
    assert rows is not None and rows[0] == rows[1] == rows[2]
    return int(rows[0])


def test_publish_writes_read_only_copy_parquet_and_manifest(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _set_generation(warehouse, 3)
    _validated(warehouse)
    version = publish(warehouse, tmp_path / "pub")
    assert current_publication(tmp_path / "pub") == version
    assert _read_generation(tmp_path / "pub" / "current") == 3
    con = duckdb.connect(str(version / "marts.duckdb"), read_only=True)
    assert con.execute("select sum(scaled) from kpis_view").fetchone() == (90,)  # views materialised
    con.close()
    parquet = duckdb.sql(f"select count(*) from '{version / 'parquet' / 'kpis.parquet'}'").fetchall()
    assert parquet == [(3,)]
    manifest = json.loads((version / "publication.json").read_text())
    assert manifest["relations"]["kpis"]["rows"] == 3
    assert manifest["relations"]["kpis_view"]["source_kind"] == "view"
    assert manifest["validation"]["success"] is True
    assert not any(p.name.startswith(".") for p in (tmp_path / "pub" / "versions").iterdir())


@pytest.mark.parametrize("state", ["never_validated", "failed", "changed_since"])
def test_unvalidated_warehouse_is_never_published(tmp_path: Path, state: str) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _set_generation(warehouse, 1)
    _validated(warehouse)
    good = publish(warehouse, out)
    _set_generation(warehouse, 2)
    if state == "failed":
        _validated(warehouse, success=False)
    elif state == "changed_since":
        _validated(warehouse)
        _set_generation(warehouse, 3)
    else:
        warehouse.with_name(warehouse.name + ".validation.json").unlink()
    expected = {
        "never_validated": "never validated",
        "failed": "failed validation",
        "changed_since": "changed",
    }
    with pytest.raises(PublishError, match=expected[state]):
        publish(warehouse, out)
    assert current_publication(out) == good
    assert _read_generation(out / "current") == 1
    assert [p.name for p in (out / "versions").iterdir()] == [good.name]


def test_keeps_only_the_newest_versions(tmp_path: Path) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    published = []
    for generation in range(1, 6):
        _set_generation(warehouse, generation)
        _validated(warehouse)
        published.append(publish(warehouse, out, keep=2))
    assert sorted(p.name for p in (out / "versions").iterdir()) == [p.name for p in published[-2:]]
    assert _read_generation(out / "current") == 5


_READER = textwrap.dedent(
    """
    import json, sys, duckdb
    from pathlib import Path
    out, last = Path(sys.argv[1]), int(sys.argv[2])
    held = duckdb.connect(str(out / "current" / "marts.duckdb"), read_only=True)  # kept open throughout
    print("ready", flush=True)
    seen = []
    while not seen or seen[-1] != last:
        version = (out / "current").resolve(strict=True)
        manifest = json.loads((version / "publication.json").read_text())
        con = duckdb.connect(str(version / "marts.duckdb"), read_only=True)
        count, low, high = con.execute(
            "select count(*), min(generation), max(generation) from marts.kpis").fetchone()
        con.close()
        if not (count == low == high == manifest["relations"]["kpis"]["rows"]):
            sys.exit(f"inconsistent publication {version.name}: {count} {low} {high} {manifest}")
        if seen and count < seen[-1]:
            sys.exit(f"went back from {seen[-1]} to {count}")
        if not seen or seen[-1] != count:
            seen.append(count)
    held.execute("select count(*) from marts.kpis").fetchone()
    held.close()
    print(json.dumps(seen))
    """
)


def test_readers_see_old_or_new_never_partial_and_never_block(tmp_path: Path) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _set_generation(warehouse, 1)
    _validated(warehouse)
    publish(warehouse, out)
    last = 12
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", _READER, str(out), str(last)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for reader in readers:
            assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        # readers hold the published file open: the warehouse stays writable, publishing goes on
        for generation in range(2, last + 1):
            _set_generation(warehouse, generation)
            _validated(warehouse)
            publish(warehouse, out, keep=2)
        results = [reader.communicate(timeout=120) for reader in readers]
    finally:
        for reader in readers:
            reader.kill()
    for reader, (stdout, stderr) in zip(readers, results, strict=True):
        assert reader.returncode == 0, stderr
        seen = json.loads(stdout.strip().splitlines()[-1])
        assert seen[-1] == last and seen == sorted(seen)


def _published_rows(version: Path, relation: str) -> list[tuple]:
    con = duckdb.connect(str(version / "marts.duckdb"), read_only=True)
    try:
        return con.execute(f"select * from {relation} order by all").fetchall()
    finally:
        con.close()


def _change(warehouse: Path, *statements: str) -> None:
    """Run ``statements`` on the warehouse, then stamp the new state built and validated."""
    con = duckdb.connect(str(warehouse))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    _validated(warehouse)


def test_publish_copies_only_the_marts_that_changed(tmp_path: Path) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _set_generation(warehouse, 2)
    _change(
        warehouse,
        "create table marts.labels as select range as id, 'label ' || range as label from range(4)",
        "create table marts.retired as select 1 as id",
    )
    first = publish(warehouse, out)

    _change(
        warehouse,
        "update marts.kpis set generation = 7 where generation = 2",  # same rows, other values
        "drop table marts.retired",
    )
    second = publish(warehouse, out)

    relations = json.loads((second / "publication.json").read_text())["relations"]
    assert {name: r["reused"] for name, r in relations.items()} == {
        "kpis": False,
        "kpis_view": False,
        "labels": True,
    }
    # the unchanged mart's Parquet is the same file, the changed ones were written again
    same_file = (first / "parquet" / "labels.parquet").stat().st_ino
    assert (second / "parquet" / "labels.parquet").stat().st_ino == same_file
    assert (second / "parquet" / "kpis.parquet").stat().st_ino != (
        first / "parquet" / "kpis.parquet"
    ).stat().st_ino
    # and every reader sees this warehouse's content, nothing of the previous one
    assert _published_rows(second, "kpis") == [(7,), (7,)]
    assert _published_rows(second, "kpis_view") == [(70,), (70,)]
    assert _published_rows(second, "labels") == [(i, f"label {i}") for i in range(4)]
    parquet = duckdb.sql(f"select sum(generation) from '{second / 'parquet' / 'kpis.parquet'}'").fetchall()
    assert parquet == [(14,)]
    con = duckdb.connect(str(second / "marts.duckdb"), read_only=True)
    tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert tables == {"kpis", "kpis_view", "labels"}
    assert _published_rows(first, "kpis") == [(2,), (2,)]  # the previous version is untouched


def test_a_mart_whose_rows_mostly_stay_is_updated_by_row_difference(tmp_path: Path) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _change(
        warehouse,
        "create schema marts",
        "create table marts.daily as select range as day, range * 2 as calls from range(100)",
        # repeated identical rows: a difference cannot tell two copies from three
        "create table marts.repeated as select range % 50 as bucket from range(100)",
    )
    first = publish(warehouse, out)

    _change(
        warehouse,
        "update marts.daily set calls = -1 where day in (10, 11, 12)",  # late data
        "delete from marts.daily where day in (0, 1)",
        "insert into marts.daily values (100, 200)",
        "insert into marts.repeated values (7)",  # a third copy of a row already there twice
    )
    second = publish(warehouse, out)

    relations = json.loads((second / "publication.json").read_text())["relations"]
    assert relations["daily"]["update"] == "difference"
    assert relations["repeated"]["update"] == "copy"
    expected = duckdb.connect(str(warehouse), read_only=True)
    try:
        for mart in ("daily", "repeated"):
            rows = expected.execute(f"select * from marts.{mart} order by all").fetchall()
            assert _published_rows(second, mart) == rows
            parquet = duckdb.sql(f"select * from '{second / 'parquet' / f'{mart}.parquet'}' order by all")
            assert parquet.fetchall() == rows
    finally:
        expected.close()
    assert len(_published_rows(first, "daily")) == 100  # the previous version is untouched

    _change(warehouse, "update marts.daily set calls = 0")  # every row changed: copied whole
    third = json.loads((publish(warehouse, out) / "publication.json").read_text())["relations"]
    assert third["daily"]["update"] == "copy" and third["repeated"]["update"] == "unchanged"


def test_a_mart_copied_whole_keeps_its_partly_filled_row_group_last(tmp_path: Path) -> None:
    # The next publish's row difference appends to the published table; a partly filled row
    # group before full ones makes that checkpoint merge and rewrite them all.
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _change(
        warehouse,
        "create schema marts",
        "create table marts.big as select range as id, md5(range::varchar) as note from range(500000)",
    )
    version = publish(warehouse, out)
    con = duckdb.connect(str(version / "marts.duckdb"), read_only=True)
    try:
        sizes = con.execute(
            "select row_group_id, max(start + count) - min(start) from pragma_storage_info('big') "
            "where column_id = 0 group by row_group_id order by row_group_id"
        ).fetchall()
    finally:
        con.close()
    assert len(sizes) == 5
    assert [rows for _, rows in sizes[:-1]] == [122_880] * 4
    assert json.loads((version / "publication.json").read_text())["relations"]["big"]["rows"] == 500_000
