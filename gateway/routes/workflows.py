"""The credit workflows over HTTP (信用流程): checks, repair, objections, fulfilment, timelines.

=====================================================  =========================================
``GET  /api/v1/checks?creditCode=&scenario=``           joint-punishment check (any key; identity
                                                        numbers: government keys only)
``POST /api/v1/repairs``                                file a repair application (platform, admin)
``GET  /api/v1/repairs/{id}``                           one application
``POST /api/v1/repairs/{id}/decision``                  the deciding authority decides
``POST /api/v1/objections``                             file an objection (platform, admin)
``GET  /api/v1/objections?overdue=&state=&recordId=``   cases (platform/admin: all; a department:
                                                        its own)
``POST /api/v1/objections/{id}/verify``                 the providing department starts verifying
``POST /api/v1/objections/{id}/outcome``                corrected | revoked | upheld
``POST /api/v1/commitments/{record_id}/fulfilment``     the accepting unit records fulfilment
``GET  /api/v1/records/{record_id}/timeline``           admins and the responsible department:
                                                        full; a platform (for the entity): entity
=====================================================  =========================================

Routes are thin: they turn the caller's key into a :class:`workflows.Caller`, call the library
function and answer with its ``to_dict()``. A step the procedure refuses (a repair whose
conditions are not met, an invalid correction) is answered 422 in the one error shape, with
the problems as ``errors`` and the case itself alongside. Library exceptions carry their
status (:class:`workflows.WorkflowError`). The check index is one per application, built on
first use and following the change log.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway import models
from gateway.auth import Principal, require_role
from gateway.errors import ApiError
from gateway.models import ErrorBody
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of, today
from store import Role, UnknownRecordError
from workflows import Caller as WorkflowCaller
from workflows import (
    CheckIndex,
    ObjectionState,
    Problem,
    TimelineAudience,
    WorkflowError,
    apply_for_repair,
    decide_repair,
    file_objection,
    get_repair,
    list_objections,
    record_fulfilment,
    record_outcome,
    start_verification,
    timeline,
)

router = APIRouter(
    prefix="/api/v1", tags=["workflows 信用流程"], default_response_class=OrjsonResponse
)

STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": ErrorBody, "description": "The case is not in a state that allows this step."},
}
"""Errors of a step of a case (a read answers :data:`ERRORS` only)."""
WORKFLOW_ERRORS: dict[int | str, dict[str, Any]] = {
    **STEP_ERRORS,
    422: {
        "model": ErrorBody,
        "description": "The procedure refused the step; `errors` are its problems, the case "
        "alongside.",
    },
}
"""Errors of a step the procedure may refuse (422, :func:`_refused`)."""
_INDEX_LOCK = threading.Lock()


# -- shared ------------------------------------------------------------------------------------


def _caller(principal: Principal) -> WorkflowCaller:
    """The workflow caller of a request (:attr:`gateway.auth.Principal.caller`)."""
    return principal.caller


@contextmanager
def workflow_errors() -> Iterator[None]:
    """Workflow exceptions (and the store's) in the one error shape."""
    with store_errors():
        try:
            yield
        except WorkflowError as exc:
            raise ApiError(exc.status, exc.message) from None


def _refused(error: str, found: tuple[Problem, ...], **case: Any) -> OrjsonResponse:
    """422 in the one error shape: the problems as ``errors``, the case alongside."""
    body = {
        **case,
        "ok": False,
        "error": error,
        "errors": [p.to_dict() for p in found],
        "status": 422,
    }
    return OrjsonResponse(body, status_code=422)


def check_index(request: Request) -> CheckIndex:
    """The application's check index (made on first use; one per process)."""
    index: CheckIndex | None = getattr(request.app.state, "workflow_checks", None)
    if index is None:
        with _INDEX_LOCK:
            index = getattr(request.app.state, "workflow_checks", None)
            if index is None:
                index = CheckIndex(store_of(request))
                index.load()
                request.app.state.workflow_checks = index
    return index


# -- checks ------------------------------------------------------------------------------------


@router.get(
    "/checks",
    response_model=models.PunishmentCheck,
    summary="Joint-punishment check: do restrictions apply to this subject in this scenario?",
    description="For approval systems: the measures that restrict `creditCode` in `scenario` "
    "today, their legal basis and the list entries they come from. Every check is logged. "
    "`scenario` is a Chinese scenario of the measure list, an English alias (procurement, "
    "fiscal-funds, tax-incentives, credit, flights-rail, commendations, market-access, "
    "approvals, land, appointments) or 其他-<scenario>; omitted: every scenario.",
    responses=ERRORS,
)
def get_check(
    request: Request,
    principal: Caller,
    credit_code: str = Query(..., alias="creditCode", min_length=15, max_length=40),
    scenario: str | None = Query(None),
) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        result = check_index(request).check(
            credit_code, scenario, today=today(request), caller=_caller(principal)
        )
    return OrjsonResponse({"ok": True, **result.to_dict()})


# -- repair ------------------------------------------------------------------------------------


class RepairBody(BaseModel):
    """A repair application (信用修复申请)."""

    record_id: str = Field(description="The record to repair (a penalty, a list entry).")
    applicant_name: str = Field(min_length=1, max_length=200)
    obligations_fulfilled: bool = Field(
        description="The applicant declares its legal obligations fulfilled."
    )
    evidence: list[str] = Field(default_factory=list, description="Evidence, as references.")
    statement: str | None = None
    commitment_record_id: str | None = Field(
        None, description="Its 信用修复型 commitment; found by the subject's code when omitted."
    )


class DecisionBody(BaseModel):
    approve: bool
    note: str | None = None


@router.post(
    "/repairs",
    response_model=models.RepairApplication,
    status_code=201,
    summary="File a credit-repair application (信用修复申请)",
    responses=WORKFLOW_ERRORS,
)
def post_repair(body: RepairBody, request: Request, principal: Caller) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        case = apply_for_repair(
            store_of(request),
            body.record_id,
            applicant_name=body.applicant_name,
            obligations_fulfilled=body.obligations_fulfilled,
            evidence=body.evidence,
            statement=body.statement,
            commitment_record_id=body.commitment_record_id,
            caller=_caller(principal),
            today=today(request),
        )
    if case.problems:
        return _refused(
            "the repair conditions are not met", case.problems, application=case.to_dict()
        )
    return OrjsonResponse({"ok": True, "application": case.to_dict()}, status_code=201)


@router.get(
    "/repairs/{case_id}",
    response_model=models.RepairApplication,
    summary="One repair application",
    responses=ERRORS,
)
def get_repair_case(case_id: str, request: Request, principal: Caller) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.PLATFORM, Role.DEPARTMENT, Role.ADMIN)
    with workflow_errors():
        case = get_repair(store_of(request), case_id)
    if principal.role is Role.DEPARTMENT and principal.department_uscc != case.authority_uscc:
        raise ApiError(403, "this application is for another authority")
    return OrjsonResponse({"ok": True, "application": case.to_dict()})


