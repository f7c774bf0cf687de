"""The durable outbox of ``cxlake push``: one SQLite file beside the warehouse.

Why SQLite and not the warehouse: the warehouse has one writer at a time (the cxlake
lock, held for whole ingests and builds), and a push waits on the API for minutes; an
outbox of its own lets a push run beside an ingest or a build, and analysts read it at
any time (SQLite allows readers during a write). ``<warehouse>.outbox.sqlite`` by
default, in WAL mode with ``synchronous=FULL``: every state change is one committed
transaction, so ``kill -9`` at any point leaves the last committed state.

Tables (query them with any SQLite client, or ``cxlake push status``):

- ``conversion_outbox``: one row per transaction id (the primary key: a transaction is
  taken once, whatever the number of runs or resends). ``state`` is
  ``pending`` (resolved, to send), ``sent`` (the API accepted the write; a bulk job may
  still run), ``acknowledged`` (the write is on the contact), ``orphaned`` (no campaign
  contact; ``reason`` says why; never sent, re-resolved on the next run) or
  ``dead_lettered`` (the API refused the write for good; ``reason`` is its answer).
- ``conversion_batches``: one row per write request, with its exact body (a resend after
  a crash sends the same bytes), its job id and state ``prepared | sent | acknowledged |
  failed``.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

STATES = ("pending", "sent", "acknowledged", "orphaned", "dead_lettered")
SCHEMA = """
create table if not exists conversion_outbox (
    transaction_id text primary key,
    source text not null,
    occurred_ms integer,
    goal text,
    value real,
    identifiers text not null,
    state text not null check (state in ('pending','sent','acknowledged','orphaned','dead_lettered')),
    reason text,
    list_id text,
    contact_id text,
    campaign_id text,
    contact_data text,
    batch_id text,
    attempts integer not null default 0,
    created_at real not null,
    updated_at real not null
);
create index if not exists conversion_outbox_state on conversion_outbox (state, list_id);
create table if not exists conversion_batches (
    batch_id text primary key,
    list_id text not null,
    method text not null,
    state text not null check (state in ('prepared','sent','acknowledged','failed')),
    path text not null,
    http_method text not null,
    body text not null,
    job_id text,
    reason text,
    created_at real not null,
    updated_at real not null
);
"""


def default_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".outbox.sqlite")


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.con.execute("pragma journal_mode=wal")
        self.con.execute("pragma synchronous=full")
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    def transaction(self) -> Any:
        return _Transaction(self.con)

    def known(self) -> dict[str, str]:
        return dict(self.con.execute("select transaction_id, state from conversion_outbox").fetchall())

    def counts(self) -> dict[str, int]:
        found = dict(
            self.con.execute("select state, count(*) from conversion_outbox group by state").fetchall()
        )
        return {state: found.get(state, 0) for state in STATES}

    def rows(self, state: str | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(
            "select * from conversion_outbox"
            + (" where state = ?" if state else "")
            + " order by transaction_id",
            [state] if state else [],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def batches(self, state: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(
            "select * from conversion_batches where state = ? order by created_at, batch_id", [state]
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _Transaction:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def __enter__(self) -> sqlite3.Connection:
        self.con.execute("begin immediate")
        return self.con

    def __exit__(self, kind: object, *rest: object) -> None:
        self.con.execute("rollback" if kind else "commit")


def now() -> float:
    return time.time()
