"""Workflow steps on records over HTTP: the check, commitments, lists and persons, interviews,
voluntary registration (自愿注册) and timelines.

Each route parses its input and answers with the operation of
:mod:`workflows.record_operations` through :func:`gateway.routes.answers.answer`; who may do
what, the limits and the problems are the operation's (the same under GraphQL and the CLI).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway import models
from gateway.check_index import check_index
from gateway.responses import OrjsonResponse
from gateway.routes.answers import READ_ERRORS, STEP_ERRORS, WORKFLOW_ERRORS, answer
from gateway.routes.depends import MAX_INT, Caller
from workflows import (
    commitment_fulfil,
    interview_record,
    interview_rectify,
    listing_add,
    listing_remove,
    persons_link,
    persons_list,
    persons_unlink,
    punishment_check,
    record_timeline,
    registration_register,
    registration_verify,
)
from workflows.inputs import MAX_ID, MAX_NAME, MAX_TEXT

router = APIRouter(
    prefix="/api/v1", tags=["workflows 信用流程"], default_response_class=OrjsonResponse
)

Note = Annotated[str | None, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
WholeRecord = Annotated[
    dict[str, Any], Field(description="The whole record (its schema's fields).")
]


class FulfilmentBody(BaseModel):
    """A commitment's fulfilment (承诺履行状态)."""

    status: Literal["全部履行", "部分履行", "全部未履行"]
    status_date: date | None = Field(None, description="认定日期; today when omitted.")
    unperformed_content: Note = None
    liability_pursued: Note = None
    decision_doc_no: Annotated[str | None, Field(max_length=MAX_NAME)] = Field(
        None, description="Needed for a breach of a type that lists (commitment-types.yaml)."
    )
    note: Note = None


class ListingBody(BaseModel):
    """A list entry or ban to list (列入名单 / 市场禁入)."""

    dataset: Literal["serious-dishonesty-list", "watch-list", "market-ban"]
    entry: WholeRecord
    note: Note = None


RemovalReasonName = Literal[
    "期满移出", "信用修复", "异议更正", "决定撤销", "expiry", "repair", "objection", "revocation"
]


class RemovalBody(BaseModel):
    """A removal from a list (移出)."""

    reason: RemovalReasonName = Field(description="移出原因, in Chinese or English.")
    removal_date: date | None = Field(None, description="移出日期; today when omitted.")
    note: Note = None


class LinkBody(BaseModel):
    """A person linked by hand to an entry (关联人员; 政务共享)."""

    person_name: Name
    role: Name = Field(description="主要负责人, 实际控制人 …")
    id_type: Annotated[str | None, Field(max_length=MAX_NAME)] = None
    id_no: Annotated[str | None, Field(max_length=MAX_NAME)] = None


class InterviewBody(BaseModel):
    """An interview record (约谈记录; 公开范围 政务共享)."""

    interview: WholeRecord
    about_record_id: Annotated[str | None, Field(max_length=MAX_ID)] = Field(
        None, description="The record whose failed rectification led to the interview."
    )


class RectificationBody(BaseModel):
    result: str = Field(min_length=1, max_length=MAX_TEXT, description="整改结果")
    kind: Annotated[str | None, Field(max_length=MAX_NAME)] = Field(
        None, description="约谈类型, for a record stored without one."
    )


class RegistrationBody(BaseModel):
    """A voluntary registration (自愿注册), stored as 自我声明 whatever it claims."""

    registration: WholeRecord


class VerificationBody(BaseModel):
    note: Note = None


@router.get(
    "/checks",
    response_model=models.PunishmentCheck,
    summary="Joint-punishment check: do restrictions apply to this subject in this scenario?",
    description="For approval systems: the measures that restrict `creditCode` in `scenario` "
    "today, their legal basis and the list entries they come from. Every check is logged. "
    "`scenario` is a Chinese scenario of the measure list, an English alias (procurement, "
    "fiscal-funds, tax-incentives, credit, flights-rail, commendations, market-access, "
    "approvals, land, appointments) or 其他-<scenario>; omitted: every scenario.",
    responses=READ_ERRORS,
)
def get_check(
    request: Request,
    principal: Caller,
    credit_code: str = Query(..., alias="creditCode", min_length=15, max_length=40),
    scenario: str | None = Query(None, max_length=MAX_NAME),
) -> OrjsonResponse:
    index = check_index(request.app)
    return answer(
        request, principal, punishment_check, on=index, credit_code=credit_code, scenario=scenario
    )


