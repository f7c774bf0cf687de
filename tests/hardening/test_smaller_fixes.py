"""The smaller hardening items: dashboard folders per audience, --end capped at now, the region as a
domain, one-line errors instead of tracebacks, quotes in paths and salts, the public salt outside
the sandbox, the sandbox bound to every interface."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from cxlake_cli import PROJECT, run_cxlake

from cxlake.cli import capped_end
from cxlake.dashboard import DashboardOutError, render
from cxlake.origin import PublicSaltRefused, check_salt, record_load, with_salt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))
from dashboard_fixture_marts import ACME_DIVISION, build_publication  # noqa: E402


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CXLAKE_WAREHOUSE": str(tmp_path / "warehouse" / "cxlake.duckdb"),
        "CXLAKE_PUBLISH_DIR": str(tmp_path / "published"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        **extra,
    }


def _one_line(run: subprocess.CompletedProcess[str], command: str) -> str:
    assert run.returncode == 2, run.stdout[-2000:] + run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cxlake {command}: error: "), run.stderr
    return lines[0]


# --- dashboards: one folder per audience -------------------------------------------------------


def test_default_dashboard_folder_is_per_audience_and_audiences_never_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publication = build_publication(tmp_path / "publication")
    monkeypatch.chdir(tmp_path)
    internal = render("internal", None, published=publication)
    partner = render(f"bpo:{ACME_DIVISION}", None, published=publication)
    assert {p.parent for p in internal} == {Path("dashboards/internal")}
    assert {p.parent for p in partner} == {Path("dashboards/bpo-acme-bpo")}
    assert sorted(p.name for p in Path("dashboards/bpo-acme-bpo").glob("*.html")) == sorted(
        p.name for p in partner
    )  # no internal page beside the partner's
    index = Path("dashboards/bpo-acme-bpo/index.html").read_text(encoding="utf-8")
    with pytest.raises(DashboardOutError, match="holds the dashboards of audience 'internal'"):
        render("bpo:Acme BPO", Path("dashboards/internal"), published=publication)
    with pytest.raises(DashboardOutError, match="holds the dashboards of audience 'bpo:Acme BPO'"):
        render("internal", Path("dashboards/bpo-acme-bpo"), published=publication)
    assert Path("dashboards/bpo-acme-bpo/index.html").read_text(encoding="utf-8") == index
    assert render("bpo:Acme BPO", Path("dashboards/bpo-acme-bpo"), published=publication)  # same: fine


def test_dashboard_out_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    publication = build_publication(tmp_path / "publication")
    target = tmp_path / "report.html"
    target.write_text("mine", encoding="utf-8")
    run = run_cxlake(_env(tmp_path), "dashboard", "--out", str(target), "--published", str(publication))
    assert f"--out {target} is a file, not a folder" in _one_line(run, "dashboard")
    assert target.read_text(encoding="utf-8") == "mine"


# --- ingest options and settings ----------------------------------------------------------------


def test_future_end_is_capped_at_now() -> None:
    today = date(2026, 12, 1)
    assert capped_end(date(2999, 1, 1), today) is None  # ingestion's "up to now"
    assert capped_end(date(2026, 12, 2), today) is None
    assert capped_end(date(2026, 12, 1), today) == date(2026, 12, 1)
    assert capped_end(None, today) is None


def test_readme_region_example_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.api_clients import genesys_client
    from ingestion.api_settings import genesys_connection
    from ingestion.http_client import HttpCounters

    monkeypatch.setenv("SOURCES__GENESYS__REGION", "mypurecloud.de")
    monkeypatch.setenv("SOURCES__GENESYS__CLIENT_ID", "id")
    monkeypatch.setenv("SOURCES__GENESYS__CLIENT_SECRET", "secret")
    client = genesys_client(genesys_connection(), HttpCounters())
    assert client.base_url == "https://api.mypurecloud.de"
    assert client.oauth.credentials.token_url == "https://login.mypurecloud.de/oauth/token"


# --- one-line errors -----------------------------------------------------------------------------

_HOLD_OPEN = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # a writer outside cxlake, e.g. a notebook or a stray dbt
print("open", flush=True)
time.sleep(600)
"""


