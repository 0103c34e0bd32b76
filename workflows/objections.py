"""Objections (异议): a subject contests a record; the providing department verifies and answers.

States (credit-domain §4.5; working-day limits in ``procedures.yaml``, [R]):

``submitted`` → ``verifying`` → ``corrected`` | ``revoked`` | ``upheld`` (closed)

* **file** (:func:`file_objection`, platform or admin key — the intake window files for the
  subject): the record's current version is marked 异议处理中 in every view and feed
  (:func:`store.mark_objection`); the provider must start verifying within
  ``verify_within_working_days``.
* **verify** (:func:`start_verification`, the providing department = the record's
  ``source_org_uscc``, or an admin): the answer is due ``answer_within_working_days`` later;
  :func:`extend_deadline` extends it once or more up to ``max_extension_working_days``.
* **outcome** (:func:`workflows.record_outcome`, :mod:`workflows.objection_outcome`): corrected,
  revoked or upheld, which closes the case.

Each step (file, verify, extend, outcome) is one transaction (:mod:`workflows.transaction`):
the case, the record's version, take-down or mark and the workflow steps commit together.

Overdue cases (:func:`list_objections` with ``overdue_on``): still ``submitted`` after the
verify deadline, or still ``verifying`` after the answer deadline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from store import Role, Store, StoredRecord, UnknownRecordError, deadline
from store.schema import objections
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError, InvalidRequestError, StateConflictError
from workflows.objection_cases import (
    OUTCOMES,
    Objection,
    ObjectionState,
    OutcomeResult,
    get_objection,
    list_objections,
)
from workflows.procedures import Procedures, load_procedures
from workflows.steps import Workflow, dumps
from workflows.transaction import StepTransaction, step_transaction

__all__ = [
    "OUTCOMES",
    "Objection",
    "ObjectionState",
    "OutcomeResult",
    "extend_deadline",
    "file_objection",
    "get_objection",
    "list_objections",
    "start_verification",
]


def _deadline(prefix: str, day: date, n: int) -> dict[str, Any]:
    """The columns of one deadline: the date, its basis and whether it is provisional."""
    due = deadline(day, n)
    return {
        f"{prefix}_due": due.date,
        f"{prefix}_from": day,
        f"{prefix}_days": n,
        f"{prefix}_due_provisional": due.provisional,
    }


def _record(store: Store, record_id: str) -> StoredRecord:
    try:
        return store.get(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None


def file_objection(
    store: Store,
    record_id: str,
    *,
    applicant_name: str,
    grounds: str,
    caller: Caller,
    today: date,
    evidence: Sequence[str] = (),
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> Objection:
    """File an objection and mark the record 异议处理中 everywhere.

    Raises :class:`StateConflictError` for a withdrawn record or one with an open objection.
    """
    caller.require(Role.PLATFORM, what="filing an objection")
    if not grounds.strip():
        raise InvalidRequestError("an objection needs its grounds")
    rules = procedures or load_procedures()
    stored = _record(store, record_id)
    if not stored.active:
        raise StateConflictError(
            f"{record_id} is already taken down ({stored.withdrawn_reason}); nothing to object to"
        )
    when = now or datetime.now(UTC)
    case_id = f"obj-{uuid.uuid4().hex[:16]}"
    with step_transaction(store, caller, when, name="objection.file") as tx:
        stored = tx.record(record_id)  # again, under the writer lock
        if not stored.active:
            raise StateConflictError(
                f"{record_id} is already taken down ({stored.withdrawn_reason}); "
                "nothing to object to"
            )
        o = objections.c
        found = tx.conn.execute(
            select(o.id).where(
                o.record_id == record_id,
                o.state.in_([ObjectionState.SUBMITTED.value, ObjectionState.VERIFYING.value]),
            )
        ).first()
        if found is not None:
            raise StateConflictError(f"objection {found.id} against {record_id} is open")
        tx.conn.execute(
            objections.insert().values(
                id=case_id,
                record_id=record_id,
                dataset=stored.dataset,
                credit_code=stored.uscc or stored.payload.get("person_id_no"),
                provider_uscc=stored.payload.get("source_org_uscc") or "",
                applicant_name=applicant_name,
                filed_by=caller.actor,
                grounds=grounds,
                evidence=dumps(list(evidence)),
                state=ObjectionState.SUBMITTED.value,
                received_at=when,
                **_deadline("verify", today, rules.objection_verify_days),
                extended_days=0,
            )
        )
        tx.log(
            record_id=record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="filed",
            state_to=ObjectionState.SUBMITTED.value,
            note=grounds,
            details={"evidence": list(evidence), "applicant_name": applicant_name},
        )
        tx.point("objection.file:case")
        event = tx.mark(record_id, note=f"异议 {case_id}")
        tx.point("objection.file:mark")
        values: dict[str, Any] = {"marked_version": tx.record(record_id).version}
        if event is not None:
            values["mark_seq"] = event.seq
        tx.conn.execute(update(objections).where(objections.c.id == case_id).values(**values))
        tx.log(
            record_id=record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="marked",
            note="异议处理中",
            seq=event.seq if event else None,
        )
    return get_objection(store, case_id)


def move_case(
    conn: Connection,
    case: Objection,
    to: ObjectionState,
    frm: Sequence[ObjectionState],
    values: Mapping[str, Any],
) -> None:
    done = conn.execute(
        update(objections)
        .where(objections.c.id == case.id, objections.c.state.in_([s.value for s in frm]))
        .values(state=to.value, **values)
    )
    if done.rowcount != 1:
        raise StateConflictError(f"objection {case.id} changed meanwhile")


def open_case(store: Store, case_id: str, caller: Caller, what: str) -> Objection:
    case = get_objection(store, case_id)
    caller.require_department(case.provider_uscc, what=what)
    return case


def locked_case(tx: StepTransaction, case_id: str) -> Objection:
    """The case as the step's transaction holds it (locked until the step commits)."""
    return Objection.from_row(tx.case(objections, case_id, "objection"))


