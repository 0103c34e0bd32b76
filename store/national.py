"""The national exchange export (国家双公示交换格式): a dataset's records as national rows.

The provincial and national platforms (信用中国) take the 2021 双公示 field codes, not the
gateway's field ids. A platform sees everything shared with government, so every row is the
record's **government view** (:func:`store.view`): withdrawn records (repaired, revoked,
expired …) are absent, ID numbers are whatever that view shows. The columns and cell rules
come from the schema's annotations (:mod:`schemas.national`).

Rows are produced page by page from the store (a generator: flat memory, each page its own
short read, no snapshot held open).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import schemas
from catalog import get_entry, load_catalog
from store.errors import InvalidQueryError
from store.exchange import Store
from store.views import Audience, view

PAGE = 1000


def national_schema(dataset: str) -> str:
    """The schema id of a dataset that has a national format; :class:`InvalidQueryError`
    (naming the datasets that do) otherwise."""
    entry = get_entry(dataset)
    if schemas.national_standard(entry.schema_id) is None:
        known = ", ".join(national_datasets()) or "none"
        raise InvalidQueryError(
            f"{entry.id} has no national exchange format (datasets with one: {known})"
        )
    return entry.schema_id


def national_datasets() -> list[str]:
    """Catalogue datasets whose schema declares a national standard."""
    return [e.id for e in load_catalog().values() if schemas.national_standard(e.schema_id)]


def national_header(dataset: str) -> list[str]:
    """The national codes of a dataset's rows, in order."""
    return [c.code for c in schemas.national_columns(national_schema(dataset))]


def national_page(
    store: Store, dataset: str, *, today: date, after: str | None, limit: int
) -> tuple[list[tuple[str, dict[str, str]]], bool]:
    """Up to ``limit`` ``(record id, national row)`` after record id ``after``, and whether
    more follow (for cursor pages; the government view shows every active record)."""
    schema_id = national_schema(dataset)
    stored = store.records(dataset, after_record_id=after, limit=limit + 1)
    out: list[tuple[str, dict[str, str]]] = []
    for record in stored[:limit]:
        seen = view(record, Audience.GOVERNMENT, today=today)
        if seen is not None:
            row = schemas.national_row(schema_id, seen, updated_at=seen["_meta"]["updated_at"])
            out.append((record.record_id, row))
    return out, len(stored) > limit


def national_pages(
    store: Store, dataset: str, *, today: date, page: int = PAGE
) -> Iterator[list[dict[str, str]]]:
    """Every record of ``dataset`` the government view shows, as national rows, one list per
    store page (``code -> cell``; see :func:`schemas.national_row`)."""
    schema_id = national_schema(dataset)
    cursor: str | None = None
    while True:
        stored = store.records(dataset, after_record_id=cursor, limit=page)
        rows: list[dict[str, str]] = []
        for record in stored:
            seen = view(record, Audience.GOVERNMENT, today=today)
            if seen is None:
                continue
            rows.append(
                schemas.national_row(schema_id, seen, updated_at=seen["_meta"]["updated_at"])
            )
        if rows:
            yield rows
        if len(stored) < page:
            return
        cursor = stored[-1].record_id
