"""Keyset pages of records and of the change feed, read for one audience.

``records`` pages follow ``record_id`` (the cursor is its URL-safe base64, opaque to
clients); the store returns a dataset's active records, and the caller's view may hide some
of them (not publishable, outside the window), so a page reads on until it has ``first + 1``
visible records or the dataset ends. ``changes`` pages follow ``seq`` (the cursor is the
decimal seq, the same number REST and acknowledgements use); only datasets the caller may
see are read, so every event becomes a feed item.

Both report ``head``, the change-log position read *before* the page: every event up to it
is reflected in the page, so a client that downloads a dataset and then follows the feed
from the first page's ``head`` ends with exactly what a fresh download gives.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import schemas
from catalog import RECORD_ID_PATTERN, CatalogEntry, UnknownDatasetError, get_entry, load_catalog
from gateway.graphql.errors import BadInputError
from gateway.graphql.types import FieldFilter, RecordFilter
from store import Audience, Store, may_see_dataset, view, view_event

MAX_SCAN = 5_000  # rows per store read while looking for visible records

FILTERABLE = {
    Audience.PUBLIC: frozenset({"public"}),
    # A masked field is shown masked: exact matching on it would reveal the hidden digits.
    Audience.AGENCY: frozenset({"public"}),
    Audience.GOVERNMENT: frozenset({"public", "masked", "restricted"}),
}


def visible_entry(dataset: str, audience: Audience) -> CatalogEntry:
    """The catalogue entry of a dataset the audience may see; :class:`BadInputError` otherwise."""
    try:
        entry = get_entry(dataset)
    except UnknownDatasetError:
        entry = None
    if entry is None or not may_see_dataset(entry.id, audience):
        raise BadInputError(f"no dataset {dataset!r} is open to this caller; see `datasets`")
    return entry


def visible_datasets(audience: Audience) -> list[CatalogEntry]:
    """Catalogue entries the audience may see, in catalogue order."""
    return [e for e in load_catalog().values() if may_see_dataset(e.id, audience)]


def encode_record_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(record_id.encode("ascii")).decode("ascii").rstrip("=")


def decode_record_cursor(cursor: str | None, dataset: str) -> str | None:
    """The record id a ``records`` cursor stands for (None: from the start)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        record_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        record_id = ""
    if not RECORD_ID_PATTERN.match(record_id) or not record_id.startswith(f"{dataset}:"):
        raise BadInputError(f"{cursor!r} is not a cursor of a {dataset} page")
    return record_id


MAX_SEQ = 2**63 - 1
"""The largest seq a cursor may name (a 64-bit column); beyond it is a bad input, not a 500."""


def parse_seq_cursor(cursor: str | None) -> int:
    """The seq a ``changes`` cursor stands for (0: the beginning of the log)."""
    if cursor is None or cursor.strip() == "":
        return 0
    text = cursor.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_SEQ:
        raise BadInputError(f"{cursor!r} is not a change-feed cursor (a decimal seq)")
    return int(text)


def record_filters(
    entry: CatalogEntry, given: RecordFilter | None, audience: Audience
) -> dict[str, str]:
    """Store filters from the GraphQL input, limited to fields the audience sees in full."""
    if given is None:
        return {}
    allowed = FILTERABLE[audience]
    disclosure = {f.id: f.disclosure for f in schemas.fields(entry.schema_id)}
    pairs: list[FieldFilter] = list(given.fields or [])
    if given.credit_code is not None:
        pairs.append(FieldFilter(field="uscc", value=given.credit_code.strip().upper()))
    filters: dict[str, str] = {}
    for pair in pairs:
        if disclosure.get(pair.field) not in allowed:
            raise BadInputError(f"{entry.id} has no field {pair.field!r} this caller may filter on")
        if filters.get(pair.field, pair.value) != pair.value:
            raise BadInputError(f"field {pair.field!r} is filtered twice with different values")
        filters[pair.field] = pair.value
    return filters


@dataclass(frozen=True, slots=True)
class RecordPage:
    head: int
    views: list[dict[str, Any]]
    has_next: bool


def read_record_page(
    store: Store,
    dataset: str,
    *,
    after: str | None,
    first: int,
    filters: Mapping[str, str],
    audience: Audience,
    today: date,
) -> RecordPage:
    """Up to ``first`` visible records after ``after`` (blocking; run it in a thread)."""
    head = store.head()
    wanted = first + 1  # one more tells whether there is a next page
    batch = min(wanted, MAX_SCAN)
    found: list[dict[str, Any]] = []
    cursor = after
    while len(found) < wanted:
        stored = store.records(
            dataset, after_record_id=cursor, limit=batch, filters=filters or None
        )
        for record in stored:
            seen = view(record, audience, today=today)
            if seen is not None:
                found.append(seen)
                if len(found) == wanted:
                    break
        if len(stored) < batch:
            break
        cursor = stored[-1].record_id
    return RecordPage(head=head, views=found[:first], has_next=len(found) > first)


@dataclass(frozen=True, slots=True)
class ChangePage:
    head: int
    items: list[dict[str, Any]]
    has_next: bool
    end: int


def read_change_page(
    store: Store,
    *,
    after: int,
    first: int,
    datasets: Sequence[str] | None,
    audience: Audience,
    today: date,
) -> ChangePage:
    """Up to ``first`` feed items after seq ``after`` (blocking; run it in a thread).

    ``end`` is where the next poll starts: the last item's seq while more follow, else the
    head read before the page (events of datasets not asked for are skipped for good).
    """
    head = store.head()
    events = store.changes(after, first + 1, datasets)
    has_next = len(events) > first
    events = events[:first]
    hidden = store.hidden(events, audience)
    items = [
        i
        for e in events
        if (i := view_event(e, audience, today=today, hidden=hidden)) is not None
    ]
    last = events[-1].seq if events else after
    end = last if has_next else max(after, last, head)
    return ChangePage(head=head, items=items, has_next=has_next, end=end)
