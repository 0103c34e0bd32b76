"""The catalogue as a whole: an ordered, read-only mapping of dataset id → entry.

The catalogue is itself a published dataset (id ``catalogue``): :meth:`Catalog.as_records`
renders one flat record per entry, valid against ``schemas/json/catalogue-entry.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from catalog.entry import CatalogEntry, Provider
from catalog.errors import UnknownDatasetError
from catalog.keys import format_key_part
from catalog.subjects import SubjectRules


class Catalog(Mapping[str, CatalogEntry]):
    """The public credit information catalogue (公共信用信息目录), in manifest order.

    ``catalog[id]`` raises :class:`UnknownDatasetError` (a ``KeyError``) for an unknown id.
    """

    __slots__ = ("_entries", "publisher", "subjects", "title_en", "title_zh", "version")

    def __init__(
        self,
        entries: Iterable[CatalogEntry],
        *,
        publisher: Provider,
        version: str,
        title_zh: str = "武汉市公共信用信息目录",
        title_en: str = "Wuhan public credit information catalogue",
        subjects: SubjectRules | None = None,
    ) -> None:
        self._entries: dict[str, CatalogEntry] = {}
        for entry in entries:
            if entry.id in self._entries:
                raise ValueError(f"dataset {entry.id!r} appears twice")
            self._entries[entry.id] = entry
        self.publisher = publisher
        self.version = version
        self.title_zh = title_zh
        self.title_en = title_en
        self.subjects = subjects
        """How a record's subject category is read (None: records have no subjects)."""

    def __getitem__(self, dataset_id: str) -> CatalogEntry:
        try:
            return self._entries[dataset_id]
        except KeyError:
            raise UnknownDatasetError(dataset_id, self._entries) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Catalog {self.version} of {len(self)} datasets>"

    def ids(self) -> tuple[str, ...]:
        """The dataset ids in catalogue order."""
        return tuple(self._entries)

    def with_schema(self, schema_id: str) -> tuple[CatalogEntry, ...]:
        """The datasets whose records a schema validates (``list-entry`` has two)."""
        return tuple(e for e in self._entries.values() if e.schema_id == schema_id)

    def as_records(self) -> Iterator[dict[str, Any]]:
        """One flat ``catalogue-entry`` record per dataset, in catalogue order."""
        for entry in self._entries.values():
            yield self._record(entry)

    def _record(self, entry: CatalogEntry) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": entry.id,
            "title": entry.title_zh,
            "title_en": entry.title_en,
            "description": entry.description_zh,
            "description_en": entry.description_en,
            "category_code": entry.category,
            "category": entry.category_zh,
            "category_en": entry.category_en,
            "record_kind": entry.record_kind_zh,
            "provider_names": [p.name_zh for p in entry.providers],
            "provider_usccs": [p.uscc for p in entry.providers],
            "openness": entry.openness.value,
            "openness_zh": entry.openness.zh,
            "schema_id": entry.schema_id,
            "schema_version": entry.schema_version,
            "natural_key": [format_key_part(p) for p in entry.natural_key],
            "publication_rule": entry.publication_rule,
            "update_frequency": entry.update_frequency,
            "disclosure_deadline_working_days": entry.disclosure_deadline_working_days,
            "ckan_dataset_name": entry.ckan_dataset_name(),
            "ckan_organisation": entry.ckan.organisation,
            "ckan_tags": list(entry.ckan.tags),
            "licence_id": entry.ckan.licence_id,
            "catalogue_version": self.version,
            "source_org_name": self.publisher.name_zh,
            "source_org_uscc": self.publisher.uscc,
        }
        # Optional fields are omitted rather than null, as in every other record kind.
        return {k: v for k, v in record.items() if v is not None}
