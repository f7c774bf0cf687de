"""Read the published marts, and only what the audience may see.

Opens ``<publication>/marts.duckdb`` read-only (never the warehouse, so a running
``dbt build`` is never blocked). Every read selects exactly the audience's
allow-listed columns (``audience.ALLOWED_COLUMNS``); a partner audience also gets
``where division_id = ?`` in the SQL. A role (supervisor, finance) also reads its role
view, whose own columns are the allow-list (``read_role_view``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb
import pandas as pd
import pyarrow as pa

from cxlake.dashboard.audience import BPO, PARTNER_KEY, PARTNER_SCOPED_MARTS, Audience

PUBLISHED_DB = "marts.duckdb"


class PublicationError(RuntimeError):
    """No readable publication, or a mart that lacks a column the dashboards read."""


@dataclass(frozen=True)
class Partner:
    division_id: str
    partner_name: str
    time_zone: str


def resolve_publication(published: Path) -> Path:
    """The folder holding ``marts.duckdb``: ``published`` itself or ``published/current``."""
    for folder in (published, published / "current"):
        if (folder / PUBLISHED_DB).is_file():
            return folder.resolve(strict=True)
    raise PublicationError(
        f"no {PUBLISHED_DB} in {published} or {published / 'current'}: "
        "run `cxlake run` (or `cxlake publish`) first, or pass --published"
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas: DECIMAL as float (charts do arithmetic), timestamptz as naive UTC (axes say UTC)."""
    for index, column in enumerate(table.schema):
        if pa.types.is_decimal(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.float64()))
        elif pa.types.is_timestamp(column.type) and column.type.tz is not None:
            naive = (
                table.column(index)
                .cast(pa.timestamp(column.type.unit, tz="UTC"))
                .cast(pa.timestamp(column.type.unit))
            )
            table = table.set_column(index, column.name, naive)
    return table.to_pandas()


class MartReader:
    """Read-only access to one publication on behalf of one audience."""

    def __init__(self, publication: Path, audience: Audience) -> None:
        self.publication = resolve_publication(publication)
        self.audience = audience
        db = self.publication / PUBLISHED_DB
        self._con = duckdb.connect(str(db), read_only=True)
        self._tables: dict[str, str] = {}
        try:
            self._con.sql("set TimeZone = 'UTC'")
            self._columns = self._catalog_columns()
            self.partner = self._resolve_partner() if audience.kind == BPO else None
        except BaseException:
            self._con.close()
            raise

    def __enter__(self) -> MartReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def _catalog_columns(self) -> dict[str, set[str]]:
        """Columns per mart, from schema ``marts`` if the file has one, else its default schema."""
        rows = self._con.sql(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema in ('marts', 'main') "
            "order by table_schema = 'marts'"
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for schema, table, column in rows:
            if self._tables.get(table) != schema:
                self._tables[table] = schema
                columns[table] = set()
            columns[table].add(column)
        return columns

    def _relation(self, mart: str) -> str:
        return f"{_quote(self._tables[mart])}.{_quote(mart)}"

    def publication_info(self) -> dict[str, str]:
        """Version and publish time from ``publication.json`` (empty when the file is absent)."""
        manifest = self.publication / "publication.json"
        if not manifest.is_file():
            return {}
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {key: str(data[key]) for key in ("version", "published_at") if key in data}

    def read(self, mart: str, order_by: tuple[str, ...] = ()) -> pd.DataFrame:
        """Rows of ``mart`` with exactly the audience's allowed columns (partner rows only for BPO).

        Missing marts and missing columns raise ``PublicationError`` naming them.
        """
        columns = self.audience.columns(mart)
        available = self._columns.get(mart)
        if available is None:
            raise PublicationError(f"publication {self.publication} has no mart '{mart}'")
        missing = [column for column in columns if column not in available]
        if missing:
            raise PublicationError(
                f"mart '{mart}' in {self.publication} lacks column(s) {', '.join(missing)} "
                "that the dashboards read"
            )
        sql = f"select {', '.join(map(_quote, columns))} from {self._relation(mart)}"
        params: list[str] = []
        if self.partner is not None and mart in PARTNER_SCOPED_MARTS:
            sql += f" where {_quote(PARTNER_KEY)} = ?"
            params.append(self.partner.division_id)
        if order_by:
            sql += " order by " + ", ".join(map(_quote, order_by))
        return _to_pandas(self._con.sql(sql, params=params).to_arrow_table())

    def read_role_view(self, wanted: tuple[str, ...]) -> pd.DataFrame:
        """The ``wanted`` columns that the audience's role view exposes (the view decides; a
        column it leaves out is not read). ``PermissionError`` for an audience without one."""
        view = self.audience.role_view
        if view is None:
            raise PermissionError(f"audience '{self.audience.label}' has no role view")
        available = self._columns.get(view)
        if available is None:
            raise PublicationError(f"publication {self.publication} has no role view '{view}'")
        columns = [column for column in wanted if column in available]
        if not columns:
            return pd.DataFrame()
        sql = f"select {', '.join(map(_quote, columns))} from {self._relation(view)}"
        return _to_pandas(self._con.sql(sql).to_arrow_table())

    def _resolve_partner(self) -> Partner:
        """Find the partner named by ``bpo:<division id or partner name>`` (one SQL lookup, one row)."""
        wanted = self.audience.partner or ""
        for mart in ("bpo_daily_metrics", "bpo_interval_metrics"):
            if mart not in self._columns:
                continue
            rows = self._con.sql(
                f"select division_id, partner_name, time_zone from {self._relation(mart)} "
                "where division_id = ? or lower(partner_name) = lower(?) limit 1",
                params=[wanted, wanted],
            ).fetchall()
            if rows:
                division_id, partner_name, time_zone = rows[0]
                return Partner(str(division_id), str(partner_name), str(time_zone))
        raise PublicationError(
            f"audience 'bpo:{wanted}': no partner division with that id or partner name "
            f"in the BPO marts of {self.publication}"
        )
