"""The public face of random inspections (双随机、一公开): every published draw, its commitment,
targets, inspectors and results, as HTML, with the JSON twin and the way to verify it.

Pages read the same functions as ``/api/v1/inspections``, for the public audience: targets are
shown without their credit grade unless the plan made grades public.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gateway.routes.depends import store_of, today
from gateway.templating import render
from store import Audience, UnknownRecordError, get_draw, list_draws
from workflows import draw_results

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/inspections")
def draws_page(request: Request) -> HTMLResponse:
    draws = [d.summary() for d in list_draws(store_of(request).engine, limit=200)]
    return render(request, "inspections.html", {"draws": draws}, page="inspections")


@router.get("/inspections/{draw_id}")
def draw_page(request: Request, draw_id: str) -> HTMLResponse:
    try:
        published = get_draw(store_of(request).engine, draw_id)
    except UnknownRecordError:
        context = {"status": 404, "message_zh": "没有这次抽查。", "message_en": "No such draw."}
        return render(request, "error.html", context, status=404, page="error")
    document = orjson.loads(published.document)
    results = draw_results(store_of(request), draw_id, Audience.PUBLIC, today=today(request))
    context = {
        "draw": published.summary(),
        "doc": document,
        "grades": published.public_grades,
        "results": results,
        "commitment": published.commitment.to_dict(),
    }
    return render(request, "inspection.html", context, page="inspection")