@router.post(
    "/repairs/{case_id}/decision",
    response_model=models.RepairApplication,
    summary="Decide a repair application (the authority that made the finding)",
    responses=WORKFLOW_ERRORS,
)
def post_decision(
    case_id: str, body: DecisionBody, request: Request, principal: Caller
) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        case = decide_repair(
            store_of(request),
            case_id,
            approve=body.approve,
            note=body.note,
            caller=_caller(principal),
            today=today(request),
        )
    if case.problems:
        return _refused(
            "the repair conditions no longer hold", case.problems, application=case.to_dict()
        )
    return OrjsonResponse({"ok": True, "application": case.to_dict()})


# -- objections --------------------------------------------------------------------------------


class ObjectionBody(BaseModel):
    """An objection (异议申请)."""

    record_id: str
    applicant_name: str = Field(min_length=1, max_length=200)
    grounds: str = Field(min_length=1, description="Why the record is wrong.")
    evidence: list[str] = Field(default_factory=list)


class VerifyBody(BaseModel):
    note: str | None = None


class OutcomeBody(BaseModel):
    outcome: Literal["corrected", "revoked", "upheld"] = Field(
        description="corrected: new version; revoked: taken down (objection-upheld); "
        "upheld: the record stands."
    )
    note: str | None = None
    corrected_record: dict[str, Any] | None = Field(
        None, description="For `corrected`: the whole corrected record (same natural key)."
    )


@router.post(
    "/objections",
    response_model=models.ObjectionCase,
    status_code=201,
    summary="File an objection (异议)",
    responses=STEP_ERRORS,
)
def post_objection(body: ObjectionBody, request: Request, principal: Caller) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        case = file_objection(
            store_of(request),
            body.record_id,
            applicant_name=body.applicant_name,
            grounds=body.grounds,
            evidence=body.evidence,
            caller=_caller(principal),
            today=today(request),
        )
    return OrjsonResponse({"ok": True, "objection": case.to_dict(today(request))}, 201)


@router.get(
    "/objections",
    response_model=models.ObjectionList,
    summary="Objection cases; overdue=true: open cases past their deadline",
    responses=ERRORS,
)
def get_objections(
    request: Request,
    principal: Caller,
    overdue: bool = Query(False),
    state: Annotated[ObjectionState | None, Query()] = None,
    record_id: str | None = Query(None, alias="recordId"),
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.PLATFORM, Role.DEPARTMENT, Role.ADMIN)
    day = today(request)
    provider = principal.department_uscc if principal.role is Role.DEPARTMENT else None
    with workflow_errors():
        cases = list_objections(
            store_of(request),
            state=state,
            record_id=record_id,
            provider_uscc=provider,
            overdue_on=day if overdue else None,
        )
    return OrjsonResponse(
        {
            "ok": True,
            "today": day.isoformat(),
            "count": len(cases),
            "objections": [c.to_dict(day) for c in cases],
        }
    )


