"""Administration (admin keys only): the audit trail, partners' feed lag, the keys and the
scheduled jobs' runs.

``/api/v1/admin/jobs`` lists the latest runs of the scheduled jobs (the expiries: sweep, list
ends, overdue flags), newest first, with who ran them and their counts.

``/api/v1/admin/audit`` answers "which data did this key see?": each entry names the key, the
action (entity, records, download.csv, download.ndjson, changes, …), the target (a USCC, a
dataset id, or the feed), when, and the change-log position the answer reflected. Entries
are returned oldest first after ``after`` (an entry id); follow ``next_after``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Request

from gateway import models
from gateway.audit import audit_of
from gateway.auth import Principal, require_role
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, MAX_INT, Caller, require_key, store_errors, store_of
from store import Role, acknowledgements, list_keys, list_runs, read_audit
from store.outbox import backlogs

router = APIRouter(prefix="/admin", tags=["admin 管理"], default_response_class=OrjsonResponse)


def _admin(principal: Principal) -> None:
    require_key(principal)
    require_role(principal, Role.ADMIN)


def _plain(item: Any) -> dict[str, Any]:
    out = asdict(item)
    for key, value in out.items():
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif hasattr(value, "value"):
            out[key] = value.value
    return out


@router.get(
    "/audit",
    response_model=models.AuditTrail,
    summary="The audit trail of authorised reads",
    responses=ERRORS,
)
def get_audit(
    request: Request,
    principal: Caller,
    key_id: str | None = Query(None, description="Only this key's reads."),
    after: int = Query(0, ge=0, le=MAX_INT, description="Entries with id > after."),
    limit: int = Query(1000, ge=1, le=10_000),
) -> OrjsonResponse:
    _admin(principal)
    audit_of(request.app).flush()  # so every read made before this query is in the answer
    with store_errors():
        entries = read_audit(store_of(request).engine, key_id=key_id, after=after, limit=limit)
    return OrjsonResponse(
        {
            "ok": True,
            "entries": [_plain(e) for e in entries],
            "next_after": entries[-1].id if len(entries) == limit else None,
        }
    )


@router.get(
    "/acks",
    response_model=models.PartnerAcks,
    summary="How far each partner has applied the feed",
    responses=ERRORS,
)
def get_acks(request: Request, principal: Caller) -> OrjsonResponse:
    _admin(principal)
    store = store_of(request)
    with store_errors():
        acks = acknowledgements(store.engine)
        head = store.head()
        hooks = backlogs(store.engine, by="key")
    return OrjsonResponse(
        {
            "ok": True,
            "head": head,
            "acks": [_plain(a) for a in acks],
            # what each key's webhooks are still owed: undelivered is lag too
            "webhooks": {key: _plain(backlog) for key, backlog in sorted(hooks.items())},
        }
    )


@router.get(
    "/keys",
    response_model=models.KeyList,
    summary="Every API key (never a secret)",
    responses=ERRORS,
)
def get_keys(request: Request, principal: Caller) -> OrjsonResponse:
    _admin(principal)
    with store_errors():
        keys = list_keys(store_of(request).engine)
    return OrjsonResponse({"ok": True, "keys": [_plain(k) | {"active": k.active} for k in keys]})


@router.get(
    "/jobs",
    response_model=models.JobRuns,
    summary="The latest runs of the scheduled jobs",
    responses=ERRORS,
)
def get_jobs(
    request: Request,
    principal: Caller,
    job: str | None = Query(None, description="Only this job (e.g. expiries)."),
    limit: int = Query(50, ge=1, le=1000),
) -> OrjsonResponse:
    _admin(principal)
    with store_errors():
        runs = list_runs(store_of(request).engine, job=job, limit=limit)
    scheduler = getattr(request.app.state, "scheduler", None)
    return OrjsonResponse(
        {
            "ok": True,
            "scheduler": None
            if scheduler is None
            else {"running": scheduler.running, "interval_seconds": scheduler.interval_seconds},
            "runs": [r.to_dict() for r in runs],
        }
    )
