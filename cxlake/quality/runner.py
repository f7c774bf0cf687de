"""Run the suites with Great Expectations on DataFrames read from a read-only DuckDB connection.

GX has no DuckDB dialect and fails silently through SQLAlchemy, so every relation is
read once (only the columns its suite and the measures need) into pandas and validated
in an ephemeral GX context. Data Docs HTML is written to a folder at the end.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from cxlake import duck
from cxlake.quality.checks import CRITICAL, Severity, TableSuite, severity_of
from cxlake.quality.suites import Measure, ValidationPlan, default_plan

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (must see GX_ANALYTICS_ENABLED first)
from great_expectations.core import ExpectationValidationResult  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation import Expectation  # noqa: E402

RECONCILIATION_SUITE = "reconciliation"
SAMPLE_ROWS = 5
FRESHNESS_WARN_HOURS = 24
FRESHNESS_ERROR_HOURS = 72
_RESULT_FORMAT = "SUMMARY"
_DOCS_ENTRIES = ("index.html", "expectations", "validations", "static")


@dataclass(frozen=True)
class Finding:
    """One expectation's outcome, flattened for the report."""

    suite: str
    expectation: str
    column: str
    severity: Severity
    success: bool
    observed: str
    expected: str
    sample: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFreshness:
    """Latest ``_extracted_at`` of a raw schema, and how stale that is."""

    schema: str
    latest: datetime
    age_hours: float

    @property
    def status(self) -> str:
        if self.age_hours > FRESHNESS_ERROR_HOURS:
            return "stale (error)"
        if self.age_hours > FRESHNESS_WARN_HOURS:
            return "stale (warn)"
        return "fresh"


@dataclass
class ValidationOutcome:
    """Everything ``cxlake validate`` reports."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    freshness: list[SourceFreshness] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)
    docs_index: Path | None = None

    @property
    def critical_failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.success and f.severity == CRITICAL]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.success and f.severity != CRITICAL]

    @property
    def success(self) -> bool:
        return not self.critical_failures


@contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, always closed afterwards."""
    con = duck.connect(warehouse, read_only=True, warehouse=warehouse)
    try:
        yield con
    finally:
        con.close()


def validate_warehouse(
    warehouse: Path, docs_dir: Path, plan: ValidationPlan | None = None
) -> ValidationOutcome:
    """Validate every suite of ``plan`` (default: cxlake's) against ``warehouse``.

    Data Docs HTML is written into ``docs_dir``.
    """
    plan = plan or default_plan()
    outcome = ValidationOutcome()
    context = _ephemeral_context(docs_dir)
    all_measures = plan.measures
    parameters: dict[str, Any] = {}
    with read_only(warehouse) as con:
        catalog = _columns_by_relation(con)
        for suite in plan.suites:
            frame = _load(con, catalog, suite, all_measures, outcome)
            if frame is None:
                continue
            _take_measures(suite.relation, frame, all_measures, outcome)
            _note_freshness(suite.relation, frame, outcome)
            if suite.relation == "raw_genesys.conversations":
                parameters = _extraction_window(frame)
            outcome.findings += _validate(context, suite, frame, parameters or _open_window())
            del frame
    outcome.findings += _reconcile(context, plan.reconciliation, outcome)
    _escape_stored_results(context)
    docs = context.build_data_docs()
    outcome.docs_index = docs_dir / "index.html" if docs else None
    return outcome


