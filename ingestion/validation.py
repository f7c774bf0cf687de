"""Raw records -> raw-table rows and quarantine rows, in DuckDB.

HTTP mode and file mode both end here: a relation with one column ``j`` holding
the JSON text of each record goes through one SQL statement built from the
table's :class:`~ingestion.tables.TableSpec`. It extracts the key and cursor
columns, keeps the record text as ``payload`` and decides per record whether it
is valid. Valid rows go to the main table; invalid ones to the source's
``quarantine`` table with the field and the reason. Nothing is dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.tables import MAX_RECORD_BYTES, Column, Nested, TableSpec

TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})"
REASON_MISSING = "missing {field}"
REASON_TIMESTAMP = "unparseable timestamp"
REASON_NOT_JSON = "record is not valid JSON"
REASON_NOT_OBJECT = "record is not a JSON object"
REASON_TOO_LARGE = "record larger than {limit} MiB"
REASON_CAST = {
    "timestamp": REASON_TIMESTAMP,
    "integer": "not an integer",
    "number": "not a number",
    "boolean": "not a boolean",
}
REASON_DUPLICATE = "duplicate {field} within the record"
REASON_NEGATIVE = "negative {field}"
REASON_BEFORE = "{field} before {other}"
CAST_TYPES = {"timestamp": "TIMESTAMPTZ", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
RAW_TEXT_LIMIT = 1024 * 1024
"""Quarantined raw text longer than this (an oversize record, a broken page) is cut here."""
BATCH_ROWS = 50_000
DERIVED_TYPES = {"model_version": "VARCHAR", "pending_backfill": "BOOLEAN"}
QUARANTINE_TABLE = "quarantine"


@dataclass(frozen=True)
class LoadMeta:
    """Load metadata stamped on every row of one extraction."""

    extracted_at: datetime
    load_id: str
    method: str  # query | jobs | api | file


@dataclass
class Split:
    """One batch after validation."""

    rows: pa.Table
    quarantine: pa.Table
    replayed: bool = False
    """Rows read a second time (a file re-read line by line): not counted as duplicates."""


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def _raw_expr(index: int) -> str:
    return f"_v[{index + 1}]"


class RecordValidator:
    """Owns an in-memory DuckDB connection that validates and shapes records."""

    def __init__(self, memory_limit: str = "1GB", threads: int = 2) -> None:
        self.con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
        self.con.execute("SET TimeZone = 'UTC'")

    def close(self) -> None:
        self.con.close()

    def build_sql(
        self,
        spec: TableSpec,
        relation: str,
        meta: LoadMeta,
        context: Mapping[str, Any] | None = None,
        derived: Mapping[str, str] | None = None,
        passthrough: tuple[str, ...] = (),
    ) -> str:
        """SQL over ``relation`` (column ``j``) giving table columns + ``_q_field``/``_q_reason``.

        Each check is (condition, field SQL expression, reason); the first failing
        check of a record names its field and reason. ``passthrough`` columns of
        ``relation`` (e.g. ``_file``) are carried to the output.
        """
        context = context or {}
        record_columns = [c for c in spec.columns if not c.from_context]
        paths = ", ".join(_literal(c.json_path) for c in record_columns)
        selects: list[str] = []
        checks: list[tuple[str, str, str]] = []
        for column in spec.columns:
            if column.from_context:
                value = context.get(column.path[1:])
                selects.append(f"CAST({_literal(value)} AS VARCHAR) AS {column.name}")
                if column.required and value in (None, ""):
                    # e.g. aggregates from files: the division they were queried for is unknown
                    checks.append(
                        ("TRUE", _literal(column.path), REASON_MISSING.format(field=column.path[1:]))
                    )
                continue
            raw = _raw_expr(record_columns.index(column))
            selects.append(f"{self._typed(column, raw)} AS {column.name}")
            checks.extend(self._checks(column, raw))
        if spec.steps_check:
            checks.extend(self._step_checks())
        rules = resolved_rules(spec)
        checks.extend(nested_checks(rules))
        # before every other check: they would read a NULL / an oversize text
        checks.insert(0, (f"(strlen(j) > {MAX_RECORD_BYTES})", "NULL", _too_large_reason()))
        checks.insert(0, ("(j IS NULL)", "NULL", REASON_NOT_JSON))
        selects.append("j AS payload")
        selects.extend(
            [
                f"{_literal(meta.extracted_at)} AS _extracted_at",
                f"{_literal(meta.load_id)} AS _load_id",
                f"{_literal(meta.method)} AS _extract_method",
            ]
        )
        if spec.snapshot:
            selects.append(f"{_literal(meta.extracted_at)} AS observed_at")
        if spec.extraction:
            selects.append(f"{_literal(meta.extracted_at)} AS extracted_at")
        for name in spec.derived:
            expression = (derived or {}).get(name, "NULL")
            selects.append(f"CAST({expression} AS {DERIVED_TYPES[name]}) AS {name}")
        # each condition is evaluated once (column _c<n>), then named by the first that holds
        conditions = ", ".join(f"{cond} AS _c{n}" for n, (cond, _, _) in enumerate(checks))
        selects.append(_case([(f"_c{n}", fld) for n, (_, fld, _) in enumerate(checks)]) + " AS _q_field")
        selects.append(
            _case([(f"_c{n}", _literal(reason)) for n, (_, _, reason) in enumerate(checks)]) + " AS _q_reason"
        )
        selects.append(f"{self._key_text(spec, record_columns, context)} AS _q_key")
        selects.extend(passthrough)
        small = f"CASE WHEN strlen(j) <= {MAX_RECORD_BYTES} THEN j END"
        extract = f"json_extract_string(j, [{paths}]) AS _v" if record_columns else "NULL::VARCHAR[] AS _v"
        document, late = "", ""
        if spec.nested:
            # one parse of the record for both the columns and the nested checks when possible
            column_paths = tuple(c.path for c in record_columns)
            structure = nested_structure(rules, column_paths)
            if structure is None:
                structure = nested_structure(rules)
            else:
                values = ", ".join(
                    "_d" + "".join(f'."{p}"' for p in path.split(".")) for path in column_paths
                )
                # an oversize record has no document: its key is read on its own
                whole = f"json_extract_string(j, [{paths}])"
                late = f", CASE WHEN _d IS NULL THEN {whole} ELSE [{values}]::VARCHAR[] END AS _v"
                extract = ""
            document = f", json_transform({small}, {_literal(structure)}) AS _d"
        carried = "".join(f", {name}" for name in passthrough)
        lists = "".join(f", {sql} AS {name}" for name, sql in nested_lists(rules).items())
        return (
            f"WITH src AS (SELECT j::VARCHAR AS j{', ' + extract if extract else ''}{document}{carried} "
            f"FROM {relation}), "
            f"flat AS (SELECT *{late}{lists} FROM src), "
            f"checked AS (SELECT *, {conditions} FROM flat), "
            f"typed AS (SELECT {', '.join(selects)} FROM checked) SELECT * FROM typed"
        )

    @staticmethod
    def _key_text(spec: TableSpec, record_columns: list[Column], context: Mapping[str, Any]) -> str:
        """The record's key as received (``a|b`` for composite keys), for quarantine rows."""
        parts = []
        for column in spec.keys:
            if column.from_context:
                parts.append(f"CAST({_literal(context.get(column.path[1:]))} AS VARCHAR)")
            elif column.kind == "json":
                parts.append(f"json_extract(j, {_literal(column.json_path)})::VARCHAR")
            else:
                parts.append(_raw_expr(record_columns.index(column)))
        return f"NULLIF(concat_ws('|', {', '.join(parts)}), '')"

    @staticmethod
    def _typed(column: Column, raw: str) -> str:
        if column.kind == "timestamp":
            return f"TRY_CAST({raw} AS TIMESTAMPTZ)"
        if column.kind == "interval_start":
            return f"TRY_CAST(split_part({raw}, '/', 1) AS TIMESTAMPTZ)"
        if column.kind == "boolean":
            return f"TRY_CAST({raw} AS BOOLEAN)"
        if column.kind == "json":
            return f"json_extract(j, {_literal(column.json_path)})::VARCHAR"
        return raw

    @staticmethod
    def _checks(column: Column, raw: str) -> list[tuple[str, str, str]]:
        checks: list[tuple[str, str, str]] = []
        if column.required:
            reason = REASON_MISSING.format(field=column.path.rsplit(".", 1)[-1])
            checks.append((f"({raw} IS NULL OR {raw} = '')", _literal(column.path), reason))
        if column.kind in ("timestamp", "interval_start"):
            value = raw if column.kind == "timestamp" else f"split_part({raw}, '/', 1)"
            pattern = f"regexp_full_match({value}, '{TIMESTAMP_PATTERN}')"
            bad = f"(NOT {pattern} OR TRY_CAST({value} AS TIMESTAMPTZ) IS NULL)"
            present = f"({raw} IS NOT NULL AND {raw} <> '' AND {bad})"
            checks.append((present, _literal(column.path), REASON_TIMESTAMP))
        if column.kind == "interval_start":
            # staging also casts the end of the ISO interval (`start/end`)
            end = f"split_part({raw}, '/', 2)"
            bad_end = f"({raw} IS NOT NULL AND {raw} <> '' AND TRY_CAST({end} AS TIMESTAMPTZ) IS NULL)"
            checks.append((bad_end, _literal(column.path), REASON_TIMESTAMP))
        return checks

    @staticmethod
    def _step_checks() -> list[tuple[str, str, str]]:
        steps = "json_extract(j, '$.steps[*]')"
        checks = []
        for name in ("stepId", "contactCount"):
            missing = f"[json_extract_string(s, '$.{name}') IS NULL FOR s IN {steps}]"
            position = f"list_position({missing}, true)"
            checks.append(
                (
                    f"({position} IS NOT NULL)",
                    f"'steps[' || ({position} - 1) || '].{name}'",
                    REASON_MISSING.format(field=name),
                )
            )
        return checks

    def split(
        self,
        spec: TableSpec,
        relation: str,
        meta: LoadMeta,
        context: Mapping[str, Any] | None = None,
        derived: Mapping[str, str] | None = None,
        batch_rows: int = BATCH_ROWS,
        passthrough: tuple[str, ...] = (),
    ) -> Iterator[Split]:
        """Run the spec's SQL over ``relation`` and yield validated batches."""
        sql = self.build_sql(spec, relation, meta, context, derived, passthrough)
        cursor = self.con.cursor()
        try:
            for batch in cursor.sql(sql).to_arrow_reader(batch_rows):
                yield _split_batch(spec, pa.Table.from_batches([batch]), meta)
        finally:
            cursor.close()

    def empty_rows(self, spec: TableSpec, meta: LoadMeta) -> pa.Table:
        """A zero-row table with the raw table's columns and types."""
        sql = self.build_sql(spec, "(SELECT NULL::VARCHAR AS j WHERE false)", meta)
        cursor = self.con.cursor()
        try:
            empty = cursor.sql(sql).to_arrow_table().drop_columns(["_q_field", "_q_reason", "_q_key"])
            return _keys_required(spec, empty)
        finally:
            cursor.close()

    def split_page(
        self,
        spec: TableSpec,
        page: bytes,
        list_key: str,
        meta: LoadMeta,
        derived: Mapping[str, str] | None = None,
    ) -> Iterator[Split]:
        """Validate the records under ``list_key`` of a raw response page, parsed by DuckDB.

        Falls back to parsing in Python (and quarantining what is not JSON) when the
        page is not valid JSON.
        """
        body = pa.table({"body": pa.array([page.decode("utf-8", errors="replace")], pa.string())})
        relation = f"(SELECT unnest(json_extract(body::JSON, '$.{list_key}[*]'))::VARCHAR AS j FROM _page)"
        sql = self.build_sql(spec, relation, meta, None, derived)
        cursor = self.con.cursor()
        try:
            cursor.register("_page", body)
            result = cursor.sql(sql).to_arrow_table()
        except duckdb.Error:
            records = _page_records(page, list_key)
            yield from validate_records(self, spec, records, meta, derived=derived)
            return
        finally:
            cursor.close()
        yield _split_batch(spec, result, meta)

    def page_value(self, page: bytes, path: str) -> str | None:
        """One string field of a raw page (e.g. its ``cursor``), None when absent."""
        body = pa.table({"body": pa.array([page.decode("utf-8", errors="replace")], pa.string())})
        cursor = self.con.cursor()
        try:
            cursor.register("_page", body)
            row = cursor.execute(f"SELECT json_extract_string(body, '$.{path}') FROM _page").fetchone()
        except duckdb.Error:
            return None
        finally:
            cursor.close()
        return None if row is None else row[0]

    def split_records(
        self,
        spec: TableSpec,
        records: Iterable[Any],
        meta: LoadMeta,
        context: Mapping[str, Any] | None = None,
        derived: Mapping[str, str] | None = None,
        source_file: str | None = None,
    ) -> Split | None:
        """Validate in-memory records (already parsed JSON); None when there are none."""
        texts = [orjson.dumps(record).decode() for record in records]
        if not texts:
            return None
        return self.split_texts(spec, texts, meta, context, derived, source_file)

    def split_texts(
        self,
        spec: TableSpec,
        texts: list[str],
        meta: LoadMeta,
        context: Mapping[str, Any] | None = None,
        derived: Mapping[str, str] | None = None,
        source_file: str | None = None,
    ) -> Split:
        """Validate records given as JSON texts (one batch), read from ``source_file`` if any."""
        columns = {"j": pa.array(texts, pa.string())}
        if source_file is not None:
            columns["_file"] = pa.array([source_file] * len(texts), pa.string())
        arrow_input = pa.table(columns)
        passthrough = ("_file",) if source_file is not None else ()
        sql = self.build_sql(spec, "_records", meta, context, derived, passthrough)
        cursor = self.con.cursor()
        try:
            cursor.register("_records", arrow_input)
            return _split_batch(spec, cursor.sql(sql).to_arrow_table(), meta)
        finally:
            cursor.close()


