"""Natural persons (自然人) are never published: every public output of the demo store is
scanned — REST pages, entity pages, CSV and NDJSON downloads, the change feed, GraphQL
(records, changes, entity) as an anonymous caller, and the files, DataStore rows and
``datapackage.json`` the CKAN publisher would write — for a natural person's record (by
category or record id), a natural person's name, or an 18-digit resident ID number.
Agencies (authorised query, IDs masked) and government (sharing, in full) still see them.

Order 272 (武汉市公共信用信息管理办法) and 信用中国 practice; policy in catalog/catalogue.yaml.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pytest
from rest_helpers import NO_LIMITS, Api, serving

import schemas
from catalog import SubjectCategory, load_catalog
from demo import fill_demo
from gateway.app import create_app
from gateway.settings import Settings
from portal import PortalConfig, PublicTable, Role
from portal.files import datapackage, write_datapackage, write_tables
from portal.metadata import package_dict
from portal.naming import public_entries
from portal.source import CATALOGUE, catalogue_views, store_views
from store import Audience, Store, open_store, view, view_event
from store import Role as KeyRole
from store.subjects import subject_rules

TODAY = date(2027, 1, 15)
ENTITIES = 400
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
NATURAL = "自然人"


@dataclass
class Demo:
    """The demo store and what the scans look for."""

    store: Store
    url: str
    person_ids: set[str] = field(default_factory=set)  # record ids of natural persons
    names: set[str] = field(default_factory=set)  # names only natural persons carry
    numbers: set[str] = field(default_factory=set)  # every ID number stored
    businesses: list[str] = field(default_factory=list)  # USCCs of individual businesses


def _walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


def _is_person(dataset: str, payload: dict[str, Any]) -> bool:
    rules = subject_rules(dataset)
    return rules is not None and rules.classify(payload) is SubjectCategory.NATURAL_PERSON


@pytest.fixture
def demo(db_url: str) -> Iterator[Demo]:
    st = open_store(db_url)
    fill_demo(st, entities=ENTITIES, today=TODAY)
    found = Demo(st, db_url)
    person_names: set[str] = set()
    other_text: list[str] = []
    for entry in load_catalog().values():
        for stored in st.records(entry.id, limit=50_000, state="all"):
            payload = stored.payload
            found.numbers.update(
                s for s in _walk_strings(payload) if schemas.is_valid_resident_id(s)
            )
            if _is_person(entry.id, payload):
                assert payload["counterpart_category"] == NATURAL
                found.person_ids.add(stored.record_id)
                person_names.add(payload["counterpart_name"])
            else:
                other_text.extend(_walk_strings(payload))
                code = payload.get("uscc")
                if (
                    payload.get("counterpart_category") == "个体工商户"
                    and isinstance(code, str)
                    and code not in found.businesses
                ):
                    found.businesses.append(code)
    everything_else = "\n".join(other_text)
    # a name a company, an operator or a handler also carries proves nothing: leave it out
    found.names = {n for n in person_names if n not in everything_else}
    assert len(found.person_ids) > 50 and len(found.names) > 5 and found.businesses
    yield found
    st.close()


def _api(demo: Demo) -> Any:
    settings = Settings(db=demo.url, today=TODAY.isoformat(), **NO_LIMITS)
    return serving(create_app(settings, store=open_store(demo.url)))


def _resident_ids(text: str) -> list[str]:
    return [
        m
        for m in ID_CANDIDATE.findall(text)
        if schemas.is_valid_resident_id(m) and not schemas.is_valid_uscc(m)
    ]


def _assert_clean(demo: Demo, where: str, text: str) -> None:
    assert not _resident_ids(text), (where, _resident_ids(text)[:3])
    for number in demo.numbers:
        assert number not in text, (where, number)
    for record_id in demo.person_ids:
        assert record_id not in text, (where, record_id)
    for name in demo.names:
        assert name not in text, (where, name)


def _records_of(views: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for v in views:
        yield v
        # feed items carry the record inside
        if isinstance(v.get("record"), dict):
            yield v["record"]


def _assert_no_person(where: str, views: list[dict[str, Any]]) -> None:
    for v in _records_of(views):
        assert v.get("counterpart_category") != NATURAL, (where, v)
        assert "person_id_no" not in v and "legal_rep_id_no" not in v, (where, v)


# -- the store: views and feeds ------------------------------------------------------------------


def test_store_views_and_feeds_follow_the_subject_policy(demo: Demo) -> None:
    st = demo.store
    shown = {a: 0 for a in Audience}
    persons_shown = {a: 0 for a in Audience}
    for entry in load_catalog().values():
        for stored in st.records(entry.id, limit=50_000, state="all"):
            person = stored.record_id in demo.person_ids
            for audience in Audience:
                seen = view(stored, audience, today=TODAY)
                if seen is None:
                    continue
                shown[audience] += 1
                persons_shown[audience] += person
                if audience is Audience.AGENCY and person:
                    number = stored.payload["person_id_no"]
                    assert seen["person_id_no"] == schemas.mask_id_number(number) != number
                if audience is Audience.GOVERNMENT:
                    assert {k: v for k, v in seen.items() if k not in ("record_id", "dataset",
                            "_meta")} == stored.payload  # fmt: skip
    assert persons_shown[Audience.PUBLIC] == 0 and shown[Audience.PUBLIC] > 500
    assert persons_shown[Audience.AGENCY] > 20 and persons_shown[Audience.GOVERNMENT] > 50

    # feeds: the NDJSON lines and view_event agree, and the public ones say nothing of persons
    for audience in Audience:
        lines = b"".join(st.feed_ndjson(0, 50_000, None, audience, today=TODAY))
        items = [json.loads(line) for line in lines.splitlines()]
        events = st.changes(0, 50_000)
        hidden = st.hidden(events, audience)
        expected = [i for e in events if (i := view_event(e, audience, today=TODAY, hidden=hidden))]
        assert items == json.loads(json.dumps(expected, default=str))
        about = {i["record_id"] for i in items}
        if audience is Audience.PUBLIC:
            assert not about & demo.person_ids
            _assert_no_person("public feed", items)
            _assert_clean(demo, "public feed", lines.decode())
        else:
            assert about & demo.person_ids
    # a take-down of a natural person's record is in the log, and not in the public feed
    persons_down = [
        e
        for e in st.changes(0, 50_000)
        if e.op.value == "delete" and e.record_id in demo.person_ids
    ]
    assert persons_down
    assert {e.record_id for e in persons_down} <= st.hidden(persons_down, Audience.PUBLIC)


# -- every public channel of the gateway ---------------------------------------------------------


def _rest_pages(api: Api, dataset: str) -> Iterator[dict[str, Any]]:
    url: str | None = f"/api/v1/datasets/{dataset}/records?limit=1000"
    while url:
        body = api.json(url)
        yield body
        url = body["next_url"]


def _graphql(api: Api, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert not body.get("errors"), body["errors"]
    return body


RECORDS = """query($dataset: String!, $after: String) {
  records(dataset: $dataset, first: 1000, after: $after) {
    nodes { recordId dataset record } pageInfo { hasNextPage endCursor } } }"""
CHANGES = """query($after: String) { changes(after: $after, first: 1000) {
  nodes { seq op dataset recordId reason record } pageInfo { hasNextPage endCursor } } }"""
ENTITY = """query($code: String!) { entity(creditCode: $code) { creditCode name
  licences { ...R } penalties { ...R } otherActions { ...R } listEntries { ...R }
  marketBans { ...R } commitments { ...R } evaluations { ...R } interviews { ...R }
  voluntaryRegistrations { ...R } } }
