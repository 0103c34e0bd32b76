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
* **outcome** (:func:`record_outcome`), which closes the case:

  =========  ===============================  ==============================================
  outcome    what it means                    what happens to the record
  =========  ===============================  ==============================================
  corrected  the record was wrong; corrected  a new version (validated; same natural key) —
                                              a new version is never under the old mark
  revoked    the objection succeeded; the     taken down with store reason
             record should not exist          ``objection-upheld`` (list entries: 移出原因 异议更正)
  upheld     the record stands (异议不成立)    the mark ends: an ``objection-closed`` version
  =========  ===============================  ==============================================

Note the two meanings of "upheld": the *outcome* ``upheld`` upholds the record, whereas the
store's take-down reason ``objection-upheld`` (异议成立) says the *objection* was upheld.

Each step (file, verify, extend, outcome) is one transaction (:mod:`workflows.transaction`):
the case, the record's version, take-down or mark and the workflow steps commit together.

Overdue cases (:func:`list_objections` with ``overdue_on``): still ``submitted`` after the
verify deadline, or still ``verifying`` after the answer deadline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, or_, select, update

from catalog import get_entry
from store import (
    Outcome,
    Role,
    Store,
    StoredRecord,
    UnknownRecordError,
    deadline,
)
from store.schema import objections
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import (
    CaseNotFoundError,
    InvalidRequestError,
    StateConflictError,
)
from workflows.listings import RemovalReason, remove_entry_in
from workflows.problems import Problem, problem
from workflows.procedures import Procedures, load_procedures
from workflows.steps import Workflow, aware, dumps, loads
from workflows.transaction import StepTransaction, step_transaction
from workflows.versions import describe


class ObjectionState(StrEnum):
    """Where an objection stands; the last three are outcomes and close the case."""

    SUBMITTED = "submitted"
    VERIFYING = "verifying"
    CORRECTED = "corrected"
    REVOKED = "revoked"
    UPHELD = "upheld"

    @property
    def open(self) -> bool:
        return self in (ObjectionState.SUBMITTED, ObjectionState.VERIFYING)


OUTCOMES = (ObjectionState.CORRECTED, ObjectionState.REVOKED, ObjectionState.UPHELD)


@dataclass(frozen=True, slots=True)
class Objection:
    """One objection case with its deadlines and KPI timestamps."""

    id: str
    record_id: str
    dataset: str
    credit_code: str | None
    provider_uscc: str
    applicant_name: str
    filed_by: str
    grounds: str
    evidence: tuple[str, ...]
    state: ObjectionState
    received_at: datetime
    verify_due: date | None
    verifying_at: datetime | None
    answer_due: date | None
    extended_days: int
    provider_reply_at: datetime | None
    closed_at: datetime | None
    outcome_note: str | None
    marked_version: int | None
    mark_seq: int | None
    outcome_seq: int | None
    verify_due_provisional: bool | None = None
    """Whether ``verify_due`` counts a day of a provisional calendar year (None: not recorded,
    for cases filed before migration 4)."""
    answer_due_provisional: bool | None = None
    """The same for ``answer_due``."""

    @property
    def due(self) -> date | None:
        """The deadline of the current step (None once closed)."""
        if self.state is ObjectionState.SUBMITTED:
            return self.verify_due
        if self.state is ObjectionState.VERIFYING:
            return self.answer_due
        return None

    def overdue(self, today: date) -> bool:
        """Whether the current step's deadline has passed."""
        return self.due is not None and today > self.due

    def to_dict(self, today: date | None = None) -> dict[str, Any]:
        def iso(value: date | datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id,
            "record_id": self.record_id,
            "dataset": self.dataset,
            "credit_code": self.credit_code,
            "provider_uscc": self.provider_uscc,
            "applicant_name": self.applicant_name,
            "grounds": self.grounds,
            "evidence": list(self.evidence),
            "state": self.state.value,
            "received_at": iso(self.received_at),
            "verify_due": iso(self.verify_due),
            "verify_due_provisional": self.verify_due_provisional,
            "verifying_at": iso(self.verifying_at),
            "answer_due": iso(self.answer_due),
            "answer_due_provisional": self.answer_due_provisional,
            "extended_days": self.extended_days,
            "provider_reply_at": iso(self.provider_reply_at),
            "closed_at": iso(self.closed_at),
            "outcome_note": self.outcome_note,
            "due": iso(self.due),
            "overdue": None if today is None else self.overdue(today),
        }

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Objection:
        return cls(
            id=row["id"],
            record_id=row["record_id"],
            dataset=row["dataset"],
            credit_code=row["credit_code"],
            provider_uscc=row["provider_uscc"],
            applicant_name=row["applicant_name"],
            filed_by=row["filed_by"],
            grounds=row["grounds"],
            evidence=tuple(loads(row["evidence"]) or ()),
            state=ObjectionState(row["state"]),
            received_at=aware(row["received_at"]),  # type: ignore[arg-type]
            verify_due=row["verify_due"],
            verifying_at=aware(row["verifying_at"]),
            answer_due=row["answer_due"],
            extended_days=int(row["extended_days"] or 0),
            provider_reply_at=aware(row["provider_reply_at"]),
            closed_at=aware(row["closed_at"]),
            outcome_note=row["outcome_note"],
            marked_version=row["marked_version"],
            mark_seq=row["mark_seq"],
            outcome_seq=row["outcome_seq"],
            verify_due_provisional=_flag(row.get("verify_due_provisional")),
            answer_due_provisional=_flag(row.get("answer_due_provisional")),
        )


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """The answer to :func:`record_outcome`: the case, or why the outcome was not taken."""

    objection: Objection
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


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


