"""The public credit comprehensive evaluation (公共信用综合评价) and 政务失信 over HTTP.

``GET /api/v1/evaluation/model``                    the model in force (anyone)
``GET /api/v1/entities/{uscc}/evaluation``          score, grade and explanation (government and
                                                    agency keys); the public gets the grade alone,
                                                    and only when the ``public-credit-evaluation``
                                                    catalogue entry is public (403 otherwise)
``GET /api/v1/entities/{uscc}/evaluation/history``  grade changes (``asOf``, ``logPosition``: the
                                                    grade in force then), same visibility
``GET /api/v1/public-dishonesty``                   政务失信 records and their notices (government)
``POST /api/v1/public-dishonesty``                  record one; its 通报 are created (department,
                                                    platform or admin key)
``POST /api/v1/public-dishonesty/notices/{id}``     a notice sent / acknowledged (same keys)
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from catalog import Openness, UnknownDatasetError, get_entry
from gateway import models
from gateway.auth import require_role
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of
from gateway.routes.entities import normalise_uscc
from store import Audience, Role
from store.evaluation import current_evaluation, grade_history_of, load_model
from store.public_dishonesty import (
    PublicDishonestyError,
    advance_notice,
    list_public_dishonesty,
    record_public_dishonesty,
)

router = APIRouter(tags=["evaluation 信用评价"], default_response_class=OrjsonResponse)

DATASET = "public-credit-evaluation"
WRITERS = (Role.DEPARTMENT, Role.PLATFORM, Role.ADMIN)


def public_sees_grade() -> bool:
    """Whether the catalogue entry of the computed grades is open to the public."""
    try:
        return get_entry(DATASET).openness is Openness.PUBLIC
    except UnknownDatasetError:
        return False


def explain_for(audience: Audience) -> bool:
    """True: the full explanation; False: the grade only. 403 when the public may not see it."""
    if audience is Audience.PUBLIC:
        if not public_sees_grade():
            raise ApiError(
                403,
                "credit grades are shared between government bodies; the public sees them only "
                "where the catalogue publishes them (信用评价结果不向社会公开)",
            )
        return False
    return True


@router.get(
    "/evaluation/model",
    response_model=models.EvaluationModel,
    summary="The evaluation model in force (indicators, weights, caps, grade bands)",
    responses=ERRORS,
)
def get_model() -> OrjsonResponse:
    return OrjsonResponse({"ok": True, "model": load_model().published()})


@router.get(
    "/entities/{uscc}/evaluation",
    response_model=models.Evaluation,
    summary="An entity's score, grade and explanation",
    responses=ERRORS,
)
def get_evaluation(request: Request, principal: Caller, uscc: str) -> OrjsonResponse:
    code = normalise_uscc(uscc)
    explain = explain_for(principal.audience)
    with store_errors():
        found = current_evaluation(store_of(request).engine, code, explain=explain)
    if found is None:
        raise ApiError(404, f"{code} has no evaluation (not in the store, or a public body)")
    return OrjsonResponse({"ok": True, "evaluation": found})


@router.get(
    "/entities/{uscc}/evaluation/history",
    response_model=models.EvaluationHistory,
    summary="An entity's grade changes",
    responses=ERRORS,
)
def get_history(
    request: Request,
    principal: Caller,
    uscc: str,
    as_of: Annotated[date | None, Query(alias="asOf", description="The grade that day.")] = None,
    log_position: Annotated[
        int | None,
        Query(alias="logPosition", ge=0, description="The grade as of this change-log position."),
    ] = None,
) -> OrjsonResponse:
    code = normalise_uscc(uscc)
    explain = explain_for(principal.audience)
    with store_errors():
        rows = grade_history_of(
            store_of(request).engine, code, as_of=as_of, log_position=log_position, explain=explain
        )
    return OrjsonResponse({"ok": True, "uscc": code, "count": len(rows), "history": rows})


# -- 政务失信 ---------------------------------------------------------------------------------
class DishonestyBody(BaseModel):
    """A public body's (or its staff member's) dishonesty."""

    body_uscc: str = Field(min_length=18, max_length=18)
    body_name: str = Field(min_length=1, max_length=200)
    kind: str = Field(
        description="judgment-default | contract-default | commitment-breach | law-breach"
    )
    facts: str = Field(min_length=1, max_length=4000)
    basis_doc_no: str = Field(min_length=1, max_length=200)
    decided_by: str = Field(min_length=1, max_length=200)
    occurred_on: date
    superior_unit: str | None = Field(None, max_length=200)
    staff_name: str | None = Field(None, max_length=100)
    staff_position: str | None = Field(None, max_length=200)
    declared_soe: bool = Field(False, description="An enterprise (91…) declared 国有企业.")


class NoticeBody(BaseModel):
    state: str = Field(description="sent | acknowledged")
    note: str | None = Field(None, max_length=2000)


def _government(principal: Any) -> None:
    require_key(principal)
    if principal.audience is not Audience.GOVERNMENT:
        raise ApiError(403, "政务失信 records are for government keys")


@router.get(
    "/public-dishonesty",
    response_model=models.DishonestyRecords,
    summary="政务失信 records and their 通报",
    responses=ERRORS,
)
def get_dishonesty(
    request: Request,
    principal: Caller,
    body_uscc: str | None = Query(None, alias="bodyUscc"),
    state: str | None = Query(None, pattern="^(pending|sent|acknowledged)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> OrjsonResponse:
    _government(principal)
    rows = list_public_dishonesty(
        store_of(request).engine, body_uscc=body_uscc, state=state, limit=limit
    )
    return OrjsonResponse({"ok": True, "count": len(rows), "records": rows})


@router.post(
    "/public-dishonesty",
    response_model=models.DishonestyRecorded,
    summary="Record a public body's dishonesty (政务失信)",
    responses=ERRORS,
    status_code=201,
)
def post_dishonesty(request: Request, principal: Caller, body: DishonestyBody) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, *WRITERS)
    engine = store_of(request).engine
    try:
        done = record_public_dishonesty(engine, **body.model_dump(), recorded_by=principal.actor)
    except PublicDishonestyError as exc:
        raise ApiError(400, str(exc)) from None
    rows = [
        r
        for r in list_public_dishonesty(engine, body_uscc=body.body_uscc, limit=1000)
        if r["id"] == done.id
    ]
    return OrjsonResponse(
        {"ok": True, "new": done.new, "record": rows[0]}, status_code=201 if done.new else 200
    )


@router.post(
    "/public-dishonesty/notices/{notice_id}",
    response_model=models.NoticeDelivered,
    summary="Track a 通报's delivery",
    responses=ERRORS,
)
def post_notice(
    request: Request, principal: Caller, notice_id: int, body: NoticeBody
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, *WRITERS)
    try:
        found = advance_notice(
            store_of(request).engine, notice_id, body.state, actor=principal.actor, note=body.note
        )
    except PublicDishonestyError as exc:
        status = 404 if str(exc).startswith("no notice") else 400
        raise ApiError(status, str(exc)) from None
    return OrjsonResponse({"ok": True, "notice": found})
