"""The context of one GraphQL request: who asks, the store, the day, loaders, the audit trail.

Made by :func:`context_getter` (a FastAPI dependency) after the caller is known and within
its rate limit (:func:`gateway.ratelimit.caller`): a bad or revoked key, or a spent limit,
raises :class:`gateway.errors.ApiError` there, so the caller gets the gateway's one HTTP
error shape (401, 429) before any GraphQL runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import cast

from fastapi import Request
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from gateway.audit import audit_of
from gateway.auth import Principal
from gateway.clients import client_address
from gateway.clock import today_of
from gateway.errors import ApiError
from gateway.graphql.errors import AuditUnavailableError
from gateway.graphql.loaders import SharedReads, entity_loader
from gateway.ratelimit import caller
from gateway.settings import Settings
from store import Store


class GatewayContext(BaseContext):
    """Everything a resolver may use; one per request."""

    def __init__(
        self,
        *,
        principal: Principal,
        store: Store,
        today: date,
        settings: Settings,
        request: Request,
        shared: SharedReads,
    ) -> None:
        super().__init__()
        self.principal = principal
        self.store = store
        self.today = today
        self.settings = settings
        self.app = request.app
        self.client = client_address(request)
        self._shared = shared
        self.entities = entity_loader(shared, principal.audience, today)

    def become(self, principal: Principal) -> None:
        """Act for another caller (a WebSocket's ``connection_init`` key); loaders follow."""
        self.principal = principal
        self.entities = entity_loader(self._shared, principal.audience, self.today)

    def audit(self, action: str, target: str, log_position: int) -> None:
        """Note an authorised read in the audit trail (public reads name nobody: skipped)."""
        if not self.principal.authorised:
            return
        try:
            audit_of(self.app).note(self.principal, action, target, log_position)
        except ApiError as exc:
            raise AuditUnavailableError(exc.error) from exc


def context_getter(settings: Settings) -> Callable[..., Awaitable[GatewayContext]]:
    """The FastAPI dependency that builds a :class:`GatewayContext`."""
    shared: SharedReads | None = None  # of the app's store (one per app)

    async def get_context(connection: HTTPConnection) -> GatewayContext:
        # a WebSocket upgrade has the headers, client and app a request has
        request = cast(Request, connection)
        principal = await caller(request)

        nonlocal shared
        store: Store = request.app.state.store
        if shared is None or shared.store is not store:
            shared = SharedReads(store)
        return GatewayContext(
            principal=principal,
            store=store,
            today=today_of(request.app),
            settings=settings,
            request=request,
            shared=shared,
        )

    return get_context
