"""Credit repair (信用修复): apply, check the conditions, decide, take the record down.

The procedure of 《信用修复管理办法》(国家发展改革委令第36号; credit-domain §3.5):

1. **apply** (:func:`apply_for_repair`) against a record — a penalty, a list entry. The intake
   window (信用中国 / the city platform: a platform or admin key) files it for the subject.
2. **conditions**, checked at once and again at the decision: the record is published and
   repairable (``procedures.yaml``: a market ban is not; nor are some market-regulation
   penalties), its **minimum publication period has passed** (``StoredRecord.min_end`` for
   penalties, a period from the listing date for lists: repair only *after* that last day),
   the applicant declares its obligations fulfilled with evidence, and the subject has an
   active **信用修复型 commitment** made on or after the record's decision. A condition that
   fails ends the case as ``refused`` with the reasons (:class:`workflows.Problem`).
3. **decision** (:func:`decide_repair`) by the authority that made the finding (谁认定、谁修复):
   a department key of the record's ``authority_uscc`` / ``deciding_authority_uscc``, or an
   admin. Approved → the record is taken down as ``repaired`` (a list entry first gets its
   移出日期/移出原因 信用修复 version), which ends publication, sharing and — through the check
   index following the change log — every joint-punishment measure based on it.

States: ``pending`` → ``approved`` | ``rejected``; or ``refused`` at once. Every change is a
step in the workflow log, visible in the record's timeline, written in the same transaction as
the change itself (:mod:`workflows.transaction`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select, update

from store import (
    Role,
    Store,
    StoredRecord,
    UnknownRecordError,
    deadline,
)
from store.schema import repair_applications
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import CaseNotFoundError, StateConflictError
from workflows.listings import RemovalReason, remove_entry_in
from workflows.problems import Problem
from workflows.procedures import Procedures, load_procedures
from workflows.repair_conditions import deciding_authority_of, repair_problems, subject_code
from workflows.steps import Workflow, aware, dumps, loads
from workflows.transaction import StepTransaction, step_transaction


class RepairState(StrEnum):
    """Where a repair application stands."""

    PENDING = "pending"
    REFUSED = "refused"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RepairApplication:
    """One repair case."""

    id: str
    record_id: str
    dataset: str
    credit_code: str | None
    authority_uscc: str
    applicant_name: str
    filed_by: str
    statement: str | None
    obligations_fulfilled: bool
    evidence: tuple[str, ...]
    commitment_record_id: str | None
    state: RepairState
    problems: tuple[Problem, ...]
    filed_at: datetime
    decision_due: date | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    takedown_seq: int | None
    decision_due_provisional: bool | None = None
    """Whether the decision deadline counts a day of a provisional calendar year (None: not
    recorded, for cases filed before migration 4 or without a deadline)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_id": self.record_id,
            "dataset": self.dataset,
            "credit_code": self.credit_code,
            "authority_uscc": self.authority_uscc,
            "applicant_name": self.applicant_name,
            "statement": self.statement,
            "obligations_fulfilled": self.obligations_fulfilled,
            "evidence": list(self.evidence),
            "commitment_record_id": self.commitment_record_id,
            "state": self.state.value,
            "problems": [p.to_dict() for p in self.problems],
            "filed_at": self.filed_at.isoformat(),
            "decision_due": self.decision_due.isoformat() if self.decision_due else None,
            "decision_due_provisional": self.decision_due_provisional,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "decision_note": self.decision_note,
            "takedown_seq": self.takedown_seq,
        }

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> RepairApplication:
        return cls(
            id=row["id"],
            record_id=row["record_id"],
            dataset=row["dataset"],
            credit_code=row["credit_code"],
            authority_uscc=row["authority_uscc"],
            applicant_name=row["applicant_name"],
            filed_by=row["filed_by"],
            statement=row["statement"],
            obligations_fulfilled=bool(row["obligations_fulfilled"]),
            evidence=tuple(loads(row["evidence"]) or ()),
            commitment_record_id=row["commitment_record_id"],
            state=RepairState(row["state"]),
            problems=tuple(Problem.from_dict(p) for p in loads(row["problems"]) or ()),
            filed_at=aware(row["filed_at"]),  # type: ignore[arg-type]
            decision_due=row["decision_due"],
            decided_at=aware(row["decided_at"]),
            decided_by=row["decided_by"],
            decision_note=row["decision_note"],
            takedown_seq=row["takedown_seq"],
            decision_due_provisional=_flag(row.get("decision_due_provisional")),
        )


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