def get_objection(store: Store, case_id: str) -> Objection:
    """One case; :class:`CaseNotFoundError` when there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(select(objections).where(objections.c.id == case_id)).mappings().first()
    if row is None:
        raise CaseNotFoundError(f"no objection {case_id!r}")
    return Objection.from_row(row)


def list_objections(
    store: Store,
    *,
    state: ObjectionState | str | None = None,
    record_id: str | None = None,
    provider_uscc: str | None = None,
    overdue_on: date | None = None,
) -> list[Objection]:
    """Cases oldest first; ``overdue_on``: only open cases past their deadline on that day."""
    o = objections.c
    query = select(objections).order_by(o.received_at, o.id)
    if state is not None:
        query = query.where(o.state == ObjectionState(state).value)
    if record_id is not None:
        query = query.where(o.record_id == record_id)
    if provider_uscc is not None:
        query = query.where(o.provider_uscc == provider_uscc)
    if overdue_on is not None:
        query = query.where(
            or_(
                (o.state == ObjectionState.SUBMITTED.value) & (o.verify_due < overdue_on),
                (o.state == ObjectionState.VERIFYING.value) & (o.answer_due < overdue_on),
            )
        )
    with store.engine.connect() as conn:
        return [Objection.from_row(r) for r in conn.execute(query).mappings()]


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


def _move(
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


def _open_case(store: Store, case_id: str, caller: Caller, what: str) -> Objection:
    case = get_objection(store, case_id)
    caller.require_department(case.provider_uscc, what=what)
    return case


def _locked(tx: StepTransaction, case_id: str) -> Objection:
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
    _open_case(store, case_id, caller, "verifying an objection")
    with step_transaction(store, caller, now, name="objection.verify") as tx:
        case = _locked(tx, case_id)
        if case.state is not ObjectionState.SUBMITTED:
            raise StateConflictError(f"objection {case_id} is {case.state.value}, not submitted")
        _move(
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
    _open_case(store, case_id, caller, "extending an objection's deadline")
    with step_transaction(store, caller, now, name="objection.extend") as tx:
        case = _locked(tx, case_id)
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
        _move(
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


class _RefusedError(Exception):
    """Unwinds an outcome step that cannot be taken (the case stays open, nothing written)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = tuple(problems)