def _ephemeral_context(docs_dir: Path) -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site, config in list(context.list_data_docs_sites().items()):
        # the ephemeral context's default site is an unused temporary folder
        context.delete_data_docs_site(site)
        shutil.rmtree(config.get("store_backend", {}).get("base_directory", ""), ignore_errors=True)
    _clear_previous_docs(docs_dir)
    context.add_data_docs_site(
        site_name="cxlake",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.data_sources.add_pandas("warehouse")
    return context


def _escape_stored_results(context: Any) -> None:
    """HTML-escape every value GX recorded from the data, before Data Docs render it.

    GX's renderers put sampled unexpected values (and their counts and index rows) into
    table cells as they are, so a value such as ``<script>...`` from a source system
    would become live markup in the HTML. The stored results (not the findings, which
    were taken already) get escaped strings; Data Docs then show the text literally.
    """
    store = context.validation_results_store
    for key in store.list_keys():
        suite_result = store.get(key)
        for result in suite_result.results:
            if result.result:
                result.result = _escaped(result.result)
        store.set(key, suite_result)


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value


def _clear_previous_docs(docs_dir: Path) -> None:
    """Remove what an earlier run's Data Docs wrote (only GX's own entries), so the folder
    shows this run rather than accumulating every run."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name in _DOCS_ENTRIES:
        entry = docs_dir / name
        if entry.is_dir():
            shutil.rmtree(entry)
        elif entry.exists():
            entry.unlink()


def _columns_by_relation(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = current_database()"
    ).fetchall()
    catalog: dict[str, set[str]] = {}
    for schema, table, column in rows:
        catalog.setdefault(f"{schema}.{table}", set()).add(column)
    return catalog


def _load(
    con: duckdb.DuckDBPyConnection,
    catalog: dict[str, set[str]],
    suite: TableSuite,
    all_measures: list[Measure],
    outcome: ValidationOutcome,
) -> pd.DataFrame | None:
    """Read the columns ``suite`` and the measures need; a missing relation or column is reported."""
    present = catalog.get(suite.relation)
    if present is None:
        if suite.optional:
            outcome.skipped.append(f"{suite.relation} (not loaded: optional)")
        else:
            outcome.findings.append(_structural(suite.relation, "", "relation exists", "relation is missing"))
        return None
    wanted = suite.columns()
    for measure in all_measures:
        if measure.relation == suite.relation:
            wanted += [c for c in measure.columns if c not in wanted]
    if suite.relation.startswith("raw_") and "_extracted_at" in present and "_extracted_at" not in wanted:
        wanted.append("_extracted_at")
    missing = [c for c in wanted if c not in present]
    if missing:
        outcome.findings.append(
            _structural(suite.relation, ", ".join(missing), "columns exist", "columns are missing")
        )
        return None
    schema, table = suite.relation.split(".", 1)
    select = ", ".join(f'"{c}"' for c in wanted) if wanted else "count(*) as row_count"
    frame = con.execute(f'select {select} from "{schema}"."{table}"').df()
    return _naive_utc(frame)


def _structural(relation: str, column: str, expected: str, observed: str) -> Finding:
    return Finding(
        suite=relation,
        expectation="expect_relation_to_match_contract",
        column=column,
        severity=CRITICAL,
        success=False,
        observed=observed,
        expected=expected,
    )


def _naive_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """timestamptz columns (raw load metadata) as naive UTC, like the models' timestamps."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _take_measures(
    relation: str, frame: pd.DataFrame, all_measures: list[Measure], outcome: ValidationOutcome
) -> None:
    for measure in all_measures:
        if measure.relation == relation:
            outcome.measures[measure.name] = measure.compute(frame)


def _note_freshness(relation: str, frame: pd.DataFrame, outcome: ValidationOutcome) -> None:
    if not relation.startswith("raw_") or "_extracted_at" not in frame or frame.empty:
        return
    schema = relation.split(".", 1)[0]
    latest = frame["_extracted_at"].max()
    if pd.isna(latest):
        return
    latest_dt = latest.to_pydatetime().replace(tzinfo=UTC)
    known = next((f for f in outcome.freshness if f.schema == schema), None)
    if known is not None and known.latest >= latest_dt:
        return
    if known is not None:
        outcome.freshness.remove(known)
    age = (datetime.now(UTC) - latest_dt).total_seconds() / 3600
    outcome.freshness.append(SourceFreshness(schema, latest_dt, age))


def _extraction_window(raw_conversations: pd.DataFrame) -> dict[str, Any]:
    """Mart timestamps must lie between the UTC day of the first extracted conversation (marts
    bucket by day and interval) and the last extraction."""
    if raw_conversations.empty:
        return _open_window()
    return {
        "window_start": raw_conversations["conversation_start"].min().floor("D"),
        "window_end": raw_conversations["_extracted_at"].max(),
    }


def _open_window() -> dict[str, Any]:
    return {
        "window_start": pd.Timestamp("1970-01-01"),
        "window_end": pd.Timestamp(datetime.now(UTC).replace(tzinfo=None)),
    }