def _get_record(store: Store, record_id: str) -> StoredRecord:
    try:
        return store.get(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None


def apply_for_repair(
    store: Store,
    record_id: str,
    *,
    applicant_name: str,
    obligations_fulfilled: bool,
    evidence: Sequence[str],
    caller: Caller,
    today: date,
    statement: str | None = None,
    commitment_record_id: str | None = None,
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> RepairApplication:
    """File a repair application; it is ``pending`` or, with its problems, ``refused``.

    Raises :class:`StateConflictError` while another application for the record is pending.
    """
    caller.require(Role.PLATFORM, what="filing a repair application")
    rules = procedures or load_procedures()
    stored = _get_record(store, record_id)
    problems, commitment = repair_problems(
        store,
        stored,
        obligations_fulfilled=obligations_fulfilled,
        evidence=evidence,
        commitment_record_id=commitment_record_id,
        today=today,
        procedures=rules,
    )
    state = RepairState.REFUSED if problems else RepairState.PENDING
    due = deadline(today, rules.repair_decide_days) if state is RepairState.PENDING else None
    when = now or datetime.now(UTC)
    case_id = f"rep-{uuid.uuid4().hex[:16]}"
    with step_transaction(store, caller, when, name="repair.apply") as tx:
        _no_pending(tx, record_id)
        tx.conn.execute(
            repair_applications.insert().values(
                id=case_id,
                record_id=record_id,
                dataset=stored.dataset,
                credit_code=subject_code(stored),
                authority_uscc=deciding_authority_of(stored, rules),
                applicant_name=applicant_name,
                filed_by=caller.actor,
                statement=statement,
                obligations_fulfilled=obligations_fulfilled,
                evidence=dumps(list(evidence)),
                commitment_record_id=commitment or commitment_record_id,
                state=state.value,
                problems=dumps([p.to_dict() for p in problems]),
                filed_at=when,
                decision_due=due.date if due else None,
                decision_from=today if due else None,
                decision_days=rules.repair_decide_days if due else None,
                decision_due_provisional=due.provisional if due else None,
            )
        )
        tx.point("repair.apply:case")
        tx.log(
            record_id=record_id,
            workflow=Workflow.REPAIR,
            case_id=case_id,
            step="filed",
            state_to=state.value,
            note=statement,
            details={"problems": [p.code for p in problems], "evidence": list(evidence)},
        )
    return get_repair(store, case_id)


def _no_pending(tx: StepTransaction, record_id: str) -> None:
    """One pending application per record (filing again is a 409, not a second case)."""
    r = repair_applications.c
    found = tx.conn.execute(
        select(r.id).where(r.record_id == record_id, r.state == RepairState.PENDING.value)
    ).first()
    if found is not None:
        raise StateConflictError(f"repair application {found.id} for {record_id} is pending")


def get_repair(store: Store, case_id: str) -> RepairApplication:
    """One application; :class:`CaseNotFoundError` when there is none."""
    with store.engine.connect() as conn:
        row = (
            conn.execute(select(repair_applications).where(repair_applications.c.id == case_id))
            .mappings()
            .first()
        )
    if row is None:
        raise CaseNotFoundError(f"no repair application {case_id!r}")
    return RepairApplication.from_row(row)


def list_repairs(
    store: Store,
    *,
    state: RepairState | str | None = None,
    record_id: str | None = None,
    authority_uscc: str | None = None,
    limit: int | None = None,
) -> list[RepairApplication]:
    """Applications, oldest first, optionally of one state, record or deciding authority;
    at most ``limit`` (all when None)."""
    r = repair_applications.c
    query = select(repair_applications).order_by(r.filed_at, r.id).limit(limit)
    if state is not None:
        query = query.where(r.state == RepairState(state).value)
    if record_id is not None:
        query = query.where(r.record_id == record_id)
    if authority_uscc is not None:
        query = query.where(r.authority_uscc == authority_uscc)
    with store.engine.connect() as conn:
        return [RepairApplication.from_row(r) for r in conn.execute(query).mappings()]


def _transition(conn: Connection, case_id: str, to: RepairState, values: Mapping[str, Any]) -> None:
    """Move the pending case (locked by the step) to its decided state."""
    conn.execute(
        update(repair_applications)
        .where(
            repair_applications.c.id == case_id,
            repair_applications.c.state == RepairState.PENDING.value,
        )
        .values(state=to.value, **values)
    )


def decide_repair(
    store: Store,
    case_id: str,
    *,
    approve: bool,
    caller: Caller,
    today: date,
    note: str | None = None,
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> RepairApplication:
    """The deciding authority's decision on a pending application (see the module doc).

    Approval re-checks the conditions; if one no longer holds the case ends ``refused``.
    The decision, the take-down (and a list entry's removal version) and the workflow steps
    are one transaction (:mod:`workflows.transaction`): a failure or a crash anywhere
    leaves the case pending and the record as it was. Raises :class:`StateConflictError`
    for a case that is not pending (also when another decision committed first).
    """
    rules = procedures or load_procedures()
    caller.require_department(
        get_repair(store, case_id).authority_uscc, what="deciding a repair application"
    )
    when = now or datetime.now(UTC)
    with step_transaction(store, caller, when, name="repair.decide") as tx:
        case = RepairApplication.from_row(tx.case(repair_applications, case_id, "repair"))
        if case.state is not RepairState.PENDING:
            raise StateConflictError(f"repair application {case_id} is {case.state.value}")
        values: dict[str, Any] = {
            "decided_at": when,
            "decided_by": caller.actor,
            "decision_note": note,
        }
        to, seq = RepairState.REJECTED, None
        problems: list[Problem] = []
        if approve:
            stored = tx.record(case.record_id)
            problems, _ = repair_problems(
                store,
                stored,
                obligations_fulfilled=case.obligations_fulfilled,
                evidence=case.evidence,
                commitment_record_id=case.commitment_record_id,
                today=today,
                procedures=rules,
            )
            if problems:
                to = RepairState.REFUSED
                values["problems"] = dumps([p.to_dict() for p in problems])
            else:
                to = RepairState.APPROVED
                seq = _take_down(tx, stored, case_id, today, note)
                values["takedown_seq"] = seq
        tx.point("repair.decide:transition")
        _transition(tx.conn, case_id, to, values)
        tx.log(
            record_id=case.record_id,
            workflow=Workflow.REPAIR,
            case_id=case_id,
            step="decided",
            state_from=RepairState.PENDING.value,
            state_to=to.value,
            note=note,
            details={"problems": [p.code for p in problems]} if problems else None,
            seq=seq,
        )
    return get_repair(store, case_id)


def _take_down(
    tx: StepTransaction,
    stored: StoredRecord,
    case_id: str,
    today: date,
    note: str | None,
) -> int | None:
    """End publication as ``repaired``: list entries record their removal first."""
    why = f"信用修复 {case_id}" + (f": {note}" if note else "")
    if stored.dataset in LIST_DATASETS:
        removal = remove_entry_in(
            tx,
            stored.record_id,
            reason=RemovalReason.REPAIR,
            removal_date=today,
            today=today,
            note=why,
            case_id=case_id,
            workflow=Workflow.REPAIR,
            authorised=True,
        )
        if removal.takedown is not None:
            return removal.takedown.seq
        # the removal version did not validate: take down all the same, the decision stands
    event = tx.withdraw(stored.dataset, stored.record_id, reason="repaired", note=why)
    tx.point("repair.decide:takedown")
    return event.seq if event is not None else None
