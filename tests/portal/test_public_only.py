"""Only public views reach CKAN: no ID number anywhere in the portal, no dataset that is not
open to the public (one left in the portal is purged), no record outside its window."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import TODAY, CkanSite, assert_published, penalties, submit

import demo
from catalog import Openness, load_catalog
from portal import CkanClient, PortalConfig, publish
from schemas import is_valid_resident_id
from store import Store

pytestmark = pytest.mark.ckan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def _id_numbers(value: Any) -> Iterator[str]:
    """Every value of an ``*_id_no`` field, nested objects included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_id_no") and isinstance(item, str):
                yield item
            else:
                yield from _id_numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _id_numbers(item)


def _fill(store: Store) -> set[str]:
    """Records for every dataset of the catalogue; answers the ID numbers stored."""
    catalog = load_catalog()
    for entry in catalog.values():
        path = FIXTURES / f"{entry.schema_id}.valid.json"
        if path.exists():
            submit(store, entry.id, json.loads(path.read_text("utf-8")))
    submit(store, "administrative-penalty", penalties(300))
    submit(store, "administrative-licensing", demo.licences(200))
    numbers: set[str] = set()
    for entry in catalog.values():
        for stored in store.records(entry.id, limit=10_000, state="all"):
            numbers.update(_id_numbers(stored.payload))
    return numbers


def _leave_a_non_public_dataset(site: CkanSite, config: PortalConfig, number: str) -> str:
    """A dataset of a non-public entry in the portal, as an older publisher might have left."""
    entry = load_catalog()["voluntary-registration"]
    assert entry.openness is not Openness.PUBLIC
    name = config.dataset_name(entry)
    pkg = site.api.action.package_create(
        name=name,
        owner_org=config.org_name(entry.main_provider),
        resources=[{"name": "table", "url_type": "datastore", "url": ""}],
    )
    site.api.action.datastore_create(
        resource_id=pkg["resources"][0]["id"],
        force=True,
        fields=[{"id": "person_id_no", "type": "text"}],
        records=[{"person_id_no": number}],
    )
    return name


def _everything(site: CkanSite, names: list[str]) -> Iterator[tuple[str, bytes]]:
    """Every piece of the portal the datasets reach: metadata, table rows, downloads."""
    for name in names:
        pkg = site.package(name)
        yield name, json.dumps(pkg, ensure_ascii=False).encode()
        org = site.api.action.organization_show(id=pkg["owner_org"], include_extras=True)
        yield f"organisation of {name}", json.dumps(org, ensure_ascii=False).encode()
        for resource in pkg["resources"]:
            where = f"{name}/{resource['name']}"
            if resource.get("datastore_active"):
                rows = site.table(resource["id"])
                yield f"{where} rows", json.dumps(rows, ensure_ascii=False).encode()
            yield f"{where} download", site.download(resource["url"])


def test_nothing_but_public_views_reaches_ckan(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    numbers = _fill(store)
    assert len(numbers) > 100  # natural persons and legal representatives are in the store
    publish(store, client, today=TODAY, config=config)
    leftover = _leave_a_non_public_dataset(ckan_site, config, sorted(numbers)[0])

    summary = publish(store, client, today=TODAY, config=config)

    assert summary.removed == [leftover]
    catalog = load_catalog()
    public = sorted(
        config.dataset_name(e) for e in catalog.values() if e.openness is Openness.PUBLIC
    )
    ours = sorted(n for n in ckan_site.api.action.package_list() if n.startswith(config.prefix))
    assert ours == public  # a dataset per public entry (catalogue included), nothing else
    for entry in catalog.values():
        if entry.openness is Openness.PUBLIC and entry.id != "catalogue":
            assert_published(ckan_site, config.dataset_name(entry), store, entry.id, TODAY)

    # natural persons' records are not public (Order 272, catalogue subject_openness)
    persons = 0
    for name in ours:
        for resource in ckan_site.package(name)["resources"]:
            if resource.get("datastore_active"):
                rows = ckan_site.table(resource["id"]).values()
                persons += sum(r.get("counterpart_category") == "自然人" for r in rows)
    assert persons == 0

    scanned = 0
    for where, data in _everything(ckan_site, ours):
        text = data.decode("utf-8", errors="replace")
        found = [m for m in RESIDENT_ID.findall(text) if is_valid_resident_id(m.upper())]
        assert not found, f"{where}: resident ID numbers {found[:3]}"
        leaked = [n for n in numbers if n in text]
        assert not leaked, f"{where}: stored ID numbers {leaked[:3]}"
        scanned += len(data)
    assert scanned > 100_000