def _validate(
    context: Any, suite: TableSuite, frame: pd.DataFrame, parameters: dict[str, Any]
) -> list[Finding]:
    asset = context.data_sources.get("warehouse").add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("all_rows")
    # built whole, then stored once (add_expectation on a stored suite re-saves it each time)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=list(suite.expectations)))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
    )
    index_columns = [c for c in (*suite.key, *suite.sample_columns) if c in frame.columns]
    result_format: dict[str, Any] = {"result_format": _RESULT_FORMAT, "partial_unexpected_count": SAMPLE_ROWS}
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    result = definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        result_format=result_format,
    )
    return [_finding(suite.name, r) for r in result.results]


def _reconcile(context: Any, expectations: list[Expectation], outcome: ValidationOutcome) -> list[Finding]:
    checks = []
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        needed = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
        missing = [name for name in needed if name not in outcome.measures]
        if missing:
            outcome.skipped.append(
                f"{RECONCILIATION_SUITE}: {' = '.join(needed)} (not measured: {', '.join(missing)})"
            )
        else:
            checks.append(expectation)
    if not checks:
        return []
    frame = pd.DataFrame([outcome.measures])
    suite = TableSuite(relation=RECONCILIATION_SUITE, key=(), expectations=checks)
    return _validate(context, suite, frame, {})


def _finding(suite: str, result: ExpectationValidationResult) -> Finding:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    pair = [str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs]
    column = kwargs.get("column") or " vs ".join(pair) or ", ".join(kwargs.get("column_list", []))
    return Finding(
        suite=suite,
        expectation=config.type,
        column=str(column),
        severity=severity_of(config.meta),
        success=bool(result.success),
        observed=_observed(result),
        expected=_expected(config.type, kwargs),
        sample=_sample(result, pair),
    )


def _expected(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """The expectation in words, e.g. ``between 0 and 100`` or ``conversation_end >= conversation_start``."""
    mostly = f" (at least {kwargs['mostly']:.0%} of rows)" if kwargs.get("mostly") is not None else ""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    described = {
        "expect_column_values_to_be_unique": "unique values",
        "expect_compound_columns_to_be_unique": "unique combination",
        "expect_column_values_to_not_be_null": "no nulls",
        "expect_column_values_to_be_null": "only nulls (no rows at all, for a quarantine)",
        "expect_column_values_to_be_in_set": f"one of {kwargs.get('value_set')}",
        "expect_column_values_to_be_between": (
            f"between {low} and {high}"
            if high is not None
            else f">= {low}"
            if low is not None
            else f"<= {high}"
        ),
        "expect_column_pair_values_to_be_equal": f"{kwargs.get('column_A')} = {kwargs.get('column_B')}",
        "expect_column_pair_values_a_to_be_greater_than_b": (
            f"{kwargs.get('column_A')} {'>=' if kwargs.get('or_equal') else '>'} {kwargs.get('column_B')}"
        ),
        "expect_table_row_count_to_equal": f"{kwargs.get('value')} rows",
    }
    if expectation_type in described:
        return described[expectation_type] + mostly
    shown = {k: v for k, v in kwargs.items() if k not in ("column", "column_A", "column_B", "column_list")}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or expectation_type


def _observed(result: ExpectationValidationResult) -> str:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return f"ERROR {info.get('exception_message')}"
    details = result.result or {}
    if details.get("unexpected_count") is not None:
        count, total = details["unexpected_count"], details.get("element_count")
        share = details.get("unexpected_percent") or 0.0
        return f"{count} unexpected of {total} rows ({share:.2f}%)"
    if "observed_value" in details:
        return str(details["observed_value"])
    return "no result (GX returned neither counts nor an observed value)"


def _sample(result: ExpectationValidationResult, pair: list[str]) -> list[dict[str, Any]]:
    """A few bad rows: with their key columns when the suite has a key, else the bad values."""
    details = result.result or {}
    indexed = details.get("partial_unexpected_index_list") or []
    if indexed and all(isinstance(row, dict) for row in indexed):
        rows = indexed
    else:
        values = details.get("partial_unexpected_list") or []
        rows = [dict(zip(pair, v, strict=True)) if len(pair) == 2 else {"value": v} for v in values]
    return [{k: _plain(v) for k, v in row.items()} for row in rows[:SAMPLE_ROWS]]


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: missing values as None, numpy scalars as Python, timestamps as ISO."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
