"""Run the suites with Great Expectations on DataFrames read from a read-only DuckDB connection.

GX has no DuckDB dialect and fails silently through SQLAlchemy, so GX validates pandas
frames in an ephemeral context, and DuckDB keeps those frames small: measures,
freshness and the extraction window are aggregates computed in SQL, and each relation
is read only for the rows its expectations can fail on (``pushdown``), with the row
counts of the whole relation taken in DuckDB. Data Docs HTML is written to a folder at
the end.
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
from cxlake.quality.pushdown import candidates_sql, pushable, quoted
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
    warehouse: Path, docs_dir: Path | None, plan: ValidationPlan | None = None
) -> ValidationOutcome:
    """Validate every suite of ``plan`` (default: cxlake's) against ``warehouse``.

    Data Docs HTML is written into ``docs_dir``. Measures, freshness and the extraction
    window are aggregates computed in DuckDB; each suite reads only the rows its
    expectations can fail on (``pushdown``), so memory follows the bad rows, not the size
    of the warehouse.
    """
    plan = plan or default_plan()
    outcome = ValidationOutcome()
    context = _ephemeral_context(docs_dir)
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    with read_only(warehouse) as con:
        con.execute("set TimeZone = 'UTC'")  # timestamptz compared and read as naive UTC
        catalog = _columns_by_relation(con)
        parameters = _extraction_window(con, catalog)
        for suite in plan.suites:
            if not _present(catalog, suite, plan.measures, outcome):
                continue
            _take_measures(con, suite.relation, plan.measures, outcome)
            _note_freshness(con, catalog, suite.relation, outcome)
            if suite.expectations:
                outcome.findings += _validate_relation(context, con, suite, parameters, counts)
    outcome.findings += _reconcile(context, plan.reconciliation, outcome)
    _escape_stored_results(context, counts)
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


def _escape_stored_results(context: Any, counts: dict[str, dict[str, tuple[int, int]]]) -> None:
    """HTML-escape every value GX recorded from the data, before Data Docs render it.

    GX's renderers put sampled unexpected values (and their counts and index rows) into
    table cells as they are, so a value such as ``<script>...`` from a source system
    would become live markup in the HTML. The stored results (not the findings, which
    were taken already) get escaped strings; Data Docs then show the text literally.
    """
    store = context.validation_results_store
    for key in store.list_keys():
        suite_result = store.get(key)
        relation_counts = counts.get(suite_result.suite_name, {})
        for result in suite_result.results:
            if result.result:
                result.result = _escaped(
                    _whole_relation(result.result, relation_counts.get(str(result.expectation_config.id)))
                )
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


def _present(
    catalog: dict[str, set[str]], suite: TableSuite, all_measures: list[Measure], outcome: ValidationOutcome
) -> bool:
    """The relation and the columns ``suite`` and its measures need exist; else it is reported."""
    present = catalog.get(suite.relation)
    if present is None:
        if suite.optional:
            outcome.skipped.append(f"{suite.relation} (not loaded: optional)")
        else:
            outcome.findings.append(_structural(suite.relation, "", "relation exists", "relation is missing"))
        return False
    wanted = suite.columns()
    for measure in all_measures:
        if measure.relation == suite.relation:
            wanted += [c for c in measure.columns if c not in wanted]
    missing = [c for c in wanted if c not in present]
    if missing:
        outcome.findings.append(
            _structural(suite.relation, ", ".join(missing), "columns exist", "columns are missing")
        )
        return False
    return True


def _sql_name(relation: str) -> str:
    schema, table = relation.split(".", 1)
    return f"{quoted(schema)}.{quoted(table)}"


def _read(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    return _naive_utc(con.execute(query).df())


def _validate_relation(
    context: Any,
    con: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    parameters: dict[str, Any],
    counts: dict[str, dict[str, tuple[int, int]]],
) -> list[Finding]:
    """GX on the rows that can fail (all rows when an expectation cannot be pushed down)."""
    relation = _sql_name(suite.relation)
    columns = suite.columns()
    if not all(pushable(e) for e in suite.expectations):
        select = ", ".join(quoted(c) for c in columns) if columns else "count(*) as row_count"
        return _validate(context, suite, _read(con, f"select {select} from {relation}"), parameters)
    frame = _read(con, candidates_sql(relation, columns, suite.expectations, parameters))
    relation_counts = _row_counts(con, relation, suite.expectations)
    return _validate(context, suite, frame, parameters, relation_counts, counts)


def _row_counts(
    con: duckdb.DuckDBPyConnection, relation: str, expectations: list[Expectation]
) -> list[tuple[int, int]]:
    """Per expectation, in order: (rows of the relation, rows its unexpected share is taken of)."""
    domains = [_domain(e) for e in expectations]
    row = con.execute(f"select count(*), {', '.join(domains)} from {relation}").fetchone()
    assert row is not None
    return [(int(row[0]), int(n)) for n in row[1:]]


def _domain(expectation: Expectation) -> str:
    """The rows GX takes an unexpected share of: non-null values (both, for a pair), or all rows."""
    kind, kwargs = expectation.configuration.type, expectation.configuration.kwargs
    if kind in ("expect_column_values_to_not_be_null", "expect_column_values_to_be_null"):
        return "count(*)"
    if kwargs.get("column"):
        return f"count({quoted(kwargs['column'])})"
    if kwargs.get("column_A"):
        a, b = quoted(kwargs["column_A"]), quoted(kwargs["column_B"])
        return f"count(*) filter (where {a} is not null and {b} is not null)"
    return "count(*)"


def _whole_relation(details: dict[str, Any], relation_counts: tuple[int, int] | None) -> dict[str, Any]:
    """GX's counts on the candidate rows, restated on the whole relation."""
    if relation_counts is None or details.get("unexpected_count") is None:
        return details
    total, domain = relation_counts
    unexpected = int(details["unexpected_count"])
    share = 100.0 * unexpected / domain if domain else 0.0
    return {
        **details,
        "element_count": total,
        "missing_count": total - domain,
        "missing_percent": 100.0 * (total - domain) / total if total else None,
        "unexpected_percent": share,
        "unexpected_percent_total": 100.0 * unexpected / total if total else 0.0,
        "unexpected_percent_nonmissing": share,
    }


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
    con: duckdb.DuckDBPyConnection, relation: str, all_measures: list[Measure], outcome: ValidationOutcome
) -> None:
    for measure in all_measures:
        if measure.relation != relation:
            continue
        if measure.sql is not None:
            row = con.execute(measure.sql.format(relation=_sql_name(relation))).fetchone()
            outcome.measures[measure.name] = float(row[0]) if row and row[0] is not None else 0.0
        elif measure.compute is not None:
            select = ", ".join(quoted(c) for c in measure.columns)
            frame = _read(con, f"select {select} from {_sql_name(relation)}")
            outcome.measures[measure.name] = measure.compute(frame)


