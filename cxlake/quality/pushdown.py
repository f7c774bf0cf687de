"""DuckDB finds the rows that can fail; Great Expectations checks only those.

Validating a relation used to mean reading its columns whole into pandas (at 10M
conversations, gigabytes). For a row-level expectation, a row is unexpected or not by
itself (a duplicate key: together with the other rows of its key), so the unexpected rows
of the whole relation are exactly the unexpected rows of any subset that contains them.
``candidates_sql`` writes, per expectation, a predicate that holds on *at least* every row
GX would call unexpected (it may hold on more: GX decides), and the relation is read
through their disjunction: only candidate rows reach pandas, and a clean relation costs
one scan in DuckDB and an empty frame. Row counts (the "of N rows" of the report) come
from DuckDB.

Not pushed down (the relation is then read whole, as before): expectations with
``mostly`` or ``row_condition`` (their outcome depends on the share of rows, not on each
row), and any expectation type not listed in ``_PREDICATES``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from great_expectations.expectations.expectation import Expectation


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a bound or a set member (strings quoted, timestamps typed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # compared as naive UTC, like the frames GX sees
            value = value.astimezone(UTC).replace(tzinfo=None)
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def _resolve(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def _not_null(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    return f"{quoted(kwargs['column'])} is null"


def _null(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    return f"{quoted(kwargs['column'])} is not null"


def _unique(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    column = quoted(kwargs["column"])
    return f"{column} in (select {column} from {relation} group by {column} having count(*) > 1)"


def _compound_unique(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    # a hash collision only adds candidates; GX still decides which rows are duplicates
    columns = ", ".join(quoted(c) for c in kwargs["column_list"])
    return f"hash({columns}) in (select hash({columns}) from {relation} group by 1 having count(*) > 1)"


def _in_set(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    values = [_resolve(v, parameters) for v in kwargs["value_set"]]
    column = quoted(kwargs["column"])
    if not values:
        return f"{column} is not null"
    members = ", ".join(literal(v) for v in values)
    return f"({column} is not null and {column} not in ({members}))"


def _between(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    column = quoted(kwargs["column"])
    low, high = _resolve(kwargs.get("min_value"), parameters), _resolve(kwargs.get("max_value"), parameters)
    outside = []
    if low is not None:
        outside.append(f"{column} {'<=' if kwargs.get('strict_min') else '<'} {literal(low)}")
    if high is not None:
        outside.append(f"{column} {'>=' if kwargs.get('strict_max') else '>'} {literal(high)}")
    return "(" + " or ".join(outside) + ")" if outside else "false"


def _a_greater_than_b(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    a, b = quoted(kwargs["column_A"]), quoted(kwargs["column_B"])
    return f"{a} {'<' if kwargs.get('or_equal') else '<='} {b}"


def _pair_equal(kwargs: dict[str, Any], relation: str, parameters: dict[str, Any]) -> str:
    a, b = quoted(kwargs["column_A"]), quoted(kwargs["column_B"])
    return f"{a} is distinct from {b}"


_PREDICATES: dict[str, Callable[[dict[str, Any], str, dict[str, Any]], str]] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_null": _null,
    "expect_column_values_to_be_unique": _unique,
    "expect_compound_columns_to_be_unique": _compound_unique,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_be_between": _between,
    "expect_column_pair_values_a_to_be_greater_than_b": _a_greater_than_b,
    "expect_column_pair_values_to_be_equal": _pair_equal,
}


def pushable(expectation: Expectation) -> bool:
    """True when the rows this expectation can fail on are found by a per-row SQL predicate."""
    kwargs = expectation.configuration.kwargs
    if kwargs.get("mostly") not in (None, 1, 1.0) or kwargs.get("row_condition"):
        return False
    return expectation.configuration.type in _PREDICATES


def candidates_sql(
    relation: str, columns: list[str], expectations: list[Expectation], parameters: dict[str, Any]
) -> str:
    """The query reading ``columns`` of the rows of ``relation`` any of ``expectations`` can fail on."""
    predicates = [
        _PREDICATES[e.configuration.type](e.configuration.kwargs, relation, parameters) for e in expectations
    ]
    select = ", ".join(quoted(c) for c in columns)
    where = " or ".join(f"({p})" for p in predicates) or "false"
    return f"select {select} from {relation} where {where}"
