"""Recomputing stored windows after a rule change (公示规则变更): see the difference, then apply it.

Windows are computed when a record is stored. When the rules change (a new national order, a
provincial threshold set, a department added to the registry), :func:`recompute` computes every
stored record's window again from its payload and compares it with the stored one, per dataset:

* ``end_now`` — shown today, not any more under the new rules: a take-down (``delete`` event,
  reason ``rule_change``), as every channel must drop it;
* ``start`` — not shown today (never published, or taken down as ``expired`` or ``rule_change``)
  and shown under the new rules: a publication (``upsert`` event of a new version with the
  same payload and hash, reason ``rule_change``, state active);
* ``shorten`` / ``lengthen`` — still (not) shown today, but the window ends earlier / later
  (or starts later / earlier): an ``upsert`` event of a new version carrying the new window
  for an active record (feeds then know when it ends), a plain row update for a withdrawn one.

Records withdrawn for other reasons (repaired, revoked, objection upheld …) stay down: a rule
change never undoes a decision about the record. Only differences in the window or in its
explanation (rule set, severity, reason) are written, so a second run changes nothing.
``dry_run`` counts without writing. An objection mark moves with the record to its new version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from catalog import get_entry
from store.bulk import Bulk
from store.db import write_transaction
from store.events import Op, RecordState, in_window, utc
from store.tables import records
from store.takedowns import WithdrawalReason, _take_down
from store.windows import PublicationWindow, RuleBook, load_rulebook

RULES_ACTOR = "system:rules"
RECOMPUTE_CHUNK = 2_000
KINDS = ("shorten", "lengthen", "end_now", "start")
_REOPENABLE = (WithdrawalReason.EXPIRED.value, WithdrawalReason.RULE_CHANGE.value)

_COLUMNS = (
    records.c.record_id,
    records.c.dataset,
    records.c.version,
    records.c.hash,
    records.c.payload,
    records.c.state,
    records.c.withdrawn_reason,
    records.c.publishable,
    records.c.window_start,
    records.c.window_end,
    records.c.min_end,
    records.c.severity,
    records.c.rule_set,
    records.c.window_reason,
    records.c.window_reason_zh,
    records.c.objection_version,
)


@dataclass(slots=True)
class RecomputeResult:
    """Per dataset, how many stored windows changed (or would) in each way."""

    today: date
    dry_run: bool
    by_dataset: dict[str, dict[str, int]] = field(default_factory=dict)
    first_seq: int | None = None
    last_seq: int | None = None

    @property
    def total(self) -> dict[str, int]:
        """The counts of every dataset added up, one per kind."""
        return {k: sum(c[k] for c in self.by_dataset.values()) for k in KINDS}

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "datasets": dict(sorted(self.by_dataset.items())),
            "total": self.total,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
        }


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _stored(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        bool(row["publishable"]),
        _day(row["window_start"]),
        _day(row["window_end"]),
        _day(row["min_end"]),
        row["severity"],
        row["rule_set"],
        row["window_reason"],
        row["window_reason_zh"],
    )


def _computed(window: PublicationWindow) -> tuple[Any, ...]:
    return (
        window.publishable,
        window.start,
        window.end,
        window.min_end,
        _text(window.severity),
        window.rule_set,
        window.reason,
        window.reason_zh,
    )


def _reach(publishable: bool, start: date | None, end: date | None) -> tuple[date, date]:
    """A window as comparable bounds: open ends are extreme days, unpublishable is empty."""
    if not publishable:
        return date.max, date.min
    return start or date.min, end or date.max


def classify(row: Mapping[str, Any], window: PublicationWindow, today: date) -> str | None:
    """The kind of change (one of :data:`KINDS`), or None when the window is the same."""
    old = _stored(row)
    if old[:3] == (window.publishable, window.start, window.end):
        return None
    active = row["state"] == RecordState.ACTIVE.value
    shown = active and old[0] and in_window(old[1], old[2], today)
    if shown and not window.contains(today):
        return "end_now"
    reopenable = active or row["withdrawn_reason"] in _REOPENABLE
    if not shown and window.contains(today) and reopenable:
        return "start"
    (old_start, old_end), (new_start, new_end) = (
        _reach(*old[:3]),
        _reach(window.publishable, window.start, window.end),
    )
    if new_end != old_end:
        return "shorten" if new_end < old_end else "lengthen"
    return "shorten" if new_start > old_start else "lengthen"


class _Recompute:
    def __init__(self, book: RuleBook, today: date, now: datetime, actor: str) -> None:
        self.book, self.today, self.now, self.actor = book, today, now, actor
        self.rules: dict[str, str] = {}

    def window(self, row: Mapping[str, Any]) -> PublicationWindow:
        dataset = row["dataset"]
        if dataset not in self.rules:
            self.rules[dataset] = get_entry(dataset).publication_rule
        return self.book.window(self.rules[dataset], json.loads(row["payload"]))

    def rows(self, conn: Connection, after: str, limit: int) -> list[Mapping[str, Any]]:
        eligible = (records.c.state == RecordState.ACTIVE.value) | (
            records.c.withdrawn_reason.in_(_REOPENABLE)
        )
        query = (
            select(*_COLUMNS)
            .where(records.c.record_id > after, eligible)
            .order_by(records.c.record_id)
            .limit(limit)
        )
        return [dict(row) for row in conn.execute(query).mappings()]

    def apply(
        self, conn: Connection, changes: list[tuple[Mapping[str, Any], PublicationWindow, str]]
    ) -> list[int]:
        """Write the changes of one chunk; returns the seqs of the events written."""
        seqs: list[int] = []
        for row, window, kind in changes:
            values = _row_values(window) | {"updated_at": self.now}
            note = f"publication rules changed: {window.rule_set}"
            if kind == "end_now":
                taken = dict(row) | {
                    "publishable": window.publishable,
                    "window_start": window.start,
                    "window_end": window.end,
                }
                (event,) = _take_down(
                    conn,
                    [taken],
                    reason=WithdrawalReason.RULE_CHANGE,
                    actor=self.actor,
                    note=note,
                    now=self.now,
                )
                seqs.append(event.seq)
            elif kind and (row["state"] == RecordState.ACTIVE.value or kind == "start"):
                seq, version = self._republish(conn, row, window, note)
                values |= {
                    "version": version,
                    "seq": seq,
                    "state": RecordState.ACTIVE.value,
                    "withdrawn_reason": None,
                    "withdrawn_at": None,
                }
                if row["objection_version"] == row["version"]:  # the objection mark follows
                    values["objection_version"] = version
                seqs.append(seq)
            conn.execute(
                update(records).where(records.c.record_id == bindparam("rid")),
                [{"rid": row["record_id"], **values}],
            )
        return seqs

    def _republish(
        self, conn: Connection, row: Mapping[str, Any], window: PublicationWindow, note: str
    ) -> tuple[int, int]:
        """The upsert event of the record under its new window; its seq and version."""
        bulk = Bulk(conn)
        seq, version = bulk.max_seq() + 1, int(row["version"]) + 1
        change = (
            seq, row["dataset"], row["record_id"], version, Op.UPSERT.value,
            WithdrawalReason.RULE_CHANGE.value, row["hash"], row["payload"],
            RecordState.ACTIVE.value, bulk.flag(window.publishable), bulk.day(window.start),
            bulk.day(window.end), bulk.ts(self.now), None, self.actor, note,
        )  # fmt: skip
        bulk.insert_changes([change])
        return seq, version


def _row_values(window: PublicationWindow) -> dict[str, Any]:
    return {
        "publishable": window.publishable,
        "window_start": window.start,
        "window_end": window.end,
        "min_end": window.min_end,
        "severity": _text(window.severity),
        "rule_set": window.rule_set,
        "window_reason": window.reason,
        "window_reason_zh": window.reason_zh,
    }


def recompute(
    engine: Engine,
    today: date,
    *,
    dry_run: bool = False,
    book: RuleBook | None = None,
    actor: str = RULES_ACTOR,
    occurred_at: datetime | None = None,
    chunk_rows: int = RECOMPUTE_CHUNK,
) -> RecomputeResult:
    """Compare every stored window with the current rules and (unless ``dry_run``) apply.

    ``today`` decides what "ends now" and "starts" mean; ``book`` defaults to the loaded rules.
    """
    job = _Recompute(book or load_rulebook(), today, utc(occurred_at) or datetime.now(UTC), actor)
    result = RecomputeResult(today=today, dry_run=dry_run)
    after = ""
    while True:
        if dry_run:
            with engine.connect() as conn:
                rows = job.rows(conn, after, chunk_rows)
            changes = _changes(job, rows, result)
        else:
            with write_transaction(engine) as conn:
                rows = job.rows(conn, after, chunk_rows)
                changes = _changes(job, rows, result)
                seqs = job.apply(conn, changes)
            if seqs:
                result.first_seq = result.first_seq or seqs[0]
                result.last_seq = seqs[-1]
        if len(rows) < chunk_rows:
            break
        after = rows[-1]["record_id"]
    return result


def _changes(
    job: _Recompute, rows: list[Mapping[str, Any]], result: RecomputeResult
) -> list[tuple[Mapping[str, Any], PublicationWindow, str]]:
    """The rows whose window or its explanation differs, with the kind of change (counted)."""
    out: list[tuple[Mapping[str, Any], PublicationWindow, str]] = []
    for row in rows:
        window = job.window(row)
        if _stored(row) == _computed(window):
            continue
        kind = classify(row, window, job.today)
        if kind is not None:
            counts = result.by_dataset.setdefault(row["dataset"], dict.fromkeys(KINDS, 0))
            counts[kind] += 1
        out.append((row, window, kind or ""))
    return out
