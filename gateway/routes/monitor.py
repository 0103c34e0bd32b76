"""Monitoring and ranking over HTTP (监测与排名): the console's figures and the public ranking.

=====================================================  ==========================================
``GET /api/v1/monitor/ranking?month=YYYY-MM``           ranking with trend (admin: all; department
                                                        key: its own department's line)
``GET /api/v1/monitor/overdue``                         overdue items and who must act (admin: all;
                                                        department key: its own)
``GET /api/v1/monitor/report?month=&format=``           the monthly report, json | xlsx | html
``GET /api/v1/monitor/public?month=``                   the public ranking (anyone): rates only
=====================================================  ==========================================

``month`` defaults to the current month for the console routes (month to date) and to the last
complete month for the public ranking. The facts behind every answer are read once per head
of the change log and day, for a minute at most (:func:`monitor_facts`), so the public page does
not rescan the store on every view.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway import models
from gateway.auth import Principal
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_of, today
from store import Role
from workflows import WorkflowError
from workflows.monitor import Facts, build_report, load_units, month_of, read_facts
from workflows.monitor import render_html as report_html
from workflows.monitor import render_xlsx as report_xlsx

router = APIRouter(tags=["monitor 监测与排名"], default_response_class=OrjsonResponse)

MONTH = Query(None, pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM (2000-2099)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_lock = threading.Lock()
FACTS_SECONDS = 60.0


def monitor_facts(request: Request) -> Facts:
    """The monitoring's facts, cached per (head of the log, today) for at most
    :data:`FACTS_SECONDS` (workflow cases and batches of unchanged rows move no head)."""
    store = store_of(request)
    key = (store.head(), today(request))
    with _lock:
        cached: tuple[Any, float, Facts] | None = getattr(request.app.state, "monitor_facts", None)
        if cached is not None and cached[0] == key and time.monotonic() - cached[1] < FACTS_SECONDS:
            return cached[2]
    facts = read_facts(store, load_units())
    with _lock:
        request.app.state.monitor_facts = (key, time.monotonic(), facts)
    return facts


def last_complete_month(day: dt.date) -> str:
    return month_of(day.replace(day=1) - dt.timedelta(days=1))


def report_for(
    request: Request, month: str, audience: str, department: str | None = None
) -> dict[str, Any]:
    """The report document (400 for a bad month)."""
    try:
        return build_report(
            store_of(request),
            month,
            today=today(request),
            audience=audience,
            department=department,
            facts=monitor_facts(request),
        )
    except WorkflowError as exc:
        raise ApiError(exc.status, exc.message) from None


def _audience(principal: Principal) -> tuple[str, str | None]:
    """``(audience, department)`` of a console route: admin or a department key."""
    require_key(principal)
    if principal.role is Role.ADMIN:
        return "government", None
    if principal.role is Role.DEPARTMENT and principal.department_uscc:
        return "department", principal.department_uscc
    raise ApiError(403, "monitoring figures need an admin key (or a department key for its own)")


@router.get(
    "/monitor/ranking",
    response_model=models.Ranking,
    summary="The monthly ranking of departments and district units",
    responses=ERRORS,
)
def ranking(request: Request, principal: Caller, month: str | None = MONTH) -> OrjsonResponse:
    audience, department = _audience(principal)
    doc = report_for(request, month or month_of(today(request)), audience, department)
    doc.pop("overdue", None)
    return OrjsonResponse({"ok": True, **doc})


@router.get(
    "/monitor/overdue",
    response_model=models.OverdueItems,
    summary="Overdue items and who must act",
    responses=ERRORS,
)
def overdue_items(request: Request, principal: Caller) -> OrjsonResponse:
    audience, department = _audience(principal)
    doc = report_for(request, month_of(today(request)), audience, department)
    return OrjsonResponse(
        {
            "ok": True,
            "as_of": doc["as_of"],
            "log_position": doc["log_position"],
            "items": doc["overdue"],
        }
    )


@router.get(
    "/monitor/report",
    response_model=models.MonitorReport,
    summary="The monthly monitoring report (JSON, XLSX or a printable HTML page)",
    responses={
        **ERRORS,
        200: {
            "content": {"application/json": {}, "text/html": {}, XLSX: {}},
            "description": "The report.",
        },
    },
)
def report(
    request: Request,
    principal: Caller,
    month: str | None = MONTH,
    format: str = Query("json", pattern="^(json|xlsx|html)$"),
) -> Response:
    audience, department = _audience(principal)
    doc = report_for(request, month or month_of(today(request)), audience, department)
    name = f"creditgate-monitor-{doc['month']}"
    if format == "html":
        return HTMLResponse(report_html(doc))
    if format == "xlsx":
        return Response(
            report_xlsx(doc),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return OrjsonResponse(doc)


@router.get(
    "/monitor/public",
    response_model=models.Ranking,
    summary="The public monthly ranking (rates only)",
    responses=ERRORS,
)
def public(request: Request, principal: Caller, month: str | None = MONTH) -> OrjsonResponse:
    doc = report_for(request, month or last_complete_month(today(request)), "public")
    return OrjsonResponse({"ok": True, **doc}, headers={"Cache-Control": "public, max-age=300"})
