"""The catalogue entries a caller may read, for the REST routes.

Paging itself — keyset pages, the scan budget, signed cursors, filters — is
:mod:`gateway.paging`, shared with GraphQL and the downloads; ``FILTERABLE`` is re-exported
here for the catalogue route, which shows each field as filterable or not.
"""

from __future__ import annotations

from catalog import CatalogEntry, UnknownDatasetError, get_entry, load_catalog
from gateway.errors import ApiError
from gateway.paging import FILTERABLE
from store import Audience, may_see_dataset

__all__ = ["FILTERABLE", "catalogue_entry", "readable_entry", "visible_datasets"]


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
