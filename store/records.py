"""Submissions (提交入库): validated records become versions, change events and current state.

Rows are written in chunks, one write transaction each (see
:func:`store.db.write_transaction`): one query fetches what is stored for the chunk's record
ids, then only new or changed records are written — a version row in ``changes`` and the
``records`` row — in that same transaction. A crash at any moment therefore leaves whole
chunks or nothing, never an event without its version; re-running the submission writes the
rest and finds the rest unchanged. ``all_or_nothing`` puts the whole batch in one
transaction and writes nothing if any row is rejected.

Rules per row (``Outcome``):

* not stored → ``new`` (version 1); same content as the latest version → ``unchanged`` (no
  version, no event — also when the record is withdrawn: a re-sent old export must not bring
  a repaired record back); different content → ``updated`` (version + 1).
* different content for a withdrawn record: stored as a new version, but the record becomes
  active again only if it was withdrawn as ``corrected``; otherwise it stays withdrawn →
  ``withdrawn-kept`` with a ``record-withdrawn`` warning.
* the same key twice in one batch: same content → ``unchanged``; different content → the later
  row is rejected (``duplicate-key``) and the first one kept. No usable natural key →
  rejected (``missing-value`` on the key field).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, insert, update

from catalog import USCC_PLACEHOLDER, CatalogEntry, get_entry, record_id_for
from publishers import Issue, make_issue
from store import tables
from store.batches import process_owner
from store.bulk import Bulk
from store.db import write_transaction
from store.declared_end import DECLARED_END_FIELD, window_issues
from store.events import Op, RecordState
from store.outcomes import BatchStatus, Outcome, RowOutcome, SubmitResult, new_batch_id
from store.payloads import canonical_json, content_hash
from store.pipeline import prefetch
from store.tables import RECORD_COLUMNS
from store.takedowns import WithdrawalReason
from store.timeliness import china_day, measure
from store.windows import UnknownRuleError, load_rulebook, publication_window

ACTIVE, WITHDRAWN, UPSERT = RecordState.ACTIVE.value, RecordState.WITHDRAWN.value, Op.UPSERT.value
CHUNK_ROWS = 5_000
"""Rows per write transaction (performance.md: 5–20k rows amortise a commit); three chunks
are in memory at once when the stream is prefetched (store.pipeline)."""
SEEN_WINDOW = 50_000
"""Rows remembered for in-batch duplicate checks before the database takes over."""
LAST_BATCH = 11
"""Index of ``last_batch`` in a row of :data:`store.bulk.EXISTING_COLUMNS`."""

KEY_SEPARATOR = "\x1f"
"""Joins natural-key values in ``records.key_text`` (the separator record ids hash with)."""


_ROW_ORDER = (
    "record_id", "dataset", "key_text", "uscc", "version", "seq", "hash", "state",
    "withdrawn_reason", "withdrawn_at", "payload", "publishable", "window_start", "window_end",
    "min_end", "severity", "rule_set", "window_reason", "window_reason_zh", "decision_date",
    "first_published_at", "disclosure_due", "disclosure_working_days", "disclosure_on_time",
    "calendar_unknown", "updated_at",
)  # fmt: skip
if _ROW_ORDER != RECORD_COLUMNS:  # pragma: no cover - a table edit must update write_chunk
    raise ImportError("store.records: records row order differs from store.tables")


class _Pending(NamedTuple):
    row: int
    record_id: str
    key_text: str
    record: Mapping[str, Any]
    payload: str
    hash: str


class _RejectedError(Exception):
    """Unwinds an all-or-nothing transaction."""


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _chunks(items: Iterable[_Pending], size: int) -> Iterator[list[_Pending]]:
    chunk: list[_Pending] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Submission:
    """One batch being written; use :func:`submit`."""

    def __init__(
        self,
        engine: Engine,
        entry: CatalogEntry,
        *,
        actor: str,
        source: str,
        batch_id: str,
        now: datetime | None,
        detail: bool,
    ) -> None:
        self.engine = engine
        self.entry = entry
        self.actor = actor
        self.source = source
        self.fixed_now = now
        self.detail = detail
        self.result = SubmitResult(batch_id=batch_id, dataset=entry.id)
        # what prepare() found since the last chunk: handed over with the chunk (store.pipeline)
        self.prep = SubmitResult(batch_id=batch_id, dataset=entry.id)
        # Recent rows only (bounded memory on million-row files); older in-batch duplicates
        # are found in the database by the batch that wrote the latest version.
        self._seen: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._seen_limit = SEEN_WINDOW
        self._keep = _written_fields(entry)

    # -- preparation (outside any transaction) ------------------------------------------
    def prepare(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> Iterator[_Pending]:
        """Key, canonicalise and hash each row; in-batch duplicates are settled here.

        Counts, issues and outcomes go to ``self.prep`` (see :meth:`chunks`)."""
        entry = self.entry
        for row, record in rows:
            result = self.prep
            result.rows += 1
            values = entry.key_values(record)
            if values is None:
                self._reject(row, None, self._missing_key(row, record), result)
                continue
            record_id = record_id_for(entry.id, values)
            blob = canonical_json(record)
            digest = content_hash(blob)
            seen = self._seen.get(record_id)
            if seen is not None:
                if seen[0] == digest:
                    result.unchanged += 1
                    self._outcome(row, record_id, Outcome.UNCHANGED, None, result)
                else:
                    issue = make_issue("duplicate-key", row=row, value=f"row {seen[1]}")
                    self._reject(row, record_id, issue, result)
                continue
            self._seen[record_id] = (digest, row)
            if len(self._seen) > self._seen_limit:
                self._seen.popitem(last=False)
            keep = self._keep
            kept = record if keep is None else {f: record[f] for f in keep if f in record}
            yield _Pending(row, record_id, KEY_SEPARATOR.join(values), kept, blob.decode(), digest)

    def _missing_key(self, row: int, record: Mapping[str, Any]) -> Issue:
        """A ``missing-value`` issue naming the first key part without a usable value."""
        for part in self.entry.natural_key:
            members = (part,) if isinstance(part, str) else part
            if not any(_usable_key_value(record.get(f)) for f in members):
                return make_issue("missing-value", row=row, field="|".join(members))
        return make_issue("missing-value", row=row, field="|".join(self.entry.key_fields()))

    def _reject(
        self, row: int, record_id: str | None, issue: Issue, to: SubmitResult | None = None
    ) -> None:
        to = to or self.result
        to.rejected += 1
        to.issues.append(issue)
        self._outcome(row, record_id, Outcome.REJECTED, None, to)

    def _outcome(
        self,
        row: int,
        record_id: str | None,
        outcome: Outcome,
        version: int | None,
        to: SubmitResult | None = None,
    ) -> None:
        if self.detail:
            (to or self.result).outcomes.append(RowOutcome(row, record_id, outcome, version))

    def chunks(
        self, rows: Iterable[tuple[int, Mapping[str, Any]]], size: int
    ) -> Iterator[tuple[list[_Pending], SubmitResult]]:
        """``(chunk, what prepare found while making it)``; the last chunk may be empty."""
        for chunk in _chunks(self.prepare(rows), size):
            found, self.prep = self.prep, SubmitResult(self.result.batch_id, self.entry.id)
            yield chunk, found
        found, self.prep = self.prep, SubmitResult(self.result.batch_id, self.entry.id)
        yield [], found

    def take(self, found: SubmitResult) -> None:
        """Count what prepare found for the next chunk (in the order of a plain loop)."""
        r = self.result
        r.rows += found.rows
        r.unchanged += found.unchanged
        r.rejected += found.rejected
        r.outcomes.extend(found.outcomes)
        r.issues.extend(found.issues)

    # -- writing (inside a write transaction) -------------------------------------------
    def _decide(self, row: int, ex: tuple[Any, ...] | None) -> tuple[int, str, Any, Any, Outcome]:
        """``(version, state, withdrawn_reason, withdrawn_at, outcome)`` of a changed record."""
        if ex is None:
            return 1, ACTIVE, None, None, Outcome.NEW
        version, reason, at = ex[1] + 1, ex[4], ex[5]
        if ex[3] != WITHDRAWN:
            return version, ACTIVE, reason, at, Outcome.UPDATED
        if reason == WithdrawalReason.CORRECTED:
            return version, ACTIVE, None, None, Outcome.UPDATED
        self.result.issues.append(make_issue("record-withdrawn", row=row, value=reason))
        return version, WITHDRAWN, reason, at, Outcome.WITHDRAWN_KEPT

    def write_chunk(self, conn: Connection, chunk: list[_Pending]) -> None:
        """Write the new and changed records of ``chunk``; the caller holds the writer lock."""
        bulk = Bulk(conn)
        day, flag = bulk.day, bulk.flag
        entry, result = self.entry, self.result
        rule, deadline = entry.publication_rule, entry.disclosure_deadline_working_days
        now = self.fixed_now or datetime.now(UTC)
        now_db, today = bulk.ts(now), china_day(now)
        existing = bulk.existing([p.record_id for p in chunk])
        seq = first = bulk.max_seq()
        change_rows: list[tuple[Any, ...]] = []
        new_rows: list[tuple[Any, ...]] = []
        changed_rows: list[tuple[Any, ...]] = []
        for p in chunk:
            ex = existing.get(p.record_id)
            if ex is not None and ex[2] != p.hash and ex[LAST_BATCH] == result.batch_id:
                # written earlier in this very batch with other content: keep the first
                self._reject(
                    p.row,
                    p.record_id,
                    make_issue("duplicate-key", row=p.row, value="an earlier row of this batch"),
                )
                continue
            if ex is not None and ex[2] == p.hash:
                result.unchanged += 1
                self._outcome(p.row, p.record_id, Outcome.UNCHANGED, ex[1])
                continue
            version, state, w_reason, w_at, outcome = self._decide(p.row, ex)
            window = publication_window(rule, p.record)
            result.issues.extend(window_issues(p.row, p.record, window))
            decision = _as_date(p.record.get("decision_date"))
            if ex is not None and ex[6] is not None:  # measured when first published: keep
                timeliness = ex[6:11]
            elif state == ACTIVE and window.publishable:
                t = measure(decision, today, deadline)
                timeliness = (
                    now_db,
                    day(t.due),
                    t.working_days,
                    flag(t.on_time),
                    flag(t.calendar_unknown),
                )
            else:
                timeliness = (None, None, None, None, flag(False))
            seq += 1
            start, end, publishable = day(window.start), day(window.end), flag(window.publishable)
            standing = w_reason if state == WITHDRAWN else None  # the reason it stays down
            change_rows.append(
                (
                    seq,
                    entry.id,
                    p.record_id,
                    version,
                    UPSERT,
                    standing,
                    p.hash,
                    p.payload,
                    state,
                    publishable,
                    start,
                    end,
                    now_db,
                    result.batch_id,
                    self.actor,
                    None,
                )
            )
            # in RECORD_COLUMNS order (checked at import): a dict per row costs ~10% here
            (new_rows if ex is None else changed_rows).append(
                (
                    p.record_id,
                    entry.id,
                    p.key_text,
                    _text(p.record.get("uscc")),
                    version,
                    seq,
                    p.hash,
                    state,
                    w_reason,
                    w_at,
                    p.payload,
                    publishable,
                    start,
                    end,
                    day(window.min_end),
                    _text(window.severity),
                    _text(window.rule_set),
                    window.reason,
                    window.reason_zh,
                    day(decision),
                    *timeliness,
                    now_db,
                )
            )
            result.accepted += 1
            self._outcome(p.row, p.record_id, outcome, version)
        if change_rows:
            bulk.insert_changes(change_rows)
            bulk.insert_records(new_rows)
            bulk.update_records(changed_rows)
            result.first_seq = result.first_seq or first + 1
            result.last_seq = seq

    # -- the batch row --------------------------------------------------------------------
    def open_batch(self, conn: Connection, *, all_or_nothing: bool) -> None:
        """Insert the batch row (or mark an existing one of that id running again)."""
        b = tables.batches
        now = self.fixed_now or datetime.now(UTC)
        found = conn.execute(
            b.select().with_only_columns(b.c.batch_id).where(b.c.batch_id == self.result.batch_id)
        ).first()
        if found is None:
            conn.execute(
                insert(b).values(
                    batch_id=self.result.batch_id,
                    dataset=self.entry.id,
                    actor=self.actor,
                    source=self.source,
                    all_or_nothing=all_or_nothing,
                    submitted_at=now,
                    status=BatchStatus.RUNNING.value,
                    owner=process_owner(),
                    heartbeat_at=now,
                    rows_seen=0,
                    accepted=0,
                    unchanged=0,
                    rejected=0,
                )
            )
        else:
            conn.execute(
                update(b)
                .where(b.c.batch_id == self.result.batch_id)
                .values(
                    status=BatchStatus.RUNNING.value,
                    finished_at=None,
                    owner=process_owner(),
                    heartbeat_at=now,
                )
            )

    def save_batch(self, conn: Connection, status: BatchStatus) -> None:
        """Store the counts so far and ``status`` (finished_at set once it is not running)."""
        r = self.result
        values: dict[str, Any] = {
            "status": status.value,
            "rows_seen": r.rows,
            "accepted": r.accepted,
            "unchanged": r.unchanged,
            "rejected": r.rejected,
            "heartbeat_at": datetime.now(UTC),
        }
        if status is not BatchStatus.RUNNING:
            values["finished_at"] = self.fixed_now or datetime.now(UTC)
        conn.execute(
            update(tables.batches).where(tables.batches.c.batch_id == r.batch_id).values(**values)
        )


def _written_fields(entry: CatalogEntry) -> tuple[str, ...] | None:
    """The fields :meth:`Submission.write_chunk` reads besides the payload (a chunk in flight
    keeps only these: a whole record costs ~8 KB a row), or None for the whole record."""
    try:
        inputs = load_rulebook().inputs(entry.publication_rule)
    except UnknownRuleError:
        return None
    return (*inputs, "decision_date", "uscc", DECLARED_END_FIELD)


def _usable_key_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and value.strip().upper() != USCC_PLACEHOLDER
    return isinstance(value, int | date) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "value", value)).strip()
    return text or None


def submit(
    engine: Engine,
    dataset_id: str,
    records: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    actor: str,
    source: str = "api",
    batch_id: str | None = None,
    all_or_nothing: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    detail: bool = True,
    threaded: bool = False,
) -> SubmitResult:
    """Store the valid records of one batch; see the module docstring for the rules.

    ``records`` yields ``(row number, record)``; ``progress`` is called with the number of
    rows handled after each committed chunk; ``detail=False`` skips per-row outcomes.
    ``threaded``: ``records`` is drawn and prepared in a thread beside the writes
    (:mod:`store.pipeline`) — only for a stream that reads no store (it would read before
    the previous chunk commits); results are the same.
    """
    entry = get_entry(dataset_id)
    now = None if now is None else now.astimezone(UTC)
    job = Submission(
        engine,
        entry,
        actor=actor,
        source=source,
        batch_id=batch_id or new_batch_id(now or datetime.now(UTC)),
        now=now,
        detail=detail,
    )
    pending = job.chunks(records, chunk_rows)
    if all_or_nothing:
        try:
            with write_transaction(engine) as conn:
                job.open_batch(conn, all_or_nothing=True)
                for chunk, found in pending:
                    job.take(found)
                    job.write_chunk(conn, chunk)
                    if progress:
                        progress(job.result.rows)
                if job.result.rejected:
                    raise _RejectedError
                job.result.status = BatchStatus.COMPLETE
                job.save_batch(conn, BatchStatus.COMPLETE)
        except _RejectedError:
            r = job.result
            r.status, r.accepted, r.unchanged, r.first_seq, r.last_seq = (
                BatchStatus.REJECTED,
                0,
                0,
                None,
                None,
            )
            r.outcomes = [o for o in r.outcomes if o.outcome is Outcome.REJECTED]
            with write_transaction(engine) as conn:
                job.open_batch(conn, all_or_nothing=True)
                job.save_batch(conn, BatchStatus.REJECTED)
        job.result.outcomes.sort(key=lambda o: o.row)
        return job.result
    with write_transaction(engine) as conn:
        job.open_batch(conn, all_or_nothing=False)
    for chunk, found in prefetch(pending) if threaded else pending:
        job.take(found)
        if not chunk:
            continue
        with write_transaction(engine) as conn:
            job.write_chunk(conn, chunk)
            job.save_batch(conn, BatchStatus.RUNNING)
        if progress:
            progress(job.result.rows)
    with write_transaction(engine) as conn:
        job.result.status = BatchStatus.COMPLETE
        job.save_batch(conn, BatchStatus.COMPLETE)
    job.result.outcomes.sort(key=lambda o: o.row)
    return job.result


def submit_in(
    conn: Connection,
    dataset_id: str,
    records: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    actor: str,
    source: str = "api",
    batch_id: str | None = None,
    now: datetime | None = None,
) -> SubmitResult:
    """A small batch (a workflow's version or two) written inside the caller's write
    transaction, batch row included, so it commits with the caller's own rows or not at all.

    The rules per row are those of :func:`submit`; rejected rows are reported, not raised,
    and the batch is ``complete`` (or ``rejected`` when nothing was accepted).
    """
    entry = get_entry(dataset_id)
    now = None if now is None else now.astimezone(UTC)
    job = Submission(
        conn.engine,
        entry,
        actor=actor,
        source=source,
        batch_id=batch_id or new_batch_id(now or datetime.now(UTC)),
        now=now,
        detail=True,
    )
    job.open_batch(conn, all_or_nothing=True)
    for chunk, found in job.chunks(records, CHUNK_ROWS):
        job.take(found)
        job.write_chunk(conn, chunk)
    status = (
        BatchStatus.REJECTED
        if job.result.rejected and not job.result.accepted and not job.result.unchanged
        else BatchStatus.COMPLETE
    )
    job.result.status = status
    job.save_batch(conn, status)
    job.result.outcomes.sort(key=lambda o: o.row)
    return job.result
