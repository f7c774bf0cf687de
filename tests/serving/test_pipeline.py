"""End to end on the small tenant (file mode): ``cxlake run`` publishes while readers hold the
publication open; a corrupted warehouse fails ``cxlake validate`` by name and is never published."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from cxlake_cli import run_cxlake

from cxlake.publish import current_publication


@pytest.fixture(scope="module")
def pipeline_env(small_run: Callable[..., Any], small_tenant: Path) -> dict[str, str]:
    """A warehouse and publication made by one full ``cxlake run --from-files`` of the small tenant
    (the session's run, copied for this module)."""
    env, run = small_run()
    env["CXLAKE_TEST_TENANT"] = str(small_tenant)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Validation PASSED" in run.stdout
    return env


_HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1] + "/current/marts.duckdb", read_only=True)
    before = con.execute("select count(*) from unified_interactions").fetchone()[0]
    print(before, flush=True)
    sys.stdin.readline()  # hold the connection open until told the run is over
    after = con.execute("select count(*) from unified_interactions").fetchone()[0]
    con.close()
    print(after, flush=True)
    """
)


def test_full_run_completes_while_a_reader_holds_the_publication(pipeline_env: dict[str, str]) -> None:
    published = Path(pipeline_env["CXLAKE_PUBLISH_DIR"])
    first = current_publication(published)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        rows_before = int(holder.stdout.readline())
        assert rows_before > 0
        run = run_cxlake(pipeline_env, "run", "--from-files", pipeline_env["CXLAKE_TEST_TENANT"], "--quiet")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        holder.stdin.write("done\n")
        holder.stdin.flush()
        out, err = holder.communicate(timeout=60)
    finally:
        holder.kill()
    assert holder.returncode == 0, err
    assert int(out.strip()) == rows_before  # the held (previous) version stayed readable
    second = current_publication(published)
    assert second != first
    # the same tenant loaded twice: identical marts row counts in both publications
    counts = [json.loads((p / "publication.json").read_text())["relations"] for p in (first, second)]
    assert {k: v["rows"] for k, v in counts[0].items()} == {k: v["rows"] for k, v in counts[1].items()}


def _dbt_test_failures(env: dict[str, str], warehouse: Path, model: str, test: str, column: str) -> int:
    """Rows the compiled SQL of the dbt ``test`` on ``model.column`` (from the last build's
    manifest) returns on ``warehouse``: dbt's own check, run on another state of the file."""
    built = Path(env["CXLAKE_WAREHOUSE"])
    manifest = json.loads((built.parent / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    compiled = [
        node["compiled_code"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == test
        and node.get("column_name") == column
        and str(node.get("attached_node", "")).endswith(f".{model}")
    ]
    assert len(compiled) == 1, (model, test, column, len(compiled))
    con = duckdb.connect()
    try:  # the compiled SQL names the warehouse's catalog (its file stem)
        con.execute(f"attach '{warehouse}' as \"{built.stem}\" (read_only)")
        return int(con.execute(f"select count(*) from ({compiled[0]})").fetchone()[0])
    finally:
        con.close()


def test_corrupted_batch_fails_validation_by_name_and_is_not_published(
    pipeline_env: dict[str, str], tmp_path: Path
) -> None:
    published = Path(pipeline_env["CXLAKE_PUBLISH_DIR"])
    before = current_publication(published)
    corrupted = tmp_path / "corrupted.duckdb"
    shutil.copyfile(pipeline_env["CXLAKE_WAREHOUSE"], corrupted)
    con = duckdb.connect(str(corrupted))
    victim = con.execute(
        "select conversation_id from marts.unified_interactions where duration_ms > 0 order by 1 limit 1"
    ).fetchone()[0]
    con.execute(
        "insert into marts.unified_interactions select * from marts.unified_interactions "
        "where conversation_id = ?",
        [victim],
    )
    con.execute(
        "update marts.unified_interactions set duration_ms = -1000 where conversation_id = ?", [victim]
    )
    tier = con.execute("select min(customer_tier) from marts.escalation_by_tier").fetchone()[0]
    con.execute(
        "update marts.escalation_by_tier set escalation_rate_pct = 150 where customer_tier = ?", [tier]
    )
    con.close()
    env = {**pipeline_env, "CXLAKE_WAREHOUSE": str(corrupted)}

    validate = run_cxlake(env, "validate", "--docs-dir", str(tmp_path / "docs"))
    assert validate.returncode == 1, validate.stdout[-3000:]
    report = validate.stdout
    # the duplicate breaks raw -> marts reconciliation, which is Great Expectations' to check
    assert "[CRITICAL] reconciliation :: expect_column_pair_values_to_be_equal" in report
    assert (tmp_path / "docs" / "index.html").exists()
    # grain and ranges are dbt's tests (one home per rule): GX does not check them a second time...
    for named in (
        "marts.unified_interactions :: expect_column_values_to_be_unique :: column conversation_id",
        "marts.unified_interactions :: expect_column_values_to_be_between :: column duration_ms",
        "marts.escalation_by_tier :: expect_column_values_to_be_between :: column escalation_rate_pct",
    ):
        assert named not in report
    # ...dbt's tests do: the tests the build compiled (and passed) fail on the corrupted state
    for model, test, column in (
        ("unified_interactions", "unique", "conversation_id"),
        ("unified_interactions", "accepted_range", "duration_ms"),
        ("escalation_by_tier", "accepted_range", "escalation_rate_pct"),
    ):
        assert _dbt_test_failures(pipeline_env, corrupted, model, test, column) > 0, (model, test, column)
        assert (
            _dbt_test_failures(pipeline_env, Path(pipeline_env["CXLAKE_WAREHOUSE"]), model, test, column) == 0
        )

    publish = run_cxlake(env, "publish")
    assert publish.returncode != 0
    assert "failed validation" in publish.stderr
    assert current_publication(published) == before
    con = duckdb.connect(str(before / "marts.duckdb"), read_only=True)
    assert con.execute("select max(escalation_rate_pct) from escalation_by_tier").fetchone()[0] <= 100
    con.close()


def test_failed_build_is_not_published_even_after_a_passed_validation(
    pipeline_env: dict[str, str], tmp_path: Path
) -> None:
    """`cxlake build` exits 1, then `cxlake validate && cxlake publish`: validation passes (the marts
    are fine), publish refuses because the last build of this warehouse failed."""
    warehouse = tmp_path / "warehouse" / "cxlake.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(pipeline_env["CXLAKE_WAREHOUSE"], warehouse)
    out = tmp_path / "published"
    env = {**pipeline_env, "CXLAKE_WAREHOUSE": str(warehouse), "CXLAKE_PUBLISH_DIR": str(out)}
    build = run_cxlake(
        env, "build", "--select", "crm_unlinked_share_error", "--vars", "{crm_unlinked_error_pct: 0}"
    )
    assert build.returncode == 1, build.stdout[-3000:] + build.stderr[-3000:]
    validate = run_cxlake(env, "validate", "--docs-dir", str(tmp_path / "docs"))
    assert validate.returncode == 0, validate.stdout[-3000:]
    publish = run_cxlake(env, "publish")
    assert publish.returncode == 2
    assert publish.stderr.strip().splitlines() == [
        f"cxlake publish: error: the last build of warehouse {warehouse} (dbt build, "
        + publish.stderr.split("(dbt build, ", 1)[-1].split(")", 1)[0]
        + ") failed with exit code 1: not publishing; fix it and run `cxlake build`"
    ]
    assert not (out / "current").exists()
