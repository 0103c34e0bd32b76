"""Load protection of the GraphQL endpoint: document limits, caches, page sizes, masking.

Every request gets fresh extension instances (strawberry's factory form), but the depth and
alias rules are built once per schema: the validation cache of
:class:`gateway.graphql.documents.DocumentGuard` keys on the tuple of rule classes, and the
stock limiters create a new class per instance, which would make every request a cache miss.
The guard checks size, tokens, field counts and repeats before validation, and parses and
validates on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from gateway.graphql.documents import DocumentGuard, DocumentLimits
from gateway.graphql.errors import BadInputError, RequestError

MASKED_MESSAGE = "Unexpected error."


def should_mask_error(error: GraphQLError) -> bool:
    """Mask errors raised while resolving, except the gateway's own refusals.

    Errors without an original exception concern the document itself (syntax, validation,
    depth, aliases, tokens, variables) and say nothing about the server, so they stay.
    """
    original = error.original_error
    return original is not None and not isinstance(original, RequestError)


class MaskUnexpectedErrors(MaskErrors):
    """``MaskErrors`` that keeps expected refusals and tags masked errors with a code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "status": 500}
        return masked


def limit_extensions(
    *, max_depth: int, max_aliases: int, documents: DocumentLimits
) -> list[Callable[[], SchemaExtension]]:
    """The schema's extension factories for the given document limits."""
    # Built once so that the rule classes (part of the validation cache key) stay the same.
    rules: Sequence[Any] = (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    )
    return [
        lambda: AddValidationRules(list(rules)),
        lambda: DocumentGuard(documents),
        MaskUnexpectedErrors,
    ]


def check_page_size(first: int, maximum: int) -> int:
    """``first`` if it lies in ``0..maximum``; refuse anything else with a clear message."""
    if not 0 <= first <= maximum:
        raise BadInputError(f"first must be between 0 and {maximum}, not {first}")
    return first
