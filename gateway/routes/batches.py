"""One submission batch (提交批次) by id: how far it got and how it ended.

``GET /api/v1/batches/{batch_id}`` (department and admin keys) answers the batch row:
``status`` is ``running``, ``complete``, ``rejected`` or ``interrupted`` (its process died
while it ran; the rows counted in ``accepted``/``unchanged`` are stored — submit the same
file again to store the rest). A department key sees only the batches its own key submitted
(others are a 404, as if absent).
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import require_role
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, require_key, store_errors, store_of
from store import Role, read_batch

router = APIRouter(tags=["submissions 报送"], default_response_class=OrjsonResponse)

FIELDS = (
    "batch_id",
    "dataset",
    "actor",
    "source",
    "all_or_nothing",
    "submitted_at",
    "finished_at",
    "status",
    "rows_seen",
    "accepted",
    "unchanged",
    "rejected",
    "heartbeat_at",
)


@router.get(
    "/batches/{batch_id}",
    response_model=models.Batch,
    summary="One submission batch and its status",
    responses=ERRORS,
)
async def get_batch(
    request: Request,
    principal: Caller,
    batch_id: str = Path(max_length=64),
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.DEPARTMENT, Role.ADMIN)
    with store_errors():
        found = await run_in_threadpool(read_batch, store_of(request).engine, batch_id)
    if found is None or (
        principal.role is Role.DEPARTMENT
        and not str(found["actor"]).startswith(f"key:{principal.key_id}:")
    ):
        raise ApiError(404, f"no batch {batch_id!r}")
    return OrjsonResponse({"ok": True, **{k: found.get(k) for k in FIELDS}})
