"""Per-audience JSON Schemas: every record of every view of the demo store validates against
its audience's schema — as :func:`store.view` makes it, as the feed carries it, and as the
REST pages and downloads serve it — and the gateway publishes those schemas next to the
full ones (``/schemas/<name>.<audience>.schema.json``).

The full schemas describe a stored record, which no audience receives: the last test shows
they reject the views, which is why the derived ones exist.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator
from rest_helpers import NO_LIMITS, Api, serving

import schemas
from catalog import load_catalog
from demo import fill_demo
from gateway.app import create_app
from gateway.settings import Settings
from store import (
    Audience,
    Role,
    Store,
    open_store,
    view,
    view_schema,
    view_schema_uri,
    view_validator,
)
from store.marks import mark_objection

TODAY = date(2027, 1, 15)
PENALTY = "administrative-penalty"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """The demo store (400 entities), one penalty under objection."""
    url = f"sqlite:///{tmp_path_factory.mktemp('views') / 'demo.sqlite'}"
    store = open_store(url)
    fill_demo(store, entities=400, today=TODAY)
    for stored in store.records(PENALTY, limit=200):
        if view(stored, Audience.PUBLIC, today=TODAY):
            mark_objection(store.engine, stored.record_id, actor="test", note="异议")
            break
    yield store, url
    store.close()


def _stored(store: Store, dataset: str) -> Iterator[Any]:
    after = None
    while True:
        page = store.records(dataset, after_record_id=after, limit=2000, state="all")
        yield from page
        if len(page) < 2000:
            return
        after = page[-1].record_id


def _problems(validator: Draft202012Validator, shown: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(shown)]


@cache
def _compiled(name: str, audience: Audience) -> Any:
    """The same schema compiled by jsonschema-rs (the bulk loops: ~20× faster)."""
    documents = [(d["$id"], d) for d in schemas.documents().values()] + [
        (view_schema_uri(n, a), view_schema(n, a)) for n in schemas.schema_names() for a in Audience
    ]
    return jsonschema_rs.validator_for(
        view_schema(name, audience),
        validate_formats=True,
        formats=schemas.FORMATS,
        registry=jsonschema_rs.Registry(documents),
    )


def _check(name: str, audience: Audience, shown: dict[str, Any]) -> list[str]:
    """Problems of a view (none when jsonschema-rs accepts it; else jsonschema's words)."""
    if _compiled(name, audience).is_valid(shown):
        return []
    return _problems(view_validator(name, audience), shown) or ["jsonschema-rs refused it"]


def test_every_view_of_every_record_validates_against_its_audience_schema(
    demo: tuple[Store, str],
) -> None:
    store, _ = demo
    seen: Counter[tuple[str, Audience]] = Counter()
    masked = objections = 0
    for entry in load_catalog().values():
        for stored in _stored(store, entry.id):
            for audience in Audience:
                shown = view(stored, audience, today=TODAY)
                if shown is None:
                    continue
                seen[entry.id, audience] += 1
                problems = _check(entry.schema_id, audience, shown)
                assert not problems, (entry.id, audience.value, stored.record_id, problems)
                masked += audience is Audience.AGENCY and "********" in json.dumps(shown)
                objections += shown["_meta"]["under_objection"]
    for entry in load_catalog().values():  # every dataset a view reaches was checked
        for audience in Audience:
            if any(view(s, audience, today=TODAY) for s in store.records(entry.id, limit=50)):
                assert seen[entry.id, audience] > 0, (entry.id, audience)
    assert len({d for d, _ in seen}) >= 20 and masked > 0 and objections >= 3  # 3 audiences


@pytest.mark.parametrize("audience", list(Audience))
def test_every_feed_item_validates(demo: tuple[Store, str], audience: Audience) -> None:
    store, _ = demo
    lines = b"".join(store.feed_ndjson(0, 50_000, None, audience, today=TODAY)).splitlines()
    upserts = 0
    for line in lines:
        item = json.loads(line)
        if item["record"] is None:
            continue
        upserts += 1
        schema_id = load_catalog()[item["dataset"]].schema_id
        problems = _check(schema_id, audience, item["record"])
        assert not problems, (audience.value, item["seq"], problems)
    assert upserts > 1000


@pytest.fixture(scope="module")
def api(demo: tuple[Store, str]) -> Iterator[Api]:
    store, url = demo
    settings = Settings(db=url, today=TODAY.isoformat(), **NO_LIMITS)
    with serving(create_app(settings, store=store)) as client:
        yield client


@pytest.mark.parametrize("role", [None, Role.AGENCY, Role.PLATFORM])
def test_served_pages_and_downloads_validate_against_the_served_schema(
    api: Api, role: Role | None
) -> None:
    """What a partner does: fetch the schema the page names, validate what it got."""
    for dataset in (PENALTY, "credit-commitment", "market-ban", "catalogue"):
        described = api.get(f"/api/v1/datasets/{dataset}", role=role).json()
        if not described["readable"]:
            continue
        page = api.get(f"/api/v1/datasets/{dataset}/records?limit=200", role=role).json()
        audience = page["audience"]
        assert page["schema"] == described["view_schema_uris"][audience]
        path = page["schema"].removeprefix("https://creditgate.example")
        document = api.get(path).json()
        assert document["$id"] == page["schema"]
        validator = Draft202012Validator(
            document, registry=schemas.registry(), format_checker=schemas.format_checker()
        )
        download = api.get(f"/api/v1/datasets/{dataset}/download.ndjson", role=role)
        views = [*page["records"], *(json.loads(x) for x in download.text.splitlines())]
        assert views, dataset
        for shown in views:
            assert not _problems(validator, shown), (dataset, audience, shown["record_id"])


def test_each_derived_schema_is_published_valid_and_next_to_its_full_schema(api: Api) -> None:
    for name in schemas.schema_names():
        for audience in Audience:
            r = api.get(f"/schemas/{name}.{audience.value}.schema.json")
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("application/schema+json")
            document = r.json()
            Draft202012Validator.check_schema(document)
            assert document == view_schema(name, audience)
            assert document["$id"] == view_schema_uri(name, audience)
            assert document["$id"].rsplit("/", 1)[0] == schemas.schema_uri(name).rsplit("/", 1)[0]
    for bad, status in [
        ("/schemas/administrative-penalty.everyone.schema.json", 400),
        ("/schemas/no-such-thing.public.schema.json", 404),
        ("/schemas/common.public.schema.json", 404),
    ]:
        assert api.get(bad).status_code == status, bad


def test_the_full_schemas_reject_what_the_public_and_agencies_receive(
    demo: tuple[Store, str],
) -> None:
    store, _ = demo
    full = schemas.reference_validator(PENALTY)
    stored = next(
        s
        for s in store.records(PENALTY, limit=1000)
        if s.payload.get("legal_rep_id_no") and view(s, Audience.PUBLIC, today=TODAY)
    )
    assert full.is_valid(stored.payload)  # what the department sent
    for audience in (Audience.PUBLIC, Audience.AGENCY):
        shown = view(stored, audience, today=TODAY)
        assert shown is not None
        assert not full.is_valid(shown)  # record_id, dataset, _meta; a masked number
        assert view_validator(PENALTY, audience).is_valid(shown)
        assert _check(PENALTY, audience, shown) == []
        broken = {**shown, "_meta": {**shown["_meta"], "version": 0}, "extra": 1}
        assert len(_check(PENALTY, audience, broken)) == 2  # both checkers see both
    assert "legal_rep_id_no" not in view_schema(PENALTY, Audience.PUBLIC)["properties"]
    agency = view_schema(PENALTY, Audience.AGENCY)["properties"]["legal_rep_id_no"]
    assert agency["x-masked"] is True and "pattern" not in agency and "$ref" not in agency