def resolved_rules(spec: TableSpec) -> tuple[Nested, ...]:
    """The spec's nested rules with configured field names (``{salesforce_ltv_field}``) filled in."""
    if not any("{" in rule.path for rule in spec.nested):
        return spec.nested
    from ingestion.api_settings import crm_field_mapping

    mapping = crm_field_mapping()
    return tuple(
        Nested(rule.path.format(**mapping), rule.kind, rule.other) if "{" in rule.path else rule
        for rule in spec.nested
    )


def _too_large_reason() -> str:
    return REASON_TOO_LARGE.format(limit=MAX_RECORD_BYTES // (1024 * 1024))


def nested_structure(rules: tuple[Nested, ...], column_paths: tuple[str, ...] = ()) -> str | None:
    """``json_transform`` structure (JSON text) of every field the rules (and columns) read.

    Leaves are VARCHAR (a number or an object comes back as its JSON text, as with
    ``json_extract_string``). None when a column path and a rule path collide (a leaf
    that is also an object), so the columns must be read on their own.
    """
    tree: dict[str, Any] = {}
    leaves = [path.split(".") for path in column_paths]
    for rule in rules:
        parts = rule.path.split(".")
        leaves.append(parts)
        if rule.other:
            leaves.append([*parts[:-1], rule.other])
    for leaf in leaves:
        node = tree
        for part in leaf[:-1]:
            name = part.removesuffix("[]")
            child = node.setdefault(name, [{}] if part.endswith("[]") else {})
            if isinstance(child, str) or isinstance(child, list) != part.endswith("[]"):
                return None
            node = child[0] if isinstance(child, list) else child
        if isinstance(node.get(leaf[-1]), dict | list):
            return None
        node[leaf[-1]] = "VARCHAR"
    return orjson.dumps(tree).decode()


def _walk(base: str, parts: list[str], prefix: list[str], depth: int, leaf: Any) -> str:
    """SQL list (flattened over every ``[]`` level) of ``leaf(parent, field, path_sql)``."""
    part = parts[0]
    if len(parts) == 1:
        path_sql = (
            " || ".join([*prefix, _literal(("." if prefix else "") + part)]) if prefix else _literal(part)
        )
        return f"[{leaf(base, part, path_sql)}]"
    name = part.removesuffix("[]")
    dot = "." if prefix else ""
    if not part.endswith("[]"):
        return _walk(f'{base}."{name}"', parts[1:], [*prefix, _literal(dot + name)], depth, leaf)
    var, index = f"_x{depth}", f"_i{depth}"
    element = [*prefix, _literal(f"{dot}{name}["), f"CAST({index} - 1 AS VARCHAR)", "']'"]
    inner = _walk(var, parts[1:], element, depth + 1, leaf)
    return f'flatten(list_transform({base}."{name}", lambda {var}, {index}: {inner}))'


def _bad_value(kind: str, value: str, other: str) -> str:
    if kind in CAST_TYPES:
        return f"({value} IS NOT NULL AND TRY_CAST({value} AS {CAST_TYPES[kind]}) IS NULL)"
    if kind == "required":
        return f"({value} IS NULL OR {value} = '')"
    if kind == "not_negative":
        return f"coalesce(TRY_CAST({value} AS DOUBLE) < 0, false)"
    if kind == "not_before":
        return f"coalesce(TRY_CAST({value} AS TIMESTAMPTZ) < TRY_CAST({other} AS TIMESTAMPTZ), false)"
    raise ValueError(f"unknown nested check {kind!r}")


def _nested_reason(rule: Nested) -> str:
    field = rule.path.rsplit(".", 1)[-1]
    if rule.kind in REASON_CAST:
        return REASON_CAST[rule.kind]
    if rule.kind == "required":
        return REASON_MISSING.format(field=field)
    if rule.kind == "unique":
        return REASON_DUPLICATE.format(field=field)
    if rule.kind == "not_negative":
        return REASON_NEGATIVE.format(field=field)
    return REASON_BEFORE.format(field=field, other=rule.other)


def _split_path(rule: Nested) -> tuple[list[str], list[str], str]:
    """(array prefix up to its last ``[]`` part, path inside an element, field) of a rule."""
    parts = rule.path.split(".")
    last_array = max((n for n, part in enumerate(parts[:-1]) if part.endswith("[]")), default=-1)
    return parts[: last_array + 1], parts[last_array + 1 : -1], parts[-1]


def _elements_sql(prefix: list[str]) -> str:
    """Flattened SQL list of the elements of the array ``prefix`` ends with, over ``_d``."""
    current, is_list = "_d", False
    for part in prefix:
        name = part.removesuffix("[]")
        if not is_list:
            current = f'{current}."{name}"'
            is_list = part.endswith("[]")
        elif part.endswith("[]"):
            current = f'flatten(list_transform({current}, lambda _e: _e."{name}"))'
        else:
            current = f'list_transform({current}, lambda _e: _e."{name}")'
    return current


def nested_lists(rules: tuple[Nested, ...]) -> dict[str, str]:
    """Column name -> SQL of each flattened array the rules check (computed once per record)."""
    prefixes = sorted({".".join(_split_path(rule)[0]) for rule in rules} - {""})
    return {f"_l{n}": _elements_sql(prefix.split(".")) for n, prefix in enumerate(prefixes)}


def nested_checks(rules: tuple[Nested, ...]) -> list[tuple[str, str, str]]:
    """(condition, field = concrete JSON path, reason) of each nested rule.

    Conditions read the flattened arrays of :func:`nested_lists` (one pass over the
    elements per rule); the concrete path (``participants[1].sessions[0].sessionId``) is
    only computed for the records that fail.
    """
    columns = {sql: name for name, sql in nested_lists(rules).items()}
    checks = []
    for rule in rules:
        prefix, inner, field = _split_path(rule)
        inside = "".join(f'."{part}"' for part in inner)
        if not prefix:
            value, other = f'_d{inside}."{field}"', f'_d{inside}."{rule.other}"'
            checks.append((_bad_value(rule.kind, value, other), _literal(rule.path), _nested_reason(rule)))
            continue
        elements = columns[_elements_sql(prefix)]
        if rule.kind == "unique":
            values = f'list_transform({elements}, lambda _x: _x{inside}."{field}")'
            repeat = f"_u IS NOT NULL AND list_position({values}, _u) < _n"
            bad = f"list_transform({values}, lambda _u, _n: {repeat})"
        else:
            check = _bad_value(rule.kind, f'_x{inside}."{field}"', f'_x{inside}."{rule.other}"')
            bad = f"list_transform({elements}, lambda _x: {check})"
        position = f"list_position({bad}, true)"
        paths = _walk("_d", rule.path.split("."), [], 0, lambda parent, field, path_sql: path_sql)
        checks.append((f"({position} IS NOT NULL)", f"({paths})[{position}]", _nested_reason(rule)))
    return checks


def model_version_case(versions: Mapping[str, str]) -> str:
    """SQL giving ``model_version`` from ``campaign_id`` (NULL for unknown campaigns)."""
    return _case([(f"campaign_id = {_literal(c)}", _literal(v)) for c, v in sorted(versions.items())])


def _case(branches: list[tuple[str, str]]) -> str:
    if not branches:
        return "NULL::VARCHAR"
    return "CASE " + " ".join(f"WHEN {cond} THEN {value}" for cond, value in branches) + " END"


def _split_batch(spec: TableSpec, table: pa.Table, meta: LoadMeta) -> Split:
    bad = pc.is_valid(table["_q_reason"])
    internal = [name for name in table.column_names if name.startswith("_q_") or name == "_file"]
    good_rows = table.filter(pc.invert(bad)).drop_columns(internal)
    bad_rows = table.filter(bad)
    return Split(_keys_required(spec, good_rows), quarantine_rows(spec, bad_rows, meta))


def _keys_required(spec: TableSpec, rows: pa.Table) -> pa.Table:
    """Mark required primary-key fields non-nullable (validated rows never have them null).

    A key part that may be absent (``media_type`` of a queue-level observation group)
    stays nullable."""
    optional = {c.name for c in spec.keys if not c.required}
    keys = set(spec.primary_key) - optional
    schema = pa.schema(
        [f.with_nullable(False) if f.name in keys else f for f in rows.schema], metadata=rows.schema.metadata
    )
    return rows.cast(schema)


QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("quarantine_id", pa.string(), nullable=False),
        ("resource", pa.string()),
        ("record_key", pa.string()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
        ("source_file", pa.string()),
        ("line_number", pa.int64()),
        ("_load_id", pa.string()),
        ("_extracted_at", pa.timestamp("us", tz="UTC")),
    ]
)


