"""Receipts (回执): one submission validated, stored, and answered row by row.

A department's batch — a file it uploaded or JSON objects it posted — goes through
:class:`publishers.Intake` (read, normalise, validate) and :meth:`Store.submit`; the receipt
merges both: what was accepted, what was unchanged, what was rejected and why. The CLI's
``submit``, the REST submission endpoint and the GraphQL mutation all call :func:`submit_rows`,
so a department gets the same answer whichever way it sends its data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import select, update

from catalog import CatalogEntry
from publishers import Intake, Issue, Table, ValidatedRow, make_issue
from store import payloads
from store.db import write_transaction
from store.exchange import Store
from store.outcomes import BatchStatus, RowOutcome
from store.tables import batches
from store.tables import records as records_table


@dataclass(slots=True)
class Receipt:
    """The answer to one submission; :meth:`to_dict` is the contract of ``submit --json``."""

    batch_id: str
    dataset: str
    rows: int = 0
    accepted: int = 0
    unchanged: int = 0
    rejected: int = 0
    stored: bool = True
    issues: list[Issue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected (warnings allowed)."""
        return self.rejected == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "issues": [issue.to_dict() for issue in self.issues],
        }


OWNER_CHUNK = 1000


def stored_owners(
    store: Store, entry: CatalogEntry, records: list[dict[str, Any]]
) -> dict[str, str | None]:
    """``record_id -> source_org_uscc`` of the stored versions of these records (if stored)."""
    ids = [rid for rid in (entry.record_id(r) for r in records) if rid]
    if not ids:
        return {}
    query = select(records_table.c.record_id, records_table.c.payload).where(
        records_table.c.record_id.in_(ids)
    )
    with store.engine.connect() as conn:
        return {
            row.record_id: (payloads.load(row.payload) or {}).get("source_org_uscc")
            for row in conn.execute(query)
        }


def _row_key(issue: Issue) -> tuple[int, int]:
    return (-1, 0) if issue.row is None else (issue.row, 0)


