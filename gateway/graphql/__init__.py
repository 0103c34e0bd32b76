"""The GraphQL API of the exchange (``/graphql``): entities, record pages, the catalogue,
the change feed with acknowledgements, submissions with receipts, and every credit-workflow
operation (:mod:`gateway.graphql.workflow_queries`, :mod:`gateway.graphql.workflow_mutations`:
union results, refusals as ``Problem``).

The committed SDL is ``gateway/graphql/schema.graphql`` (``scripts/gen_graphql_sdl.py``
rewrites it; a test keeps the two equal).
"""

from gateway.graphql.schema import build_schema, graphql_router, schema

__all__ = ["build_schema", "graphql_router", "schema"]
