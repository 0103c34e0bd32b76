"""The supervisor console (信用办监管台, ``/console``): for the city credit office (admin keys).

The monitoring (:mod:`workflows.monitor`): the month's ranking of departments and district units
with trend and 12-month figures, the overdue items and who must act, the monthly report as
XLSX/HTML/JSON; records published per week, partners' feed lag and the take-downs they have
not yet acknowledged, what their webhooks are still owed, CKAN publication state, the
working-day calendar, the audit trail with filters, API keys (issue, revoke) and the workflow
queues.
Sign-in is the workspace's (:mod:`gateway.web.session`); any other role gets 403.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from catalog import load_catalog
from gateway.routes.depends import store_of, today
from gateway.routes.monitor import report_for
from gateway.templating import render
from gateway.web.charts import bar_chart, column_chart
from gateway.web.session import WebSession, check_csrf, current
from store import (
    Audience,
    Role,
    Store,
    acknowledgements,
    calendar_status,
    create_key,
    list_keys,
    may_see_dataset,
    read_audit,
    revoke_key,
)
from store.figures import published_per_week
from store.outbox import backlogs
from store.schema import changes
from workflows import list_objections, list_repairs
from workflows.monitor import month_of, previous_month, render_html, render_xlsx

router = APIRouter(prefix="/console", include_in_schema=False, default_response_class=HTMLResponse)

CKAN_CACHE_SECONDS = 60.0
_ckan_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
_ckan_lock = threading.Lock()


def _admin(request: Request) -> WebSession | Response:
    session = current(request)
    if session is None:
        return RedirectResponse("/workspace/login", status_code=303)
    if session.key.role is not Role.ADMIN:
        return render(
            request,
            "error.html",
            {
                "status": 403,
                "message_zh": "监管台只对市信用办（管理员密钥）开放。",
                "message_en": "The console is for the city credit office (admin keys) only.",
            },
            status=403,
            page="console",
        )
    return session


def _pending_takedowns(store: Any, after: int) -> int:
    query = select(func.count()).where(changes.c.seq > after, changes.c.op == "delete")
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def partner_rows(store: Any) -> list[dict[str, Any]]:
    """Per partner key: how far it acknowledged the feed (lag, take-downs it has not applied)
    and what its webhooks are still owed (undelivered messages, undelivered take-downs, dead
    letters) — a partner on webhooks lags by what has not been delivered."""
    hooks = backlogs(store.engine, by="key")
    rows: list[dict[str, Any]] = []
    for ack in acknowledgements(store.engine):
        rows.append(
            {
                "name": ack.name,
                "role": ack.role,
                "seq": ack.seq,
                "lag": ack.lag,
                "takedowns": _pending_takedowns(store, ack.seq),
                "when": ack.acknowledged_at,
                "hooks": hooks.pop(ack.key_id, None),
            }
        )
    names = {k.key_id: k for k in list_keys(store.engine)} if hooks else {}
    for key_id, backlog in sorted(hooks.items()):
        key = names.get(key_id)
        rows.append(
            {
                "name": key.name if key else key_id,
                "role": key.role.value if key else "",
                "seq": None,
                "lag": None,
                "takedowns": None,
                "when": None,
                "hooks": backlog,
            }
        )
    return rows


def ckan_state(request: Request) -> dict[str, Any]:
    """Per public dataset, the change-log position confirmed in CKAN (cached a minute)."""
    settings = request.app.state.settings
    url = getattr(settings, "ckan_url", None)
    if not url:
        return {"configured": False, "datasets": []}
    with _ckan_lock:
        cached = _ckan_cache.get(url)
        if cached and time.monotonic() - cached[0] < CKAN_CACHE_SECONDS:
            return {"configured": True, "datasets": cached[1]}
    from portal.client import CkanClient
    from portal.state import SyncState

    rows: list[dict[str, Any]] = []
    catalogue = load_catalog()
    try:
        with CkanClient(url, None, retries=0, timeout=3.0) as client:
            for dataset in catalogue.ids():
                entry = catalogue[dataset]
                if not may_see_dataset(dataset, Audience.PUBLIC):
                    continue
                package = client.show("package_show", id=entry.ckan_dataset_name())
                state = SyncState.from_extras(package.get("extras") or []) if package else None
                rows.append(
                    {
                        "dataset": dataset,
                        "title": entry.title_zh,
                        "seq": state.seq if state else None,
                        "today": state.today if state else None,
                    }
                )
    except Exception as exc:
        return {"configured": True, "error": f"{type(exc).__name__}: {exc}"[:300], "datasets": []}
    with _ckan_lock:
        _ckan_cache[url] = (time.monotonic(), rows)
    return {"configured": True, "datasets": rows}


@router.get("")
def console(
    request: Request,
    key_id: str | None = Query(None, max_length=64),
    after: int = Query(0, ge=0, le=2**62),
    done: str | None = Query(None, max_length=40),
    month: str = Query("", max_length=7),
) -> Response:
    session = _admin(request)
    if not isinstance(session, WebSession):
        return session
    store = store_of(request)
    day = today(request)
    context = {
        "session": session,
        "head": store.head(),
        "today": day,
        **_monitoring(request, day, month),
        **_queues(store, day),
        "ckan": ckan_state(request),
        "audit": read_audit(store.engine, key_id=key_id or None, after=after, limit=100),
        "audit_key": key_id or "",
        "keys": list_keys(store.engine),
        "roles": [r.value for r in Role],
        "done": done,
        "new_secret": None,
    }
    return render(request, "console.html", context, page="console")


def _monitoring(request: Request, day: date, month: str) -> dict[str, Any]:
    """The monthly ranking of the chosen month (one of the last twelve) and the charts."""
    months = [month_of(day)]
    for _ in range(11):
        months.append(previous_month(months[-1]))
    chosen = month if month in months else months[0]
    monitor = report_for(request, chosen, "government")
    departments = monitor["departments"]
    weekly = published_per_week(store_of(request).engine, weeks=12, today=day)
    return {
        "departments": departments,
        "districts": monitor["districts"],
        "monitor": monitor,
        "month": chosen,
        "months": months,
        "on_time_chart": bar_chart(
            [
                ((d["name"] or d["key"]), round(d["rolling_12_months"]["on_time_rate"] * 100, 1))
                for d in departments
                if d["rolling_12_months"]["on_time_rate"] is not None
            ][:20],
            title="各部门按时公示率（近12个月） On-time rate by department, 12 months",
            unit="%",
            max_value=100.0,
        ),
        "weekly_chart": column_chart(
            [(f"{w.month}/{w.day}", n) for w, n in weekly],
            title="每周新增公示记录 Records published per week",
        ),
    }


def _queues(store: Store, day: date) -> dict[str, Any]:
    """What waits for someone: partners' unacknowledged take-downs, objections and repairs
    due, and the working-day calendar's state."""
    objections = [o for o in list_objections(store) if o.due is not None]
    calendar = calendar_status(day)
    years = calendar["years"]
    assert isinstance(years, list)
    return {
        "partners": partner_rows(store),
        "objections": objections,
        "objections_overdue": sum(1 for o in objections if o.due and o.due < day),
        "repairs": [r for r in list_repairs(store) if r.decided_at is None],
        "calendar": {
            "recent": [y for y in years if y["year"] >= day.year - 1],
            "warning": calendar["warning"],
        },
    }


