"""CKAN and the gateway give the public the same thing (issue 13, CKAN parity): a record under
objection carries the mark in CKAN's DataStore rows and files as it does in the views, and the
NDJSON (and CSV) file CKAN serves is byte for byte the gateway's public download of the same
store on the same day — one reader, one JSON Schema (``<schema>.public``) for both.

Against the real CKAN (``scripts/ckan up``), with names unique to each test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from portal_helpers import TODAY, CkanSite, assert_published, penalties, submit

import schemas
from gateway.app import create_app
from gateway.settings import Settings
from portal import CkanClient, PortalConfig, publish
from store import Audience, Store, open_store, view, view_validator
from store.marks import clear_objection, mark_objection

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
from rest_helpers import NO_LIMITS, serving

pytestmark = pytest.mark.ckan

PENALTY = "administrative-penalty"


def _publish(store: Store, client: CkanClient, config: PortalConfig) -> None:
    summary = publish(store, client, config=config, today=TODAY, datasets=[PENALTY])
    assert summary.ok, summary


def _ckan_file(site: CkanSite, name: str, role: str) -> bytes:
    parts = site.resources(name, role)
    assert len(parts) == 1, parts  # a small table: one part
    return site.download(parts[0]["url"])


def _gateway_file(url: str, kind: str) -> bytes:
    """The gateway's public download of the same store (no key: the public view)."""
    settings = Settings(db=url, today=TODAY.isoformat(), **NO_LIMITS)
    with serving(create_app(settings, store=open_store(url))) as api:
        r = api.get(f"/api/v1/datasets/{PENALTY}/download.{kind}")
        assert r.status_code == 200, r.text
        return r.content


def test_the_objection_mark_and_the_files_match_the_gateway(
    tmp_path: Path, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    url = f"sqlite:///{tmp_path / 'parity.sqlite'}"
    store = open_store(url)
    submit(store, PENALTY, penalties(60, seed=13))
    shown = [s for s in store.records(PENALTY, limit=100) if view(s, Audience.PUBLIC, today=TODAY)]
    marked = shown[3].record_id
    name = f"{config.prefix}-{PENALTY}"
    _publish(store, client, config)  # the first load, then the mark arrives by the change log
    mark_objection(store.engine, marked, actor="test", note="异议申请已受理")
    _publish(store, client, config)
    assert_published(ckan_site, name, store, PENALTY, TODAY)

    table = ckan_site.resource(name, "datastore")
    rows = ckan_site.table(table["id"])
    assert rows[marked]["under_objection"] == "true"
    assert rows[marked]["objection_status"] == "异议处理中"
    others = [r for rid, r in rows.items() if rid != marked]
    assert others and all(r["under_objection"] == "false" for r in others)
    assert all(r["objection_status"] is None for r in others)
    labels = {f["id"]: f["info"]["label"] for f in ckan_site.fields(table["id"])}
    assert labels["under_objection"] == "异议处理中" and labels["objection_status"] == "异议状态"

    ndjson = _ckan_file(ckan_site, name, "ndjson")
    assert ndjson == _gateway_file(url, "ndjson")  # the same bytes, line for line
    assert _ckan_file(ckan_site, name, "csv") == _gateway_file(url, "csv")
    lines = [json.loads(line) for line in ndjson.splitlines()]
    validator = view_validator(PENALTY, Audience.PUBLIC)
    for line in lines:  # and every line is what the public schema describes
        assert not list(validator.iter_errors(line)), line["record_id"]
    [line] = [x for x in lines if x["record_id"] == marked]
    assert line["_meta"]["under_objection"] is True

    clear_objection(store.engine, marked, actor="test", note="异议不成立")
    _publish(store, client, config)
    assert ckan_site.table(table["id"])[marked]["under_objection"] == "false"
    assert _ckan_file(ckan_site, name, "ndjson") == _gateway_file(url, "ndjson")
    store.close()


def test_a_table_loaded_before_the_mark_columns_gets_them(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    """A table an older gateway loaded (no mark columns) is reconciled on the next run:
    the columns are added and every row gets its cells."""
    submit(store, PENALTY, penalties(30, seed=14))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    table = ckan_site.resource(name, "datastore")
    marks = ("under_objection", "objection_status")
    old = [f for f in ckan_site.fields(table["id"]) if f["id"] not in marks]
    rows = [
        {k: v for k, v in r.items() if k not in marks}
        for r in ckan_site.table(table["id"]).values()
    ]
    api = ckan_site.api.action
    api.datastore_delete(resource_id=table["id"], force=True)
    api.datastore_create(
        resource_id=table["id"],
        force=True,
        primary_key=["record_id"],
        fields=[{"id": f["id"], "type": f["type"], "info": f.get("info")} for f in old],
        records=rows,
    )
    assert "under_objection" not in ckan_site.table(table["id"])[rows[0]["record_id"]]
    _publish(store, client, config)
    reshaped = ckan_site.table(table["id"])
    assert len(reshaped) == len(rows)
    assert all(r["under_objection"] == "false" for r in reshaped.values())
    assert_published(ckan_site, name, store, PENALTY, TODAY)
    package = json.loads(_ckan_file(ckan_site, name, "datapackage"))
    [ndjson] = [r for r in package["resources"] if r["format"] == "ndjson"]
    assert ndjson["schema"]["x-json-schema"] == schemas.BASE_URI + f"{PENALTY}.public.schema.json"
    assert ndjson["dialect"]["json"]["keys"][:2] == ["record_id", "dataset"]