def _correction(
    tx: StepTransaction,
    case: Objection,
    stored: StoredRecord,
    corrected: Mapping[str, Any] | None,
    today: date,
) -> int | None:
    """Store the corrected version (or accept one stored since the mark); refuses with
    :class:`_RefusedError`."""
    if corrected is None:
        if case.marked_version is not None and stored.version > case.marked_version:
            return None  # the provider already stored new content through its channel
        raise _RefusedError([problem("correction-missing")])
    found = get_entry(stored.dataset).record_id(corrected)
    if found != stored.record_id:
        raise _RefusedError([problem("correction-other-record", found=found)])
    result = tx.version(stored.dataset, corrected, today=today, invalid_code="correction-invalid")
    if not result.ok:
        raise _RefusedError(result.problems)
    if result.outcome is Outcome.UNCHANGED:
        raise _RefusedError([problem("correction-unchanged")])
    if result.outcome is Outcome.WITHDRAWN_KEPT:  # pragma: no cover - withdrawn meanwhile
        raise _RefusedError([problem("correction-invalid", detail=describe(list(result.issues)))])
    return result.seq


def record_outcome(
    store: Store,
    case_id: str,
    *,
    outcome: ObjectionState | str,
    caller: Caller,
    today: date,
    note: str | None = None,
    corrected_record: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> OutcomeResult:
    """The provider's answer, which closes the case (see the module doc for each outcome).

    The correction or take-down, the end of the mark, the case and the steps are one
    transaction (:mod:`workflows.transaction`). A correction that is missing, invalid,
    unchanged or for another record leaves the case open, nothing written, and comes back
    as problems.
    """
    try:
        result = ObjectionState(outcome)
    except ValueError:
        result = None
    if result not in OUTCOMES:
        known = ", ".join(s.value for s in OUTCOMES)
        raise InvalidRequestError(f"unknown outcome {outcome!r}; use one of {known}")
    assert result is not None
    _open_case(store, case_id, caller, "answering an objection")
    try:
        with step_transaction(store, caller, now, name="objection.outcome") as tx:
            case = _locked(tx, case_id)
            if case.state is not ObjectionState.VERIFYING:
                raise StateConflictError(
                    f"objection {case_id} is {case.state.value}, not verifying"
                )
            stored = tx.record(case.record_id)
            seq: int | None = None
            if result is ObjectionState.CORRECTED:
                seq = _correction(tx, case, stored, corrected_record, today)
                tx.point("objection.outcome:correction")
            elif result is ObjectionState.REVOKED:
                seq = _revoke(tx, stored, case, today, note)
            cleared = tx.clear(case.record_id, note=f"异议 {case_id}: {result}")
            tx.point("objection.outcome:cleared")
            seq = seq or (cleared.seq if cleared else None)
            _move(
                tx.conn,
                case,
                result,
                [ObjectionState.VERIFYING],
                {
                    "provider_reply_at": tx.now,
                    "closed_at": tx.now,
                    "outcome_note": note,
                    "outcome_seq": seq,
                },
            )
            tx.point("objection.outcome:case")
            tx.log(
                record_id=case.record_id,
                workflow=Workflow.OBJECTION,
                case_id=case_id,
                step="outcome",
                state_from=case.state.value,
                state_to=result.value,
                note=note,
                seq=seq,
            )
    except _RefusedError as refused:
        return OutcomeResult(get_objection(store, case_id), refused.problems)
    return OutcomeResult(get_objection(store, case_id))


def _revoke(
    tx: StepTransaction,
    stored: StoredRecord,
    case: Objection,
    today: date,
    note: str | None,
) -> int | None:
    """Take the record down as ``objection-upheld`` (list entries: 移出原因 异议更正).

    The provider answering the objection it verified acts for the listing authority too
    (they are usually the same department; the provider was checked already): the removal
    is ``authorised`` and the logs name the provider's own key and role, never an admin.
    """
    if not stored.active:
        return None
    why = f"异议成立 {case.id}" + (f": {note}" if note else "")
    if stored.dataset in LIST_DATASETS:
        removal = remove_entry_in(
            tx,
            stored.record_id,
            reason=RemovalReason.OBJECTION,
            removal_date=today,
            today=today,
            note=why,
            case_id=case.id,
            workflow=Workflow.OBJECTION,
            authorised=True,
        )
        if removal.takedown is not None:
            return removal.takedown.seq
    event = tx.withdraw(stored.dataset, stored.record_id, reason="objection-upheld", note=why)
    tx.point("objection.outcome:takedown")
    return event.seq if event is not None else None
