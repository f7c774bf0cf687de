"""``cxlake push conversions``: resolve, record in the outbox, write in batches.

Genesys has no "contact event" endpoint; a conversion is written into the dialer
contact's columns in its contact list, so campaign rules (a contact list filter or rule
on ``cxlake_converted``) can stop dialling converted contacts:

- ``cxlake_converted`` = ``"true"``
- ``cxlake_conversion_batch`` = the id of the write that set it
- ``cxlake_conversions`` (``put`` only) = the contact's own conversion entries
  ``contactId|transactionId|goal|value|epochMs`` joined by ``;``.

No write puts one contact's data on another contact's row: the per-contact detail
(transaction ids, goals, values) stays in the outbox, which the marts read
(``raw_genesys.conversion_outbox``).

Two real write paths (shapes from the official SDK models):

- ``bulk`` (default): ``POST /api/v2/outbound/contactlists/{listId}/contacts/bulk/update``
  with ``{"contactIds": [...], "contact": {"data": {...}}}``. That endpoint applies **one**
  patch to every listed contact (an asynchronous ``BulkEdit`` job, polled at
  ``GET .../contacts/bulk/jobs/{jobId}`` until ``Complete`` or ``Failed``), so the patch
  holds only what is true of every contact of the job: ``cxlake_converted`` and
  ``cxlake_conversion_batch``, nothing per contact. The columns it names are set; the
  contact's other columns (``cxlake_conversions`` included) are kept.
- ``put``: ``PUT /api/v2/outbound/contactlists/{listId}/contacts/{contactId}`` per contact,
  with the contact's own entries only. A PUT replaces the contact's columns, so the body is
  the contact's columns as last ingested (``raw_genesys.contact_list_contacts``; without
  them, a ``GET`` of the contact first) with the conversion columns set.

A third path, ``events``, posts each conversion to ``POST /api/v2/contacts/{contactId}/events``:
the intake shape the product's origin guide describes. Genesys has no such endpoint; only the
sandbox simulator serves it (and ingestion reads it back as ``raw_genesys.conversion_events``).
It writes no contact column and the receiving side does not deduplicate: exactly once rests on
the outbox alone.

Replays are harmless: a resend carries the same values (the batch id is a hash of its
transaction ids), and the receiving columns hold each value once. The outbox
(:mod:`cxlake.writeback.outbox`) makes the sender idempotent by transaction id; the
sequence per batch is: commit the exact body (``prepared``) -> send -> commit ``sent``
with the job id -> poll -> commit ``acknowledged``. After ``kill -9`` the next run resends
prepared batches and polls sent ones, so every transaction lands once.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cxlake.writeback import events as event_io
from cxlake.writeback.outbox import Outbox, default_path, now
from cxlake.writeback.resolve import Resolver
from ingestion.http_client import (
    ApiClient,
    ApiError,
    ClientCredentials,
    HttpCounters,
    OAuth,
    RetryBudgetExhausted,
    RetryPolicy,
    TokenBucket,
    genesys_hosts,
    login_base,
    new_session,
)

COLUMNS = ("cxlake_converted", "cxlake_conversion_batch", "cxlake_conversions")
BULK_COLUMNS = ("cxlake_converted", "cxlake_conversion_batch")
"""What a bulk patch may name: values true of every contact of the job (no per-contact data)."""
DEFAULT_BATCH_SIZE = 50
DEFAULT_INTERVAL_S = 10.0
DEFAULT_RATE_PER_MINUTE = 240.0
DEFAULT_GOAL = "goal_purchase_001"


@dataclass
class PushOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    interval_s: float = DEFAULT_INTERVAL_S
    """Pause between two write requests (the first is sent at once)."""
    rate_limit_per_minute: float = DEFAULT_RATE_PER_MINUTE
    method: str = "bulk"  # "bulk" | "put" | "events" (sandbox only: the invented contact-event intake)
    job_poll_s: float = 1.0
    job_timeout_s: float = 300.0
    max_attempts: int = 3
    """Runs in which a batch may meet a persistently failing API before its events are dead-lettered."""
    retry_budget: int = 8
    backoff_base_s: float = 0.5


@dataclass
class PushSummary:
    read: int = 0
    duplicates: int = 0
    already_known: int = 0
    new_pending: int = 0
    new_orphans: int = 0
    reresolved: int = 0
    batches_sent: int = 0
    events_sent: int = 0
    acknowledged: int = 0
    dead_lettered: int = 0
    requests: int = 0
    retries: int = 0
    throttles: int = 0
    outbox: Path | None = None
    states: dict[str, int] = field(default_factory=dict)
    orphan_reasons: list[str] = field(default_factory=list)
    error: str | None = None
    mirrored: bool = False
    mirror_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def write_client(
    base_url: str | None,
    region: str | None,
    client_id: str,
    client_secret: str,
    options: PushOptions,
    counters: HttpCounters | None = None,
) -> ApiClient:
    """The write-scoped Genesys client, on the shared HTTP layer (token bucket, 429, 5xx backoff)."""
    if base_url:
        base = base_url.rstrip("/")
        token_url = f"{login_base(base)}/oauth/token"
    else:
        base, login = genesys_hosts(region or "us-east-1")
        token_url = f"{login}/oauth/token"
    credentials = ClientCredentials(token_url, client_id, client_secret, allow_write_scopes=True)
    oauth = OAuth(credentials, new_session(), 60.0)
    policy = RetryPolicy(budget=options.retry_budget, backoff_base_s=options.backoff_base_s)
    return ApiClient(
        base, oauth, TokenBucket(options.rate_limit_per_minute), counters or HttpCounters(), policy
    )


def entry(row: dict[str, Any]) -> str:
    value = f"{row['value']:.2f}" if row["value"] is not None else ""
    return f"{row['contact_id']}|{row['transaction_id']}|{row['goal']}|{value}|{row['occurred_ms']}"


# --- intake ---------------------------------------------------------------------------------


def take_in(outbox: Outbox, incoming: list[event_io.Event], resolver: Resolver, summary: PushSummary) -> None:
    """Record new events (pending or orphaned) and re-resolve earlier orphans, in one transaction."""
    known = outbox.known()
    seen: set[str] = set()
    stamp = now()
    with outbox.transaction() as con:
        for event in incoming:
            summary.read += 1
            if event.transaction_id in seen:
                summary.duplicates += 1
                continue
            seen.add(event.transaction_id)
            if event.transaction_id in known and known[event.transaction_id] != "orphaned":
                summary.already_known += 1
                continue
            resolution = None if event.problem else resolver.resolve(event)
            reason = event.problem or (resolution.orphan_reason if resolution else None)
            state = "orphaned" if reason else "pending"
            if event.transaction_id in known:  # an earlier orphan: try again with today's warehouse
                if state == "orphaned":
                    summary.already_known += 1
                    con.execute(
                        "update conversion_outbox set reason = ?, updated_at = ? where transaction_id = ?",
                        [reason, stamp, event.transaction_id],
                    )
                    continue
                summary.reresolved += 1
                con.execute("delete from conversion_outbox where transaction_id = ?", [event.transaction_id])
            con.execute(
                """insert into conversion_outbox (transaction_id, source, occurred_ms, goal, value,
                       identifiers,
                       state, reason, list_id, contact_id, campaign_id, contact_data, created_at, updated_at)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    event.transaction_id,
                    event.source,
                    event.occurred_ms,
                    event.goal,
                    event.value,
                    orjson.dumps(event.identifiers).decode(),
                    state,
                    reason,
                    resolution.list_id if resolution else None,
                    resolution.contact_id if resolution else None,
                    resolution.campaign_id if resolution else None,
                    orjson.dumps(resolution.contact_data).decode()
                    if resolution and resolution.contact_data is not None
                    else None,
                    stamp,
                    stamp,
                ],
            )
            if state == "orphaned":
                summary.new_orphans += 1
                summary.orphan_reasons.append(reason or "")
            elif event.transaction_id not in known:
                summary.new_pending += 1