@router.post(
    "/objections/{case_id}/verify",
    response_model=models.ObjectionCase,
    summary="The providing department starts verifying",
    responses=STEP_ERRORS,
)
def post_verify(
    case_id: str, request: Request, principal: Caller, body: VerifyBody | None = None
) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        case = start_verification(
            store_of(request),
            case_id,
            note=body.note if body else None,
            caller=_caller(principal),
            today=today(request),
        )
    return OrjsonResponse({"ok": True, "objection": case.to_dict(today(request))})


@router.post(
    "/objections/{case_id}/outcome",
    response_model=models.ObjectionCase,
    summary="The provider's answer: corrected, revoked or upheld (closes the case)",
    responses=WORKFLOW_ERRORS,
)
def post_outcome(
    case_id: str, body: OutcomeBody, request: Request, principal: Caller
) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        result = record_outcome(
            store_of(request),
            case_id,
            outcome=body.outcome,
            note=body.note,
            corrected_record=body.corrected_record,
            caller=_caller(principal),
            today=today(request),
        )
    case = result.objection.to_dict(today(request))
    if not result.ok:
        return _refused("the outcome was not recorded", result.problems, objection=case)
    return OrjsonResponse({"ok": True, "objection": case})


# -- commitments -------------------------------------------------------------------------------


class FulfilmentBody(BaseModel):
    """A commitment's fulfilment (承诺履行状态)."""

    status: Literal["全部履行", "部分履行", "全部未履行"]
    status_date: date | None = Field(None, description="认定日期; today when omitted.")
    unperformed_content: str | None = None
    liability_pursued: str | None = None
    decision_doc_no: str | None = Field(
        None,
        description="Needed for a breach of a type that lists (commitment-types.yaml).",
    )
    note: str | None = None


@router.post(
    "/commitments/{record_id}/fulfilment",
    response_model=models.Fulfilment,
    summary="Record a commitment's fulfilment; a breach is listed or recorded by its type",
    responses=WORKFLOW_ERRORS,
)
def post_fulfilment(
    record_id: str, body: FulfilmentBody, request: Request, principal: Caller
) -> OrjsonResponse:
    require_key(principal)
    with workflow_errors():
        result = record_fulfilment(
            store_of(request),
            record_id,
            status=body.status,
            status_date=body.status_date,
            unperformed_content=body.unperformed_content,
            liability_pursued=body.liability_pursued,
            decision_doc_no=body.decision_doc_no,
            note=body.note,
            caller=_caller(principal),
            today=today(request),
        )
    if not result.ok:
        return _refused("the fulfilment was not recorded", result.problems, **result.to_dict())
    return OrjsonResponse({"ok": True, **result.to_dict()})


# -- timelines ---------------------------------------------------------------------------------


def _timeline_audience(
    principal: Principal, record_id: str, request: Request, wanted: str | None
) -> TimelineAudience:
    """Admins (and the record's own departments) read it all; a platform reads the entity's."""
    if principal.role is Role.ADMIN:
        return TimelineAudience(wanted or "full")
    if principal.role is Role.PLATFORM:
        return TimelineAudience.ENTITY
    if principal.role is Role.DEPARTMENT:
        try:
            payload = store_of(request).get(record_id).payload
        except UnknownRecordError:
            raise ApiError(404, f"no record {record_id!r}") from None
        own = {
            payload.get(f)
            for f in (
                "source_org_uscc",
                "authority_uscc",
                "deciding_authority_uscc",
                "acceptance_unit_uscc",
            )
        }
        if principal.department_uscc in own:
            return TimelineAudience(wanted or "full")
        raise ApiError(403, "this record is another department's")
    raise ApiError(403, "timelines need an admin, department or platform key")


@router.get(
    "/records/{record_id}/timeline",
    response_model=models.Timeline,
    summary="Every version, take-down and workflow step of a record",
    description="Admins and the record's departments: everything (`view=entity` for the "
    "entity's view). Platform keys, acting for the entity: without personal data.",
    responses=ERRORS,
)
def get_timeline(
    record_id: str,
    request: Request,
    principal: Caller,
    view: Literal["full", "entity"] | None = Query(None),
) -> OrjsonResponse:
    require_key(principal)
    audience = _timeline_audience(principal, record_id, request, view)
    with workflow_errors():
        items = timeline(store_of(request), record_id, audience=audience)
    return OrjsonResponse(
        {
            "ok": True,
            "record_id": record_id,
            "view": audience.value,
            "items": [i.to_dict() for i in items],
        }
    )
