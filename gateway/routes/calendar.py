"""The working-day calendar over HTTP: its status (anyone) and the import of a year (admin).

``GET /api/v1/calendar/status`` gives one entry per year with its source (``official`` —
the State Council notice held in the repository, ``imported`` — imported by an administrator,
``provisional`` — statutory holidays only; reading it also reloads the years imported into the
store by other processes) and, from 1 November, a ``warning`` when next year
is still provisional. ``POST /api/v1/admin/calendar`` takes one year as CSV
(``date,kind,name``, docs/calendar.md), stores it and recomputes every open deadline it moves;
a file with problems is refused with located errors (line, field, code) and changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import require_role
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of, today
from store import Role, calendar_status, load_imported, parse_calendar
from workflows import import_calendar_year

router = APIRouter(tags=["calendar 工作日历"], default_response_class=OrjsonResponse)

MAX_CALENDAR_BYTES = 1_000_000
BODY_DOC = {
    "required": True,
    "description": "One year of the holiday notice: CSV `date,kind,name`, kind holiday|workday.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


@router.get(
    "/calendar/status",
    response_model=models.CalendarStatus,
    summary="The source of each calendar year",
    responses=ERRORS,
)
def get_status(request: Request, principal: Caller) -> OrjsonResponse:
    with store_errors():
        load_imported(store_of(request).engine)  # a year imported by another process counts
    return OrjsonResponse({"ok": True, **calendar_status(today(request))})


@router.post(
    "/admin/calendar",
    response_model=models.CalendarImported,
    summary="Import one official calendar year (CSV) and recompute open deadlines",
    responses=ERRORS,
    openapi_extra={"requestBody": BODY_DOC},
)
async def post_calendar(
    request: Request,
    principal: Caller,
    year: int | None = Query(None, ge=2004, le=2099, description="The declared year."),
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.ADMIN)
    body = await request.body()
    if len(body) > MAX_CALENDAR_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_CALENDAR_BYTES:,} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "the calendar CSV must be UTF-8") from None
    parsed = parse_calendar(text, year=year)
    if parsed.calendar is None:
        raise ApiError(400, "the calendar file is refused", [i.to_dict() for i in parsed.issues])
    store = store_of(request)
    with store_errors():
        result = await run_in_threadpool(
            import_calendar_year, store, parsed.calendar, actor=principal.actor
        )
    return OrjsonResponse({"ok": True, **result.to_dict()})
