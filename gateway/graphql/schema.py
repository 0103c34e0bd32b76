"""The schema and the FastAPI router of ``/graphql``.

``schema`` (module level) carries the default limits and is what ``schema.graphql`` prints;
:func:`graphql_router` builds a schema with the limits of the given settings (the types are
the same, so the SDL is too).
"""

from __future__ import annotations

import orjson
import strawberry
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.graphql.context import GatewayContext, context_getter
from gateway.graphql.documents import DocumentLimits
from gateway.graphql.limits import limit_extensions, should_mask_error
from gateway.graphql.mutations import Mutation
from gateway.graphql.national import NationalQuery
from gateway.graphql.resolvers import Query
from gateway.graphql.workflow_mutations import WorkflowMutation
from gateway.graphql.workflow_queries import WorkflowQuery
from gateway.settings import Settings


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


class GatewayGraphQLRouter(GraphQLRouter[GatewayContext, None]):
    """Encodes responses with orjson (several times faster on Chinese text than json)."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def graphql_router(settings: Settings) -> GraphQLRouter[GatewayContext, None]:
    """The ``/graphql`` router: POST (and GET for queries), GraphiQL if enabled."""
    return GatewayGraphQLRouter(
        build_schema(settings),
        context_getter=context_getter(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
    )