def _note_freshness(
    con: duckdb.DuckDBPyConnection, catalog: dict[str, set[str]], relation: str, outcome: ValidationOutcome
) -> None:
    if not relation.startswith("raw_") or "_extracted_at" not in catalog.get(relation, set()):
        return
    row = con.execute(f"select max(_extracted_at)::timestamp from {_sql_name(relation)}").fetchone()
    if row is None or row[0] is None:
        return
    schema = relation.split(".", 1)[0]
    latest_dt = row[0].replace(tzinfo=UTC)
    known = next((f for f in outcome.freshness if f.schema == schema), None)
    if known is not None and known.latest >= latest_dt:
        return
    if known is not None:
        outcome.freshness.remove(known)
    age = (datetime.now(UTC) - latest_dt).total_seconds() / 3600
    outcome.freshness.append(SourceFreshness(schema, latest_dt, age))


_RAW_CONVERSATIONS = "raw_genesys.conversations"


def _extraction_window(con: duckdb.DuckDBPyConnection, catalog: dict[str, set[str]]) -> dict[str, Any]:
    """Mart timestamps must lie between the UTC day of the first extracted conversation (marts
    bucket by day and interval) and the last extraction."""
    if not {"conversation_start", "_extracted_at"} <= catalog.get(_RAW_CONVERSATIONS, set()):
        return _open_window()
    row = con.execute(
        "select date_trunc('day', min(conversation_start)::timestamp), max(_extracted_at)::timestamp "
        f"from {_sql_name(_RAW_CONVERSATIONS)}"
    ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return _open_window()
    return {"window_start": pd.Timestamp(row[0]), "window_end": pd.Timestamp(row[1])}


def _open_window() -> dict[str, Any]:
    return {
        "window_start": pd.Timestamp("1970-01-01"),
        "window_end": pd.Timestamp(datetime.now(UTC).replace(tzinfo=None)),
    }


def _validate(
    context: Any,
    suite: TableSuite,
    frame: pd.DataFrame,
    parameters: dict[str, Any],
    relation_counts: list[tuple[int, int]] | None = None,
    counts: dict[str, dict[str, tuple[int, int]]] | None = None,
) -> list[Finding]:
    """GX on ``frame``; with ``relation_counts`` (one per expectation: the frame holds only the
    candidate rows), the counts reported are those of the whole relation, also kept in
    ``counts`` by suite and expectation id for the Data Docs."""
    asset = context.data_sources.get("warehouse").add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("all_rows")
    # built whole, then stored once (add_expectation on a stored suite re-saves it each time)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=list(suite.expectations)))
    by_id: dict[str, tuple[int, int]] = {}
    if relation_counts is not None:  # the stored suite keeps the order, and now has ids
        by_id = {str(e.id): n for e, n in zip(gx_suite.expectations, relation_counts, strict=True)}
        if counts is not None:
            counts[suite.name] = by_id
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
    return [_finding(suite.name, r, by_id.get(str(r.expectation_config.id))) for r in result.results]


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


def _finding(
    suite: str, result: ExpectationValidationResult, relation_counts: tuple[int, int] | None = None
) -> Finding:
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
        observed=_observed(result, relation_counts),
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


def _observed(result: ExpectationValidationResult, relation_counts: tuple[int, int] | None = None) -> str:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return f"ERROR {info.get('exception_message')}"
    details = _whole_relation(result.result or {}, relation_counts)
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
