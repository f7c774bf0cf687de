"""Building blocks for suites: severities and the recurring expectation shapes.

Every expectation carries ``meta.severity``: ``critical`` (a failure makes ``cxlake
validate`` exit non-zero and blocks publishing) or ``warning`` (reported only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

Severity = Literal["critical", "warning"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"

_COLUMN_KWARGS = ("column", "column_A", "column_B")


def with_severity(expectation: Expectation, severity: Severity) -> Expectation:
    """Tag ``expectation`` with its severity (kept in the suite and in Data Docs)."""
    expectation.meta = {**(expectation.meta or {}), "severity": severity}
    return expectation


def severity_of(meta: dict | None) -> Severity:
    """Severity stored in an expectation's meta; untagged expectations count as critical."""
    return WARNING if (meta or {}).get("severity") == WARNING else CRITICAL


def columns_of(expectation: Expectation) -> set[str]:
    """Columns an expectation reads (so only those are loaded from the warehouse)."""
    config = expectation.configuration.kwargs
    columns = {config[name] for name in _COLUMN_KWARGS if config.get(name)}
    columns.update(config.get("column_list") or [])
    return columns


def key(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """The grain: every key column present, and the key unique."""
    checks: list[Expectation] = [
        with_severity(gxe.ExpectColumnValuesToNotBeNull(column=column), severity) for column in columns
    ]
    if len(columns) == 1:
        checks.append(with_severity(gxe.ExpectColumnValuesToBeUnique(column=columns[0]), severity))
    else:
        checks.append(with_severity(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns)), severity))
    return checks


def not_null(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    return [with_severity(gxe.ExpectColumnValuesToNotBeNull(column=column), severity) for column in columns]


def non_negative(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """Durations, counts and amounts: >= 0 where present."""
    return [
        with_severity(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0), severity)
        for column in columns
    ]


def percent(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """Rates expressed in percent: within 0-100."""
    return [
        with_severity(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=100), severity)
        for column in columns
    ]


def ratio(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """Rates expressed as a fraction: within 0-1."""
    return [
        with_severity(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1), severity)
        for column in columns
    ]


def accepted(column: str, values: Iterable[object], severity: Severity = CRITICAL) -> list[Expectation]:
    """Enumerations: every non-null value among ``values``."""
    return [with_severity(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values)), severity)]


def at_most(smaller: str, larger: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """``smaller <= larger`` on every row where both are present (e.g. connected <= contacted)."""
    return [
        with_severity(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=larger, column_B=smaller, or_equal=True, ignore_row_if="either_value_is_missing"
            ),
            severity,
        )
    ]


def within_window(*columns: str, severity: Severity = CRITICAL) -> list[Expectation]:
    """Timestamps inside the extraction window, given at run time as suite parameters."""
    return [
        with_severity(
            gxe.ExpectColumnValuesToBeBetween(
                column=column,
                min_value={"$PARAMETER": "window_start"},
                max_value={"$PARAMETER": "window_end"},
            ),
            severity,
        )
        for column in columns
    ]


@dataclass(frozen=True)
class TableSuite:
    """Expectations on one warehouse relation, validated on a DataFrame of only the columns they need.

    ``optional``: the relation may be absent (a source that never loaded, e.g. an org
    without Predictive Engagement); it is then reported as skipped, not failed.
    ``extra_columns``: loaded besides those the expectations read (reconciliation, freshness).
    ``sample_columns``: shown with the key in the sample of bad rows.
    """

    relation: str
    key: tuple[str, ...]
    expectations: list[Expectation]
    optional: bool = False
    extra_columns: tuple[str, ...] = field(default=())
    sample_columns: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.relation

    def columns(self) -> list[str]:
        """Columns to read: the key first, then whatever the expectations and extras need."""
        needed = set(self.key) | set(self.extra_columns) | set(self.sample_columns)
        for expectation in self.expectations:
            needed |= columns_of(expectation)
        return list(self.key) + sorted(needed - set(self.key))