def quarantine_rows(spec: TableSpec, bad: pa.Table, meta: LoadMeta) -> pa.Table:
    """Quarantine rows for the invalid records of one batch."""
    if bad.num_rows == 0:
        return QUARANTINE_SCHEMA.empty_table()
    raws = bad["payload"].to_pylist()
    files = bad["_file"].to_pylist() if "_file" in bad.column_names else [None] * bad.num_rows
    return quarantine_table(
        spec,
        [
            Rejected(raw, reason, field, key, source_file)
            for raw, reason, field, key, source_file in zip(
                raws,
                bad["_q_reason"].to_pylist(),
                bad["_q_field"].to_pylist(),
                bad["_q_key"].to_pylist(),
                files,
                strict=True,
            )
        ],
        meta,
    )


@dataclass(frozen=True)
class Rejected:
    """One quarantined record (or line, or file) before it becomes a quarantine row."""

    raw: str | None
    reason: str
    field: str | None = None
    key: str | None = None
    source_file: str | None = None
    line_number: int | None = None


def quarantine_table(spec: TableSpec, rejected: list[Rejected], meta: LoadMeta) -> pa.Table:
    """Quarantine rows; raw text beyond :data:`RAW_TEXT_LIMIT` is cut (the reason says so)."""
    n = len(rejected)
    raws, reasons = [], []
    for item in rejected:
        raw, reason = item.raw, item.reason
        if raw is not None and len(raw) > RAW_TEXT_LIMIT:
            size = len(raw.encode())
            reason = f"{reason} ({size} bytes; raw_record keeps the first {RAW_TEXT_LIMIT} characters)"
            raw = raw[:RAW_TEXT_LIMIT]
        raws.append(raw)
        reasons.append(reason)
    return pa.table(
        {
            "quarantine_id": [
                _quarantine_id(spec.name, r.field, raw, r.source_file, r.line_number)
                for r, raw in zip(rejected, raws, strict=True)
            ],
            "resource": [spec.name] * n,
            "record_key": pa.array([r.key for r in rejected], pa.string()),
            "field": pa.array([r.field for r in rejected], pa.string()),
            "reason": reasons,
            "raw_record": pa.array(raws, pa.string()),
            "source_file": pa.array([r.source_file for r in rejected], pa.string()),
            "line_number": pa.array([r.line_number for r in rejected], pa.int64()),
            "_load_id": [meta.load_id] * n,
            "_extracted_at": pa.array([meta.extracted_at] * n, pa.timestamp("us", tz="UTC")),
        },
        schema=QUARANTINE_SCHEMA,
    )


