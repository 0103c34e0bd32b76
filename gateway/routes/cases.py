"""Credit repair and objections over HTTP (信用修复、异议): the cases and their steps.

Each route parses its input and answers with the operation of
:mod:`workflows.case_operations` through :func:`gateway.routes.answers.answer`; who may do
what, the limits and the problems are the operation's (the same under GraphQL and the CLI).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway import models
from gateway.responses import OrjsonResponse
from gateway.routes.answers import READ_ERRORS, STEP_ERRORS, WORKFLOW_ERRORS, answer
from gateway.routes.depends import Caller
from workflows import (
    ObjectionState,
    RepairState,
    objection_extend,
    objection_file,
    objection_list,
    objection_outcome,
    objection_show,
    objection_verify,
    repair_apply,
    repair_decide,
    repair_list,
    repair_show,
)
from workflows.inputs import (
    MAX_EVIDENCE,
    MAX_EVIDENCE_TEXT,
    MAX_ID,
    MAX_NAME,
    MAX_PAGE,
    MAX_TEXT,
)

router = APIRouter(
    prefix="/api/v1", tags=["workflows 信用流程"], default_response_class=OrjsonResponse
)

CaseId = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
Evidence = Annotated[
    list[Annotated[str, Field(max_length=MAX_EVIDENCE_TEXT)]],
    Field(default_factory=list, max_length=MAX_EVIDENCE, description="Evidence, as references."),
]
Note = Annotated[str | None, Field(max_length=MAX_TEXT)]
Limit = Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="At most this many cases.")]


class RepairBody(BaseModel):
    """A repair application (信用修复申请)."""

    record_id: CaseId = Field(description="The record to repair (a penalty, a list entry).")
    applicant_name: str = Field(min_length=1, max_length=MAX_NAME)
    obligations_fulfilled: bool = Field(
        description="The applicant declares its legal obligations fulfilled."
    )
    evidence: Evidence
    statement: Note = None
    commitment_record_id: Annotated[str | None, Field(max_length=MAX_ID)] = Field(
        None, description="Its 信用修复型 commitment; found by the subject's code when omitted."
    )


class DecisionBody(BaseModel):
    approve: bool
    note: Note = None


class ObjectionBody(BaseModel):
    """An objection (异议申请)."""

    record_id: CaseId
    applicant_name: str = Field(min_length=1, max_length=MAX_NAME)
    grounds: str = Field(min_length=1, max_length=MAX_TEXT, description="Why the record is wrong.")
    evidence: Evidence


class VerifyBody(BaseModel):
    note: Note = None


class ExtensionBody(BaseModel):
    """An extension of the answer deadline of a complex case (延期)."""

    working_days: int = Field(ge=1, le=100, description="Working days to add.")
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


class OutcomeBody(BaseModel):
    outcome: Literal["corrected", "revoked", "upheld"] = Field(
        description="corrected: new version; revoked: taken down (objection-upheld); "
        "upheld: the record stands."
    )
    note: Note = None
    corrected_record: dict[str, Any] | None = Field(
        None, description="For `corrected`: the whole corrected record (same natural key)."
    )


# -- repair ------------------------------------------------------------------------------------


@router.post(
    "/repairs",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="File a credit-repair application (信用修复申请; platform, admin)",
    responses=WORKFLOW_ERRORS,
)
def post_repair(body: RepairBody, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, repair_apply, **body.model_dump())


@router.get(
    "/repairs",
    response_model=models.WorkflowAnswer,
    summary="Repair applications (platform, admin: all; a department: those it decides)",
    responses=READ_ERRORS,
)
def get_repairs(
    request: Request,
    principal: Caller,
    state: Annotated[RepairState | None, Query()] = None,
    record_id: Annotated[str | None, Query(alias="recordId", max_length=MAX_ID)] = None,
    limit: Limit = None,
) -> OrjsonResponse:
    return answer(
        request,
        principal,
        repair_list,
        dated=False,
        state=state.value if state else None,
        record_id=record_id,
        limit=limit,
    )


@router.get(
    "/repairs/{case_id}",
    response_model=models.WorkflowAnswer,
    summary="One repair application",
    responses=READ_ERRORS,
)
def get_repair_case(case_id: str, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, repair_show, dated=False, case_id=case_id)


@router.post(
    "/repairs/{case_id}/decision",
    response_model=models.WorkflowAnswer,
    summary="Decide a repair application (the authority that made the finding)",
    responses=WORKFLOW_ERRORS,
)
def post_decision(
    case_id: str, body: DecisionBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, repair_decide, case_id=case_id, **body.model_dump())


# -- objections --------------------------------------------------------------------------------


@router.post(
    "/objections",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="File an objection (异议; platform, admin)",
    responses=STEP_ERRORS,
)
def post_objection(body: ObjectionBody, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, objection_file, **body.model_dump())


@router.get(
    "/objections",
    response_model=models.WorkflowAnswer,
    summary="Objection cases; overdue=true: open cases past their deadline",
    responses=READ_ERRORS,
)
def get_objections(
    request: Request,
    principal: Caller,
    overdue: bool = Query(False),
    state: Annotated[ObjectionState | None, Query()] = None,
    record_id: Annotated[str | None, Query(alias="recordId", max_length=MAX_ID)] = None,
    limit: Limit = None,
) -> OrjsonResponse:
    return answer(
        request,
        principal,
        objection_list,
        overdue=overdue,
        state=state.value if state else None,
        record_id=record_id,
        limit=limit,
    )


@router.get(
    "/objections/{case_id}",
    response_model=models.WorkflowAnswer,
    summary="One objection case",
    responses=READ_ERRORS,
)
def get_objection_case(case_id: str, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, objection_show, case_id=case_id)


@router.post(
    "/objections/{case_id}/verify",
    response_model=models.WorkflowAnswer,
    summary="The providing department starts verifying",
    responses=STEP_ERRORS,
)
def post_verify(
    case_id: str, request: Request, principal: Caller, body: VerifyBody | None = None
) -> OrjsonResponse:
    note = body.note if body else None
    return answer(request, principal, objection_verify, case_id=case_id, note=note)


@router.post(
    "/objections/{case_id}/extension",
    response_model=models.WorkflowAnswer,
    summary="Extend the answer deadline of a complex case (the providing department)",
    responses=STEP_ERRORS,
)
def post_extension(
    case_id: str, body: ExtensionBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, objection_extend, case_id=case_id, **body.model_dump())


@router.post(
    "/objections/{case_id}/outcome",
    response_model=models.WorkflowAnswer,
    summary="The provider's answer: corrected, revoked or upheld (closes the case)",
    responses=WORKFLOW_ERRORS,
)
def post_outcome(
    case_id: str, body: OutcomeBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, objection_outcome, case_id=case_id, **body.model_dump())
