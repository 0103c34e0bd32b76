"""The case operations every face offers (案件操作): credit repair and objections.

One function per operation, the same under REST, GraphQL and the CLI: it takes the
:class:`Caller` and plain values, checks the input's limits (:mod:`workflows.inputs`) and who
may read what, calls the procedure's step and returns an :class:`workflows.answers.Answer`.
A face only parses its input and renders the answer; the rules are here and in the steps.

========================  ==========================================  ========================
operation                 what                                        who
========================  ==========================================  ========================
``repair_apply``          file a repair application                   platform, admin
``repair_decide``         approve or reject it                        the deciding authority
``repair_show``           one application                             platform, admin; the
``repair_list``           applications                                deciding department
``objection_file``        file an objection (marks the record)        platform, admin
``objection_verify``      start verifying                             the providing department
``objection_extend``      extend the answer deadline                  the providing department
``objection_outcome``     corrected | revoked | upheld                the providing department
``objection_show``        one case                                    platform, admin; the
``objection_list``        cases (``overdue``: past their deadline)    providing department
========================  ==========================================  ========================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from store import Role, Store
from workflows.answers import Answer
from workflows.caller import Caller
from workflows.errors import InvalidRequestError, NotAllowedError
from workflows.inputs import (
    MAX_NAME,
    evidence_refs,
    identifier,
    optional_text,
    page,
    record,
    text,
)
from workflows.objection_outcome import record_outcome
from workflows.objections import (
    ObjectionState,
    extend_deadline,
    file_objection,
    get_objection,
    list_objections,
    start_verification,
)
from workflows.repair import (
    RepairApplication,
    RepairState,
    apply_for_repair,
    decide_repair,
    get_repair,
    list_repairs,
)

CASE_READERS = (Role.PLATFORM, Role.DEPARTMENT)
"""Who reads cases (and admins): platforms all, a department those it must decide or answer."""


def _state(kind: type[StrEnum], value: str | None) -> str | None:
    """``value`` if it is a state of ``kind`` (400 otherwise)."""
    if value is None:
        return None
    try:
        return kind(value).value
    except ValueError:
        known = ", ".join(s.value for s in kind)
        raise InvalidRequestError(f"unknown state {value!r}; use one of {known}") from None


def _own(caller: Caller) -> str | None:
    """The department whose cases a department caller reads (None: every case)."""
    return caller.department_uscc if caller.role is Role.DEPARTMENT else None


# -- repair ---------------------------------------------------------------------------------


def _application(case: RepairApplication, refusal: str, *, created: bool = False) -> Answer:
    return Answer({"application": case.to_dict()}, case.problems, refusal, created)


def repair_apply(
    store: Store,
    caller: Caller,
    *,
    today: date,
    record_id: str,
    applicant_name: str,
    obligations_fulfilled: bool,
    evidence: Sequence[str] = (),
    statement: str | None = None,
    commitment_record_id: str | None = None,
) -> Answer:
    """File a repair application (信用修复申请); refused at once (422) when a condition fails."""
    caller.require_key(what="filing a repair application")
    case = apply_for_repair(
        store,
        identifier(record_id, "record_id"),
        applicant_name=text(applicant_name, "applicant_name", most=MAX_NAME, required=True),
        obligations_fulfilled=obligations_fulfilled,
        evidence=evidence_refs(evidence),
        statement=optional_text(statement, "statement"),
        commitment_record_id=(
            None
            if commitment_record_id is None
            else identifier(commitment_record_id, "commitment_record_id")
        ),
        caller=caller,
        today=today,
    )
    return _application(case, "the repair conditions are not met", created=True)


def repair_decide(
    store: Store,
    caller: Caller,
    *,
    today: date,
    case_id: str,
    approve: bool,
    note: str | None = None,
) -> Answer:
    """The deciding authority approves or rejects; an approval whose conditions no longer
    hold ends the case ``refused`` (422)."""
    caller.require_key(what="deciding a repair application")
    case = decide_repair(
        store,
        identifier(case_id, "case_id"),
        approve=approve,
        note=optional_text(note, "note"),
        caller=caller,
        today=today,
    )
    return _application(case, "the repair conditions no longer hold")


def repair_show(store: Store, caller: Caller, *, case_id: str) -> Answer:
    """One application: platforms and admins, or the department that decides it."""
    caller.require(*CASE_READERS, what="reading repair applications")
    case = get_repair(store, identifier(case_id, "case_id"))
    own = _own(caller)
    if own is not None and not caller.is_department(case.authority_uscc):
        raise NotAllowedError("this application is for another authority")
    return Answer({"application": case.to_dict()})


def repair_list(
    store: Store,
    caller: Caller,
    *,
    state: str | None = None,
    record_id: str | None = None,
    limit: int | None = None,
) -> Answer:
    """Applications, oldest first (a department: those it decides)."""
    caller.require(*CASE_READERS, what="reading repair applications")
    cases = list_repairs(
        store,
        state=_state(RepairState, state),
        record_id=None if record_id is None else identifier(record_id, "record_id"),
        authority_uscc=_own(caller),
        limit=page(limit),
    )
    return Answer({"count": len(cases), "applications": [c.to_dict() for c in cases]})


# -- objections -----------------------------------------------------------------------------


def objection_file(
    store: Store,
    caller: Caller,
    *,
    today: date,
    record_id: str,
    applicant_name: str,
    grounds: str,
    evidence: Sequence[str] = (),
) -> Answer:
    """File an objection (异议申请): the record is marked 异议处理中 in every channel."""
    caller.require_key(what="filing an objection")
    case = file_objection(
        store,
        identifier(record_id, "record_id"),
        applicant_name=text(applicant_name, "applicant_name", most=MAX_NAME, required=True),
        grounds=text(grounds, "grounds", required=True),
        evidence=evidence_refs(evidence),
        caller=caller,
        today=today,
    )
    return Answer({"objection": case.to_dict(today)}, created=True)


def objection_verify(
    store: Store, caller: Caller, *, today: date, case_id: str, note: str | None = None
) -> Answer:
    """The providing department starts verifying."""
    caller.require_key(what="verifying an objection")
    case = start_verification(
        store,
        identifier(case_id, "case_id"),
        note=optional_text(note, "note"),
        caller=caller,
        today=today,
    )
    return Answer({"objection": case.to_dict(today)})


def objection_extend(
    store: Store,
    caller: Caller,
    *,
    today: date,
    case_id: str,
    working_days: int,
    reason: str,
) -> Answer:
    """Extend the answer deadline of a complex case (within the procedure's maximum)."""
    caller.require_key(what="extending an objection's deadline")
    case = extend_deadline(
        store,
        identifier(case_id, "case_id"),
        working_days=working_days,
        reason=text(reason, "reason", required=True),
        caller=caller,
    )
    return Answer({"objection": case.to_dict(today)})


def objection_outcome(
    store: Store,
    caller: Caller,
    *,
    today: date,
    case_id: str,
    outcome: str,
    note: str | None = None,
    corrected_record: Mapping[str, Any] | None = None,
) -> Answer:
    """The provider's answer, which closes the case; a correction that cannot be taken is
    refused (422) and leaves the case open."""
    caller.require_key(what="answering an objection")
    result = record_outcome(
        store,
        identifier(case_id, "case_id"),
        outcome=outcome,
        note=optional_text(note, "note"),
        corrected_record=record(corrected_record, "corrected_record"),
        caller=caller,
        today=today,
    )
    body = {"objection": result.objection.to_dict(today)}
    return Answer(body, result.problems, "the outcome was not recorded")


def objection_show(store: Store, caller: Caller, *, today: date, case_id: str) -> Answer:
    """One case: platforms and admins, or the providing department that answers it."""
    caller.require(*CASE_READERS, what="reading objections")
    case = get_objection(store, identifier(case_id, "case_id"))
    if _own(caller) is not None and not caller.is_department(case.provider_uscc):
        raise NotAllowedError("this objection is for another department")
    return Answer({"today": today.isoformat(), "objection": case.to_dict(today)})


def objection_list(
    store: Store,
    caller: Caller,
    *,
    today: date,
    overdue: bool = False,
    state: str | None = None,
    record_id: str | None = None,
    limit: int | None = None,
) -> Answer:
    """Cases oldest first (a department: those it must answer); ``overdue``: open cases past
    their deadline today."""
    caller.require(*CASE_READERS, what="reading objections")
    cases = list_objections(
        store,
        state=_state(ObjectionState, state),
        record_id=None if record_id is None else identifier(record_id, "record_id"),
        provider_uscc=_own(caller),
        overdue_on=today if overdue else None,
        limit=page(limit),
    )
    return Answer(
        {
            "today": today.isoformat(),
            "count": len(cases),
            "objections": [c.to_dict(today) for c in cases],
        }
    )
