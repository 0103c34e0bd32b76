"""The datasets a GraphQL caller may see, and keyset pages of the change feed.

``records`` pages are :mod:`gateway.paging`'s (shared with REST and the downloads).
``changes`` pages follow ``seq`` (the cursor is the decimal seq, the same number REST and
acknowledgements use); only datasets the caller may see are read, so every event becomes a
feed item. Both report ``head``, the change-log position read *before* the page: every event
up to it is reflected in the page, so a client that downloads a dataset and then follows the
feed from the first page's ``head`` ends with exactly what a fresh download gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from catalog import CatalogEntry, UnknownDatasetError, get_entry, load_catalog
from gateway.graphql.errors import BadInputError
from gateway.paging import PagingError
from store import Audience, Store, may_see_dataset, view_event


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


def bad_input(exc: PagingError) -> BadInputError:
    """The GraphQL refusal of a filter or cursor the pager refused (``reason``: its code)."""
    error = BadInputError(exc.message)
    error.extensions["reason"] = exc.code
    return error


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
        i for e in events if (i := view_event(e, audience, today=today, hidden=hidden)) is not None
    ]
    last = events[-1].seq if events else after
    end = last if has_next else max(after, last, head)
    return ChangePage(head=head, items=items, has_next=has_next, end=end)
