"""Read every mart of a build on any engine as comparable rows, and compare two builds.

Comparison rules (the same for every engine):

- order-insensitive: rows are compared as sorted multisets, never by position;
- numbers: integers and decimals exactly by value; floating-point values within a relative
  tolerance of ``REL_TOL`` (or ``ABS_TOL`` near zero): engines sum and divide doubles in
  different orders, so their last bits may differ;
- timestamps as naive UTC wall-clock times, dates as dates, booleans as booleans, null as null;
- columns of load metadata (``LOAD_METADATA``: when cxlake extracted the raw rows) are not
  compared by value, only present and non-null in the same rows: each engine's raw layer was
  extracted by its own run, seconds apart. Every other column of every mart is compared.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-9
LOAD_METADATA = frozenset({"loaded_at"})

Mart = tuple[list[str], list[tuple[Any, ...]]]


def normalise(value: Any) -> Any:
    """One engine-independent Python value per cell."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if hasattr(value, "item"):  # numpy scalars
        return normalise(value.item())
    return value


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row with floats rounded to 8 significant digits: equal keys = equal rows."""
    return tuple(float(f"{value:.8g}") if isinstance(value, float) else value for value in row)


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, "") if value is None else (1, repr(value)) for value in _key(row))


def comparable(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> Mart:
    """Columns sorted by name, load metadata reduced to 'is it set', rows normalised and sorted."""
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    names = [columns[i] for i in order]
    out = []
    for row in rows:
        cells = []
        for i in order:
            value = normalise(row[i])
            cells.append(value is not None if columns[i] in LOAD_METADATA else value)
        out.append(tuple(cells))
    return names, sorted(out, key=_sort_key)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, float | int) and isinstance(right, float | int) and not isinstance(left, bool):
        return math.isclose(left, right, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return left == right


def unmatched(rows: list[tuple[Any, ...]], other_rows: list[tuple[Any, ...]]) -> tuple[list, list]:
    """Rows of each side without an equal row on the other side (multisets; floats within the
    tolerance: rows equal after rounding pair first, the rest pair by :func:`_equal`)."""
    left_over = Counter(_key(row) for row in rows)
    left_over.subtract(Counter(_key(row) for row in other_rows))
    only_left = [row for row in rows if left_over[_key(row)] > 0]
    only_right = [row for row in other_rows if left_over[_key(row)] < 0]
    # keep as many of each key as the surplus, then pair what rounding split apart
    only_left = _take_surplus(only_left, {k: n for k, n in left_over.items() if n > 0})
    only_right = _take_surplus(only_right, {k: -n for k, n in left_over.items() if n < 0})
    still_right = list(only_right)
    still_left = []
    for row in only_left:
        match = next((i for i, other in enumerate(still_right) if all(map(_equal, row, other))), None)
        if match is None:
            still_left.append(row)
        else:
            still_right.pop(match)
    return still_left, still_right


def _take_surplus(rows: list[tuple[Any, ...]], surplus: dict[Any, int]) -> list[tuple[Any, ...]]:
    taken = []
    for row in rows:
        key = _key(row)
        if surplus.get(key, 0) > 0:
            surplus[key] -= 1
            taken.append(row)
    return taken


def differences(expected: dict[str, Mart], actual: dict[str, Mart], limit: int = 3) -> list[str]:
    """What differs between two builds' marts (empty when every mart is equal)."""
    found: list[str] = []
    if set(expected) != set(actual):
        found.append(
            f"marts differ: missing {sorted(set(expected) - set(actual))}, "
            f"extra {sorted(set(actual) - set(expected))}"
        )
    for name in sorted(set(expected) & set(actual)):
        (columns, rows), (other_columns, other_rows) = expected[name], actual[name]
        if columns != other_columns:
            found.append(f"{name}: columns {columns} != {other_columns}")
            continue
        only_expected, only_actual = unmatched(rows, other_rows)
        if only_expected or only_actual:
            found.append(
                f"{name}: {len(rows)} vs {len(other_rows)} rows, {len(only_expected)} only in the "
                f"reference, {len(only_actual)} only in the other build"
            )
            for label, sample in (("reference", only_expected), ("other", only_actual)):
                for row in sample[:limit]:
                    found.append(
                        f"  {label}: " + ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True))
                    )
    return found


def duckdb_marts(path: str) -> dict[str, Mart]:
    import duckdb

    with duckdb.connect(path, read_only=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        marts = {}
        for name in names:
            cursor = connection.execute(f'select * from marts."{name}"')
            columns = [d[0] for d in cursor.description]
            marts[name] = comparable(columns, cursor.fetchall())
        return marts


def postgres_marts(url: str) -> dict[str, Mart]:
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        names = [name for (name,) in cursor.fetchall()]
        marts = {}
        for name in names:
            cursor.execute(f'select * from marts."{name}"')
            columns = [d[0] for d in cursor.description]
            marts[name] = comparable(columns, cursor.fetchall())
    connection.close()
    return marts


def spark_marts(spark: Any) -> dict[str, Mart]:
    names = [row.tableName for row in spark.sql("show tables in marts").collect() if not row.isTemporary]
    marts = {}
    for name in names:
        frame = spark.table(f"marts.`{name}`")
        marts[name] = comparable(list(frame.columns), [tuple(row) for row in frame.collect()])
    return marts