def test_validate_and_publish_while_another_process_holds_the_warehouse_are_one_line(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    warehouse.parent.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts; create table marts.kpis as select 1 as n")
    from cxlake.quality.stamp import fingerprint, write_build_stamp, write_stamp

    write_build_stamp(warehouse, "build", 0)
    write_stamp(warehouse, fingerprint(warehouse), True, 0, 0)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_OPEN, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        for command in ("validate", "publish"):
            line = _one_line(run_cxlake(_env(tmp_path), command, timeout=180), command)
            assert f"is held open by pid {holder.pid}" in line, line
    finally:
        holder.kill()


def test_quote_in_warehouse_path_is_refused_before_loading(small_tenant: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, CXLAKE_WAREHOUSE=str(tmp_path / "o'brien" / "cxlake.duckdb"))
    run = run_cxlake(env, "ingest", "--from-files", str(small_tenant), "--quiet")
    assert "contains a ' (quote)" in _one_line(run, "ingest")


# --- the BPO hash salt ------------------------------------------------------------------------


def test_public_salt_is_refused_on_real_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXLAKE_PII_HASH_SALT", raising=False)
    monkeypatch.delenv("CXLAKE_SANDBOX", raising=False)
    sandbox_tenant = tmp_path / "tenant"
    sandbox_tenant.mkdir()
    (sandbox_tenant / "manifest.json").write_text(json.dumps({"generator": {"seed": 1}, "planted": {}}))
    exports = tmp_path / "exports"
    exports.mkdir()
    warehouse = tmp_path / "w.duckdb"
    args, salt = with_salt(["build"])
    assert salt == "cxlake" and args == ["build"]
    check_salt(warehouse, salt)  # nothing loaded through cxlake: not judged
    record_load(warehouse, "http://127.0.0.1:8765", None)
    record_load(warehouse, None, sandbox_tenant)
    check_salt(warehouse, salt)  # sandbox data only
    record_load(warehouse, None, exports)  # export files of a real org
    record_load(warehouse, "http://127.0.0.1:8765", None)  # real data, once loaded, stays
    with pytest.raises(PublicSaltRefused, match="holds data loaded from a real org"):
        check_salt(warehouse, salt)
    monkeypatch.setenv("CXLAKE_PII_HASH_SALT", "private-o'salt")
    args, salt = with_salt(["build", "--vars", "{lookback_days: 5}"])
    assert json.loads(args[2]) == {"lookback_days": 5, "pii_hash_salt": "private-o'salt"}
    check_salt(warehouse, salt)
    assert with_salt(["build", "--vars={pii_hash_salt: given}"])[1] == "given"  # --vars wins
    monkeypatch.delenv("CXLAKE_PII_HASH_SALT")
    monkeypatch.setenv("CXLAKE_SANDBOX", "1")
    check_salt(warehouse, "cxlake")  # explicit opt-in


def test_build_with_public_salt_after_a_real_load_is_one_line(small_tenant: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(small_tenant / "salesforce", exports / "salesforce")  # no sandbox manifest
    env = _env(tmp_path)
    env.pop("CXLAKE_PII_HASH_SALT", None)
    env.pop("CXLAKE_SANDBOX", None)
    ingest = run_cxlake(env, "ingest", "--source", "salesforce", "--from-files", str(exports), "--quiet")
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    began = time.monotonic()
    line = _one_line(run_cxlake(env, "build"), "build")
    assert "pii_hash_salt is the public default 'cxlake'" in line and "CXLAKE_PII_HASH_SALT" in line
    assert time.monotonic() - began < 60  # refused before dbt ran anything


def test_salt_with_a_quote_compiles_to_a_sql_string(tmp_path: Path) -> None:
    env = _env(tmp_path)
    run = run_cxlake(
        env,
        "build",
        "compile",
        "--select",
        "bpo_agent_daily_metrics",
        "--vars",
        json.dumps({"pii_hash_salt": "o'brien"}),
        "--quiet",
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    compiled = next((tmp_path / "warehouse" / "dbt_target" / "compiled").rglob("bpo_agent_daily_metrics.sql"))
    sql = compiled.read_text(encoding="utf-8")
    assert "'o''brien'" in sql and "'o'brien'" not in sql


# --- the sandbox on every interface ----------------------------------------------------------


def test_sandbox_on_all_interfaces_warns_about_the_admin_client(small_tenant: Path, tmp_path: Path) -> None:
    serve = subprocess.Popen(
        [sys.executable, "-m", "cxlake.cli", "sandbox", "serve", "--data", str(small_tenant)]
        + ["--host", "0.0.0.0", "--port", "0"],
        cwd=PROJECT,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        warning = serve.stderr.readline()
    finally:
        serve.kill()
        serve.wait(timeout=30)
    assert warning.startswith("WARNING: serving on 0.0.0.0") and "cxlake-sandbox-admin" in warning
