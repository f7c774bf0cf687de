"""One memory setting bounds every DuckDB connection cxlake opens (and dbt's).

``CXLAKE_MEMORY_LIMIT`` / ``CXLAKE_THREADS`` / ``CXLAKE_TEMP_DIRECTORY`` are read by
``cxlake.config``; each opener is asked, through its own connection, what DuckDB runs with.
"""

from __future__ import annotations

import ast
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from cxlake import config, duck

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SQL = (
    "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
)


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A warehouse path under ``tmp_path`` with a 1 GiB limit and one thread."""
    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    monkeypatch.setenv("CXLAKE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CXLAKE_MEMORY_LIMIT", "1GiB")
    monkeypatch.setenv("CXLAKE_THREADS", "1")
    monkeypatch.delenv("CXLAKE_TEMP_DIRECTORY", raising=False)
    return warehouse


def _settings(con) -> tuple[str, int, str]:  # noqa: ANN001 - any DB-API connection
    memory, threads, temp = con.execute(SETTINGS_SQL).fetchone()
    return str(memory), int(threads), str(temp)


@pytest.mark.parametrize(
    ("raw", "mib"),
    [("4GB", 3814), ("4GiB", 4096), ("512MB", 488), ("1.5 GiB", 1536), ("2048MiB", 2048)],
)
def test_memory_limit_accepts_sizes(monkeypatch: pytest.MonkeyPatch, raw: str, mib: int) -> None:
    monkeypatch.setenv("CXLAKE_MEMORY_LIMIT", raw)
    assert config.memory_limit() == f"{mib}MiB"


def test_default_and_percent_are_shares_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    machine_mib = config.machine_memory_bytes() // 1024**2
    monkeypatch.delenv("CXLAKE_MEMORY_LIMIT", raising=False)
    assert abs(int(config.memory_limit().removesuffix("MiB")) - machine_mib / 2) <= 1
    monkeypatch.setenv("CXLAKE_MEMORY_LIMIT", "25%")
    assert abs(int(config.memory_limit().removesuffix("MiB")) - machine_mib / 4) <= 1


@pytest.mark.parametrize("raw", ["lots", "4XB", "0%", "150%", "10MB", "-1GB"])
def test_bad_memory_limit_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("CXLAKE_MEMORY_LIMIT", raw)
    with pytest.raises(ValueError, match="CXLAKE_MEMORY_LIMIT"):
        config.memory_limit()


def test_bad_threads_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLAKE_THREADS", "0")
    with pytest.raises(ValueError, match="CXLAKE_THREADS"):
        config.duckdb_threads()


def test_connect_applies_limit_threads_and_temp_directory_beside_the_warehouse(limited: Path) -> None:
    with duck.connect() as con:
        assert _settings(con) == ("1.0 GiB", 1, str(limited.parent / ".duckdb_tmp"))


def test_a_query_beyond_the_limit_spills_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, limited: Path
) -> None:
    monkeypatch.setenv("CXLAKE_MEMORY_LIMIT", "100MB")
    with duck.connect() as con:
        sql = "select count(distinct m) from (select md5(i::varchar) as m from range(4000000) t(i))"
        # without a temp directory DuckDB answers "Out of Memory Error" here
        assert con.execute(sql).fetchone() == (4_000_000,)
        assert (limited.parent / ".duckdb_tmp").is_dir()  # created by DuckDB on the first spill


def test_temp_directory_setting_wins(monkeypatch: pytest.MonkeyPatch, limited: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("CXLAKE_TEMP_DIRECTORY", str(tmp_path / "spill"))
    with duck.connect() as con:
        assert _settings(con)[2] == str(tmp_path / "spill")


def test_no_duckdb_connect_outside_the_helper() -> None:
    """Every connection of cxlake's own code and of ingestion goes through ``cxlake.duck``."""
    direct = []
    for package in ("cxlake", "ingestion"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "cxlake" / "duck.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "duckdb"
                ):
                    direct.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert direct == []


def test_ingestion_transformer_and_loader_share_the_limit(limited: Path) -> None:
    from ingestion.validation import RecordValidator
    from ingestion.warehouse import make_pipeline

    transformer = RecordValidator(limited)
    try:
        assert _settings(transformer.con) == ("256.0 MiB", 1, str(limited.parent / ".duckdb_tmp"))
    finally:
        transformer.close()
    pipeline = make_pipeline(limited, "genesys", "raw_genesys")
    with pipeline.sql_client() as client:
        with client.execute_query(SETTINGS_SQL) as cursor:
            assert tuple(cursor.fetchone()) == ("768.0 MiB", 1, str(limited.parent / ".duckdb_tmp"))


def test_validation_reader_applies_the_limit(limited: Path) -> None:
    from cxlake.quality.runner import read_only

    limited.parent.mkdir(parents=True)
    duck.connect(limited).close()
    with read_only(limited) as con:
        assert _settings(con) == ("1.0 GiB", 1, str(limited.parent / ".duckdb_tmp"))


def test_dashboard_reader_applies_the_limit(limited: Path, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "dashboard"))
    from dashboard_fixture_marts import build_publication

    from cxlake.dashboard.audience import parse_audience
    from cxlake.dashboard.reader import MartReader

    publication = build_publication(tmp_path / "published")
    with MartReader(publication, parse_audience("internal")) as reader:
        assert _settings(reader._con) == ("1.0 GiB", 1, str(limited.parent / ".duckdb_tmp"))


def test_live_metrics_apply_the_limit(limited: Path, tmp_path: Path) -> None:
    from cxlake.live.metrics import LiveMetrics

    con = LiveMetrics(tmp_path / "live").connect()
    try:
        assert _settings(con) == ("1.0 GiB", 1, str(limited.parent / ".duckdb_tmp"))
    finally:
        con.close()


def test_dbt_runs_with_the_limit(limited: Path) -> None:
    """The profile reads what ``cxlake build`` exports: dbt's own DuckDB connection is bounded."""
    from cxlake.build import BuildOptions, run_build

    show = ("show", "--inline", SETTINGS_SQL.replace("select ", "select 1 as k, "), "--output", "json")
    out = io.StringIO()
    with redirect_stdout(out):
        code = run_build(limited, BuildOptions(dbt_args=show))
    assert code == 0, out.getvalue()
    printed = out.getvalue()
    shown = json.loads(printed[printed.index("{") :])["show"][0]
    assert list(shown.values())[1:] == ["1.0 GiB", 1, str(limited.parent / ".duckdb_tmp")]