fragment R on RecordView { recordId dataset record }"""


def test_no_public_channel_carries_a_natural_person(demo: Demo) -> None:
    catalog = load_catalog()
    public = [e for e in catalog.values() if e.openness.value == "public"]
    texts: list[tuple[str, str]] = []
    business_rows = 0
    with _api(demo) as api:
        for entry in public:
            for body in _rest_pages(api, entry.id):
                _assert_no_person(f"REST {entry.id}", body["records"])
                texts.append((f"REST {entry.id}", json.dumps(body, ensure_ascii=False)))
                business_rows += sum(
                    r.get("counterpart_category") == "个体工商户" for r in body["records"]
                )
            ndjson = api.get(f"/api/v1/datasets/{entry.id}/download.ndjson")
            assert ndjson.status_code == 200
            _assert_no_person(
                f"NDJSON {entry.id}", [json.loads(x) for x in ndjson.text.splitlines()]
            )
            texts.append((f"NDJSON {entry.id}", ndjson.text))
            download = api.get(f"/api/v1/datasets/{entry.id}/download.csv")
            assert download.status_code == 200
            rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
            assert all(NATURAL not in row for row in rows[1:]), entry.id
            texts.append((f"CSV {entry.id}", download.text))
            after: str | None = None
            while True:
                data = _graphql(api, RECORDS, {"dataset": entry.id, "after": after})
                page = data["data"]["records"]
                _assert_no_person(f"GraphQL {entry.id}", [n["record"] for n in page["nodes"]])
                texts.append((f"GraphQL records {entry.id}", json.dumps(data, ensure_ascii=False)))
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        feed = api.get("/api/v1/changes?after=0&limit=50000")
        items = [json.loads(line) for line in feed.text.splitlines()]
        assert items and not {i["record_id"] for i in items} & demo.person_ids
        _assert_no_person("REST feed", items)
        texts.append(("REST feed", feed.text))
        cursor: str | None = None
        while True:
            data = _graphql(api, CHANGES, {"after": cursor})
            page = data["data"]["changes"]
            nodes = page["nodes"]
            assert not {n["recordId"] for n in nodes} & demo.person_ids
            _assert_no_person("GraphQL feed", [n["record"] or {} for n in nodes])
            texts.append(("GraphQL feed", json.dumps(data, ensure_ascii=False)))
            if not page["pageInfo"]["hasNextPage"]:
                break
            cursor = page["pageInfo"]["endCursor"]
        for code in demo.businesses[:15]:
            rest_entity = api.json(f"/api/v1/entities/{code}")
            texts.append((f"REST entity {code}", json.dumps(rest_entity, ensure_ascii=False)))
            gql = _graphql(api, ENTITY, {"code": code})
            texts.append((f"GraphQL entity {code}", json.dumps(gql, ensure_ascii=False)))
        datasets = api.json("/api/v1/datasets")
        texts.append(("REST datasets", json.dumps(datasets, ensure_ascii=False)))
    assert business_rows > 20  # individual businesses stay public (they are businesses)
    for where, text in texts:
        _assert_clean(demo, where, text)


def test_the_ckan_publisher_files_carry_no_natural_person(demo: Demo) -> None:
    """What ``creditgate publish ckan`` writes, built without a portal: DataStore rows, CSV and
    NDJSON parts, ``datapackage.json`` and the dataset metadata."""
    catalog = load_catalog()
    config = PortalConfig()
    for entry in public_entries(catalog):
        table = PublicTable(entry)
        views = (
            catalogue_views(catalog, entry)
            if entry.id == CATALOGUE
            else list(store_views(demo.store, entry.id, TODAY))
        )
        _assert_no_person(f"CKAN {entry.id}", views)
        rows = [table.cells(v) for v in views]
        package = package_dict(entry, config, catalog)
        with write_tables(table, views, names=partial(config.resource_name, entry)) as files:
            urls = {
                role: [f"http://ckan/{g.path.name}" for g in files.parts[role]]
                for role in (Role.CSV, Role.NDJSON)
            }
            descriptor = datapackage(table, package, files, urls, homepage="http://ckan")
            write_datapackage(files, descriptor)
            written = [g.path.read_bytes().decode("utf-8") for r in files.parts for g in
                       files.parts[r]]  # fmt: skip
            assert files.datapackage is not None
            written.append(files.datapackage.path.read_text("utf-8"))
        for text in [json.dumps(rows, ensure_ascii=False), json.dumps(package,
                     ensure_ascii=False), *written]:  # fmt: skip
            _assert_clean(demo, f"CKAN {entry.id}", text)


def test_agency_and_government_keys_still_see_natural_persons(demo: Demo) -> None:
    with _api(demo) as api:
        agency = api.json(
            "/api/v1/datasets/administrative-penalty/records?limit=1000", role=KeyRole.AGENCY
        )
        persons = [r for r in agency["records"] if r["record_id"] in demo.person_ids]
        assert persons
        for record in persons:
            assert re.fullmatch(r"[0-9]{6}\*{8}[0-9]{3}[0-9Xx]", record["person_id_no"])
        gov = api.json(
            "/api/v1/datasets/administrative-penalty/records?limit=1000", role=KeyRole.PLATFORM
        )
        full = [r for r in gov["records"] if r["record_id"] in demo.person_ids]
        assert full and all(schemas.is_valid_resident_id(r["person_id_no"]) for r in full)
        feed = api.get("/api/v1/changes?after=0&limit=50000", role=KeyRole.AGENCY)
        assert {json.loads(x)["record_id"] for x in feed.text.splitlines()} & demo.person_ids


def test_a_dataset_says_how_open_each_subject_category_is(demo: Demo) -> None:
    with _api(demo) as api:
        public = api.json("/api/v1/datasets/administrative-penalty")["subject_openness"]
        agency = api.json("/api/v1/datasets/administrative-penalty", role=KeyRole.AGENCY)
        measures = api.json("/api/v1/datasets/punishment-measures")
    person = public["natural_person"]
    assert person["openness"] == "authorised" and person["readable"] is False
    assert "272" in person["basis_zh"] and person["basis_en"]
    assert public["individual_business"]["readable"] is True
    assert agency["subject_openness"]["natural_person"]["readable"] is True
    assert measures["subject_openness"] == {}
