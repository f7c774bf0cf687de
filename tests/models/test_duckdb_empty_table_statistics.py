"""The DuckDB behaviour behind the first-load windows' rewrite of a table created empty.

DuckDB 2.0 keeps the statistics of an empty table for a table created empty and filled in the
same transaction, until a checkpoint: a later filtered join to it in the same process finds no
row. The first-load windows (macros/first_load_windows.sql) create a model's table from its
first window and append the others in that transaction; when the first window gave no row,
they create the table again from the next window instead of appending to it, which is what this
checks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ROWS = 300_000  # more than one row group (122,880 rows)
FILTERED_JOIN = (
    "select count(*) from (select * from t where ts >= timestamp '2026-10-01' "
    "and ts < timestamp '2026-12-31') as recent join s using (id)"
)


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(
        f"create table src as select 'c' || (i % 1000) as id, timestamp '2026-10-01' + to_seconds(i) as ts "
        f"from range({ROWS}) as r(i)"
    )
    con.execute("create table s as select distinct id from src")
    con.execute("checkpoint")
    return con


def test_a_table_created_empty_then_created_again_from_rows_in_one_transaction_joins_right(
    tmp_path: Path,
) -> None:
    con = _warehouse(tmp_path / "w.duckdb")
    con.execute("begin")
    con.execute("create table t as select * from src where false")
    # what run_first_load_windows does while the table is empty, in the same transaction
    con.execute("drop table t")
    con.execute("create table t as select * from src where ts < timestamp '2026-10-02'")
    con.execute("insert into t select * from src where ts >= timestamp '2026-10-02'")
    con.execute("commit")
    assert con.execute(FILTERED_JOIN).fetchone() == (ROWS,)


def test_a_table_created_from_rows_and_filled_in_one_transaction_joins_right(tmp_path: Path) -> None:
    # the usual first build: the first window gave rows, nothing is written again
    con = _warehouse(tmp_path / "w.duckdb")
    con.execute("begin")
    con.execute("create table t as select * from src where ts < timestamp '2026-10-02'")
    con.execute("insert into t select * from src where ts >= timestamp '2026-10-02'")
    con.execute("commit")
    assert con.execute(FILTERED_JOIN).fetchone() == (ROWS,)


def test_a_table_created_empty_and_filled_in_one_transaction_is_what_the_windows_avoid(tmp_path: Path) -> None:
    # the engine behaviour itself: when a DuckDB release fixes it, this fails and the windows'
    # re-creation can go
    con = _warehouse(tmp_path / "w.duckdb")
    con.execute("begin")
    con.execute("create table t as select * from src where false")
    con.execute("insert into t select * from src")
    con.execute("commit")
    assert con.execute(FILTERED_JOIN).fetchone() == (0,)