# --- sending --------------------------------------------------------------------------------


class Sender:
    def __init__(self, outbox: Outbox, client: ApiClient, options: PushOptions, summary: PushSummary) -> None:
        self.outbox = outbox
        self.client = client
        self.options = options
        self.summary = summary
        self._last_send = 0.0

    def run(self) -> None:
        for batch in self.outbox.batches("sent"):
            self._settle(batch)
        for batch in self.outbox.batches("prepared"):
            self._send(batch)
        while True:
            batch = self._prepare()
            if batch is None:
                return
            self._send(batch)

    def _pace(self) -> None:
        if self._last_send and self.options.interval_s > 0:
            wait = self._last_send + self.options.interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_send = time.monotonic()

    def _prepare(self) -> dict[str, Any] | None:
        """Pick the next batch of pending events and commit its exact request (state prepared)."""
        con = self.outbox.con
        first = con.execute(
            "select list_id from conversion_outbox where state = 'pending' and batch_id is null "
            "order by created_at, transaction_id limit 1"
        ).fetchone()
        if first is None:
            return None
        list_id = first[0]
        cursor = con.execute(
            "select * from conversion_outbox where state = 'pending' and batch_id is null and list_id = ? "
            "order by contact_id, transaction_id limit ?",
            [list_id, self.options.batch_size * 20],
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if self.options.method == "events":
            rows = rows[:1]
        elif self.options.method == "put":
            contact = rows[0]["contact_id"]
            rows = [row for row in rows if row["contact_id"] == contact][: self.options.batch_size]
        else:
            contacts: list[str] = []
            chosen = []
            for row in rows:
                if row["contact_id"] not in contacts:
                    if len(contacts) >= self.options.batch_size:
                        continue
                    contacts.append(row["contact_id"])
                chosen.append(row)
            rows = chosen
        txns = sorted(row["transaction_id"] for row in rows)
        batch_id = "wb-" + hashlib.sha1("\n".join(txns).encode()).hexdigest()[:20]
        contact_ids = sorted({row["contact_id"] for row in rows})
        columns = {"cxlake_converted": "true", "cxlake_conversion_batch": batch_id}
        if self.options.method == "put":  # one contact: its own entries, earlier ones included
            earlier = self._earlier_entries(list_id, contact_ids, txns)
            columns["cxlake_conversions"] = ";".join(sorted({entry(row) for row in rows} | earlier))
        if self.options.method == "events":
            row = rows[0]
            path = f"/api/v2/contacts/{row['contact_id']}/events"
            body: Any = {
                "eventType": "goalCompletion",
                "data": {
                    "goalId": row["goal"],
                    "campaignId": row["campaign_id"],
                    "timestamp": row["occurred_ms"],
                    "value": row["value"],
                    "metadata": {"transactionId": row["transaction_id"], "channel": "cxlake_push"},
                },
            }
            http_method = "POST"
        elif self.options.method == "put":
            contact_id = contact_ids[0]
            data = orjson.loads(rows[0]["contact_data"]) if rows[0]["contact_data"] else None
            if data is None:
                answer = (
                    self.client.get(f"/api/v2/outbound/contactlists/{list_id}/contacts/{contact_id}") or {}
                )
                data = dict(answer.get("data") or {})
            path = f"/api/v2/outbound/contactlists/{list_id}/contacts/{contact_id}"
            body = {"id": contact_id, "contactListId": list_id, "data": {**data, **columns}}
            http_method = "PUT"
        else:
            # one patch for every listed contact: only values true of all of them (BULK_COLUMNS)
            path = f"/api/v2/outbound/contactlists/{list_id}/contacts/bulk/update"
            body = {"contactIds": contact_ids, "contact": {"data": columns}}
            http_method = "POST"
        stamp = now()
        with self.outbox.transaction() as tx:
            tx.execute(
                """insert or replace into conversion_batches (batch_id, list_id, method, state, path,
                       http_method,
                       body, created_at, updated_at) values (?, ?, ?, 'prepared', ?, ?, ?, ?, ?)""",
                [
                    batch_id,
                    list_id,
                    self.options.method,
                    path,
                    http_method,
                    orjson.dumps(body).decode(),
                    stamp,
                    stamp,
                ],
            )
            tx.executemany(
                "update conversion_outbox set batch_id = ?, updated_at = ? where transaction_id = ?",
                [(batch_id, stamp, txn) for txn in txns],
            )
        return self._batch(batch_id)

    def _batch(self, batch_id: str) -> dict[str, Any]:
        cursor = self.outbox.con.execute("select * from conversion_batches where batch_id = ?", [batch_id])
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))

    def _earlier_entries(self, list_id: str, contact_ids: list[str], exclude: list[str]) -> set[str]:
        """The contact's own conversions already written (``put``: one contact per request)."""
        if len(contact_ids) != 1:
            return set()
        marks = ",".join("?" for _ in contact_ids)
        cursor = self.outbox.con.execute(
            f"select * from conversion_outbox where list_id = ? and contact_id in ({marks}) "
            "and state in ('sent', 'acknowledged')",
            [list_id, *contact_ids],
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return {entry(row) for row in rows if row["transaction_id"] not in exclude}

    def _events_of(self, batch_id: str) -> int:
        return self.outbox.con.execute(
            "select count(*) from conversion_outbox where batch_id = ?", [batch_id]
        ).fetchone()[0]

    def _send(self, batch: dict[str, Any]) -> None:
        self._pace()
        body = orjson.loads(batch["body"])
        try:
            answer = self.client.request(batch["http_method"], batch["path"], body=body) or {}
        except RetryBudgetExhausted as exc:
            self._attempt_failed(batch, str(exc))
            raise
        except ApiError as exc:
            self._dead_letter(batch, f"{exc}")
            return
        job_id = answer.get("id") if batch["method"] == "bulk" else None
        stamp = now()
        state = "sent" if job_id else "acknowledged"
        with self.outbox.transaction() as tx:
            tx.execute(
                "update conversion_batches set state = ?, job_id = ?, updated_at = ? where batch_id = ?",
                [state, job_id, stamp, batch["batch_id"]],
            )
            tx.execute(
                "update conversion_outbox set state = ?, updated_at = ? "
                "where batch_id = ? and state = 'pending'",
                [state, stamp, batch["batch_id"]],
            )
        self.summary.batches_sent += 1
        count = self._events_of(batch["batch_id"])
        self.summary.events_sent += count
        if state == "acknowledged":
            self.summary.acknowledged += count
        else:
            self._settle(self._batch(batch["batch_id"]), answer)

    def _settle(self, batch: dict[str, Any], job: dict[str, Any] | None = None) -> None:
        """Poll a bulk job until it completes; acknowledge or dead-letter its events."""
        path = f"/api/v2/outbound/contactlists/{batch['list_id']}/contacts/bulk/jobs/{batch['job_id']}"
        deadline = time.monotonic() + self.options.job_timeout_s
        while True:
            if job is None or job.get("state") == "InProgress":
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"bulk job {batch['job_id']} still running after {self.options.job_timeout_s} s"
                    )
                time.sleep(self.options.job_poll_s)
                try:
                    job = self.client.get(path) or {}
                except ApiError as exc:
                    if exc.status == 404:  # the job is gone: send the same body again (harmless replay)
                        with self.outbox.transaction() as tx:
                            tx.execute(
                                "update conversion_batches set state = 'prepared', job_id = null "
                                "where batch_id = ?",
                                [batch["batch_id"]],
                            )
                            tx.execute(
                                "update conversion_outbox set state = 'pending' where batch_id = ?",
                                [batch["batch_id"]],
                            )
                        self._send(self._batch(batch["batch_id"]))
                        return
                    raise
                continue
            break
        stamp = now()
        if job.get("state") == "Complete":
            with self.outbox.transaction() as tx:
                tx.execute(
                    "update conversion_batches set state = 'acknowledged', updated_at = ? where batch_id = ?",
                    [stamp, batch["batch_id"]],
                )
                tx.execute(
                    "update conversion_outbox set state = 'acknowledged', updated_at = ? where batch_id = ?",
                    [stamp, batch["batch_id"]],
                )
            self.summary.acknowledged += self._events_of(batch["batch_id"])
            return
        reason = (job.get("failureReason") or {}).get("message") or f"bulk job ended {job.get('state')!r}"
        self._dead_letter(batch, f"bulk job {batch['job_id']} failed: {reason}")

    def _dead_letter(self, batch: dict[str, Any], reason: str) -> None:
        stamp = now()
        with self.outbox.transaction() as tx:
            tx.execute(
                "update conversion_batches set state = 'failed', reason = ?, updated_at = ? "
                "where batch_id = ?",
                [reason, stamp, batch["batch_id"]],
            )
            tx.execute(
                "update conversion_outbox set state = 'dead_lettered', reason = ?, updated_at = ? "
                "where batch_id = ?",
                [reason, stamp, batch["batch_id"]],
            )
        self.summary.dead_lettered += self._events_of(batch["batch_id"])

    def _attempt_failed(self, batch: dict[str, Any], reason: str) -> None:
        """The API kept failing: keep the batch for the next run, or dead-letter it after max_attempts."""
        with self.outbox.transaction() as tx:
            tx.execute(
                "update conversion_outbox set attempts = attempts + 1, reason = ? where batch_id = ?",
                [reason, batch["batch_id"]],
            )
            attempts = tx.execute(
                "select max(attempts) from conversion_outbox where batch_id = ?", [batch["batch_id"]]
            ).fetchone()[0]
        if attempts is not None and attempts >= self.options.max_attempts:
            self._dead_letter(batch, f"gave up after {attempts} runs: {reason}")