class _Gate:
    """Lets through the rows that may be stored — valid and, for a department, its own —
    counting the invalid ones and reporting the others as ``not-own-record``."""

    def __init__(self, store: Store, intake: Intake, owner_uscc: str | None) -> None:
        self.store, self.intake, self.owner_uscc = store, intake, owner_uscc
        self.invalid = 0
        self.ownership: list[Issue] = []

    def refuse(self, item: ValidatedRow, value: Any) -> None:
        self.invalid += 1
        self.ownership.append(
            make_issue("not-own-record", row=item.row, field="source_org_uscc", value=value)
        )

    def accepted(self, rows: Iterable[ValidatedRow]) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(row, record)`` of the rows to store, in order."""
        chunk: list[ValidatedRow] = []
        for item in rows:
            if not item.valid or item.record is None:
                self.invalid += 1
                continue
            if self.owner_uscc is None:
                yield item.row, item.record
                continue
            if item.record.get("source_org_uscc") != self.owner_uscc:
                self.refuse(item, item.record.get("source_org_uscc"))
                continue
            chunk.append(item)
            if len(chunk) >= OWNER_CHUNK:
                yield from self._owned(chunk)
                chunk = []
        if chunk:
            yield from self._owned(chunk)

    def _owned(self, chunk: list[ValidatedRow]) -> Iterator[tuple[int, dict[str, Any]]]:
        # A department may neither send another's records nor take one over by re-sending
        # it under its own 数据来源单位: the stored owner of an existing record must match.
        entry = self.intake.entry
        owners = stored_owners(self.store, entry, [i.record for i in chunk if i.record])
        for item in chunk:
            record = item.record or {}
            rid = entry.record_id(record)
            stored = owners.get(rid) if rid else None
            if stored is not None and stored != self.owner_uscc:
                self.refuse(item, stored)
            else:
                yield item.row, record


def _to_store(
    gate: _Gate, intake: Intake, rows: Iterable[ValidatedRow], all_or_nothing: bool
) -> Iterable[tuple[int, dict[str, Any]]] | None:
    """The rows to hand to the store: streamed, held (all or nothing; None when any row was
    refused), or none at all after a header error (drained for the report)."""
    # Pull the first row so the header row has been mapped (and its errors are known).
    iterator = iter(rows)
    first = next(iterator, None)
    rows = iterator if first is None else chain((first,), iterator)
    if all_or_nothing:
        held = list(gate.accepted(rows))
        return None if gate.invalid or intake.report.header_errors else held
    if intake.report.header_errors:
        # A header error makes every row invalid: drain for the report, store nothing.
        for _ in gate.accepted(rows):
            pass
        return []
    return gate.accepted(rows)


def submit_rows(
    store: Store,
    intake: Intake,
    rows: Iterable[ValidatedRow],
    *,
    actor: str,
    source: str,
    all_or_nothing: bool = False,
    owner_uscc: str | None = None,
    progress: Callable[[int], None] | None = None,
    detail: bool = True,
) -> Receipt:
    """Store the valid rows of a validated stream and build the receipt.

    ``detail=False`` keeps no per-row outcomes (flat memory for million-row files).

    ``owner_uscc``: a department may submit only records whose 数据来源单位
    (``source_org_uscc``) is its own; other rows are rejected with ``not-own-record``.
    ``all_or_nothing``: nothing is stored when any row is rejected (the batch is held in
    memory until validation ends).
    """
    dataset = intake.entry.id
    gate = _Gate(store, intake, owner_uscc)
    stream = _to_store(gate, intake, rows, all_or_nothing)
    if stream is None:  # all or nothing, and something was refused
        issues = sorted(intake.report.issues + gate.ownership, key=_row_key)
        sent = intake.report.rows
        return Receipt("", dataset, rows=sent, rejected=sent, stored=False, issues=issues)
    result = store.submit(
        dataset,
        stream,
        actor=actor,
        source=source,
        all_or_nothing=all_or_nothing,
        progress=progress,
        detail=detail,
        # the stream reads the store only for an owner's check: otherwise read beside the writes
        threaded=owner_uscc is None and not all_or_nothing,
    )
    receipt = Receipt(
        batch_id=result.batch_id,
        dataset=dataset,
        rows=intake.report.rows,
        accepted=result.accepted,
        unchanged=result.unchanged,
        rejected=gate.invalid + result.rejected,
        stored=result.status is BatchStatus.COMPLETE,
        outcomes=result.outcomes,
        issues=sorted(intake.report.issues + gate.ownership + list(result.issues), key=_row_key),
    )
    _count_intake(store, receipt)
    return receipt


def _count_intake(store: Store, receipt: Receipt) -> None:
    """Make the batch's row counts include the rows the intake refused (invalid or not the
    department's own): the store only sees the valid rows, and the monitoring's error rate
    (rejected / rows sent) is read from ``batches``."""
    if not receipt.batch_id:
        return
    rejected = max(receipt.rejected, receipt.rows - receipt.accepted - receipt.unchanged)
    with write_transaction(store.engine) as conn:
        conn.execute(
            update(batches)
            .where(batches.c.batch_id == receipt.batch_id, batches.c.rows_seen < receipt.rows)
            .values(rows_seen=receipt.rows, rejected=rejected)
        )


def submit_table(
    store: Store,
    dataset: str,
    table: Table,
    *,
    actor: str,
    source: str,
    all_or_nothing: bool = False,
    owner_uscc: str | None = None,
    progress: Callable[[int], None] | None = None,
    detail: bool = False,
) -> Receipt:
    """Validate and store a file (CSV, XLSX, JSON, NDJSON) opened with ``open_table``."""
    intake = Intake(dataset)
    return submit_rows(
        store,
        intake,
        intake.rows(table),
        actor=actor,
        source=source,
        all_or_nothing=all_or_nothing,
        owner_uscc=owner_uscc,
        progress=progress,
        detail=detail,
    )


def submit_records(
    store: Store,
    dataset: str,
    records: Iterable[Any],
    *,
    actor: str,
    source: str = "api",
    all_or_nothing: bool = False,
    owner_uscc: str | None = None,
) -> Receipt:
    """Validate and store JSON objects posted through the API."""
    intake = Intake(dataset)
    return submit_rows(
        store,
        intake,
        intake.records(records),
        actor=actor,
        source=source,
        all_or_nothing=all_or_nothing,
        owner_uscc=owner_uscc,
    )