@router.post(
    "/commitments/{record_id}/fulfilment",
    response_model=models.WorkflowAnswer,
    summary="Record a commitment's fulfilment; a breach is listed or recorded by its type",
    responses=WORKFLOW_ERRORS,
)
def post_fulfilment(
    record_id: str, body: FulfilmentBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, commitment_fulfil, record_id=record_id, **body.model_dump())


@router.post(
    "/listings",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="List a subject (列入名单 / 市场禁入; the deciding authority)",
    responses=WORKFLOW_ERRORS,
)
def post_listing(body: ListingBody, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, listing_add, **body.model_dump())


@router.post(
    "/listings/{record_id}/removal",
    response_model=models.WorkflowAnswer,
    summary="Remove an entry from its list (移出; the deciding authority)",
    responses=WORKFLOW_ERRORS,
)
def post_removal(
    record_id: str, body: RemovalBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, listing_remove, record_id=record_id, **body.model_dump())


@router.get(
    "/listings/{record_id}/persons",
    response_model=models.WorkflowAnswer,
    summary="Persons linked to an entry (named in it, linked by hand; government keys)",
    responses=READ_ERRORS,
)
def get_persons(record_id: str, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, persons_list, dated=False, record_id=record_id)


@router.post(
    "/listings/{record_id}/persons",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="Link a person to an entry by hand (the deciding authority)",
    responses=STEP_ERRORS,
)
def post_person(
    record_id: str, body: LinkBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(
        request, principal, persons_link, dated=False, record_id=record_id, **body.model_dump()
    )


@router.delete(
    "/person-links/{link_id}",
    response_model=models.WorkflowAnswer,
    summary="End a person's manual link (the deciding authority)",
    responses=STEP_ERRORS,
)
def delete_person_link(
    request: Request, principal: Caller, link_id: Annotated[int, Path(ge=1, le=MAX_INT)]
) -> OrjsonResponse:
    return answer(request, principal, persons_unlink, dated=False, link_id=link_id)


@router.post(
    "/interviews",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="Record an interview (约谈; the interviewing authority, 政务共享 only)",
    responses=WORKFLOW_ERRORS,
)
def post_interview(body: InterviewBody, request: Request, principal: Caller) -> OrjsonResponse:
    return answer(request, principal, interview_record, **body.model_dump())


@router.post(
    "/interviews/{record_id}/rectification",
    response_model=models.WorkflowAnswer,
    summary="Add the rectification result (整改结果) to an interview record",
    responses=WORKFLOW_ERRORS,
)
def post_rectification(
    record_id: str, body: RectificationBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, interview_rectify, record_id=record_id, **body.model_dump())


@router.post(
    "/registrations",
    response_model=models.WorkflowAnswer,
    status_code=201,
    summary="Take a voluntary registration (自愿注册; platform, admin), stored as 自我声明",
    responses=WORKFLOW_ERRORS,
)
def post_registration(
    body: RegistrationBody, request: Request, principal: Caller
) -> OrjsonResponse:
    return answer(request, principal, registration_register, **body.model_dump())


@router.post(
    "/registrations/{record_id}/verification",
    response_model=models.WorkflowAnswer,
    summary="Verify a voluntary registration (核实; department, platform, admin)",
    responses=WORKFLOW_ERRORS,
)
def post_registration_verification(
    record_id: str, request: Request, principal: Caller, body: VerificationBody | None = None
) -> OrjsonResponse:
    note = body.note if body else None
    return answer(request, principal, registration_verify, record_id=record_id, note=note)


@router.get(
    "/records/{record_id}/timeline",
    response_model=models.WorkflowAnswer,
    summary="Every version, take-down and workflow step of a record",
    description="Admins and the record's departments: everything (`view=entity` for the "
    "entity's view). Platform keys, acting for the entity: without personal data.",
    responses=READ_ERRORS,
)
def get_timeline(
    record_id: str,
    request: Request,
    principal: Caller,
    view: Literal["full", "entity"] | None = Query(None),
) -> OrjsonResponse:
    return answer(request, principal, record_timeline, dated=False, record_id=record_id, view=view)
