"""The published GraphQL contract: the SDL, and what a change of it does to clients.

The committed ``gateway/graphql/schema.graphql`` is the contract partners code against; the
gateway serves the live one at ``GET /graphql/schema.graphql``. :func:`breaking_changes`
compares the two with graphql-core's ``find_breaking_changes`` (a field, type, argument or
enum value removed, a type changed, an argument made required …): a test fails on any, so a
change that breaks a client is seen in review, while an additive change only asks for the
committed file to be regenerated (``creditgate graphql sdl --write``).
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    BreakingChange,
    DangerousChange,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)
from strawberry import Schema

COMMITTED = Path(__file__).resolve().parent / "schema.graphql"
"""The committed SDL (the contract under review)."""
REGENERATE = "creditgate graphql sdl --write"
"""The one command that rewrites the committed SDL from the strawberry types."""


def render_sdl(schema: Schema) -> str:
    """The SDL of a strawberry schema, as committed (a final newline)."""
    return str(schema) + "\n"


def _schemas(old_sdl: str, new: Schema) -> tuple[GraphQLSchema, GraphQLSchema]:
    return build_schema(old_sdl), build_schema(render_sdl(new))


def _described(changes: list[BreakingChange] | list[DangerousChange]) -> list[str]:
    return [f"{c.type.name}: {c.description}" for c in changes]


def breaking_changes(old_sdl: str, new: Schema) -> list[str]:
    """What in ``new`` breaks a client written against ``old_sdl`` (empty: nothing)."""
    return _described(find_breaking_changes(*_schemas(old_sdl, new)))


def dangerous_changes(old_sdl: str, new: Schema) -> list[str]:
    """Changes that may change a client's results without breaking its queries (an enum
    value or an optional argument added …)."""
    return _described(find_dangerous_changes(*_schemas(old_sdl, new)))