# --- the command ------------------------------------------------------------------------------


def push_conversions(
    warehouse: Path,
    client: ApiClient,
    *,
    file: Path | None = None,
    from_warehouse: bool = False,
    goal: str = DEFAULT_GOAL,
    outbox_path: Path | None = None,
    options: PushOptions | None = None,
    lock: Any = None,
    mirror_lock: Any = None,
) -> PushSummary:
    """Read events, resolve them against a read-only snapshot of the warehouse, send what is pending.

    ``lock``: a context manager factory taken while the warehouse is read (``cxlake.lock``), so no
    writer holds the file meanwhile; it is released before any request is sent. ``mirror_lock``:
    the same, taken after sending to copy the outbox into ``raw_genesys.conversion_outbox`` (for
    ``int_conversion_writebacks`` and the ``conversion_writeback_exceptions`` mart); a busy
    warehouse skips the copy (said in the summary) and the next run makes it.
    """
    import contextlib

    from cxlake import duck

    options = options or PushOptions()
    summary = PushSummary(outbox=outbox_path or default_path(warehouse))
    incoming: list[event_io.Event] = []
    if file is not None:
        incoming.extend(event_io.read_file(file))
    with lock() if lock else contextlib.nullcontext():
        if Path(warehouse).exists():
            con = duck.connect(warehouse, read_only=True, warehouse=Path(warehouse))
            try:
                resolver = Resolver(con)
                if from_warehouse:
                    incoming.extend(event_io.won_opportunities(con, goal))
            finally:
                con.close()
        else:
            con = duck.connect(warehouse=Path(warehouse))
            resolver = Resolver(con)
            con.close()
    outbox = Outbox(summary.outbox)
    try:
        take_in(outbox, incoming, resolver, summary)
        counters = client.counters
        before = (counters.requests, counters.retries, counters.throttles)
        try:
            Sender(outbox, client, options, summary).run()
        except (RetryBudgetExhausted, RuntimeError) as exc:
            summary.error = str(exc)
        summary.requests = counters.requests - before[0]
        summary.retries = counters.retries - before[1]
        summary.throttles = counters.throttles - before[2]
        summary.states = outbox.counts()
        if mirror_lock is not None and Path(warehouse).exists():
            try:
                with mirror_lock():
                    copy_outbox(outbox, Path(warehouse))
                summary.mirrored = True
            except Exception as exc:  # noqa: BLE001 - a busy warehouse must not fail a finished push
                summary.mirror_error = f"{type(exc).__name__}: {exc}"
    finally:
        outbox.close()
    return summary


