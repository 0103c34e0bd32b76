"""The change feed (变更订阅) over HTTP, and acknowledgements.

``GET /api/v1/changes?after=SEQ&limit=N`` streams NDJSON: one feed item per line, in ``seq``
order, for the datasets the caller may read (or the ``dataset`` parameters given)::

    {"seq": 812, "op": "upsert", "dataset": "…", "record_id": "…", "version": 2,
     "occurred_at": "…", "reason": null, "record": {…the caller's view…}}
    {"seq": 813, "op": "delete", …, "reason": "repaired", "record": null}

Applying the items in order — upsert: store ``record`` under ``record_id``; delete: make sure
``record_id`` is absent — to the rows of a download taken at log position P, starting with
``after=P``, leaves exactly what a new download shows. To resume, pass the ``seq`` of the last
line applied. The response header ``X-Creditgate-Head`` is the head of the log read before
the first line; when fewer than ``limit`` lines came back, every event up to that head has
been delivered, so the next request may start ``after`` it (nothing visible to the caller lay
in between).

``POST /api/v1/changes/ack`` ``{"cursor": SEQ}`` records how far a partner (a platform
or agency key; 403 for other roles) has applied the feed (never backwards) and answers its
``lag`` (events after it, take-downs included) and ``pending_takedowns`` (how many of those are
take-downs: records the partner still shows although they are gone); admins see every
partner's (``/api/v1/admin/acks``). The cursor is a non-negative integer or its decimal string;
anything else (``false``, ``1.5``, ``"-1"``) is a 400.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator, Field
from starlette.responses import StreamingResponse

from gateway import models
from gateway.audit import audit_of
from gateway.auth import require_role
from gateway.httpstack import is_head
from gateway.pages import readable_entry, visible_datasets
from gateway.responses import NDJSON, OrjsonResponse
from gateway.routes.depends import (
    ERRORS,
    MAX_INT,
    Caller,
    require_key,
    store_errors,
    store_of,
    today,
    versioned,
)
from store import Audience, Role, acknowledge
from store.access import pending_takedowns

router = APIRouter(tags=["changes 变更"], default_response_class=OrjsonResponse)

MAX_LIMIT = 50_000
"""The most events one response carries (the store's largest read)."""
CHUNK = 10_000
"""Events read from the store per chunk of the stream (~15 MB of government lines at most)."""


def feed_datasets(requested: Sequence[str] | None, audience: Audience) -> list[str] | None:
    """The datasets to read: the requested ones (each must be readable), else every one the
    audience may read (None — no filter — when that is the whole catalogue)."""
    if requested:
        return sorted({readable_entry(d, audience).id for d in requested})
    if audience is Audience.GOVERNMENT:
        return None
    return [e.id for e in visible_datasets(audience)]


@router.get(
    "/changes",
    summary="The change feed as NDJSON, after a log position",
    responses={**ERRORS, 200: {"content": {NDJSON: {}}, "description": "NDJSON feed items"}},
    response_class=StreamingResponse,
    dependencies=[versioned("changes")],
)
def list_changes(
    request: Request,
    principal: Caller,
    after: int = Query(0, ge=0, le=MAX_INT, description="Deliver events with seq > after."),
    limit: int = Query(1000, ge=1, le=MAX_LIMIT, description="Most events to deliver."),
    dataset: Annotated[
        list[str] | None, Query(description="Only these datasets (repeatable).")
    ] = None,
) -> StreamingResponse:
    audience = principal.audience
    datasets = feed_datasets(dataset, audience)
    day = today(request)
    store = store_of(request)

    with store_errors():
        head = store.head()  # read first: every event up to it is in what follows
        if is_head(request):  # headers only: read no event
            return StreamingResponse(iter(()), media_type=NDJSON, headers=_headers(head, after))
        chunks = store.feed_ndjson(after, limit, datasets, audience, today=day, chunk=CHUNK)
        first = next(chunks, b"")  # a failing first read is still an error response
    audit_of(request.app).note(principal, "changes", ",".join(dataset or ()) or "*", head)

    def lines() -> Iterator[bytes]:
        yield first
        with store_errors():
            yield from chunks

    return StreamingResponse(lines(), media_type=NDJSON, headers=_headers(head, after))


def _headers(head: int, after: int) -> dict[str, str]:
    return {"X-Creditgate-Head": str(head), "X-Creditgate-After": str(after)}


PARTNERS = (Role.PLATFORM, Role.AGENCY)
"""The roles that keep a copy in sync and acknowledge the feed (their lag is what admins see)."""


def _strict_cursor(value: object) -> object:
    """A non-negative integer or its decimal string; never a bool, a float or other text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("cursor must be a non-negative integer (or its decimal string)")
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= 19):
            raise ValueError("cursor must be a non-negative integer (or its decimal string)")
        return int(value)
    return value


class Ack(BaseModel):
    """How far the caller has applied the feed."""

    cursor: Annotated[int, BeforeValidator(_strict_cursor)] = Field(
        ge=0, le=MAX_INT, description="The seq of the last feed item applied."
    )


@router.post(
    "/changes/ack",
    response_model=models.FeedAcknowledged,
    summary="Acknowledge the feed up to a seq",
    responses=ERRORS,
)
def acknowledge_changes(body: Ack, request: Request, principal: Caller) -> OrjsonResponse:
    """Record the caller's position (platform and agency keys only, 403 for others); an older
    cursor than the stored one is kept as it is. 400 for a cursor beyond the head of the log."""
    require_key(principal)
    require_role(principal, *PARTNERS)
    store = store_of(request)
    assert principal.key_id is not None
    with store_errors():
        position = acknowledge(store.engine, principal.key_id, body.cursor)
        head = store.head()
        pending = pending_takedowns(store.engine, position)
    return OrjsonResponse(
        {
            "ok": True,
            "key_id": principal.key_id,
            "cursor": position,
            "head": head,
            "lag": head - position,
            "pending_takedowns": pending,
        }
    )
