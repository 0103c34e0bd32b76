"""One market entity by its unified social credit code (统一社会信用代码): everything the
caller's audience may see about it, across datasets.

The answer is 200 with ``count: 0`` when nothing is visible — "no record" is itself an answer
to a credit check; a code that is not a valid USCC (or is the placeholder
``00000000000000000X``, which stands for "no code") is a 400.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request

import schemas
from catalog import USCC_PLACEHOLDER, load_catalog
from gateway.audit import audit_of
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, store_errors, store_of, today
from store import view

router = APIRouter(tags=["entities 主体"], default_response_class=OrjsonResponse)


def normalise_uscc(code: str) -> str:
    """The code upper-cased and stripped; 400 unless it is a valid, real USCC."""
    cleaned = code.strip().upper()
    if cleaned == USCC_PLACEHOLDER or not schemas.is_valid_uscc(cleaned):
        raise ApiError(
            400,
            f"{code[:40]!r} is not a valid unified social credit code (统一社会信用代码)",
            [{"param": "uscc", "code": "invalid-uscc"}],
        )
    return cleaned


@router.get(
    "/entities/{uscc}",
    summary="Everything visible about one entity (by USCC), grouped by dataset",
    responses=ERRORS,
)
def get_entity(
    request: Request,
    principal: Caller,
    uscc: str = Path(description="统一社会信用代码 (18 characters)."),
) -> OrjsonResponse:
    code = normalise_uscc(uscc)
    audience = principal.audience
    day = today(request)
    store = store_of(request)
    with store_errors():
        head = store.head()  # read first: everything up to it is reflected below
        stored = store.by_uscc(code, state="active")
    grouped: dict[str, list[dict[str, Any]]] = {}
    name: tuple[str, str] | None = None  # (updated_at, counterpart_name) of the newest record
    for record in stored:
        seen = view(record, audience, today=day)
        if seen is None:
            continue
        grouped.setdefault(record.dataset, []).append(seen)
        candidate = seen.get("counterpart_name")
        if isinstance(candidate, str):
            stamp = seen["_meta"]["updated_at"]
            if name is None or stamp > name[0]:
                name = (stamp, candidate)
    order = {dataset: n for n, dataset in enumerate(load_catalog().ids())}
    datasets = {d: grouped[d] for d in sorted(grouped, key=lambda d: order.get(d, len(order)))}
    audit_of(request.app).note(principal, "entity", code, head)
    return OrjsonResponse(
        {
            "ok": True,
            "uscc": code,
            "name": name[1] if name else None,
            "audience": audience.value,
            "log_position": head,
            "count": sum(len(v) for v in datasets.values()),
            "datasets": datasets,
        },
        headers={"X-Creditgate-Log-Position": str(head)},
    )
