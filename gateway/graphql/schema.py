"""The schema and the FastAPI router of ``/graphql``.

``schema`` (module level) carries the default limits and is what ``schema.graphql`` prints;
:func:`graphql_router` builds a schema with the limits of the given settings (the types are
the same, so the SDL is too).
"""

from __future__ import annotations

from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from fastapi.responses import PlainTextResponse
from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.unset import UNSET, UnsetType

from gateway.auth import Principal
from gateway.errors import ApiError
from gateway.graphql.context import GatewayContext, context_getter
from gateway.graphql.documents import DocumentLimits
from gateway.graphql.limits import limit_extensions, should_mask_error
from gateway.graphql.loaders import in_thread
from gateway.graphql.mutations import Mutation
from gateway.graphql.national import NationalQuery
from gateway.graphql.resolvers import Query
from gateway.graphql.sdl import render_sdl
from gateway.graphql.subscriptions import Subscription
from gateway.graphql.workflow_mutations import WorkflowMutation
from gateway.graphql.workflow_queries import WorkflowQuery
from gateway.settings import Settings
from store import authenticate


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback); refusals and invalid documents
    are the caller's business, not the operator's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if should_mask_error(e)], execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """A schema with the document limits of ``settings`` (the declared defaults if None)."""
    # model_construct: the declared defaults, without reading the environment at import
    settings = settings or Settings.model_construct()
    return GatewaySchema(
        query=merge_types("Query", (Query, NationalQuery, WorkflowQuery)),
        mutation=merge_types("Mutation", (Mutation, WorkflowMutation)),
        subscription=Subscription,
        extensions=limit_extensions(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            documents=DocumentLimits(
                max_bytes=settings.graphql_max_query_bytes,
                max_tokens=settings.graphql_max_tokens,
                max_fields=settings.graphql_max_fields,
                max_repeated=settings.graphql_max_repeated_fields,
            ),
        ),
    )


schema = build_schema()


SDL_PATH = "/schema.graphql"
"""Where the router serves the SDL (``/graphql/schema.graphql`` once mounted)."""


class GatewayGraphQLRouter(GraphQLRouter[GatewayContext, None]):
    """Encodes responses with orjson (several times faster on Chinese text than json), and
    answers a request strawberry cannot read (bad JSON, no query, an unsupported media
    type) as a GraphQL request error with its code (:mod:`gateway.errors`), not plain text."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:
        """A key in the ``connection_init`` payload (``{"authorization": "Bearer KEY"}``) for
        clients that cannot set headers on the upgrade; an unknown key closes with 4403."""
        params: Any = context.connection_params
        given = params.get("authorization") if isinstance(params, dict) else None
        if not given:
            return None  # acknowledged without a payload
        scheme, _, secret = str(given).partition(" ")
        key = None
        if scheme.lower() == "bearer" and secret.strip():
            key = await in_thread(authenticate, context.store.engine, secret.strip())
        if key is None:
            raise ConnectionRejectionError({"message": "unknown or revoked API key"})
        context.become(
            Principal(
                role=key.role,
                name=key.name,
                key_id=key.key_id,
                department_uscc=key.department_uscc,
            )
        )
        return None

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            raise ApiError(exc.status_code, exc.reason) from None


def graphql_router(settings: Settings) -> GraphQLRouter[GatewayContext, None]:
    """The ``/graphql`` router: POST (and GET for queries), GraphiQL if enabled,
    subscriptions over ``graphql-transport-ws`` on the same path, and the schema's SDL at
    ``/graphql/schema.graphql``."""
    the_schema = build_schema(settings)
    router = GatewayGraphQLRouter(
        the_schema,
        context_getter=context_getter(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.stream_max_per_caller,
    )
    sdl = render_sdl(the_schema)

    @router.get(
        SDL_PATH,
        tags=["graphql"],
        summary="The GraphQL schema (SDL) this gateway serves",
        description="The contract of `/graphql` in the GraphQL schema definition language; "
        "generate a typed client from it (or introspect). Changes are additive: a change "
        "that would break a client fails the gateway's tests.",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def get_sdl() -> PlainTextResponse:
        return PlainTextResponse(sdl, headers={"Cache-Control": "public, max-age=300"})

    return router
