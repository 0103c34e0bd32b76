"""Cheap checks of a GraphQL document before the expensive ones, and parsing and validation
off the event loop.

graphql-core's validation is quadratic in the fields that share a response key (the
"overlapping fields" rule compares every pair), so a 4 KB document selecting one field 500
times under one alias costs about a second of CPU. :class:`DocumentGuard` therefore

1. refuses a query text longer than ``graphql_max_query_bytes`` before parsing it;
2. parses it (token limit in the parser, results cached) on a worker thread;
3. counts the fields the document selects, fragments expanded, and the times one response key
   is selected in one selection set, and refuses more than ``graphql_max_fields`` or
   ``graphql_max_repeated_fields`` — a linear walk, before validation;
4. validates it (rules cached per document) on a worker thread.

A refusal is a GraphQL error with ``extensions.code`` (``QUERY_TOO_LARGE``,
``TOO_MANY_FIELDS``, ``REPEATED_FIELD``) and ``data: null``; nothing is executed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyio import to_thread
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHE_SIZE = 512
"""Distinct documents kept parsed and validated (bounded: unique texts cannot grow memory)."""


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """The document limits of one schema."""

    max_bytes: int
    max_tokens: int
    max_fields: int
    max_repeated: int


class DocumentRefusedError(GraphQLError):
    """A document refused before validation (shown to the caller with its code)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code, "status": 400})


@lru_cache(maxsize=CACHE_SIZE)
def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """The parsed document (cached; the token limit stops the lexer early)."""
    return parse(query, max_tokens=max_tokens)


_validate = lru_cache(maxsize=CACHE_SIZE)(validate_document)


def check_fields(document: DocumentNode, limits: DocumentLimits) -> None:
    """Refuse a document that selects too many fields, or one response key too often.

    Fragments are expanded where they are spread, and the fields of inline fragments and
    spreads count towards the selection set they merge into (as validation compares them).
    The walk stops at the first field over a limit, so it costs at most ``max_fields`` steps
    plus one per spread of an unknown or cyclic fragment (those validation refuses).
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    total = 0

    def walk(selections: SelectionSetNode, keys: Counter[str], visiting: frozenset[str]) -> None:
        nonlocal total
        for node in selections.selections:
            if isinstance(node, FieldNode):
                key = (node.alias or node.name).value
                keys[key] += 1
                if keys[key] > limits.max_repeated:
                    raise DocumentRefusedError(
                        f"the field {key!r} is selected more than {limits.max_repeated} times "
                        "in one selection set",
                        "REPEATED_FIELD",
                    )
                total += 1
                if total > limits.max_fields:
                    raise DocumentRefusedError(
                        f"the document selects more than {limits.max_fields} fields",
                        "TOO_MANY_FIELDS",
                    )
                if node.selection_set is not None:
                    walk(node.selection_set, Counter(), visiting)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set, keys, visiting)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in visiting:
                    walk(fragment.selection_set, keys, visiting | {name})

    for definition in document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        if not isinstance(definition, FragmentDefinitionNode) and selection_set is not None:
            walk(selection_set, Counter(), frozenset())


def _parse_and_check(query: str, limits: DocumentLimits) -> DocumentNode:
    document = parse_document(query, limits.max_tokens)
    check_fields(document, limits)
    return document


class DocumentGuard(SchemaExtension):
    """Size limit, parsing, field limits and validation, the heavy parts on a worker thread."""

    def __init__(self, limits: DocumentLimits) -> None:
        super().__init__()
        self.limits = limits

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            if len(query.encode("utf-8", "replace")) > self.limits.max_bytes:
                raise DocumentRefusedError(
                    f"the query is longer than {self.limits.max_bytes:,} bytes",
                    "QUERY_TOO_LARGE",
                )
            context.graphql_document = await to_thread.run_sync(
                _parse_and_check, query, self.limits
            )
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            run: Callable[..., Any] = _validate
            context.pre_execution_errors = await to_thread.run_sync(
                run, context.schema._schema, document, context.validation_rules
            )
        yield
