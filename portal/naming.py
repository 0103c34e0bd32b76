"""Deterministic CKAN names (名称): organisations, datasets, resources and uploaded files.

Every name is a pure function of the catalogue and a :class:`PortalConfig`, so a second run,
another host or a fresh creditgate install finds what the first run created with
``organization_show`` / ``package_show`` — never with ``package_search``, whose index a portal
may not have (the local CKAN answers 0 there, see ``scripts/README-ckan.md``).

- dataset: ``<prefix>-<catalogue id>``; the default prefix gives the catalogue's own
  ``wuhan-credit-administrative-penalty`` (:meth:`catalog.CatalogEntry.ckan_dataset_name`);
- organisation: ``<org prefix><slug>``, the slug of each providing department read from
  ``portal/organisations.yaml`` (keyed by its USCC; a main provider's slug must equal the
  ``ckan.organisation`` of its catalogue entries);
- resources: the DataStore table is named like the dataset, the files ``<dataset>.csv``,
  ``<dataset>.ndjson`` and ``datapackage.json`` — a table too large for one upload has
  further parts ``<dataset>-2.csv``, ``<dataset>-3.csv`` …; each resource carries
  ``creditgate_role`` (and ``creditgate_part``) so the publisher finds it even after somebody
  renamed it in the portal.

Tests and staging portals pass their own prefixes so that runs never collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from catalog import Catalog, CatalogEntry, Openness, Provider
from portal.errors import PortalConfigError

ORGANISATIONS_FILE = "organisations.yaml"
_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_ORG_PREFIX = re.compile(r"^([a-z0-9][a-z0-9_-]{0,39})?$")


class Role(StrEnum):
    """What a resource of a published dataset is; stored as its ``creditgate_role``."""

    DATASTORE = "datastore"
    CSV = "csv"
    NDJSON = "ndjson"
    DATAPACKAGE = "datapackage"


FILE_ROLES = (Role.CSV, Role.NDJSON, Role.DATAPACKAGE)


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """How creditgate names things in one CKAN portal.

    ``prefix`` starts every dataset name (default ``wuhan-credit``), ``org_prefix`` every
    organisation name (default none: ``wuhan-amr``). Both are lower-case ASCII, as CKAN
    names must be. ``max_file_bytes`` is the largest upload the portal accepts (its
    ``ckan.max_resource_size``, 10 MB by default); larger tables are split into parts.
    """

    prefix: str = "wuhan-credit"
    org_prefix: str = ""
    max_file_bytes: int = 10 * 1024 * 1024

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise PortalConfigError(f"not a usable CKAN dataset-name prefix: {self.prefix!r}")
        if not _ORG_PREFIX.match(self.org_prefix):
            raise PortalConfigError(f"not a usable organisation-name prefix: {self.org_prefix!r}")
        if self.max_file_bytes < 4096:
            raise PortalConfigError(f"max_file_bytes is too small: {self.max_file_bytes}")

    def dataset_name(self, entry: CatalogEntry) -> str:
        """``<prefix>-<entry id>``, e.g. ``wuhan-credit-administrative-penalty``."""
        return _checked(f"{self.prefix}-{entry.id}")

    def org_name(self, provider: Provider) -> str:
        """The organisation of a providing department, e.g. ``wuhan-amr``."""
        return _checked(f"{self.org_prefix}{org_slug(provider.uscc)}")

    def resource_name(self, entry: CatalogEntry, role: Role, part: int = 1) -> str:
        """The resource's name in CKAN; for files also the uploaded file name."""
        dataset = self.dataset_name(entry)
        stem = dataset if part == 1 else f"{dataset}-{part}"
        return {
            Role.DATASTORE: dataset,
            Role.CSV: f"{stem}.csv",
            Role.NDJSON: f"{stem}.ndjson",
            Role.DATAPACKAGE: "datapackage.json",
        }[role]


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise PortalConfigError(f"{name!r} is not a valid CKAN name (a-z, 0-9, - and _, ≤100)")
    return name


@cache
def organisation_slugs() -> dict[str, str]:
    """``USCC -> organisation slug`` from ``portal/organisations.yaml`` (validated)."""
    text = (resources.files("portal") / ORGANISATIONS_FILE).read_text("utf-8")
    raw: Any = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise PortalConfigError(f"{ORGANISATIONS_FILE}: expected a mapping USCC -> name")
    slugs: dict[str, str] = {}
    problems: list[str] = []
    for uscc, slug in raw.items():
        if not isinstance(slug, str) or not _NAME.match(slug):
            problems.append(f"{uscc}: {slug!r} is not a valid CKAN name")
        elif slug in slugs.values():
            problems.append(f"{uscc}: {slug!r} is used twice")
        else:
            slugs[str(uscc)] = slug
    if problems:
        raise PortalConfigError(f"{ORGANISATIONS_FILE}: " + "; ".join(problems))
    return slugs


def org_slug(uscc: str) -> str:
    """The slug of a department; one missing from the file gets ``wuhan-org-<uscc>``."""
    return organisation_slugs().get(uscc) or f"wuhan-org-{uscc.lower()}"


def check_organisations(catalog: Catalog) -> list[str]:
    """Disagreements between ``organisations.yaml`` and the catalogue (empty when none):
    a provider of a public dataset without a slug, or a main provider whose slug is not the
    ``ckan.organisation`` its entry names."""
    slugs = organisation_slugs()
    problems: list[str] = []
    for entry in catalog.values():
        if entry.openness is not Openness.PUBLIC:
            continue
        for provider in entry.providers:
            if provider.uscc not in slugs:
                problems.append(f"{entry.id}: provider {provider.name_zh} has no organisation")
        main = slugs.get(entry.main_provider.uscc)
        if main is not None and main != entry.ckan.organisation:
            problems.append(
                f"{entry.id}: catalogue names organisation {entry.ckan.organisation!r}, "
                f"{ORGANISATIONS_FILE} {main!r}"
            )
    return problems


def public_entries(catalog: Catalog) -> list[CatalogEntry]:
    """The entries open to the public (社会公开), in catalogue order: the only ones CKAN gets."""
    return [e for e in catalog.values() if e.openness is Openness.PUBLIC]


def providers_of(entries: list[CatalogEntry], catalog: Catalog) -> list[Provider]:
    """Every department providing one of ``entries`` plus the catalogue's publisher, once each,
    in first-seen order."""
    seen: dict[str, Provider] = {catalog.publisher.uscc: catalog.publisher}
    for entry in entries:
        for provider in entry.providers:
            seen.setdefault(provider.uscc, provider)
    return list(seen.values())
