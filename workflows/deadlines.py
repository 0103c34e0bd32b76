"""Working-day deadlines follow the calendar: importing an official year recomputes them.

A deadline counted over a *provisional* calendar year (no make-up working Saturdays yet, see
:mod:`store.calendars`) may move when the State Council's notice is imported. Every open
case keeps the basis of each deadline (the day counting starts from and the working days,
extensions included; store migration 4), so :func:`recompute_deadlines` counts them again:

* objections ``submitted`` / ``verifying``: ``verify_due`` and ``answer_due``;
* repair applications ``pending``: ``decision_due``;
* published records: the disclosure measure (:func:`store.calendar_db.recompute_timeliness`).

Each deadline whose date or provenance changes is written back, logged as a workflow step
``deadline-recomputed`` (old → new, in the case's timeline) and as a ``calendar_changes`` row.
Cases from before migration 4 have no stored basis: it is rebuilt from the case's dates (the
China day it was received / verified / filed) and the configured working days, which also
gives a deadline to a case that got none from the old calendar. Running it again changes
nothing (idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update

from store import (
    CalendarYear,
    DeadlineChange,
    Role,
    Store,
    deadline,
    import_year,
    write_transaction,
)
from store.calendar_db import log_changes, recompute_timeliness
from store.schema import objections, repair_applications
from store.timeliness import china_day
from workflows.caller import Caller
from workflows.objections import ObjectionState
from workflows.procedures import Procedures, load_procedures
from workflows.repair import RepairState
from workflows.steps import Workflow, aware, log_step

REASON = "calendar-import"


@dataclass(frozen=True, slots=True)
class CalendarImport:
    """The answer to :func:`import_calendar_year`: did the year change, which deadlines moved."""

    year: int
    changed: bool
    changes: tuple[DeadlineChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "changed": self.changed,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class _Spec:
    """One deadline column family of a workflow table."""

    table: Table
    subject: str
    workflow: Workflow
    prefix: str
    due: str
    open_states: tuple[str, ...]
    start_column: str  # the timestamp whose China day rebuilds a missing basis


def _specs(rules: Procedures) -> list[tuple[_Spec, int]]:
    open_objection = (ObjectionState.SUBMITTED.value, ObjectionState.VERIFYING.value)
    return [
        (
            _Spec(
                objections,
                "objection",
                Workflow.OBJECTION,
                "verify",
                "verify_due",
                open_objection,
                "received_at",
            ),
            rules.objection_verify_days,
        ),
        (
            _Spec(
                objections,
                "objection",
                Workflow.OBJECTION,
                "answer",
                "answer_due",
                (ObjectionState.VERIFYING.value,),
                "verifying_at",
            ),
            rules.objection_answer_days,
        ),
        (
            _Spec(
                repair_applications,
                "repair",
                Workflow.REPAIR,
                "decision",
                "decision_due",
                (RepairState.PENDING.value,),
                "filed_at",
            ),
            rules.repair_decide_days,
        ),
    ]


def _basis(spec: _Spec, row: Any, default_days: int) -> tuple[date, int] | None:
    start = row[f"{spec.prefix}_from"]
    days = row[f"{spec.prefix}_days"]
    if start is not None and days is not None:
        return start, int(days)
    moment = aware(row[spec.start_column])
    if moment is None:
        return None
    extra = int(row.get("extended_days") or 0) if spec.prefix == "answer" else 0
    return china_day(moment), default_days + extra


def _recompute(
    conn: Connection, spec: _Spec, default_days: int, caller: Caller, now: datetime
) -> list[DeadlineChange]:
    t = spec.table
    out: list[DeadlineChange] = []
    query = select(t).where(t.c.state.in_(spec.open_states)).order_by(t.c.id)
    for row in conn.execute(query).mappings().all():
        basis = _basis(spec, row, default_days)
        if basis is None:
            continue
        new = deadline(*basis)
        old_due, old_flag = row[spec.due], row[f"{spec.prefix}_due_provisional"]
        unchanged_flag = old_flag is not None and bool(old_flag) == new.provisional
        if old_due == new.date and unchanged_flag and row[f"{spec.prefix}_from"] is not None:
            continue
        conn.execute(
            update(t)
            .where(t.c.id == row["id"])
            .values(
                {
                    spec.due: new.date,
                    f"{spec.prefix}_from": basis[0],
                    f"{spec.prefix}_days": basis[1],
                    f"{spec.prefix}_due_provisional": new.provisional,
                }
            )
        )
        old_source = None if old_flag is None else ("provisional" if old_flag else "official")
        change = DeadlineChange(
            spec.subject, row["id"], spec.due, old_due, new.date, old_source, new.source.value
        )
        log_step(
            conn,
            record_id=row["record_id"],
            workflow=spec.workflow,
            case_id=row["id"],
            step="deadline-recomputed",
            state_from=row["state"],
            state_to=row["state"],
            caller=caller,
            now=now,
            note=f"{spec.due}: {old_due} → {new.date} ({new.source.value})",
            details=change.to_dict(),
        )
        out.append(change)
    return out


def recompute_deadlines(
    store: Store,
    *,
    years: Iterable[int] = (),
    actor: str = "system:calendar",
    now: datetime | None = None,
    procedures: Procedures | None = None,
    reason: str = REASON,
) -> list[DeadlineChange]:
    """Count every open workflow deadline again with the current calendar, and the disclosure
    measure of published records touching ``years``; returns (and logs) what moved."""
    rules = procedures or load_procedures()
    when = now or datetime.now(UTC)
    caller = Caller(actor, Role.ADMIN)
    changes: list[DeadlineChange] = []
    with write_transaction(store.engine) as conn:
        for spec, days in _specs(rules):
            changes.extend(_recompute(conn, spec, days, caller, when))
        changes.extend(recompute_timeliness(conn, years))
        log_changes(conn, changes, actor=actor, reason=reason, now=when)
    return changes


def import_calendar_year(
    store: Store,
    calendar: CalendarYear,
    *,
    actor: str,
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> CalendarImport:
    """Import one official year (validated already, :func:`store.parse_calendar`) and
    recompute what it moves. Importing the same year twice changes nothing."""
    when = now or datetime.now(UTC)
    changed = import_year(store.engine, calendar, actor=actor, now=when)
    changes = recompute_deadlines(
        store, years=[calendar.year], actor=actor, now=when, procedures=procedures
    )
    return CalendarImport(calendar.year, changed, tuple(changes))
