"""Risk alerts for departments over HTTP (风险预警), department and admin keys only.

=====================================================  ==========================================
``GET  /api/v1/alerts?state=&uscc=&limit=``             the queue: a department key its own
                                                        alerts, an admin every alert
                                                        (``department=`` filters)
``GET  /api/v1/alerts/{id}``                            one alert and its audit trail
``POST /api/v1/alerts/{id}/ack``                        acknowledge (``{"note": ...}`` optional)
``POST /api/v1/alerts/{id}/close``                      close (``{"note": ...}`` required)
``POST /api/v1/alerts/run``                             admin: evaluate the new change-log events
=====================================================  ==========================================

Alerts never go to the public: without a key the answer is 401, and public, agency and
platform keys get 403. A department asking for an alert not routed to it gets 404 (it does not
learn that the alert exists). Acknowledging and closing are written to the alert's own trail
(who, role, when, note) and to the audit trail; reads are audited like every keyed read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.audit import audit_of
from gateway.auth import Principal, require_role
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of, today
from store import (
    Alert,
    Role,
    Store,
    acknowledge_alert,
    alert_history,
    close_alert,
    get_alert,
    list_alerts,
)
from workflows import run_alerts

router = APIRouter(tags=["risk alerts 风险预警"], default_response_class=OrjsonResponse)

ALERT_ROLES = (Role.DEPARTMENT, Role.ADMIN)
AlertId = Annotated[int, Path(ge=1, le=2**53, description="The alert id.")]


class AckBody(BaseModel):
    """Acknowledging an alert: an optional note."""

    note: str | None = Field(default=None, max_length=2000)


class CloseBody(BaseModel):
    """Closing an alert: what was done (required)."""

    note: str = Field(min_length=1, max_length=2000, description="What was done about it.")


def _department(principal: Principal) -> str | None:
    """The department whose alerts the caller sees (None: an admin, who sees all)."""
    require_key(principal)
    require_role(principal, *ALERT_ROLES)
    if principal.role is Role.ADMIN:
        return None
    if not principal.department_uscc:
        raise ApiError(403, "this department key names no department")
    return principal.department_uscc.upper()


def _own(store: Store, principal: Principal, alert_id: int) -> Alert:
    dept = _department(principal)
    with store_errors():
        alert = get_alert(store.engine, alert_id)
    if dept is not None and not alert.routed_to(dept):
        raise ApiError(404, f"no alert {alert_id}")
    return alert


@router.get(
    "/alerts",
    response_model=models.AlertQueue,
    summary="The risk alerts routed to the caller's department (admin: all)",
    description="Newest first. `state` = open | acknowledged | closed; `uscc` filters one "
    "entity; admins may filter one `department` (USCC). Department and admin keys only.",
    responses=ERRORS,
)
def alerts_queue(
    request: Request,
    principal: Caller,
    state: Annotated[Literal["open", "acknowledged", "closed"] | None, Query()] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    department: Annotated[str | None, Query(max_length=18)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> OrjsonResponse:
    dept = _department(principal)
    store = store_of(request)
    with store_errors():
        found = list_alerts(
            store.engine,
            department=dept if dept is not None else department,
            state=state,
            uscc=uscc,
            limit=limit,
        )
        head = store.head()
    audit_of(request.app).note(principal, "alerts", dept or department or "alerts", head)
    return OrjsonResponse({"alerts": [a.to_dict() for a in found], "count": len(found)})


@router.get(
    "/alerts/{alert_id}",
    response_model=models.AlertDetail,
    summary="One risk alert and its trail (acknowledged, closed: who, when, note)",
    responses=ERRORS,
)
def alert_detail(alert_id: AlertId, request: Request, principal: Caller) -> OrjsonResponse:
    store = store_of(request)
    alert = _own(store, principal, alert_id)
    audit_of(request.app).note(principal, "alert", str(alert_id), store.head())
    history = [e.to_dict() for e in alert_history(store.engine, alert_id)]
    return OrjsonResponse({"alert": alert.to_dict(), "history": history})


def _answer(request: Request, principal: Principal, action: str, alert: Alert) -> OrjsonResponse:
    store = store_of(request)
    audit_of(request.app).note(principal, action, str(alert.id), store.head())
    history = [e.to_dict() for e in alert_history(store.engine, alert.id)]
    return OrjsonResponse({"alert": alert.to_dict(), "history": history})


@router.post(
    "/alerts/{alert_id}/ack",
    response_model=models.AlertDetail,
    summary="Acknowledge a risk alert (audited; acknowledging again changes nothing)",
    responses=ERRORS,
)
def alert_ack(
    alert_id: AlertId, request: Request, principal: Caller, body: AckBody | None = None
) -> OrjsonResponse:
    store = store_of(request)
    _own(store, principal, alert_id)
    note = (body.note or "").strip() or None if body else None
    with store_errors():
        alert = acknowledge_alert(
            store.engine, alert_id, actor=principal.actor, role=principal.role.value, note=note
        )
    return _answer(request, principal, "alert.ack", alert)


@router.post(
    "/alerts/{alert_id}/close",
    response_model=models.AlertDetail,
    summary="Close a risk alert with a note saying what was done (audited)",
    responses=ERRORS,
)
def alert_close(
    alert_id: AlertId, body: CloseBody, request: Request, principal: Caller
) -> OrjsonResponse:
    store = store_of(request)
    _own(store, principal, alert_id)
    with store_errors():
        alert = close_alert(
            store.engine, alert_id, actor=principal.actor, role=principal.role.value,
            note=body.note,
        )  # fmt: skip
    return _answer(request, principal, "alert.close", alert)


@router.post(
    "/alerts/run",
    response_model=models.AlertRun,
    summary="Evaluate the risk rules over the new change-log events (admin)",
    description="What `creditgate alerts run` does: the entities touched since the last run "
    "are evaluated and their alerts raised or updated. `full=true` re-reads the whole log.",
    responses=ERRORS,
)
async def alerts_run(
    request: Request, principal: Caller, full: Annotated[bool, Query()] = False
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.ADMIN)
    store = store_of(request)
    day = today(request)
    with store_errors():
        run = await run_in_threadpool(lambda: run_alerts(store, today=day, full=full))
    audit_of(request.app).note(principal, "alerts.run", "alerts", run.head)
    result: dict[str, Any] = run.to_dict()
    return OrjsonResponse(result)
