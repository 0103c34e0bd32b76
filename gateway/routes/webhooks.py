"""Webhook subscriptions over REST (推送订阅): partners register a URL and datasets.

``POST /api/v1/webhooks`` ``{"url", "datasets"?, "description"?, "after"?}`` (agency and
platform keys) answers 201 with the subscription and its signing ``secret`` (``whsec_…``);
the same URL and datasets again answer 200 with the same subscription and secret. From then
on every change of those datasets is posted to the URL in the key's view, signed (Standard
Webhooks), retried and dead-lettered (docs/realtime.md). ``after`` backfills from an earlier
log position (at most ``webhook_max_replay_events`` events).

``GET /api/v1/webhooks`` lists the caller's subscriptions (an admin's: everyone's) with what
each is still owed; ``GET|DELETE /api/v1/webhooks/{id}``; ``GET …/{id}/messages?status=dead``
the dead letters (or ``pending``, ``delivered``, ``skipped``); ``POST …/{id}/replay``
``{"after": SEQ}`` sends every event after ``SEQ`` again, dead letters included.

The URL must be HTTPS and its host must resolve to public addresses only, unless the
``webhook_allow_http`` / ``webhook_allow_private_urls`` settings allow otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import Principal, require_role
from gateway.delivery import DestinationError, check_destination
from gateway.errors import ApiError
from gateway.pages import readable_entry
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, MAX_INT, Caller, require_key, store_errors, store_of
from store import Role
from store.webhooks import (
    MAX_DESCRIPTION,
    MAX_URL_LENGTH,
    check_url,
    create_subscription,
    delete_subscription,
    get_subscription,
    list_messages,
    list_subscriptions,
    replay_subscription,
)

router = APIRouter(tags=["webhooks 推送"], default_response_class=OrjsonResponse)

PARTNERS = (Role.AGENCY, Role.PLATFORM)
SubscriptionId = Annotated[
    str, Path(pattern=r"^wh_[0-9a-f]{16}$", description="The subscription id (wh_…).")
]


class NewSubscription(BaseModel):
    """A webhook to register."""

    url: str = Field(max_length=MAX_URL_LENGTH, description="Where to post (HTTPS).")
    datasets: list[str] | None = Field(
        default=None, max_length=200, description="Datasets to send (default: all yours)."
    )
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    after: int | None = Field(
        default=None, ge=0, le=MAX_INT, description="Backfill from this log position."
    )


class Replay(BaseModel):
    """Send again from a log position."""

    after: int = Field(ge=0, le=MAX_INT, description="Every event with seq > after.")


def _partner(principal: Principal) -> str:
    require_key(principal)
    require_role(principal, *PARTNERS)
    assert principal.key_id is not None
    return principal.key_id


def _owner(principal: Principal) -> str | None:
    """The key whose subscriptions the caller may see (None: an admin sees all)."""
    require_key(principal)
    if principal.role is Role.ADMIN:
        return None
    return _partner(principal)


@router.post(
    "/webhooks",
    response_model=models.WebhookAnswer,
    summary="Register a webhook",
    status_code=201,
    responses=ERRORS,
)
async def create_webhook(
    body: NewSubscription, request: Request, principal: Caller
) -> OrjsonResponse:
    key_id = _partner(principal)
    settings = request.app.state.settings
    engine = store_of(request).engine
    for dataset in body.datasets or ():
        readable_entry(dataset, principal.audience)  # 404 unknown, 403 not open to the key
    with store_errors():  # the URL's shape first: no lookup for a URL refused anyway
        check_url(body.url, allow_http=settings.webhook_allow_http)
    try:
        await check_destination(body.url, allow_private=settings.webhook_allow_private_urls)
    except DestinationError as exc:
        raise ApiError(400, f"url refused: {exc}") from None
    except ValueError as exc:
        raise ApiError(400, f"url is not a valid URL: {exc}") from None
    with store_errors():
        sub, secret, created = await run_in_threadpool(
            lambda: create_subscription(
                engine,
                key_id=key_id,
                audience=principal.audience,
                url=body.url,
                datasets=body.datasets,
                description=body.description,
                after=body.after,
                allow_http=settings.webhook_allow_http,
                max_per_key=settings.webhook_max_per_key,
                max_replay=settings.webhook_max_replay_events,
            )
        )
    return OrjsonResponse(
        {"ok": True, "created": created, "secret": secret, "subscription": sub.to_dict()},
        status_code=201 if created else 200,
    )


@router.get(
    "/webhooks",
    response_model=models.WebhookAnswer,
    summary="The caller's webhooks and their backlogs",
    responses=ERRORS,
)
def list_webhooks(request: Request, principal: Caller) -> OrjsonResponse:
    owner = _owner(principal)
    with store_errors():
        subs = list_subscriptions(store_of(request).engine, key_id=owner)
    return OrjsonResponse({"ok": True, "subscriptions": [s.to_dict() for s in subs]})


@router.get(
    "/webhooks/{subscription_id}",
    response_model=models.WebhookAnswer,
    summary="One webhook",
    responses=ERRORS,
)
def get_webhook(
    subscription_id: SubscriptionId, request: Request, principal: Caller
) -> OrjsonResponse:
    owner = _owner(principal)
    with store_errors():
        sub = get_subscription(store_of(request).engine, subscription_id, key_id=owner)
    return OrjsonResponse({"ok": True, "subscription": sub.to_dict()})


@router.delete(
    "/webhooks/{subscription_id}",
    response_model=models.WebhookAnswer,
    summary="End a webhook",
    responses=ERRORS,
)
def delete_webhook(
    subscription_id: SubscriptionId, request: Request, principal: Caller
) -> OrjsonResponse:
    owner = _owner(principal)
    with store_errors():
        dropped = delete_subscription(store_of(request).engine, subscription_id, key_id=owner)
    return OrjsonResponse({"ok": True, "id": subscription_id, "dropped": dropped})


@router.get(
    "/webhooks/{subscription_id}/messages",
    response_model=models.WebhookAnswer,
    summary="A webhook's messages (by default the dead letters)",
    responses=ERRORS,
)
def webhook_messages(
    subscription_id: SubscriptionId,
    request: Request,
    principal: Caller,
    status: str | None = Query(
        "dead", pattern="^(pending|delivered|dead|skipped|all)$", description="Which messages."
    ),
    after: int = Query(0, ge=0, le=MAX_INT, description="Messages with seq > after."),
    limit: int = Query(100, ge=1, le=1000),
) -> OrjsonResponse:
    owner = _owner(principal)
    with store_errors():
        found = list_messages(
            store_of(request).engine,
            subscription_id,
            key_id=owner,
            status=None if status == "all" else status,
            after=after,
            limit=limit,
        )
    body: dict[str, Any] = {"ok": True, "messages": [m.to_dict() for m in found]}
    return OrjsonResponse(body)


@router.post(
    "/webhooks/{subscription_id}/replay",
    response_model=models.WebhookAnswer,
    summary="Send a webhook's events again from a log position",
    responses=ERRORS,
)
def replay_webhook(
    subscription_id: SubscriptionId, body: Replay, request: Request, principal: Caller
) -> OrjsonResponse:
    owner = _partner(principal)
    settings = request.app.state.settings
    with store_errors():
        owed = replay_subscription(
            store_of(request).engine,
            subscription_id,
            body.after,
            key_id=owner,
            max_events=settings.webhook_max_replay_events,
        )
    return OrjsonResponse({"ok": True, "id": subscription_id, "after": body.after, "owed": owed})
