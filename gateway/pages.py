"""Keyset pages (键集分页) of a dataset's records as one audience sees them.

The store pages a dataset's active records by ``record_id``; the caller's view may hide some
of them (not publishable, outside the publication window), so a page reads on until it holds
``limit`` visible records, the dataset ends, or :data:`MAX_SCAN` stored records were read —
then it is shorter and still has a ``next`` token. A client follows ``next`` until it is null.

The ``next`` token is opaque: URL-safe base64 of the last record id read and a hash of the
filters, so a token cannot be replayed with other filters (that would skip records silently).

Filters are exact matches on fields the audience sees in full: an agency sees ID numbers
masked, so matching on them would reveal the hidden digits one query at a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

import schemas
from catalog import RECORD_ID_PATTERN, CatalogEntry, UnknownDatasetError, get_entry, load_catalog
from gateway.errors import ApiError
from store import Audience, Store, may_see_dataset, view

MAX_SCAN = 5_000
"""Stored records one page may read while looking for visible ones."""

RESERVED = frozenset({"limit", "next"})
"""Query parameters of a records page that are not field filters."""

FILTERABLE: dict[Audience, frozenset[str]] = {
    Audience.PUBLIC: frozenset({"public"}),
    Audience.AGENCY: frozenset({"public"}),
    Audience.GOVERNMENT: frozenset({"public", "masked", "restricted"}),
}
"""Disclosure classes (``x-disclosure``) each audience may filter on."""


def visible_datasets(audience: Audience) -> list[CatalogEntry]:
    """Catalogue entries the audience may read, in catalogue order."""
    return [e for e in load_catalog().values() if may_see_dataset(e.id, audience)]


def catalogue_entry(dataset: str) -> CatalogEntry:
    """The entry of a dataset id; 404 when the catalogue has none."""
    try:
        return get_entry(dataset)
    except UnknownDatasetError:
        raise ApiError(404, f"no dataset {dataset!r} in the catalogue") from None


def readable_entry(dataset: str, audience: Audience) -> CatalogEntry:
    """The entry of a dataset the audience may read; 404 unknown, 403 not open to it."""
    entry = catalogue_entry(dataset)
    if not may_see_dataset(entry.id, audience):
        raise ApiError(
            403,
            f"{entry.id} is {entry.openness.zh} ({entry.openness.value}); "
            f"the {audience.value} view does not include it",
        )
    return entry


def filters_from(
    entry: CatalogEntry, params: Iterable[tuple[str, str]], audience: Audience
) -> dict[str, str]:
    """Exact-match filters from query parameters (``?field=value``); 400 for a field that is
    unknown, not filterable by this audience, or given twice."""
    disclosure = {f.id: f.disclosure for f in schemas.fields(entry.schema_id)}
    allowed = FILTERABLE[audience]
    filters: dict[str, str] = {}
    for name, value in params:
        if name in RESERVED:
            continue
        if disclosure.get(name) not in allowed:
            raise ApiError(
                400,
                f"{entry.id} has no field {name!r} this caller may filter on",
                [{"param": name, "code": "unknown-filter"}],
            )
        if name in filters:
            raise ApiError(400, f"filter {name!r} is given twice", [{"param": name}])
        filters[name] = value.strip().upper() if name == "uscc" else value
    return filters


def _filter_hash(filters: Mapping[str, str]) -> str:
    body = orjson.dumps(dict(sorted(filters.items())))
    return hashlib.sha256(body).hexdigest()[:16]


def encode_next(after: str, filters: Mapping[str, str]) -> str:
    """The opaque ``next`` token for a page that ended at record ``after``."""
    body = orjson.dumps({"a": after, "f": _filter_hash(filters)})
    return base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def decode_next(token: str | None, entry: CatalogEntry, filters: Mapping[str, str]) -> str | None:
    """The record id a ``next`` token continues after (None: from the start); 400 when the
    token is malformed, of another dataset or of other filters."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after, digest = body["a"], body["f"]
    except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise ApiError(400, "next is not a token this API gave out") from None
    if (
        not isinstance(after, str)
        or not RECORD_ID_PATTERN.match(after)
        or not after.startswith(f"{entry.id}:")
    ):
        raise ApiError(400, f"next is not a token of a {entry.id} page")
    if digest != _filter_hash(filters):
        raise ApiError(400, "next was given out for other filters; repeat the same filters")
    return after


@dataclass(frozen=True, slots=True)
class Page:
    """Visible records of one page and where the next page starts (None: the end)."""

    views: list[dict[str, Any]]
    next_after: str | None


def visible_page(
    store: Store,
    entry: CatalogEntry,
    audience: Audience,
    today: date,
    *,
    after: str | None,
    limit: int,
    filters: Mapping[str, str],
) -> Page:
    """Up to ``limit`` visible records after record id ``after``."""
    views: list[dict[str, Any]] = []
    cursor = after
    scanned = 0
    batch = min(limit + 1, MAX_SCAN)
    while True:
        stored = store.records(entry.id, after_record_id=cursor, limit=batch, filters=filters)
        for record in stored:
            seen = view(record, audience, today=today)
            if seen is None:
                continue
            if len(views) == limit:
                return Page(views, views[-1]["record_id"])
            views.append(seen)
        if len(stored) < batch:
            return Page(views, None)
        cursor = stored[-1].record_id
        scanned += len(stored)
        if scanned >= MAX_SCAN:
            return Page(views, cursor)


def iter_views(
    store: Store,
    entry: CatalogEntry,
    audience: Audience,
    today: date,
    *,
    filters: Mapping[str, str] | None = None,
    batch: int = 1000,
) -> Iterator[list[dict[str, Any]]]:
    """Every visible record of a dataset in record-id order, one list per store page (each
    page is its own short read, so a long download never holds a snapshot open)."""
    cursor: str | None = None
    while True:
        stored = store.records(entry.id, after_record_id=cursor, limit=batch, filters=filters)
        views = [v for v in (view(s, audience, today=today) for s in stored) if v is not None]
        if views:
            yield views
        if len(stored) < batch:
            return
        cursor = stored[-1].record_id
