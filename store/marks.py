"""Objection marks (异议标注): telling every channel that a record's current version is contested.

While an objection (异议) against a record is handled, every view shows the record with
``_meta.under_objection`` (the 2016 standard's status ``2`` = 异议 did the same). Feeds must
learn it too, without a new ``op`` (``upsert | delete`` is a public contract). So a mark is
an ordinary ``upsert`` event of a **new version with the same payload and hash**, whose
``reason`` says what happened:

* :func:`mark_objection` — reason ``under-objection``; ``records.objection_version`` is set to
  the new version, so :attr:`store.StoredRecord.under_objection` is true;
* :func:`clear_objection` — reason ``objection-closed``; the next version, unmarked.

A mark belongs to one version. When the provider stores new content (a correction, or its
routine re-export with changes) the record is no longer under the mark: the submission writer
never touches ``objection_version`` (:data:`store.tables.MARK_COLUMNS`), and the new event has
no mark reason, so views and feeds agree without the writer knowing about objections. A re-sent
identical record stays ``unchanged`` (the hash is the same) and keeps its mark.

Errors::

    StoreError
    ├── UnknownRecordError   no such record
    └── InvalidQueryError    a withdrawn record cannot be marked
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from store import payloads
from store.bulk import Bulk
from store.db import write_transaction
from store.errors import InvalidQueryError, UnknownRecordError
from store.events import ChangeEvent, Op, RecordState, utc
from store.tables import records

OBJECTION_MARK = "under-objection"
"""``reason`` of the upsert event that puts a version under objection."""

OBJECTION_CLEARED = "objection-closed"
"""``reason`` of the upsert event that ends the mark (the record stands, or the case closed)."""

OBJECTION_STATUS_ZH = "异议处理中"
"""The label channels show next to a marked record."""

_COLUMNS = (
    records.c.record_id,
    records.c.dataset,
    records.c.version,
    records.c.hash,
    records.c.payload,
    records.c.state,
    records.c.publishable,
    records.c.window_start,
    records.c.window_end,
    records.c.objection_version,
)


def _current(conn: Connection, record_id: str) -> Any:
    row = conn.execute(select(*_COLUMNS).where(records.c.record_id == record_id)).mappings().first()
    if row is None:
        raise UnknownRecordError(f"no record {record_id!r}")
    return row


def _write_mark(
    conn: Connection,
    row: Any,
    *,
    reason: str,
    marked: bool,
    actor: str,
    note: str | None,
    now: datetime,
) -> ChangeEvent:
    """Append the mark event and move the record to its version; caller holds the lock."""
    bulk = Bulk(conn)
    event = ChangeEvent(
        seq=bulk.max_seq() + 1,
        dataset=row["dataset"],
        record_id=row["record_id"],
        op=Op.UPSERT,
        reason=reason,
        version=int(row["version"]) + 1,
        hash=row["hash"],
        occurred_at=now,
        payload=payloads.load(row["payload"]),
        actor=actor,
        note=note,
        batch_id=None,
        state=RecordState(row["state"]),
        publishable=bool(row["publishable"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
    )
    change = (
        event.seq, event.dataset, event.record_id, event.version, Op.UPSERT.value, reason,
        event.hash, row["payload"], row["state"], bulk.flag(event.publishable),
        bulk.day(event.window_start), bulk.day(event.window_end), bulk.ts(now), None, actor, note,
    )  # fmt: skip
    bulk.insert_changes([change])
    conn.execute(
        update(records)
        .where(records.c.record_id == event.record_id)
        .values(
            version=event.version,
            seq=event.seq,
            updated_at=now,
            objection_version=event.version if marked else None,
        )
    )
    return event


def mark_objection(
    engine: Engine,
    record_id: str,
    *,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """Put the record's current version under objection; None when it already is.

    Raises :class:`UnknownRecordError` for an unknown record and :class:`InvalidQueryError`
    for a withdrawn one (it is in no view, so there is nothing to mark).
    """
    with write_transaction(engine) as conn:
        return mark_objection_in(conn, record_id, actor=actor, note=note, now=now)


def mark_objection_in(
    conn: Connection,
    record_id: str,
    *,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """:func:`mark_objection` inside the caller's write transaction."""
    when = utc(now) or datetime.now(UTC)
    row = _current(conn, record_id)
    if row["state"] != RecordState.ACTIVE.value:
        raise InvalidQueryError(f"record {record_id!r} is withdrawn; it cannot be marked")
    if row["objection_version"] == row["version"]:
        return None
    return _write_mark(
        conn, row, reason=OBJECTION_MARK, marked=True, actor=actor, note=note, now=when
    )


def clear_objection(
    engine: Engine,
    record_id: str,
    *,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """End the mark with an ``objection-closed`` version; None when the current version is
    not marked (new content since, never marked) or the record is withdrawn (no view shows
    it, so only the stored mark is dropped, without an event)."""
    with write_transaction(engine) as conn:
        return clear_objection_in(conn, record_id, actor=actor, note=note, now=now)


def clear_objection_in(
    conn: Connection,
    record_id: str,
    *,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """:func:`clear_objection` inside the caller's write transaction."""
    when = utc(now) or datetime.now(UTC)
    row = _current(conn, record_id)
    if row["objection_version"] != row["version"]:
        return None
    if row["state"] != RecordState.ACTIVE.value:
        conn.execute(
            update(records).where(records.c.record_id == record_id).values(objection_version=None)
        )
        return None
    return _write_mark(
        conn, row, reason=OBJECTION_CLEARED, marked=False, actor=actor, note=note, now=when
    )