def record_key(spec: TableSpec, record: Any) -> str | None:
    """A parsed record's key as received (``a|b`` for composite keys), like ``_q_key``."""
    parts = []
    for column in spec.keys:
        value: Any = record
        for name in column.path.split("."):
            value = value.get(name) if isinstance(value, dict) else None
        if value is not None and not column.from_context:
            parts.append(value if isinstance(value, str) else orjson.dumps(value).decode())
    return "|".join(parts) or None


def rejected_texts(spec: TableSpec, texts: list[str], reason: str, meta: LoadMeta) -> pa.Table:
    """Quarantine rows for records that could not even be parsed (no key, no field)."""
    return quarantine_table(spec, [Rejected(text, reason) for text in texts], meta)


def _quarantine_id(
    resource: str, field: str | None, raw: str | None, source_file: str | None = None, line: int | None = None
) -> str:
    """Hash of what was rejected; a line or file rejected as a whole also hashes where it was."""
    where = "" if line is None else f"\x00{source_file}\x00{line}"
    digest = hashlib.blake2b(f"{resource}\x00{field}\x00{raw}{where}".encode(), digest_size=16)
    return digest.hexdigest()


class Unparsed(str):
    """A line that is not JSON, carried to quarantine as text."""


def _page_records(page: bytes, list_key: str) -> list[Any]:
    try:
        document = orjson.loads(page)
    except orjson.JSONDecodeError:
        return [Unparsed(page.decode("utf-8", errors="replace"))]
    items = document.get(list_key) if isinstance(document, dict) else None
    return items if isinstance(items, list) else []


