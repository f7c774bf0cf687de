"""What the dbt project already tests, so Great Expectations never checks it a second time.

dbt owns grain, accepted values, ranges and relationships of the models it builds; Great
Expectations owns what dbt cannot see (raw tables as dlt landed them, raw -> marts
reconciliation, extraction windows, freshness). The suites are written once per mart, and
every expectation that has a dbt test of the same kind on the same model and column(s) is
dropped from the plan (``without_dbt_rechecks``). When a model's YAML gains a test, the
matching expectation leaves the plan by itself.

A dbt test and an expectation are "the same check" when:

=========================================  ============================================
expectation                                dbt test (``models/**/*.yml``)
=========================================  ============================================
``expect_column_values_to_not_be_null``    ``not_null`` on the column
``expect_column_values_to_be_unique``      ``unique`` on the column
``expect_compound_columns_to_be_unique``   ``unique_combination_of_columns`` (same set)
``expect_column_values_to_be_in_set``      ``accepted_values`` on the column
``expect_column_values_to_be_between``     ``accepted_range`` on the column (constant
                                           bounds only: the extraction window is GX's)
``expect_column_pair_values_a_to_be_...``  ``expression_is_true``: ``smaller <= larger``,
                                           or a pair of ``ordered_columns``
(the multi-column tests ``accepted_ranges``, ``accepted_values_of_columns`` and
``not_null_columns`` count as the one-column test for each column they name)
=========================================  ============================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from great_expectations.expectations.expectation import Expectation

PROJECT_DIR = Path(__file__).resolve().parents[2]
MODEL_SCHEMAS = ("staging", "intermediate", "marts")
"""Schemas dbt builds (``raw_*`` schemas are dlt's: dbt's sources carry no tests)."""

Check = tuple[str, tuple[str, ...]]
"""(kind, columns): ``("unique", ("conversation_id",))``, ``("at_most", ("connected", "contacted"))``."""

_COMPARISON = re.compile(r"^\s*(\w+)\s*(<=|>=)\s*(\w+)\s*$")
_COLUMN_TESTS = {"not_null", "unique", "accepted_values", "accepted_range"}


@lru_cache(maxsize=4)
def dbt_checks(project_dir: Path = PROJECT_DIR) -> dict[str, frozenset[Check]]:
    """``{model name: checks its dbt tests make}``, read from the project's model YAML."""
    found: dict[str, set[Check]] = {}
    for path in sorted((project_dir / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            checks = found.setdefault(model["name"], set())
            for column in model.get("columns") or []:
                for test in _tests(column):
                    name = _test_name(test)
                    if name in _COLUMN_TESTS:
                        checks.add((name, (column["name"],)))
            for test in _tests(model):
                checks.update(_model_check(test))
    return {model: frozenset(checks) for model, checks in found.items()}


def _tests(node: dict) -> list:
    return list(node.get("data_tests") or []) + list(node.get("tests") or [])


def _test_name(test: object) -> str:
    if isinstance(test, str):
        return test
    if isinstance(test, dict) and test:
        return str(next(iter(test)))
    return ""


def _arguments(test: object) -> dict:
    if not isinstance(test, dict) or not test:
        return {}
    body = next(iter(test.values())) or {}
    return dict(body.get("arguments") or body)


def _model_check(test: object) -> Iterable[Check]:
    name, arguments = _test_name(test), _arguments(test)
    if name == "unique_combination_of_columns":
        yield ("unique_combination", tuple(sorted(arguments.get("combination_of_columns") or [])))
    elif name == "accepted_ranges":
        yield from (("accepted_range", (column,)) for column in arguments.get("ranges") or {})
    elif name == "accepted_values_of_columns":
        yield from (("accepted_values", (column,)) for column in arguments.get("values") or {})
    elif name == "not_null_columns":
        yield from (("not_null", (column,)) for column in arguments.get("columns") or [])
    elif name == "ordered_columns":
        yield from (
            ("at_most", (str(smaller), str(larger))) for smaller, larger in arguments.get("pairs") or []
        )
    elif name == "expression_is_true":
        match = _COMPARISON.match(str(arguments.get("expression", "")))
        if match:
            left, operator, right = match.groups()
            smaller, larger = (left, right) if operator == "<=" else (right, left)
            yield ("at_most", (smaller, larger))


def check_of(expectation: Expectation) -> Check | None:
    """The dbt-shaped check an expectation makes, or None when dbt has no such kind of test."""
    kwargs = expectation.configuration.kwargs
    kind = expectation.expectation_type
    if kind == "expect_column_values_to_not_be_null":
        return ("not_null", (kwargs["column"],))
    if kind == "expect_column_values_to_be_unique":
        return ("unique", (kwargs["column"],))
    if kind == "expect_compound_columns_to_be_unique":
        return ("unique_combination", tuple(sorted(kwargs["column_list"])))
    if kind == "expect_column_values_to_be_in_set":
        return ("accepted_values", (kwargs["column"],))
    if kind == "expect_column_values_to_be_between":
        bounds = (kwargs.get("min_value"), kwargs.get("max_value"))
        if any(isinstance(bound, dict) for bound in bounds):
            return None  # run-time parameters (the extraction window): not a dbt range
        return ("accepted_range", (kwargs["column"],))
    if kind == "expect_column_pair_values_a_to_be_greater_than_b" and kwargs.get("or_equal"):
        return ("at_most", (kwargs["column_B"], kwargs["column_A"]))
    return None


def rechecks_dbt(relation: str, expectation: Expectation, project_dir: Path = PROJECT_DIR) -> bool:
    """True when ``expectation`` on ``relation`` (``schema.model``) repeats a dbt test."""
    schema, _, model = relation.partition(".")
    if schema not in MODEL_SCHEMAS:
        return False
    check = check_of(expectation)
    return check is not None and check in dbt_checks(project_dir).get(model, frozenset())
