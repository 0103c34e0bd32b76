"""Limits on what a caller may pass to a workflow operation (输入限制), checked in one place.

The faces declare the same limits where they can (REST's OpenAPI ``maxLength``, typer's
help), but they are enforced here, under every face, so REST, GraphQL and the CLI refuse the
same input with the same :class:`workflows.InvalidRequestError` (400, ``invalid-request``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from workflows.errors import InvalidRequestError

MAX_ID = 200
"""A record id, a case id, a dataset id."""
MAX_NAME = 200
"""An applicant's or a person's name, a role, an identity number."""
MAX_TEXT = 4000
"""Grounds, a statement, a note, a reason, a rectification result."""
MAX_EVIDENCE = 50
"""Pieces of evidence, each a reference of at most :data:`MAX_EVIDENCE_TEXT` characters."""
MAX_EVIDENCE_TEXT = 500
MAX_RECORD_BYTES = 65_536
"""A whole record (a correction, a list entry, an interview, a registration) as JSON."""
MAX_PAGE = 1000
"""Cases in one list answer."""
DEFAULT_PAGE = 500


def text(value: str, name: str, *, most: int = MAX_TEXT, required: bool = False) -> str:
    """``value`` if it fits (and, if ``required``, is not blank)."""
    if len(value) > most:
        raise InvalidRequestError(f"{name} has {len(value):,} characters; at most {most:,}")
    if required and not value.strip():
        raise InvalidRequestError(f"{name} may not be empty")
    return value


def optional_text(value: str | None, name: str, *, most: int = MAX_TEXT) -> str | None:
    """``value`` (or None) if it fits."""
    return None if value is None else text(value, name, most=most)


def identifier(value: str, name: str) -> str:
    """A record or case id: not blank, at most :data:`MAX_ID` characters."""
    return text(value, name, most=MAX_ID, required=True)


def evidence_refs(items: Sequence[str]) -> list[str]:
    """At most :data:`MAX_EVIDENCE` references of at most :data:`MAX_EVIDENCE_TEXT` each."""
    if len(items) > MAX_EVIDENCE:
        raise InvalidRequestError(f"at most {MAX_EVIDENCE} pieces of evidence ({len(items)} given)")
    return [text(str(item), "evidence", most=MAX_EVIDENCE_TEXT) for item in items]


def record(value: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    """A whole record: a JSON object of at most :data:`MAX_RECORD_BYTES` encoded."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"{name} must be a JSON object (a whole record)")
    try:
        size = len(orjson.dumps(value))
    except TypeError as exc:  # an integer beyond 64 bits, a value JSON cannot carry
        raise InvalidRequestError(f"{name} is not plain JSON: {exc}") from None
    if size > MAX_RECORD_BYTES:
        raise InvalidRequestError(
            f"{name} has {size:,} bytes as JSON; at most {MAX_RECORD_BYTES:,}"
        )
    return value


def page(limit: int | None) -> int:
    """How many cases a list answers (:data:`DEFAULT_PAGE` when None; 1 … :data:`MAX_PAGE`)."""
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequestError(f"limit must be between 1 and {MAX_PAGE}")
    return limit
