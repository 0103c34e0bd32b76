"""Take-downs (撤下): ending a record's publication with a reason, by hand or by the sweep.

A take-down is a ``delete`` event in the change log (payload NULL; ``version`` and ``hash``
those of the version taken down) and ``state = withdrawn`` on the record, with who, when and
why. Nothing is deleted: history keeps every version. Taking down a record that is already
withdrawn does nothing (idempotent) and returns None.

The sweep ends the publication of active, publishable records whose window closed
(``window_end < today``) with ``expired`` take-downs by ``system:sweep``, in record-id order,
so a given day always takes down the same records; a second run finds nothing. Records with
``publishable = False`` are never in a public or agency view, so they get no take-down: they
were never published, and government users keep seeing them (the city keeps 失信 information
for internal sharing, 武汉市人民政府令第272号).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from catalog import CatalogEntry, get_entry, record_id_for
from store.bulk import Bulk
from store.db import write_transaction
from store.errors import InvalidQueryError, UnknownRecordError
from store.events import ChangeEvent, Op, RecordState, utc
from store.tables import records

SWEEP_ACTOR = "system:sweep"
SWEEP_CHUNK = 10_000


class WithdrawalReason(StrEnum):
    """Why a record was taken down; ``zh`` is the label shown to people."""

    REVOKED = "revoked"
    CORRECTED = "corrected"
    REPAIRED = "repaired"
    EXPIRED = "expired"
    OBJECTION_UPHELD = "objection-upheld"
    LISTING_ENDED = "listing-ended"
    REPAIR_NATIONAL = "repair_national"
    RULE_CHANGE = "rule_change"

    @property
    def zh(self) -> str:
        """The label shown to people: 撤销, 变更更正, 信用修复, 公示期满, 异议成立, 移出名单 …"""
        return _REASON_ZH[self]


_REASON_ZH = {
    WithdrawalReason.REVOKED: "决定撤销",
    WithdrawalReason.CORRECTED: "决定变更（待更正）",
    WithdrawalReason.REPAIRED: "信用修复",
    WithdrawalReason.EXPIRED: "公示期满",
    WithdrawalReason.OBJECTION_UPHELD: "异议成立",
    WithdrawalReason.LISTING_ENDED: "移出名单",
    WithdrawalReason.REPAIR_NATIONAL: "信用修复（信用中国决定）",
    WithdrawalReason.RULE_CHANGE: "公示规则变更",
}


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep took down."""

    today: date
    expired: int = 0
    by_dataset: dict[str, int] = field(default_factory=dict)
    first_seq: int | None = None
    last_seq: int | None = None


_TAKE_DOWN_COLUMNS = (
    records.c.record_id,
    records.c.dataset,
    records.c.version,
    records.c.hash,
    records.c.state,
    records.c.publishable,
    records.c.window_start,
    records.c.window_end,
)


def resolve_record_id(
    entry: CatalogEntry,
    record_id: str | None,
    key: Mapping[str, str] | Sequence[str] | None,
) -> str:
    """The record id named by an id or by a natural key (mapping of fields, or the values)."""
    if (record_id is None) == (key is None):
        raise InvalidQueryError("name the record by exactly one of record_id or key")
    if record_id is not None:
        return record_id
    if isinstance(key, Mapping):
        values = entry.key_values(key)
        if values is None:
            raise InvalidQueryError(
                f"the key does not give every part of {entry.id}'s natural key "
                f"({', '.join(entry.key_fields())})"
            )
    else:
        values = tuple(key or ())
    try:
        return record_id_for(entry.id, values)
    except ValueError as exc:
        raise InvalidQueryError(str(exc)) from None


def _take_down(
    conn: Connection,
    rows: Sequence[Mapping[Any, Any]],
    *,
    reason: WithdrawalReason,
    actor: str,
    note: str | None,
    now: datetime,
) -> list[ChangeEvent]:
    """Write delete events and withdraw ``rows`` (records rows); caller holds the lock."""
    bulk = Bulk(conn)
    first = bulk.max_seq() + 1
    events = [
        _delete_event(row, seq, reason=reason, actor=actor, note=note, now=now)
        for seq, row in enumerate(rows, start=first)
    ]
    changes = [
        (e.seq, e.dataset, e.record_id, e.version, e.op.value, e.reason, e.hash, None,
         e.state.value, bulk.flag(e.publishable), bulk.day(e.window_start),
         bulk.day(e.window_end), bulk.ts(now), None, actor, note)
        for e in events
    ]  # fmt: skip
    bulk.insert_changes(changes)
    conn.execute(
        update(records)
        .where(records.c.record_id == bindparam("rid"))
        .values(
            state=RecordState.WITHDRAWN.value,
            withdrawn_reason=reason.value,
            withdrawn_at=now,
            seq=bindparam("new_seq"),
            updated_at=now,
        ),
        [{"rid": e.record_id, "new_seq": e.seq} for e in events],
    )
    return events


