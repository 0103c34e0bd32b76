"""The change feed pushed as server-sent events (服务器推送): ``GET /api/v1/changes/stream``.

Each feed item (the same JSON as a line of ``GET /api/v1/changes``) is one event::

    event: change
    id: 813
    data: {"seq": 813, "op": "delete", …, "reason": "repaired", "record": null}

The stream starts after ``after`` (or after the ``Last-Event-ID`` header a reconnecting
``EventSource`` sends, which wins) and never ends: new changes arrive within about
``stream_poll_seconds``; while nothing happens a comment line (``: ping``) is sent every
``stream_heartbeat_seconds``. A cursor beyond the head of the log is a 400; a caller with
``stream_max_per_caller`` streams open in this process gets 429.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from gateway.audit import audit_of
from gateway.clients import client_address
from gateway.errors import ApiError
from gateway.routes.changes import feed_datasets
from gateway.routes.depends import ERRORS, MAX_INT, Caller, store_of, today
from gateway.streams import StreamLimitError, follow, head_watch, stream_slots

router = APIRouter(tags=["changes 变更"])

SSE = "text/event-stream"


def _resume_from(after: int, last_event_id: str | None) -> int:
    if last_event_id is None or last_event_id == "":
        return after
    text = last_event_id.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_INT):
        raise ApiError(400, "Last-Event-ID must be the seq of an event of this stream")
    return int(text)


@router.get(
    "/changes/stream",
    summary="The change feed pushed as server-sent events",
    responses={**ERRORS, 200: {"content": {SSE: {}}, "description": "An endless event stream"}},
    response_class=EventSourceResponse,
)
async def stream_changes(
    request: Request,
    principal: Caller,
    after: int = Query(0, ge=0, le=MAX_INT, description="Push events with seq > after."),
    dataset: Annotated[
        list[str] | None, Query(description="Only these datasets (repeatable).")
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", max_length=20, description="Resume after this event."),
    ] = None,
) -> EventSourceResponse:
    app = request.app
    audience = principal.audience
    datasets = feed_datasets(dataset, audience)
    start = _resume_from(after, last_event_id)
    store = store_of(request)
    head = await run_in_threadpool(store.head)
    if start > head:
        raise ApiError(400, f"after {start} is beyond the head of the log ({head})")
    caller = f"key:{principal.key_id}" if principal.key_id else f"ip:{client_address(request)}"
    slots = stream_slots(app)
    if slots.full(caller):
        raise ApiError(429, f"at most {slots.limit} open streams per caller; close one first")
    audit_of(app).note(principal, "changes-stream", ",".join(dataset or ()) or "*", head)
    settings = app.state.settings

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            with slots.hold(caller):
                pages = follow(
                    store,
                    head_watch(app),
                    audience=audience,
                    datasets=datasets,
                    after=start,
                    today=lambda: today(request),
                )
                async for page in pages:
                    for item in page or ():
                        data = orjson.dumps(item).decode()
                        yield ServerSentEvent(data, event="change", id=str(item["seq"]), sep="\n")
        except StreamLimitError:
            return

    return EventSourceResponse(
        events(),
        ping=settings.stream_heartbeat_seconds,
        sep="\n",
        headers={"X-Creditgate-Head": str(head), "Cache-Control": "no-store"},
    )
