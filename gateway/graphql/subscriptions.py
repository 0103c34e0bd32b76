"""The GraphQL subscription ``changes(after:, datasets:)`` over ``graphql-transport-ws`` on
``/graphql``: the change feed pushed as it grows (:mod:`gateway.streams`, shared with the
server-sent events of ``/api/v1/changes/stream``).

Each ``next`` message carries one :class:`ChangeNode`, the same item as a node of the
``changes`` query, in seq order, for the datasets the caller may see. The caller is the key of
the WebSocket upgrade request (``Authorization: Bearer KEY``) or, for clients that cannot set
headers (browsers), of the ``connection_init`` payload ``{"authorization": "Bearer KEY"}``.
"""

# strawberry.subscription with arguments is untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from gateway.clock import today_of
from gateway.graphql.connections import parse_seq_cursor, visible_datasets, visible_entry
from gateway.graphql.context import GatewayContext
from gateway.graphql.errors import BadInputError, TooManyStreamsError
from gateway.graphql.loaders import in_thread
from gateway.graphql.types import ChangeNode
from gateway.streams import follow, head_watch, stream_slots
from store import Audience

GatewayInfo = Info[GatewayContext, None]


def _datasets(datasets: list[str] | None, audience: Audience) -> list[str] | None:
    if datasets is not None:
        return list(dict.fromkeys(visible_entry(d, audience).id for d in datasets))
    if audience is Audience.GOVERNMENT:
        return None
    return [e.id for e in visible_datasets(audience)]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The change feed pushed as it grows: every change after `after` (a seq; "
        "default the beginning), then each new one within about a second, of the datasets "
        "the caller may see. A take-down arrives as a DELETE node with its reason."
    )
    async def changes(
        self,
        info: GatewayInfo,
        after: str | None = None,
        datasets: list[str] | None = None,
    ) -> AsyncGenerator[ChangeNode, None]:
        ctx = info.context
        audience = ctx.principal.audience
        start = parse_seq_cursor(after)
        wanted = _datasets(datasets, audience)
        head = await in_thread(ctx.store.head)
        if start > head:
            raise BadInputError(f"after {start} is beyond the head of the log ({head})")
        principal = ctx.principal
        caller = f"key:{principal.key_id}" if principal.key_id else f"ip:{ctx.client}"
        slots = stream_slots(ctx.app)
        if slots.full(caller):
            raise TooManyStreamsError(f"at most {slots.limit} open streams per caller")
        ctx.audit("changes-subscription", ",".join(datasets) if datasets else "*", head)
        with slots.hold(caller):
            pages = follow(
                ctx.store,
                head_watch(ctx.app),
                audience=audience,
                datasets=wanted,
                after=start,
                today=lambda: today_of(ctx.app),
            )
            async for page in pages:
                for item in page or ():
                    yield ChangeNode.from_item(item)