def start_verification(
    store: Store,
    case_id: str,
    *,
    caller: Caller,
    today: date,
    note: str | None = None,
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> Objection:
    """The provider starts verifying; the answer is due in the configured working days."""
    rules = procedures or load_procedures()
    open_case(store, case_id, caller, "verifying an objection")
    with step_transaction(store, caller, now, name="objection.verify") as tx:
        case = locked_case(tx, case_id)
        if case.state is not ObjectionState.SUBMITTED:
            raise StateConflictError(f"objection {case_id} is {case.state.value}, not submitted")
        move_case(
            tx.conn,
            case,
            ObjectionState.VERIFYING,
            [ObjectionState.SUBMITTED],
            {"verifying_at": tx.now, **_deadline("answer", today, rules.objection_answer_days)},
        )
        tx.point("objection.verify:case")
        tx.log(
            record_id=case.record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="verifying",
            state_from=case.state.value,
            state_to=ObjectionState.VERIFYING.value,
            note=note,
        )
    return get_objection(store, case_id)


def extend_deadline(
    store: Store,
    case_id: str,
    *,
    working_days: int,
    reason: str,
    caller: Caller,
    now: datetime | None = None,
    procedures: Procedures | None = None,
) -> Objection:
    """Extend the answer deadline of a complex case (within the configured maximum)."""
    rules = procedures or load_procedures()
    open_case(store, case_id, caller, "extending an objection's deadline")
    with step_transaction(store, caller, now, name="objection.extend") as tx:
        case = locked_case(tx, case_id)
        if case.state is not ObjectionState.VERIFYING or case.answer_due is None:
            raise StateConflictError(f"objection {case_id} is {case.state.value}, not verifying")
        used, most = case.extended_days, rules.objection_max_extension_days
        if working_days < 1 or used + working_days > most:
            raise InvalidRequestError(
                f"extensions add up to at most {most} working days ({used} used)"
            )
        basis = _answer_basis(tx, case_id)
        if basis is None:  # a case verified before migration 4: count on from the old deadline
            values = _deadline("answer", case.answer_due, working_days)
            values.pop("answer_from"), values.pop("answer_days")
        else:
            values = _deadline("answer", basis[0], basis[1] + working_days)
        due: date = values["answer_due"]
        move_case(
            tx.conn,
            case,
            ObjectionState.VERIFYING,
            [ObjectionState.VERIFYING],
            {**values, "extended_days": used + working_days},
        )
        tx.point("objection.extend:case")
        tx.log(
            record_id=case.record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="extended",
            state_from=case.state.value,
            state_to=case.state.value,
            note=reason,
            details={"working_days": working_days, "answer_due": due.isoformat()},
        )
    return get_objection(store, case_id)


def _answer_basis(tx: StepTransaction, case_id: str) -> tuple[date, int] | None:
    """The day the answer deadline counts from and its working days (with extensions)."""
    o = objections.c
    row = tx.conn.execute(select(o.answer_from, o.answer_days).where(o.id == case_id)).first()
    if row is None or row.answer_from is None or row.answer_days is None:
        return None
    return row.answer_from, int(row.answer_days)
