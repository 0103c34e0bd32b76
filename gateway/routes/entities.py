"""One market entity by its unified social credit code (统一社会信用代码): everything the
caller's audience may see about it, across datasets.

The answer is 200 with ``count: 0`` when nothing is visible — "no record" is itself an answer
to a credit check; a code that is not a valid USCC (or is the placeholder
``00000000000000000X``, which stands for "no code") is a 400.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

import schemas
from catalog import USCC_PLACEHOLDER
from gateway import models
from gateway.audit import audit_of
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import (
    ERRORS,
    USCC_PATH_PATTERN,
    Caller,
    store_errors,
    store_of,
    today,
    versioned,
)
from store.profiles import entity_profile

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
    response_model=models.EntityProfile,
    summary="Everything visible about one entity (by USCC), grouped by dataset",
    responses=ERRORS,
    dependencies=[versioned("entity")],
)
def get_entity(
    request: Request,
    principal: Caller,
    uscc: str = Path(pattern=USCC_PATH_PATTERN, description="统一社会信用代码 (18 characters)."),
) -> OrjsonResponse:
    code = normalise_uscc(uscc)
    with store_errors():
        profile = entity_profile(store_of(request), code, principal.audience, today=today(request))
    audit_of(request.app).note(principal, "entity", code, profile.log_position)
    return OrjsonResponse(
        {
            "ok": True,
            "uscc": code,
            "name": profile.name,
            "audience": profile.audience.value,
            "log_position": profile.log_position,
            "count": profile.count,
            "datasets": profile.datasets,
        },
        headers={"X-Creditgate-Log-Position": str(profile.log_position)},
    )
