"""Metadata from the catalogue, and change detection that ignores what CKAN adds."""

from __future__ import annotations

import copy
from typing import Any

import schemas
from catalog import load_catalog
from portal import PortalConfig, Role
from portal.metadata import (
    organisation_changes,
    organisation_dict,
    package_changes,
    package_dict,
    resource_changes,
    resource_dict,
)

CONFIG = PortalConfig()


def _as_ckan_returns_it(desired: dict[str, Any]) -> dict[str, Any]:
    """What package_show answers for a dataset created from ``desired``: ids, an
    organisation object, extras in another order plus sync state, extra keys."""
    shown = copy.deepcopy(desired)
    shown["id"] = "0b7c7d33-0000-4000-8000-000000000000"
    shown["owner_org"] = "5a1e0000-0000-4000-8000-000000000000"
    shown["organization"] = {"name": desired["owner_org"], "title": "x"}
    shown["extras"] = [*reversed(desired["extras"]), {"key": "creditgate_seq", "value": "9"}]
    shown["tags"] = [{"name": t["name"], "id": "t", "state": "active"} for t in desired["tags"]]
    shown.update(metadata_modified="2026-11-28T00:00:00", state="active", num_resources=4)
    return shown


def test_dataset_metadata_comes_from_the_catalogue() -> None:
    catalog = load_catalog()
    entry = catalog["administrative-penalty"]
    desired = package_dict(entry, CONFIG, catalog)
    extras = {e["key"]: e["value"] for e in desired["extras"]}
    assert desired["name"] == "wuhan-credit-administrative-penalty"
    assert desired["title"] == entry.title_zh and extras["title_en"] == entry.title_en
    assert entry.description_zh in desired["notes"] and entry.description_en in desired["notes"]
    assert [t["name"] for t in desired["tags"]] == list(entry.ckan.tags)
    assert desired["license_id"] == entry.ckan.licence_id
    assert extras["update_frequency"] == entry.update_frequency
    assert extras["json_schema"] == schemas.schema_uri(entry.schema_id)
    assert schemas.schema_uri(entry.schema_id) in desired["notes"]
    assert desired["owner_org"] == entry.ckan.organisation and desired["private"] is False


def test_an_unchanged_dataset_needs_no_write() -> None:
    catalog = load_catalog()
    desired = package_dict(catalog["administrative-licensing"], CONFIG, catalog)
    assert package_changes(_as_ckan_returns_it(desired), desired) == {}


def test_changed_fields_are_found() -> None:
    catalog = load_catalog()
    desired = package_dict(catalog["administrative-licensing"], CONFIG, catalog)
    shown = _as_ckan_returns_it(desired)
    shown["title"] = "旧标题"
    shown["tags"] = shown["tags"][1:]
    shown["organization"] = {"name": "someone-else"}
    shown["extras"] = [e for e in shown["extras"] if e["key"] != "json_schema"]
    changes = package_changes(shown, desired)
    assert set(changes) == {"title", "tags", "owner_org", "extras"}
    assert changes["title"] == desired["title"]


def test_a_deleted_dataset_is_brought_back() -> None:
    catalog = load_catalog()
    desired = package_dict(catalog["market-ban"], CONFIG, catalog)
    shown = _as_ckan_returns_it(desired) | {"state": "deleted"}
    assert package_changes(shown, desired) == {"state": "active"}


def test_organisation_metadata_and_changes() -> None:
    provider = load_catalog()["administrative-penalty"].main_provider
    desired = organisation_dict(provider, CONFIG)
    assert desired["name"] == "wuhan-amr" and desired["title"] == provider.name_zh
    assert provider.name_en in desired["description"]
    shown = copy.deepcopy(desired) | {"id": "x", "state": "active", "package_count": 0}
    shown["extras"] = list(reversed(desired["extras"]))
    assert not organisation_changes(shown, desired)
    assert organisation_changes(shown | {"title": "旧名"}, desired)


def test_resources_carry_their_role_and_only_real_differences_count() -> None:
    entry = load_catalog()["administrative-penalty"]
    table = resource_dict(entry, CONFIG, Role.DATASTORE)
    assert table["url_type"] == "datastore" and table["creditgate_role"] == "datastore"
    csv = resource_dict(entry, CONFIG, Role.CSV)
    assert csv["format"] == "CSV" and csv["name"].endswith(".csv")
    shown = csv | {
        "id": "r",
        "url": "http://x/download/f.csv",
        "url_type": "upload",
        "hash": "sha256:0",
        "size": 10,
        "last_modified": "2026-11-28T00:00:00",
    }
    assert resource_changes(shown, csv) == {}
    assert resource_changes(shown | {"description": "改过"}, csv) == {
        "description": csv["description"]
    }