def rejected_split(spec: TableSpec, texts: list[str], reason: str, meta: LoadMeta) -> Split:
    return Split(pa.table({}), rejected_texts(spec, texts, reason, meta))


def explode_data(records: list[Any]) -> list[Any]:
    """Aggregates result groups -> one record per ``data[]`` element with its ``group``."""
    out: list[Any] = []
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("data"), list):
            out.extend(
                {"group": record.get("group"), **item} if isinstance(item, dict) else item
                for item in record["data"]
            )
        else:
            out.append(record)
    return out


def validate_records(
    validator: RecordValidator,
    spec: TableSpec,
    records: list[Any],
    meta: LoadMeta,
    context: Mapping[str, Any] | None = None,
    derived: Mapping[str, str] | None = None,
    source_file: str | None = None,
) -> Iterator[Split]:
    """Validate parsed records: non-JSON and non-object records go straight to quarantine."""
    if spec.explode_data:
        records = explode_data(records)
    unparsed = [str(r) for r in records if isinstance(r, Unparsed)]
    not_objects = [orjson.dumps(r).decode() for r in records if not isinstance(r, dict | Unparsed)]
    if unparsed:
        yield rejected_split(spec, unparsed, REASON_NOT_JSON, meta)
    if not_objects:
        rejected = [Rejected(text, REASON_NOT_OBJECT, source_file=source_file) for text in not_objects]
        yield Split(pa.table({}), quarantine_table(spec, rejected, meta))
    split = validator.split_records(
        spec,
        [r for r in records if isinstance(r, dict)],
        meta,
        context=context,
        derived=derived,
        source_file=source_file,
    )
    if split is not None:
        yield split
