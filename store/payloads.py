"""Canonical payloads: one JSON text per record content, and its content hash (内容摘要).

The canonical form is orjson with sorted keys (UTF-8, no insignificant whitespace), so two
records with the same fields and values always give the same text and the same SHA-256,
whatever order their keys came in. The hash decides "unchanged" on resubmission.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of a record (keys sorted at every depth)."""
    return orjson.dumps(record, option=_OPTIONS)


def content_hash(canonical: bytes) -> str:
    """SHA-256 (hex) of canonical JSON bytes."""
    return hashlib.sha256(canonical).hexdigest()


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a record's canonical JSON."""
    return content_hash(canonical_json(record))


def load(payload: str | bytes | None) -> dict[str, Any] | None:
    """A stored payload as a dict (None stays None)."""
    return None if payload is None else orjson.loads(payload)
