"""Signed credit reports over HTTP (信用报告): issue, verify, and the public key set.

``GET /api/v1/entities/{uscc}/report`` issues a report of what the caller's role may see (the
public version without a key; the government version for government keys), as signed JSON or,
with ``format=html``, as a printable page carrying the same signed JSON. ``POST
/api/v1/reports/verify`` checks a signed report against the published keys;
``GET /.well-known/creditgate-keys.json`` is that key set (every key ever used, with its
validity), so anyone can verify offline. Every issue is logged: who, for whom, why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from gateway import models
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, USCC_PATH_PATTERN, Caller, store_errors, store_of, today
from gateway.routes.entities import normalise_uscc
from gateway.templating import render
from store import Audience, Store, issue_report, published_keys, verify_document
from store.evaluation import current_evaluation

router = APIRouter(tags=["reports 信用报告"], default_response_class=OrjsonResponse)
well_known = APIRouter(tags=["reports 信用报告"], default_response_class=OrjsonResponse)

MAX_REPORT_BYTES = 1_000_000
"""Largest document ``/reports/verify`` reads."""


def report_grade(store: Store, uscc: str, audience: Audience) -> dict[str, Any] | None:
    """The evaluation a report states: model version and grade (with score and explanation
    for government and agency reports; the public version only when the catalogue publishes
    grades, else a note)."""
    from gateway.routes.evaluation import public_sees_grade

    public = audience is Audience.PUBLIC
    if public and not public_sees_grade():
        return {
            "model_version": None,
            "grade": None,
            "note": "credit grades are not published (政务共享); ask with a government key",
        }
    return current_evaluation(store.engine, uscc, explain=not public)


def key_set(request: Request) -> dict[str, Any]:
    """The published key set (JWKS-like, with validity periods)."""
    return {
        "issuer": "creditgate",
        "keys": [k.published() for k in published_keys(store_of(request).engine)],
    }


@router.get(
    "/entities/{uscc}/report",
    response_model=models.SignedReport,
    summary="A signed credit report of one entity (JSON, or a printable HTML page)",
    responses={
        **ERRORS,
        200: {
            "content": {"application/json": {}, "text/html": {}},
            "description": "The signed report.",
        },
    },
)
def get_report(
    request: Request,
    principal: Caller,
    uscc: str = Path(pattern=USCC_PATH_PATTERN, description="统一社会信用代码 (18 characters)."),
    format: str = Query("json", pattern="^(json|html)$"),
    purpose: str | None = Query(None, max_length=500, description="Why the report is asked for."),
) -> Response:
    code = normalise_uscc(uscc)
    with store_errors():
        store = store_of(request)
        document = issue_report(
            store,
            code,
            principal.audience,
            today=today(request),
            requested_by=principal.actor,
            purpose=purpose,
            grade=report_grade(store, code, principal.audience),
        )
    if format == "html":
        pretty = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
        return render(
            request,
            "report.html",
            {"doc": document, "report": document["report"], "signed_json": pretty},
            page="report",
        )
    name = f"credit-report-{code}-{dt.date.today():%Y%m%d}.json"
    return OrjsonResponse(document, headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.post(
    "/reports/verify",
    response_model=models.ReportVerification,
    summary="Verify a signed credit report against the published keys",
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def verify_report(request: Request) -> OrjsonResponse:
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        raise ApiError(413, f"a report is at most {MAX_REPORT_BYTES:,} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ApiError(400, "a signed report is a JSON object")
    result = verify_document(document, key_set(request)["keys"])
    return OrjsonResponse({"ok": True, **result.to_dict()})


@well_known.get(
    "/.well-known/creditgate-keys.json",
    response_model=models.KeySet,
    summary="The public keys that sign credit reports, with their validity",
)
def keys(request: Request) -> OrjsonResponse:
    return OrjsonResponse(key_set(request), headers={"Cache-Control": "public, max-age=300"})
