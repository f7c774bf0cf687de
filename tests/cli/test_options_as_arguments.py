"""Configuration flows as arguments: the command line builds typed options once, and build,
ingest and the pipeline take the warehouse and their options from the caller, writing
nothing to ``os.environ``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import dlt
import pytest
import yaml

from cxlake import build, pipeline
from cxlake.build import WAREHOUSE_VAR, BuildOptions, run_build
from cxlake.cli import ingest_request, parse_args
from cxlake.config import PROJECT_DIR
from cxlake.dbt_vars import given_vars
from cxlake.pipeline import ALL_SOURCES, IngestRequest, api_settings

RATE_KEY = "sources.genesys.rate_limit_per_minute"


def _rendered_profile_path(dbt_args: list[str]) -> str:
    """The duckdb path ``profiles.yml`` renders to for these dbt args (dbt's own renderer)."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    template = profile["cxlake"]["outputs"]["duckdb"]["path"]
    return str(ProfileRenderer(given_vars(dbt_args)).render_value(template))


def test_build_hands_dbt_the_warehouse_it_was_given_without_touching_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXLAKE_WAREHOUSE", str(tmp_path / "elsewhere" / "other.duckdb"))
    monkeypatch.setenv("CXLAKE_SANDBOX", "1")
    invoked: list[list[str]] = []
    monkeypatch.setattr(build, "_invoke", lambda args: invoked.append(args) or 1)
    environment = dict(os.environ)
    warehouse = tmp_path / "chosen" / "cxlake.duckdb"

    assert run_build(warehouse, BuildOptions(("run", "--select", "marts"))) == 1

    assert dict(os.environ) == environment
    (args,) = invoked
    assert args[:3] == ["run", "--select", "marts"]
    assert _rendered_profile_path(args) == str(warehouse.resolve())


def test_build_refuses_a_warehouse_var_naming_another_file(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with pytest.raises(ValueError, match=WAREHOUSE_VAR):
        run_build(tmp_path / "w.duckdb", BuildOptions(("--vars", f"{{{WAREHOUSE_VAR}: {other}}}")))


def test_ingest_gets_every_option_as_an_argument_and_its_settings_only_for_its_own_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingestion.run as ingestion_pipeline

    monkeypatch.delenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE", raising=False)
    seen: dict[str, Any] = {}

    def fake_run_ingest(warehouse: Path, sources: list[str], **kwargs: Any) -> Any:
        seen.update(warehouse=warehouse, sources=sources, rate=dlt.config.get(RATE_KEY), **kwargs)
        return ingestion_pipeline.IngestSummary(ok=True, mode="http")

    monkeypatch.setattr(ingestion_pipeline, "run_ingest", fake_run_ingest)
    environment = dict(os.environ)
    warehouse = tmp_path / "cxlake.duckdb"
    request = IngestRequest(
        sources=("salesforce",),
        sandbox_url="http://127.0.0.1:1",
        start=date(2026, 10, 1),
        end=date(2026, 10, 8),
        quiet=True,
        api_settings={RATE_KEY: 1234},
    )

    assert pipeline.ingest(warehouse, request).ok

    assert seen == {
        "warehouse": warehouse,
        "sources": ["salesforce"],
        "rate": 1234,
        "base_url": None,
        "sandbox_url": "http://127.0.0.1:1",
        "from_files": None,
        "start": date(2026, 10, 1),
        "end": date(2026, 10, 8),
        "progress": False,
    }
    assert dict(os.environ) == environment
    assert dlt.config.get(RATE_KEY) is None, "the setting was for that ingest only"


def test_the_users_own_config_wins_over_run_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE", "99")
    with api_settings({RATE_KEY: 1234}):
        assert int(dlt.config.get(RATE_KEY)) == 99
    monkeypatch.delenv("SOURCES__GENESYS__RATE_LIMIT_PER_MINUTE")
    with pytest.raises(RuntimeError), api_settings({RATE_KEY: 1234}):
        assert dlt.config.get(RATE_KEY) == 1234
        raise RuntimeError("a failing ingest")
    assert dlt.config.get(RATE_KEY) is None, "restored after an error too"


def test_the_command_line_becomes_typed_options() -> None:
    args = parse_args(
        ["run", "--sandbox", "http://h:1", "--start", "2026-10-01", "--end", "2026-10-08", "--quiet"]
    )
    assert ingest_request(args) == IngestRequest(
        sources=ALL_SOURCES,
        sandbox_url="http://h:1",
        start=date(2026, 10, 1),
        end=date(2026, 10, 8),
        quiet=True,
    )
    one = ingest_request(parse_args(["ingest", "--source", "genesys", "--from-files", "export"]))
    assert one.sources == ("genesys",) and one.from_files == Path("export") and one.sandbox_url is None
