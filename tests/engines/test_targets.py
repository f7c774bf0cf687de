"""Choosing the engine: ``--target`` / ``BuildOptions.target`` / ``CXLAKE_TARGET`` reach dbt,
and ingestion lands the raw layer in that engine's dlt destination."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from cxlake import build
from cxlake.build import BuildOptions, run_build
from ingestion.destinations import UnknownTarget, destination_for, target_name


def _dbt_args(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: BuildOptions) -> list[str]:
    invoked: list[list[str]] = []
    monkeypatch.setattr(build, "_invoke", lambda args: invoked.append(args) or 1)
    monkeypatch.setenv("CXLAKE_SANDBOX", "1")
    assert run_build(tmp_path / "w.duckdb", options) == 1
    (args,) = invoked
    return args


def _target(args: list[str]) -> str:
    return args[args.index("--target") + 1]


def test_the_target_reaches_dbt_from_options_arguments_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CXLAKE_TARGET", raising=False)
    assert _target(_dbt_args(monkeypatch, tmp_path, BuildOptions())) == "duckdb"
    assert _target(_dbt_args(monkeypatch, tmp_path, BuildOptions(target="postgres"))) == "postgres"
    given = _dbt_args(monkeypatch, tmp_path, BuildOptions(dbt_args=("--target", "postgres")))
    assert given.count("--target") == 1 and _target(given) == "postgres"
    monkeypatch.setenv("CXLAKE_TARGET", "postgres")
    assert _target(_dbt_args(monkeypatch, tmp_path, BuildOptions())) == "postgres"
    assert _target(_dbt_args(monkeypatch, tmp_path, BuildOptions(target="duckdb"))) == "duckdb"


def test_an_unknown_target_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLAKE_TARGET", "snowflake")
    with pytest.raises(UnknownTarget, match="duckdb, postgres, spark"):
        target_name()


def test_each_target_has_its_dlt_destination(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXLAKE_SPARK_RAW_DIR", str(tmp_path / "raw"))
    duckdb = dlt.destinations.duckdb(str(tmp_path / "w.duckdb"))
    assert destination_for(tmp_path / "w.duckdb", duckdb, "duckdb") is duckdb
    assert destination_for(tmp_path / "w.duckdb", duckdb, "postgres").destination_name == "postgres"
    spark = destination_for(tmp_path / "w.duckdb", duckdb, "spark")
    assert spark.destination_name == "filesystem" and (tmp_path / "raw").is_dir()