def _delete_event(
    row: Mapping[Any, Any],
    seq: int,
    *,
    reason: WithdrawalReason,
    actor: str,
    note: str | None,
    now: datetime,
) -> ChangeEvent:
    """The change-log event that takes the stored ``row`` down at ``seq``."""
    return ChangeEvent(
        seq=seq,
        dataset=row["dataset"],
        record_id=row["record_id"],
        op=Op.DELETE,
        reason=reason.value,
        version=row["version"],
        hash=row["hash"],
        occurred_at=now,
        payload=None,
        actor=actor,
        note=note,
        batch_id=None,
        state=RecordState.WITHDRAWN,
        publishable=bool(row["publishable"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
    )


def withdraw(
    engine: Engine,
    dataset_id: str,
    *,
    record_id: str | None = None,
    key: Mapping[str, str] | Sequence[str] | None = None,
    reason: str,
    note: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """Take one record down in its own write transaction; None when it is already withdrawn.

    Raises :class:`UnknownRecordError` when the dataset has no such record and
    :class:`InvalidQueryError` for an unknown reason or an incomplete key.
    """
    with write_transaction(engine) as conn:
        return withdraw_in(
            conn,
            dataset_id,
            record_id=record_id,
            key=key,
            reason=reason,
            note=note,
            actor=actor,
            now=now,
        )


def withdraw_in(
    conn: Connection,
    dataset_id: str,
    *,
    record_id: str | None = None,
    key: Mapping[str, str] | Sequence[str] | None = None,
    reason: str,
    note: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> ChangeEvent | None:
    """:func:`withdraw` inside the caller's write transaction (one that holds the writer
    lock, :func:`store.db.write_transaction`), so a workflow step commits its take-down
    together with its own rows, or nothing."""
    entry = get_entry(dataset_id)
    try:
        why = WithdrawalReason(reason)
    except ValueError:
        known = ", ".join(r.value for r in WithdrawalReason)
        raise InvalidQueryError(
            f"unknown withdrawal reason {reason!r}; use one of {known}"
        ) from None
    rid = resolve_record_id(entry, record_id, key)
    when = utc(now) or datetime.now(UTC)
    row = (
        conn.execute(select(*_TAKE_DOWN_COLUMNS).where(records.c.record_id == rid))
        .mappings()
        .first()
    )
    if row is None or row["dataset"] != entry.id:
        raise UnknownRecordError(f"no record {rid!r} in dataset {entry.id!r}")
    if row["state"] == RecordState.WITHDRAWN:
        return None
    (event,) = _take_down(conn, [row], reason=why, actor=actor, note=note, now=when)
    return event


def sweep(
    engine: Engine,
    today: date,
    *,
    occurred_at: datetime | None = None,
    chunk_rows: int = SWEEP_CHUNK,
) -> SweepResult:
    """Take down (``expired``) every active, publishable record whose window ended before
    ``today``; ``occurred_at`` stamps the events (default: now)."""
    when = utc(occurred_at) or datetime.now(UTC)
    counts: Counter[str] = Counter()
    first: int | None = None
    last: int | None = None
    while True:
        with write_transaction(engine) as conn:
            rows = (
                conn.execute(
                    select(*_TAKE_DOWN_COLUMNS)
                    .where(
                        records.c.state == RecordState.ACTIVE.value,
                        records.c.publishable.is_(True),
                        records.c.window_end < today,
                    )
                    .order_by(records.c.record_id)
                    .limit(chunk_rows)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            events = _take_down(
                conn,
                rows,
                reason=WithdrawalReason.EXPIRED,
                actor=SWEEP_ACTOR,
                note=f"publication window ended before {today.isoformat()}",
                now=when,
            )
        counts.update(e.dataset for e in events)
        first = events[0].seq if first is None else first
        last = events[-1].seq
    return SweepResult(
        today=today,
        expired=sum(counts.values()),
        by_dataset=dict(sorted(counts.items())),
        first_seq=first,
        last_seq=last,
    )
