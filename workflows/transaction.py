"""One transaction per workflow step: the service layer every procedure writes through.

A workflow step — a repair decision, an objection's outcome, a listing, a fulfilment — changes
several things: the case row, a record version, a take-down or an objection mark, and the
workflow log (:mod:`workflows.steps`). :func:`step_transaction` runs them all in ONE write
transaction of the store (:func:`store.write_transaction`: PostgreSQL's advisory writer lock,
SQLite's ``BEGIN IMMEDIATE``), so a crash at any moment leaves the whole step or none of it,
and no case half done. The writer lock serialises every writer, so a step that re-reads its
case inside the transaction (:meth:`StepTransaction.case`, ``SELECT … FOR UPDATE`` on
PostgreSQL) is the only one acting on it: no claim column, no release on failure.

Everything the step writes goes through :class:`StepTransaction`, which carries the
:class:`workflows.Caller` that acts, so the change log and the workflow log name the real
actor and role. Named **fault points** (:func:`fault_point`) mark the moments between writes;
a test installs a hook (:func:`set_fault_hook`) to kill the process there (tests/workflows/
test_atomic_steps.py). Without a hook a fault point costs one attribute read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.engine import RowMapping

from catalog import get_entry
from store import (
    ChangeEvent,
    Outcome,
    Store,
    StoredRecord,
    UnknownRecordError,
    clear_objection_in,
    get_record_in,
    mark_objection_in,
    submit_in,
    withdraw_in,
    write_transaction,
)
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError
from workflows.problems import problem
from workflows.steps import Workflow, log_step
from workflows.versions import VersionResult, describe, validate

FaultHook = Callable[[str], None]
_hook: FaultHook | None = None


def set_fault_hook(hook: FaultHook | None) -> FaultHook | None:
    """Install ``hook`` (called with each fault point's name); returns the previous one."""
    global _hook
    previous, _hook = _hook, hook
    return previous


def fault_point(name: str) -> None:
    """A named moment inside a step (see the module doc); calls the hook, if any."""
    if _hook is not None:
        _hook(name)


@dataclass(slots=True)
class StepTransaction:
    """The open transaction of one workflow step, with who takes it and when."""

    store: Store
    conn: Connection
    caller: Caller
    now: datetime

    def point(self, name: str) -> None:
        """A fault point inside this transaction."""
        fault_point(name)

    # -- reads inside the transaction ---------------------------------------------------------
    def record(self, record_id: str) -> StoredRecord:
        """The record as this transaction sees it; :class:`CaseNotFoundError` if unknown."""
        try:
            return get_record_in(self.conn, record_id)
        except UnknownRecordError:
            raise CaseNotFoundError(f"no record {record_id!r}") from None

    def case(self, table: Table, case_id: str, what: str) -> RowMapping:
        """The case row, locked for this step (``FOR UPDATE`` on PostgreSQL; SQLite's
        ``BEGIN IMMEDIATE`` already holds the database); :class:`CaseNotFoundError`."""
        query = select(table).where(table.c.id == case_id).with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise CaseNotFoundError(f"no {what} {case_id!r}")
        return row

    # -- writes inside the transaction --------------------------------------------------------
    def version(
        self,
        dataset: str,
        record: Mapping[str, Any],
        *,
        today: date | None = None,
        source: str = "workflow",
        invalid_code: str = "record-invalid",
    ) -> VersionResult:
        """Validate ``record`` (:func:`workflows.versions.validate`) and store it as a new
        record or version inside this transaction; invalid content comes back as the
        ``invalid_code`` problem and is not stored."""
        normalised, issues = validate(dataset, record, today=today)
        if normalised is None:
            return VersionResult(
                record_id=get_entry(dataset).record_id(record),
                version=None,
                outcome=None,
                problems=(problem(invalid_code, detail=describe(issues)),),
                issues=tuple(issues),
            )
        result = submit_in(
            self.conn,
            dataset,
            [(1, normalised)],
            actor=self.caller.actor,
            source=source,
            now=self.now,
        )
        (row,) = result.outcomes
        if row.outcome is Outcome.REJECTED:
            return VersionResult(
                record_id=row.record_id,
                version=None,
                outcome=row.outcome,
                problems=(problem(invalid_code, detail=describe(result.issues)),),
                issues=tuple(result.issues),
            )
        return VersionResult(
            record_id=row.record_id,
            version=row.version,
            outcome=row.outcome,
            seq=result.last_seq,
            issues=tuple(issues) + tuple(result.issues),
        )

    def withdraw(
        self, dataset: str, record_id: str, *, reason: str, note: str | None
    ) -> ChangeEvent | None:
        """Take the record down; None when it already is."""
        return withdraw_in(
            self.conn,
            dataset,
            record_id=record_id,
            reason=reason,
            note=note,
            actor=self.caller.actor,
            now=self.now,
        )

    def mark(self, record_id: str, *, note: str | None) -> ChangeEvent | None:
        """Mark the record's current version 异议处理中; None when it already is."""
        return mark_objection_in(
            self.conn, record_id, actor=self.caller.actor, note=note, now=self.now
        )

    def clear(self, record_id: str, *, note: str | None) -> ChangeEvent | None:
        """End the objection mark; None when the current version is not marked."""
        return clear_objection_in(
            self.conn, record_id, actor=self.caller.actor, note=note, now=self.now
        )

    def log(
        self,
        *,
        record_id: str,
        workflow: Workflow,
        step: str,
        case_id: str | None = None,
        state_from: str | None = None,
        state_to: str | None = None,
        note: str | None = None,
        details: Mapping[str, Any] | None = None,
        seq: int | None = None,
    ) -> None:
        """Append the step to the workflow log, naming this transaction's caller."""
        log_step(
            self.conn,
            record_id=record_id,
            workflow=workflow,
            step=step,
            caller=self.caller,
            now=self.now,
            case_id=case_id,
            state_from=state_from,
            state_to=state_to,
            note=note,
            details=details,
            seq=seq,
        )


@contextmanager
def step_transaction(
    store: Store, caller: Caller, now: datetime | None = None, *, name: str = "step"
) -> Iterator[StepTransaction]:
    """Run one workflow step in one write transaction (see the module doc).

    Fault points ``<name>:begin`` and ``<name>:commit`` (just before COMMIT) frame it and
    ``<name>:committed`` follows it; an exception rolls the whole step back.
    """
    when = now or datetime.now(UTC)
    with write_transaction(store.engine) as conn:
        tx = StepTransaction(store, conn, caller, when)
        fault_point(f"{name}:begin")
        yield tx
        fault_point(f"{name}:commit")
    fault_point(f"{name}:committed")
