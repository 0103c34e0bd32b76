"""What readers get back: change events (变更事件) and stored records (当前记录).

Both are plain frozen dataclasses built from table rows; timestamps are timezone-aware UTC
on every backend, dates are :class:`datetime.date`, payloads are parsed dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from store import payloads


class Op(StrEnum):
    """The kind of a change event."""

    UPSERT = "upsert"
    DELETE = "delete"


class RecordState(StrEnum):
    """Whether a record is currently published (active) or taken down (withdrawn)."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


_OPS = {op.value: op for op in Op}
_STATES = {state.value: state for state in RecordState}


def utc(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as aware UTC (SQLite hands back naive UTC, or its text on a raw
    cursor: ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def in_window(start: date | None, end: date | None, day: date) -> bool:
    """Whether ``day`` lies in the closed window [start, end]; None ends are open."""
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One entry of the change log.

    ``op`` is ``upsert`` (a new version; ``payload`` is the record) or ``delete`` (a
    take-down; ``payload`` is None, ``hash`` and ``version`` are those of the version taken
    down, ``reason`` a :class:`store.WithdrawalReason` value). An upsert stored while the
    record stays withdrawn has ``state == "withdrawn"`` and ``reason`` = the standing
    withdrawal reason; plain upserts have ``reason`` None, except the objection marks of
    :mod:`store.marks` (same payload and hash, reason ``under-objection`` or
    ``objection-closed``). ``state``, ``publishable`` and the window are the record's, as of
    this event.
    """

    seq: int
    dataset: str
    record_id: str
    op: Op
    reason: str | None
    version: int
    hash: str
    occurred_at: datetime
    payload: dict[str, Any] | None
    actor: str
    note: str | None
    batch_id: str | None
    state: RecordState
    publishable: bool | None
    window_start: date | None
    window_end: date | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ChangeEvent:
        """Build from a ``changes`` row mapping."""
        return cls.from_values([row[name] for name in EVENT_COLUMNS])

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> ChangeEvent:
        """Build from column values in :data:`EVENT_COLUMNS` order (SQLAlchemy's or the raw
        driver's types)."""
        (seq, dataset, record_id, op, reason, version, hash_, occurred_at, payload, actor,
         note, batch_id, state, publishable, window_start, window_end) = values  # fmt: skip
        return cls(
            int(seq),
            dataset,
            record_id,
            _OPS.get(op) or Op(op),
            reason,
            int(version),
            hash_,
            utc(occurred_at),  # type: ignore[arg-type]
            payloads.load(payload),
            actor,
            note,
            batch_id,
            _STATES.get(state) or RecordState(state),
            None if publishable is None else bool(publishable),
            _date(window_start),
            _date(window_end),
        )


EVENT_COLUMNS: tuple[str, ...] = tuple(ChangeEvent.__dataclass_fields__)
"""``changes`` columns in :class:`ChangeEvent` field order (what :meth:`ChangeEvent.from_values`
takes)."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """The current state of one record: its latest version, window, take-down and timeliness.

    ``disclosure_working_days`` counts working days from ``decision_date`` to the day the
    record was first published; it is None (and ``calendar_unknown`` True) when the holiday
    calendar does not cover those years, and None without the flag when there is nothing to
    measure (no decision date, or never published). ``under_objection``: an objection
    (异议) against this version is being handled (:mod:`store.marks`).
    """

    record_id: str
    dataset: str
    key_text: str
    uscc: str | None
    version: int
    seq: int
    hash: str
    state: RecordState
    withdrawn_reason: str | None
    withdrawn_at: datetime | None
    payload: dict[str, Any]
    publishable: bool
    window_start: date | None
    window_end: date | None
    min_end: date | None
    severity: str | None
    rule_set: str | None
    window_reason: str | None
    window_reason_zh: str | None
    decision_date: date | None
    first_published_at: datetime | None
    disclosure_due: date | None
    disclosure_working_days: int | None
    disclosure_on_time: bool | None
    calendar_unknown: bool
    updated_at: datetime
    under_objection: bool = False

    @property
    def active(self) -> bool:
        """Whether the record is not taken down."""
        return self.state is RecordState.ACTIVE

    def in_window(self, day: date) -> bool:
        """Whether ``day`` lies inside the record's publication window (bounds included)."""
        return in_window(self.window_start, self.window_end, day)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> StoredRecord:
        """Build from a ``records`` row mapping."""
        return cls(
            record_id=row["record_id"],
            dataset=row["dataset"],
            key_text=row["key_text"],
            uscc=row["uscc"],
            version=int(row["version"]),
            seq=int(row["seq"]),
            hash=row["hash"],
            state=_STATES.get(row["state"]) or RecordState(row["state"]),
            withdrawn_reason=row["withdrawn_reason"],
            withdrawn_at=utc(row["withdrawn_at"]),
            payload=payloads.load(row["payload"]) or {},
            publishable=bool(row["publishable"]),
            window_start=_date(row["window_start"]),
            window_end=_date(row["window_end"]),
            min_end=_date(row["min_end"]),
            severity=row["severity"],
            rule_set=row["rule_set"],
            window_reason=row["window_reason"],
            window_reason_zh=row["window_reason_zh"],
            decision_date=_date(row["decision_date"]),
            first_published_at=utc(row["first_published_at"]),
            disclosure_due=_date(row["disclosure_due"]),
            disclosure_working_days=row["disclosure_working_days"],
            disclosure_on_time=_flag(row["disclosure_on_time"]),
            calendar_unknown=bool(row["calendar_unknown"]),
            updated_at=utc(row["updated_at"]),  # type: ignore[arg-type]
            # a mark belongs to one version: a later content version is not under objection
            under_objection=row.get("objection_version") == row["version"],
        )
