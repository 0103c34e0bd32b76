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
    clear_objection,
    deadline,
    mark_objection,
)
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import (
    CaseNotFoundError,
    InvalidRequestError,
    StateConflictError,
)
from workflows.listings import RemovalReason, remove_entry
from workflows.problems import Problem, problem
from workflows.procedures import Procedures, load_procedures
from workflows.steps import Workflow, aware, dumps, loads, log_step
from workflows.tables import objections
from workflows.versions import describe, store_version


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
    open_cases = [c for c in list_objections(store, record_id=record_id) if c.state.open]
    if open_cases:
        raise StateConflictError(f"objection {open_cases[0].id} against {record_id} is open")
    when = now or datetime.now(UTC)
    case_id = f"obj-{uuid.uuid4().hex[:16]}"
    provider = stored.payload.get("source_org_uscc") or ""
    with store.engine.begin() as conn:
        conn.execute(
            objections.insert().values(
                id=case_id,
                record_id=record_id,
                dataset=stored.dataset,
                credit_code=stored.uscc or stored.payload.get("person_id_no"),
                provider_uscc=provider,
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
        log_step(
            conn,
            record_id=record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="filed",
            state_to=ObjectionState.SUBMITTED.value,
            caller=caller,
            now=when,
            note=grounds,
            details={"evidence": list(evidence), "applicant_name": applicant_name},
        )
    event = mark_objection(
        store.engine, record_id, actor=caller.actor, note=f"异议 {case_id}", now=when
    )
    with store.engine.begin() as conn:
        values: dict[str, Any] = {"marked_version": _record(store, record_id).version}
        if event is not None:
            values["mark_seq"] = event.seq
        conn.execute(update(objections).where(objections.c.id == case_id).values(**values))
        log_step(
            conn,
            record_id=record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="marked",
            caller=caller,
            now=when,
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


def _claim(store: Store, case_id: str, when: datetime) -> None:
    """Take a verifying case for one answer (``provider_reply_at`` set while still verifying),
    so two answers can never both act on the record; :class:`StateConflictError` otherwise."""
    o = objections.c
    with store.engine.begin() as conn:
        done = conn.execute(
            update(objections)
            .where(
                o.id == case_id,
                o.state == ObjectionState.VERIFYING.value,
                o.provider_reply_at.is_(None),
            )
            .values(provider_reply_at=when)
        )
    if done.rowcount != 1:
        raise StateConflictError(f"objection {case_id} is being answered by another")


def _release(store: Store, case_id: str) -> None:
    """Give a claimed case back: the answer was refused or failed, nothing changed."""
    o = objections.c
    with store.engine.begin() as conn:
        conn.execute(
            update(objections)
            .where(o.id == case_id, o.state == ObjectionState.VERIFYING.value)
            .values(provider_reply_at=None)
        )


def _open_case(store: Store, case_id: str, caller: Caller, what: str) -> Objection:
    case = get_objection(store, case_id)
    caller.require_department(case.provider_uscc, what=what)
    return case


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
    case = _open_case(store, case_id, caller, "verifying an objection")
    if case.state is not ObjectionState.SUBMITTED:
        raise StateConflictError(f"objection {case_id} is {case.state.value}, not submitted")
    when = now or datetime.now(UTC)
    with store.engine.begin() as conn:
        _move(
            conn,
            case,
            ObjectionState.VERIFYING,
            [ObjectionState.SUBMITTED],
            {"verifying_at": when, **_deadline("answer", today, rules.objection_answer_days)},
        )
        log_step(
            conn,
            record_id=case.record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="verifying",
            state_from=case.state.value,
            state_to=ObjectionState.VERIFYING.value,
            caller=caller,
            now=when,
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
    case = _open_case(store, case_id, caller, "extending an objection's deadline")
    if case.state is not ObjectionState.VERIFYING or case.answer_due is None:
        raise StateConflictError(f"objection {case_id} is {case.state.value}, not verifying")
    if working_days < 1 or case.extended_days + working_days > rules.objection_max_extension_days:
        raise InvalidRequestError(
            f"extensions add up to at most {rules.objection_max_extension_days} working days "
            f"({case.extended_days} used)"
        )
    when = now or datetime.now(UTC)
    basis = _answer_basis(store, case_id)
    if basis is None:  # a case verified before migration 4: count on from the old deadline
        values = _deadline("answer", case.answer_due, working_days)
        values.pop("answer_from"), values.pop("answer_days")
    else:
        values = _deadline("answer", basis[0], basis[1] + working_days)
    due: date = values["answer_due"]
    with store.engine.begin() as conn:
        _move(
            conn,
            case,
            ObjectionState.VERIFYING,
            [ObjectionState.VERIFYING],
            {**values, "extended_days": case.extended_days + working_days},
        )
        log_step(
            conn,
            record_id=case.record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="extended",
            state_from=case.state.value,
            state_to=case.state.value,
            caller=caller,
            now=when,
            note=reason,
            details={"working_days": working_days, "answer_due": due.isoformat()},
        )
    return get_objection(store, case_id)


def _answer_basis(store: Store, case_id: str) -> tuple[date, int] | None:
    """The day the answer deadline counts from and its working days (with extensions)."""
    o = objections.c
    with store.engine.connect() as conn:
        row = conn.execute(
            select(o.answer_from, o.answer_days).where(o.id == case_id)
        ).first()
    if row is None or row.answer_from is None or row.answer_days is None:
        return None
    return row.answer_from, int(row.answer_days)


def _correction(
    store: Store,
    case: Objection,
    stored: StoredRecord,
    corrected: Mapping[str, Any] | None,
    caller: Caller,
    today: date,
    when: datetime,
) -> tuple[list[Problem], int | None]:
    """Store the corrected version (or accept one stored since the mark)."""
    if corrected is None:
        if case.marked_version is not None and stored.version > case.marked_version:
            return [], None  # the provider already stored new content through its channel
        return [problem("correction-missing")], None
    found = get_entry(stored.dataset).record_id(corrected)
    if found != stored.record_id:
        return [problem("correction-other-record", found=found)], None
    result = store_version(
        store,
        stored.dataset,
        corrected,
        caller=caller,
        today=today,
        now=when,
        invalid_code="correction-invalid",
    )
    if not result.ok:
        return list(result.problems), None
    if result.outcome is Outcome.UNCHANGED:
        return [problem("correction-unchanged")], None
    if result.outcome is Outcome.WITHDRAWN_KEPT:  # pragma: no cover - withdrawn meanwhile
        return [problem("correction-invalid", detail=describe(list(result.issues)))], None
    return [], result.seq


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

    A correction that is missing, invalid, unchanged or for another record leaves the case
    open and comes back as problems.
    """
    try:
        result = ObjectionState(outcome)
    except ValueError:
        result = None
    if result not in OUTCOMES:
        known = ", ".join(s.value for s in OUTCOMES)
        raise InvalidRequestError(f"unknown outcome {outcome!r}; use one of {known}")
    assert result is not None
    case = _open_case(store, case_id, caller, "answering an objection")
    if case.state is not ObjectionState.VERIFYING:
        raise StateConflictError(f"objection {case_id} is {case.state.value}, not verifying")
    when = now or datetime.now(UTC)
    stored = _record(store, case.record_id)
    seq: int | None = None
    _claim(store, case_id, when)
    try:
        if result is ObjectionState.CORRECTED:
            problems, seq = _correction(store, case, stored, corrected_record, caller, today, when)
            if problems:
                _release(store, case_id)
                return OutcomeResult(case, tuple(problems))
        elif result is ObjectionState.REVOKED:
            seq = _revoke(store, stored, case, caller, today, when, note)
        cleared = clear_objection(
            store.engine,
            case.record_id,
            actor=caller.actor,
            note=f"异议 {case_id}: {result}",
            now=when,
        )
    except BaseException:
        _release(store, case_id)
        raise
    seq = seq or (cleared.seq if cleared else None)
    with store.engine.begin() as conn:
        _move(
            conn,
            case,
            result,
            [ObjectionState.VERIFYING],
            {
                "provider_reply_at": when,
                "closed_at": when,
                "outcome_note": note,
                "outcome_seq": seq,
            },
        )
        log_step(
            conn,
            record_id=case.record_id,
            workflow=Workflow.OBJECTION,
            case_id=case_id,
            step="outcome",
            state_from=case.state.value,
            state_to=result.value,
            caller=caller,
            now=when,
            note=note,
            seq=seq,
        )
    return OutcomeResult(get_objection(store, case_id))


def _revoke(
    store: Store,
    stored: StoredRecord,
    case: Objection,
    caller: Caller,
    today: date,
    when: datetime,
    note: str | None,
) -> int | None:
    """Take the record down as ``objection-upheld`` (list entries: 移出原因 异议更正)."""
    if not stored.active:
        return None
    why = f"异议成立 {case.id}" + (f": {note}" if note else "")
    if stored.dataset in LIST_DATASETS:
        removal = remove_entry(
            store,
            stored.record_id,
            reason=RemovalReason.OBJECTION,
            removal_date=today,
            caller=_as_authority(caller, stored),
            today=today,
            now=when,
            note=why,
            case_id=case.id,
            workflow=Workflow.OBJECTION,
        )
        if removal.takedown is not None:
            return removal.takedown.seq
    event = store.withdraw(
        stored.dataset,
        record_id=stored.record_id,
        reason="objection-upheld",
        note=why,
        actor=caller.actor,
        now=when,
    )
    return event.seq if event is not None else None


def _as_authority(caller: Caller, stored: StoredRecord) -> Caller:
    """The provider acts for the listing authority when it answers an objection it verified
    (they are usually the same department; the provider was checked already)."""
    authority = stored.payload.get("deciding_authority_uscc")
    if caller.is_department(authority):
        return caller
    return Caller(caller.actor, Role.ADMIN, caller.department_uscc, caller.key_id)
