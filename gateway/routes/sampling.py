"""Random inspections over HTTP (双随机、一公开): commitments, draws and their results, public.

=======================================================  =====================================
``GET  /api/v1/inspections/commitments``                  published seed commitments (public)
``POST /api/v1/inspections/commitments``                  commit a seed hash (department/admin)
``GET  /api/v1/inspections/draws``                        published draws (public)
``POST /api/v1/inspections/draws``                        draw and publish (department/admin)
``GET  /api/v1/inspections/draws/{id}``                   one draw, its targets and results
``GET  /api/v1/inspections/draws/{id}/document``          the draw's canonical bytes
``GET  /api/v1/inspections/draws/{id}/population``        the population snapshot's bytes
``GET  /api/v1/inspections/draws/{id}/verify``            rerun the draw on the server
``POST /api/v1/inspections/draws/{id}/results``           inspection results (department/admin)
=======================================================  =====================================

Grades are authorised information (catalogue entry credit-evaluation): unless the plan sets
``public_grades``, the public sees the targets without their grade and may not download the
document and the snapshot (which carry grades); government keys always may. A department key
acts only for its own department. Refusals of commit–reveal are 409.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import Principal, require_role
from gateway.errors import ApiError
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of, today
from gateway.routes.submissions import receipt_body
from store import (
    Audience,
    Commitment,
    DrawRefusedError,
    PublishedDraw,
    Role,
    commit_seed,
    get_draw,
    list_commitments,
    list_draws,
)
from workflows import WorkflowError, draw_results, parse_plan, publish_draw, submit_results
from workflows import verify_published as verify_draw_in_store

router = APIRouter(prefix="/inspections", tags=["inspections 双随机抽查"])

REFUSED: dict[int | str, dict[str, Any]] = {
    409: ERRORS[400] | {"description": "Commit–reveal refused the request."}
}


class CommitBody(BaseModel):
    """A seed commitment: the SHA-256 of a secret seed (the seed itself stays secret)."""

    seed_hash: str = Field(pattern="^[0-9a-f]{64}$")
    department_uscc: str | None = Field(None, description="Admin keys only; else the key's.")
    plan_id: str | None = None
    plan_hash: str | None = Field(None, pattern="^[0-9a-f]{64}$")
    population_hash: str | None = Field(None, pattern="^[0-9a-f]{64}$")


class DrawBody(BaseModel):
    """Draw and publish: the plan, the revealed seed, optionally a population snapshot."""

    plan: dict[str, Any]
    seed: str = Field(min_length=1, max_length=500)
    population: dict[str, Any] | None = None


def _actor(principal: Principal) -> None:
    require_key(principal)
    require_role(principal, Role.DEPARTMENT, Role.ADMIN)


def _department(principal: Principal, asked: str | None) -> str:
    if principal.role is Role.DEPARTMENT:
        if asked is not None and asked != principal.department_uscc:
            raise ApiError(403, "a department key acts only for its own department")
        if principal.department_uscc is None:
            raise ApiError(403, "this department key names no department")
        return principal.department_uscc
    if asked is None:
        raise ApiError(400, "department_uscc is needed with an admin key")
    return asked


def _draw(request: Request, draw_id: str) -> PublishedDraw:
    with store_errors():
        return get_draw(store_of(request).engine, draw_id)


def _sees_grades(principal: Principal, published: PublishedDraw) -> bool:
    return published.public_grades or principal.audience is Audience.GOVERNMENT


def _commitment(principal: Principal, commitment: Commitment) -> dict[str, Any]:
    """A commitment as the caller sees it (who committed: government keys only)."""
    shown = commitment.to_dict()
    if principal.audience is not Audience.GOVERNMENT:
        del shown["actor"]
    return shown


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


@router.get(
    "/commitments",
    response_model=models.SeedCommitments,
    summary="Published seed commitments (newest first)",
    responses=ERRORS,
)
def commitments(
    request: Request, principal: Caller, limit: int = Query(100, ge=1, le=1000)
) -> Response:
    with store_errors():
        items = list_commitments(store_of(request).engine, limit=limit)
    return _json({"ok": True, "commitments": [_commitment(principal, c) for c in items]})


@router.post(
    "/commitments",
    response_model=models.SeedCommitted,
    summary="Publish the hash of a seed before the draw",
    status_code=201,
    responses={**ERRORS, **REFUSED},
)
def commit(request: Request, principal: Caller, body: CommitBody) -> Response:
    _actor(principal)
    dept = _department(principal, body.department_uscc)
    try:
        made = commit_seed(
            store_of(request).engine,
            body.seed_hash,
            department_uscc=dept,
            actor=principal.actor,
            plan_id=body.plan_id,
            plan_hash=body.plan_hash,
            population_hash=body.population_hash,
        )
    except DrawRefusedError as exc:
        raise ApiError(409, str(exc)) from None
    return _json({"ok": True, "commitment": made.to_dict()}, 201)


@router.get(
    "/draws",
    response_model=models.DrawList,
    summary="Published draws (newest first)",
    responses=ERRORS,
)
def draws(
    request: Request,
    principal: Caller,
    department: str | None = Query(None, description="Only this department's (USCC)."),
    limit: int = Query(100, ge=1, le=1000),
) -> Response:
    with store_errors():
        items = list_draws(store_of(request).engine, department_uscc=department, limit=limit)
    return _json({"ok": True, "draws": [d.summary() for d in items]})


@router.post(
    "/draws",
    response_model=models.DrawMade,
    summary="Draw and publish (the seed's hash must be committed before)",
    status_code=201,
    responses={**ERRORS, **REFUSED},
)
async def create_draw(request: Request, principal: Caller, body: DrawBody) -> Response:
    _actor(principal)
    try:
        plan = parse_plan(body.plan)
    except WorkflowError as exc:
        raise ApiError(exc.status, exc.message) from None
    _department(principal, plan.department_uscc)
    try:
        published = await run_in_threadpool(
            lambda: publish_draw(
                store_of(request), plan, body.seed, actor=principal.actor, snapshot=body.population
            )
        )
    except DrawRefusedError as exc:
        raise ApiError(409, str(exc)) from None
    except WorkflowError as exc:
        raise ApiError(exc.status, exc.message) from None
    return _json({"ok": True, "draw": published.summary()}, 201)


@router.get(
    "/draws/{draw_id}",
    response_model=models.DrawDetail,
    summary="One draw: commitment, strata, targets and results",
    responses=ERRORS,
)
def one_draw(request: Request, principal: Caller, draw_id: str) -> Response:
    published = _draw(request, draw_id)
    document = orjson.loads(published.document)
    grades = _sees_grades(principal, published)
    targets = [
        t if grades else {k: v for k, v in t.items() if k not in ("grade", "grade_source")}
        for t in document["targets"]
    ]
    with store_errors():
        results = draw_results(store_of(request), draw_id, principal.audience, today=today(request))
    base = f"/api/v1/inspections/draws/{draw_id}"
    return _json(
        {
            "ok": True,
            "draw": published.summary(),
            "commitment": _commitment(principal, published.commitment),
            "algorithm": document["algorithm"],
            "strata": document["strata"],
            "targets": targets,
            "issues": document["issues"],
            "results": results,
            "links": {
                "document": f"{base}/document",
                "population": f"{base}/population",
                "verify": f"{base}/verify",
            },
        }
    )


def _published_bytes(request: Request, principal: Principal, draw_id: str, what: str) -> Response:
    published = _draw(request, draw_id)
    if not _sees_grades(principal, published):
        raise ApiError(
            403,
            "the draw carries credit grades, which are not public for this plan; "
            "a government key may download it",
        )
    data = published.document if what == "document" else published.population
    name = f"{draw_id}-{what}.json"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/draws/{draw_id}/document",
    response_model=models.PublishedDocument,
    summary="The draw document as published (bytes)",
    responses=ERRORS,
)
def document(request: Request, principal: Caller, draw_id: str) -> Response:
    return _published_bytes(request, principal, draw_id, "document")


@router.get(
    "/draws/{draw_id}/population",
    response_model=models.PublishedDocument,
    summary="The population snapshot (bytes)",
    responses=ERRORS,
)
def population(request: Request, principal: Caller, draw_id: str) -> Response:
    return _published_bytes(request, principal, draw_id, "population")


@router.get(
    "/draws/{draw_id}/verify",
    response_model=models.DrawVerification,
    summary="Rerun the draw from its published snapshot",
    responses=ERRORS,
)
def verify(request: Request, principal: Caller, draw_id: str) -> Response:
    published = _draw(request, draw_id)
    result = verify_draw_in_store(store_of(request), draw_id).to_dict()
    result["checks"]["committed_before_draw"] = (
        published.commitment.published_at < published.drawn_at
    )
    result["valid"] = result["valid"] and result["checks"]["committed_before_draw"]
    return _json({"ok": True, "draw_id": draw_id, **result})


@router.post(
    "/draws/{draw_id}/results",
    response_model=models.DrawResults,
    summary="Inspection results of a draw, stored as 行政检查 records linked to it",
    responses={**ERRORS, 422: {"description": "Some rows were rejected."}},
)
async def results(request: Request, principal: Caller, draw_id: str) -> Response:
    _actor(principal)  # any department: results come from the inspectors' units (own records)
    _draw(request, draw_id)
    try:
        parsed = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from None
    records = parsed.get("records") if isinstance(parsed, dict) else parsed
    if not isinstance(records, list):
        raise ApiError(400, 'the body is an array of records or {"records": [...]}')
    owner = principal.department_uscc if principal.role is Role.DEPARTMENT else None
    with store_errors():
        receipt = await run_in_threadpool(
            lambda: submit_results(
                store_of(request), draw_id, records, actor=principal.actor, owner_uscc=owner
            )
        )
    status, payload = receipt_body(receipt)
    return _json(payload | {"draw_id": draw_id}, status)