@router.post("/keys")
def issue_key(
    request: Request,
    role: str = Form(...),
    name: str = Form(..., min_length=1, max_length=200),
    department_uscc: str = Form("", max_length=18),
    csrf: str = Form(""),
) -> Response:
    session = _admin(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf) or role not in {r.value for r in Role}:
        return render(
            request,
            "error.html",
            {"status": 403, "message_zh": "表单无效。", "message_en": "The form is not valid."},
            status=403,
            page="console",
        )
    key, secret = create_key(
        store_of(request).engine,
        role=Role(role),
        name=name.strip(),
        department_uscc=department_uscc.strip() or None,
    )
    return render(
        request,
        "console_key.html",
        {"session": session, "key": key, "secret": secret},
        page="console",
    )


@router.post("/keys/{key_id}/revoke")
def revoke(request: Request, key_id: str, csrf: str = Form("")) -> Response:
    session = _admin(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf):
        return render(
            request,
            "error.html",
            {"status": 403, "message_zh": "表单已过期。", "message_en": "The form expired."},
            status=403,
            page="console",
        )
    revoke_key(store_of(request).engine, key_id)
    return RedirectResponse("/console?done=revoked#keys", status_code=303)


@router.get("/monitor/report")
def monitor_report(
    request: Request,
    month: str = Query(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
    format: str = Query("html", pattern="^(json|xlsx|html)$"),
) -> Response:
    """The monthly monitoring report for the signed-in credit office (the REST route needs a
    Bearer key; a browser has the session)."""
    session = _admin(request)
    if not isinstance(session, WebSession):
        return session
    doc = report_for(request, month, "government")
    if format == "html":
        return HTMLResponse(render_html(doc))
    if format == "xlsx":
        return Response(
            render_xlsx(doc),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="monitor-{month}.xlsx"'},
        )
    return JSONResponse(doc)
