"""The GraphQL API of the exchange (``/graphql``): entities, record pages, the catalogue,
the change feed with acknowledgements, submissions with receipts, and every credit-workflow
operation (:mod:`gateway.graphql.workflow_queries`, :mod:`gateway.graphql.workflow_mutations`:
union results, refusals as ``Problem``).

The committed SDL is ``gateway/graphql/schema.graphql``, served at ``/graphql/schema.graphql``
(``creditgate graphql sdl --write`` rewrites it; tests keep the two equal and fail on a change
that breaks a client, :mod:`gateway.graphql.sdl`).
"""

from gateway.graphql.schema import build_schema, graphql_router, schema

__all__ = ["build_schema", "graphql_router", "schema"]
