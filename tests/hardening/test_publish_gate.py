"""Publish needs the last build of this very warehouse state to have passed, not only validation;
a publish killed half-way leaves nothing that outlives the next publish; disk errors are one line."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import duckdb
import pytest

from cxlake import publish as publish_module
from cxlake.publish import PublishError, current_publication, publish
from cxlake.quality.stamp import fingerprint, read_build_stamp, write_build_stamp, write_stamp


def _marts(warehouse: Path, rows: int) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.kpis as select range as n from range({rows})")


def _validate(warehouse: Path) -> None:
    write_stamp(warehouse, fingerprint(warehouse), True, 0, 0)


@pytest.mark.parametrize(
    ("last_build", "expected"),
    [
        (None, "has no recorded build"),
        (("build", 1), "failed with exit code 1"),
        (("run", 0), "was `run`"),
        ("written_after", "changed since its last build"),
    ],
)
def test_validated_warehouse_is_not_published_without_a_passed_build(
    tmp_path: Path, last_build: object, expected: str
) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _marts(warehouse, 1)
    write_build_stamp(warehouse, "build", 0)
    _validate(warehouse)
    good = publish(warehouse, out)
    _marts(warehouse, 2)
    if last_build is None:
        warehouse.with_name(warehouse.name + ".build.json").unlink()
    elif last_build == "written_after":
        write_build_stamp(warehouse, "build", 0)
        _marts(warehouse, 3)  # e.g. an ingest after the build: validation alone would pass it
    else:
        command, code = last_build  # type: ignore[misc]
        write_build_stamp(warehouse, command, code)
    _validate(warehouse)  # `cxlake validate` passed on this state
    with pytest.raises(PublishError, match=expected):
        publish(warehouse, out)
    assert current_publication(out) == good
    assert [p.name for p in (out / "versions").iterdir()] == [good.name]


def test_build_stamp_records_the_state_it_left(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _marts(warehouse, 1)
    stamp = write_build_stamp(warehouse, "build", 1)
    assert read_build_stamp(warehouse) == stamp
    assert stamp.fingerprint == fingerprint(warehouse) and not stamp.success


def test_killed_publish_leftovers_are_pruned_once_stale(tmp_path: Path) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _marts(warehouse, 1)
    write_build_stamp(warehouse, "build", 0)
    _validate(warehouse)
    versions = out / "versions"
    stale, fresh = versions / ".tmp-20260101T000000000000Z", versions / ".tmp-29990101T000000000000Z"
    for leftover in (stale, fresh):
        (leftover / "parquet").mkdir(parents=True)
        (leftover / "parquet" / "kpis.parquet").write_bytes(b"partial")
        (leftover / "marts.duckdb").write_bytes(b"partial")
    old = time.time() - 2 * publish_module.STALE_TMP_S
    for path in [stale, *stale.rglob("*")]:
        os.utime(path, (old, old))
    final = publish(warehouse, out)
    assert not stale.exists()  # left by a publish killed long ago
    assert fresh.exists()  # may be another warehouse's publish under way right now
    assert sorted(p.name for p in versions.iterdir()) == sorted([final.name, fresh.name])


def test_publish_on_a_full_disk_is_one_publish_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "pub"
    _marts(warehouse, 1)
    write_build_stamp(warehouse, "build", 0)
    _validate(warehouse)
    good = publish(warehouse, out)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "versions" / "publication.json"))

    monkeypatch.setattr(publish_module, "_write_manifest", full_disk)
    with pytest.raises(PublishError, match="the disk is full .*; the previous publication is unchanged"):
        publish(warehouse, out)
    assert current_publication(out) == good
    assert [p.name for p in (out / "versions").iterdir()] == [good.name]


def test_warehouse_path_with_a_quote_publishes(tmp_path: Path) -> None:
    folder = tmp_path / "o'brien's data"
    folder.mkdir()
    warehouse, out = folder / "w'1.duckdb", folder / "pub'lished"
    _marts(warehouse, 4)
    write_build_stamp(warehouse, "build", 0)
    _validate(warehouse)
    version = publish(warehouse, out)
    with duckdb.connect(str(version / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from kpis").fetchone() == (4,)
    assert duckdb.read_parquet(str(version / "parquet" / "kpis.parquet")).count("*").fetchall() == [(4,)]
