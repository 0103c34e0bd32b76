"""Roles pick views: the public never receives an ID number (in any REST channel), an agency
receives them masked, a government platform in full; datasets and fields follow the
catalogue's openness and the schemas' disclosure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
from rest_helpers import REST_TODAY, Api

from catalog import Openness, load_catalog
from schemas import is_valid_resident_id, mask_id_number
from store import Audience, Role, view

CANDIDATE = re.compile(rb"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MASKED = re.compile(r"^[0-9]{6}\*{8}[0-9]{3}[0-9Xx]$")


def id_numbers(value: Any) -> Iterator[str]:
    """Every ``*_id_no`` value of a payload, nested objects included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("id_no") and isinstance(item, str):
                yield item
            else:
                yield from id_numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from id_numbers(item)


def stored_ids(api: Api) -> set[str]:
    numbers: set[str] = set()
    for dataset in load_catalog().ids():
        for record in api.store.records(dataset, limit=10_000, state="all"):
            numbers.update(id_numbers(record.payload))
    return numbers


def everything(api: Api, role: Role | None) -> Iterator[tuple[str, bytes]]:
    """Every REST answer a caller can get: pages, downloads, entities, the feed."""
    listing = api.json("/api/v1/datasets", role=role)
    usccs: set[str] = set()
    for entry in listing["datasets"]:
        dataset = entry["id"]
        page = api.get(f"/api/v1/datasets/{dataset}/records?limit=1000", role=role)
        assert page.status_code == 200, page.text
        yield f"records {dataset}", page.content
        usccs.update(r["uscc"] for r in page.json()["records"] if r.get("uscc"))
        for kind in ("csv", "ndjson"):
            download = api.get(f"/api/v1/datasets/{dataset}/download.{kind}", role=role)
            assert download.status_code == 200, download.text
            yield f"{kind} {dataset}", download.content
    for code in sorted(usccs - {"00000000000000000X"}):
        yield f"entity {code}", api.get(f"/api/v1/entities/{code}", role=role).content
    feed = api.get("/api/v1/changes?limit=50000", role=role)
    assert feed.status_code == 200, feed.text
    yield "changes", feed.content


def test_the_public_never_receives_an_id_number(rest: Api) -> None:
    numbers = stored_ids(rest)
    assert len(numbers) > 20  # persons and legal representatives are in the seed
    seen = 0
    for where, body in everything(rest, None):
        seen += len(body)
        for number in numbers:
            assert number.encode() not in body, f"{number} in {where}"
            assert mask_id_number(number).encode() not in body, f"masked {number} in {where}"
        for candidate in CANDIDATE.findall(body):
            assert not is_valid_resident_id(candidate.decode()), f"{candidate!r} in {where}"
    assert seen > 100_000


def test_an_agency_receives_id_numbers_masked(rest: Api) -> None:
    numbers = stored_ids(rest)
    masked_seen = 0
    for where, body in everything(rest, Role.AGENCY):
        for number in numbers:
            assert number.encode() not in body, f"{number} in {where}"
        masked_seen += sum(mask_id_number(n).encode() in body for n in numbers)
    assert masked_seen > 0
    page = rest.json("/api/v1/datasets/administrative-penalty/records?limit=1000", role=Role.AGENCY)
    persons = [r for r in page["records"] if r.get("person_id_no")]
    assert persons and all(MASKED.match(r["person_id_no"]) for r in persons)


def test_a_platform_receives_the_government_view(rest: Api) -> None:
    page = rest.json(
        "/api/v1/datasets/administrative-penalty/records?limit=1000", role=Role.PLATFORM
    )
    stored = {s.record_id: s for s in rest.store.records("administrative-penalty", limit=1000)}
    assert page["audience"] == "government"
    for record in page["records"]:
        assert record == view(stored[record["record_id"]], Audience.GOVERNMENT, today=REST_TODAY)
    assert any(is_valid_resident_id(r.get("person_id_no", "")) for r in page["records"])


def test_datasets_follow_openness(rest: Api) -> None:
    catalog = load_catalog()
    for role, opens in [
        (None, {Openness.PUBLIC}),
        (Role.AGENCY, {Openness.PUBLIC, Openness.AUTHORISED}),
        (Role.PLATFORM, set(Openness)),
        (Role.DEPARTMENT, set(Openness)),
    ]:
        department = "11420100MB1234562H" if role is Role.DEPARTMENT else None
        listed = [
            d["id"]
            for d in rest.json("/api/v1/datasets", role=role, department=department)["datasets"]
        ]
        assert listed == [e.id for e in catalog.values() if e.openness in opens]
    assert rest.get("/api/v1/datasets/credit-evaluation/records").status_code == 403
    agency = rest.json("/api/v1/datasets/credit-evaluation/records", role=Role.AGENCY)
    assert agency["count"] > 0
    assert all(
        MASKED.match(r.get("legal_rep_id_no", "420106********0031")) for r in agency["records"]
    )
    # restricted fields never reach an agency (commitments: the handler's name)
    commitments = rest.json("/api/v1/datasets/credit-commitment/records", role=Role.AGENCY)
    assert commitments["count"] > 0
    assert all("handler_name" not in r for r in commitments["records"])
    gov = rest.json("/api/v1/datasets/credit-commitment/records", role=Role.PLATFORM)
    assert any("handler_name" in r for r in gov["records"])
    assert (
        rest.get("/api/v1/datasets/interview-record/records", role=Role.AGENCY).status_code == 403
    )
    gov = rest.json("/api/v1/datasets/interview-record/records", role=Role.PLATFORM)
    assert gov["count"] > 0 and any("participants" in r for r in gov["records"])


def test_the_public_feed_carries_only_public_datasets(rest: Api) -> None:
    public = {e.id for e in load_catalog().values() if e.openness is Openness.PUBLIC}
    lines = rest.get("/api/v1/changes?limit=50000").content.splitlines()
    datasets = {orjson.loads(line)["dataset"] for line in lines}
    assert datasets and datasets <= public
    platform = rest.get("/api/v1/changes?limit=50000", role=Role.PLATFORM).content.splitlines()
    assert {orjson.loads(line)["dataset"] for line in platform} > datasets


def test_dataset_description_says_what_the_caller_sees(rest: Api) -> None:
    public = rest.json("/api/v1/datasets/administrative-penalty")
    agency = rest.json("/api/v1/datasets/administrative-penalty", role=Role.AGENCY)
    fields = {f["id"]: f for f in public["fields"]}
    assert public["readable"] is True
    assert fields["person_id_no"]["shown"] is False and fields["uscc"]["filterable"] is True
    agency_fields = {f["id"]: f for f in agency["fields"]}
    assert (
        agency_fields["person_id_no"] | {"shown": True, "masked": True, "filterable": False}
        == agency_fields["person_id_no"]
    )
    closed = rest.json("/api/v1/datasets/interview-record")
    assert closed["readable"] is False and closed["openness"] == "government"
    schema = rest.get(public["links"]["schema"])
    assert schema.status_code == 200
    assert schema.json()["$id"] == public["schema_uri"]
