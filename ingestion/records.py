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

from ingestion.tables import Column, TableSpec

TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})"
REASON_MISSING = "missing {field}"
REASON_TIMESTAMP = "unparseable timestamp"
REASON_NOT_JSON = "record is not valid JSON"
REASON_NOT_OBJECT = "record is not a JSON object"
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


class RawTransformer:
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
    ) -> str:
        """SQL over ``relation`` (column ``j``) giving table columns + ``_q_field``/``_q_reason``.

        Each check is (condition, field SQL expression, reason); the first failing
        check of a record names its field and reason.
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
        selects.append(_case([(cond, fld) for cond, fld, _ in checks]) + " AS _q_field")
        selects.append(_case([(cond, _literal(reason)) for cond, _, reason in checks]) + " AS _q_reason")
        selects.append(f"{self._key_text(spec, record_columns, context)} AS _q_key")
        extract = f"json_extract_string(j, [{paths}]) AS _v" if record_columns else "NULL::VARCHAR[] AS _v"
        return (
            f"WITH src AS (SELECT j::VARCHAR AS j, {extract} FROM {relation}), "
            f"typed AS (SELECT {', '.join(selects)} FROM src) SELECT * FROM typed"
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
    ) -> Iterator[Split]:
        """Run the spec's SQL over ``relation`` and yield validated batches."""
        sql = self.build_sql(spec, relation, meta, context, derived)
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
    ) -> Split | None:
        """Validate in-memory records (already parsed JSON); None when there are none."""
        texts = [orjson.dumps(record).decode() for record in records]
        if not texts:
            return None
        return self.split_texts(spec, texts, meta, context, derived)

    def split_texts(
        self,
        spec: TableSpec,
        texts: list[str],
        meta: LoadMeta,
        context: Mapping[str, Any] | None = None,
        derived: Mapping[str, str] | None = None,
    ) -> Split:
        """Validate records given as JSON texts (one batch)."""
        arrow_input = pa.table({"j": pa.array(texts, pa.string())})
        sql = self.build_sql(spec, "_records", meta, context, derived)
        cursor = self.con.cursor()
        try:
            cursor.register("_records", arrow_input)
            return _split_batch(spec, cursor.sql(sql).to_arrow_table(), meta)
        finally:
            cursor.close()


def model_version_case(versions: Mapping[str, str]) -> str:
    """SQL giving ``model_version`` from ``campaign_id`` (NULL for unknown campaigns)."""
    return _case([(f"campaign_id = {_literal(c)}", _literal(v)) for c, v in sorted(versions.items())])


def _case(branches: list[tuple[str, str]]) -> str:
    if not branches:
        return "NULL::VARCHAR"
    return "CASE " + " ".join(f"WHEN {cond} THEN {value}" for cond, value in branches) + " END"


def _split_batch(spec: TableSpec, table: pa.Table, meta: LoadMeta) -> Split:
    bad = pc.is_valid(table["_q_reason"])
    good_rows = table.filter(pc.invert(bad)).drop_columns(["_q_field", "_q_reason", "_q_key"])
    bad_rows = table.filter(bad)
    return Split(_keys_required(spec, good_rows), quarantine_rows(spec, bad_rows, meta))


def _keys_required(spec: TableSpec, rows: pa.Table) -> pa.Table:
    """Mark primary-key fields non-nullable (validated rows never have null keys)."""
    keys = set(spec.primary_key)
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
        ("_load_id", pa.string()),
        ("_extracted_at", pa.timestamp("us", tz="UTC")),
    ]
)


def quarantine_rows(spec: TableSpec, bad: pa.Table, meta: LoadMeta) -> pa.Table:
    """Quarantine rows for the invalid records of one batch."""
    if bad.num_rows == 0:
        return QUARANTINE_SCHEMA.empty_table()
    record_keys = bad["_q_key"].to_pylist()
    fields = bad["_q_field"].to_pylist()
    raws = bad["payload"].to_pylist()
    ids = [_quarantine_id(spec.name, f, r) for f, r in zip(fields, raws, strict=True)]
    n = bad.num_rows
    return pa.table(
        {
            "quarantine_id": ids,
            "resource": [spec.name] * n,
            "record_key": record_keys,
            "field": fields,
            "reason": bad["_q_reason"].to_pylist(),
            "raw_record": raws,
            "_load_id": [meta.load_id] * n,
            "_extracted_at": pa.array([meta.extracted_at] * n, pa.timestamp("us", tz="UTC")),
        },
        schema=QUARANTINE_SCHEMA,
    )


def rejected_texts(spec: TableSpec, texts: list[str], reason: str, meta: LoadMeta) -> pa.Table:
    """Quarantine rows for records that could not even be parsed (no key, no field)."""
    n = len(texts)
    return pa.table(
        {
            "quarantine_id": [_quarantine_id(spec.name, None, t) for t in texts],
            "resource": [spec.name] * n,
            "record_key": pa.nulls(n, pa.string()),
            "field": pa.nulls(n, pa.string()),
            "reason": [reason] * n,
            "raw_record": texts,
            "_load_id": [meta.load_id] * n,
            "_extracted_at": pa.array([meta.extracted_at] * n, pa.timestamp("us", tz="UTC")),
        },
        schema=QUARANTINE_SCHEMA,
    )


def _quarantine_id(resource: str, field: str | None, raw: str) -> str:
    digest = hashlib.blake2b(f"{resource}\x00{field}\x00{raw}".encode(), digest_size=16)
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
    transformer: RawTransformer,
    spec: TableSpec,
    records: list[Any],
    meta: LoadMeta,
    context: Mapping[str, Any] | None = None,
    derived: Mapping[str, str] | None = None,
) -> Iterator[Split]:
    """Validate parsed records: non-JSON and non-object records go straight to quarantine."""
    if spec.explode_data:
        records = explode_data(records)
    unparsed = [str(r) for r in records if isinstance(r, Unparsed)]
    not_objects = [orjson.dumps(r).decode() for r in records if not isinstance(r, dict | Unparsed)]
    if unparsed:
        yield rejected_split(spec, unparsed, REASON_NOT_JSON, meta)
    if not_objects:
        yield rejected_split(spec, not_objects, REASON_NOT_OBJECT, meta)
    split = transformer.split_records(
        spec, [r for r in records if isinstance(r, dict)], meta, context=context, derived=derived
    )
    if split is not None:
        yield split
