"""Where published rows come from (数据来源): the store's public view, or the catalogue.

Both sources yield public views (:func:`store.view`'s shape) in record-id order, the order
of the DataStore's first load and of the download files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from catalog import Catalog, CatalogEntry
from store import Audience, Store, redact, view

CATALOGUE = "catalogue"
"""The catalogue's own dataset: its rows come from the catalogue files, not the store."""
STORE_PAGE = 5_000


def store_views(store: Store, dataset: str, today: date) -> Iterator[dict[str, Any]]:
    """The public view of every record of ``dataset`` visible on ``today``, by record id."""
    after: str | None = None
    while True:
        page = store.records(dataset, after_record_id=after, limit=STORE_PAGE, state="active")
        for stored in page:
            shown = view(stored, Audience.PUBLIC, today=today)
            if shown is not None:
                yield shown
        if len(page) < STORE_PAGE:
            return
        after = page[-1].record_id


def catalogue_views(catalog: Catalog, entry: CatalogEntry) -> list[dict[str, Any]]:
    """The catalogue's records (one per dataset) as public views, by record id.

    Every catalogue entry is listed, the ones that are not public too: the catalogue (目录)
    is itself public; the records of those datasets are never published.
    """
    views = []
    for record in catalog.as_records():
        fields = redact(record, entry.schema_id, Audience.PUBLIC)
        record_id = entry.record_id(record)
        if record_id is not None:
            views.append({"record_id": record_id, "dataset": entry.id, **fields})
    return sorted(views, key=lambda v: str(v["record_id"]))
