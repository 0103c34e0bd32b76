"""Publication rules over REST (admin keys only): recompute stored windows after a rule change.

``POST /api/v1/admin/rules/recompute?dryRun=true`` answers, per dataset, how many stored
windows would shorten, lengthen, end now or start under the current rules; without ``dryRun``
(or ``dryRun=false``) it applies them through the change log with reason ``rule_change``
(:mod:`store.recompute`), idempotently. ``today`` (YYYY-MM-DD) overrides the app's day.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import Principal, require_role
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of, today
from store import Role
from store.recompute import recompute

router = APIRouter(
    prefix="/admin/rules", tags=["admin 管理"], default_response_class=OrjsonResponse
)


def _admin(principal: Principal) -> None:
    require_key(principal)
    require_role(principal, Role.ADMIN)


@router.post(
    "/recompute",
    response_model=models.Recomputed,
    summary="Recompute stored publication windows (公示期重算)",
    responses=ERRORS,
)
async def post_recompute(
    request: Request,
    principal: Caller,
    dry_run: bool = Query(False, alias="dryRun", description="Count without writing."),
    on: str | None = Query(None, alias="today", description="The day (YYYY-MM-DD)."),
) -> OrjsonResponse:
    _admin(principal)
    try:
        day = date.fromisoformat(on) if on else today(request)
    except ValueError:
        raise ApiError(400, f"today: not a date: {on!r}") from None
    engine = store_of(request).engine
    with store_errors():
        result = await run_in_threadpool(recompute, engine, day, dry_run=dry_run)
    return OrjsonResponse({"ok": True, **result.as_json()})