def copy_outbox(outbox: Outbox, warehouse: Path) -> int:
    """Replace ``raw_genesys.conversion_outbox`` with the outbox's rows (the caller holds the lock)."""
    import pyarrow as pa

    from cxlake import duck

    rows = outbox.rows()
    columns = [
        "transaction_id", "source", "occurred_ms", "goal", "value", "identifiers", "state", "reason",
        "list_id", "contact_id", "campaign_id", "batch_id", "updated_at",
    ]  # fmt: skip
    table = pa.table(
        {
            **{name: [row[name] for row in rows] for name in columns if name != "updated_at"},
            "updated_at": pa.array(
                [int(row["updated_at"] * 1_000_000) for row in rows], type=pa.timestamp("us", tz="UTC")
            ),
        }
    )
    con = duck.connect(warehouse, warehouse=warehouse)
    try:
        con.execute("create schema if not exists raw_genesys")
        con.register("outbox_rows", table)
        con.execute("create or replace table raw_genesys.conversion_outbox as select * from outbox_rows")
    finally:
        con.close()
    return len(rows)


def format_summary(summary: PushSummary) -> str:
    lines = [
        f"cxlake push conversions: read {summary.read} events ({summary.duplicates} repeated in the input, "
        f"{summary.already_known} already in the outbox)",
        f"  new: {summary.new_pending} to send, {summary.new_orphans} orphaned; {summary.reresolved} earlier "
        "orphans now resolved",
        f"  sent {summary.events_sent} events in {summary.batches_sent} writes; "
        f"acknowledged {summary.acknowledged}; "
        f"dead-lettered {summary.dead_lettered}",
        f"  HTTP: {summary.requests} requests, {summary.retries} retries, "
        f"{summary.throttles} throttled (429)",
        "  outbox " + str(summary.outbox) + ": " + ", ".join(f"{k}={v}" for k, v in summary.states.items()),
    ]
    for reason in summary.orphan_reasons[:20]:
        lines.append(f"  orphan: {reason}")
    if len(summary.orphan_reasons) > 20:
        lines.append(f"  ... {len(summary.orphan_reasons) - 20} more orphans (see the outbox)")
    if summary.mirror_error:
        lines.append(
            f"  warehouse copy of the outbox not refreshed ({summary.mirror_error}); the next run will"
        )
    if summary.error:
        lines.append(f"  stopped: {summary.error} (pending events stay in the outbox for the next run)")
    return "\n".join(lines)
