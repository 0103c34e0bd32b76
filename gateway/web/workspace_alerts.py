"""Risk alerts in the department workspace (工作台 · 风险预警): the department's open and
acknowledged alerts on ``/workspace``, with forms to acknowledge and close them.

A department sees and acts on the alerts routed to it only (an admin on all); the forms carry
the session's CSRF token like every other workspace form, and each action is written to the
alert's trail with the signed-in key as actor and to the audit trail (:mod:`store.alerts`).
Closing needs a note saying what was done.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from gateway.audit import audit_of
from gateway.routes.depends import store_of
from gateway.templating import render
from gateway.web.session import WebSession, check_csrf, current
from store import (
    Alert,
    AlertState,
    Role,
    UnknownRecordError,
    acknowledge_alert,
    close_alert,
    get_alert,
    list_alerts,
)

router = APIRouter(
    prefix="/workspace/alerts", include_in_schema=False, default_response_class=HTMLResponse
)


def workspace_alerts(engine: Engine, department: str | None) -> list[Alert]:
    """The alerts a workspace shows: not closed, routed to ``department`` (None: all)."""
    found = list_alerts(engine, department=department, limit=200)
    return [a for a in found if a.state is not AlertState.CLOSED]


def _refuse(request: Request, zh: str, en: str, status: int) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "message_zh": zh, "message_en": en},
        status=status,
        page="workspace",
    )


def _act(request: Request, alert_id: int, csrf: str, note: str, action: str) -> Response:
    session = current(request)
    if session is None:
        return RedirectResponse("/workspace/login", status_code=303)
    if not check_csrf(request, session, csrf):
        return _refuse(request, "表单已过期，请重试。", "The form expired; try again.", 403)
    store = store_of(request)
    try:
        alert = get_alert(store.engine, alert_id)
    except UnknownRecordError:
        alert = None
    if alert is None or not _may_see(session, alert):
        return _refuse(
            request, "没有这条预警，或它不属于本部门。", "No such alert for your department.", 404
        )
    principal = session.principal
    if action == "close":
        if not note.strip():
            return _refuse(
                request, "关闭预警须填写处理说明。", "Closing an alert needs a note.", 400
            )
        close_alert(
            store.engine, alert_id, actor=principal.actor, role=principal.role.value, note=note
        )
    else:
        acknowledge_alert(
            store.engine,
            alert_id,
            actor=principal.actor,
            role=principal.role.value,
            note=note.strip() or None,
        )
    audit_of(request.app).note(principal, f"alert.{action}", str(alert_id), store.head())
    return RedirectResponse(f"/workspace?alert={alert_id}#alerts", status_code=303)


def _may_see(session: WebSession, alert: Alert) -> bool:
    if session.key.role is Role.ADMIN:
        return True
    return session.key.role is Role.DEPARTMENT and alert.routed_to(session.key.department_uscc)


@router.post("/{alert_id}/ack")
def ack(
    request: Request,
    alert_id: int,
    note: str = Form("", max_length=2000),
    csrf: str = Form(""),
) -> Response:
    return _act(request, alert_id, csrf, note, "ack")


@router.post("/{alert_id}/close")
def close(
    request: Request,
    alert_id: int,
    note: str = Form("", max_length=2000),
    csrf: str = Form(""),
) -> Response:
    return _act(request, alert_id, csrf, note, "close")
