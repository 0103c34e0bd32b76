"""Record pages (keyset ``next`` tokens, filters) and downloads (CSV with BOM and Chinese
headers, NDJSON), checked against :func:`store.view`, the one definition of a view."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_helpers import REST_TODAY, Api

import schemas
from catalog import RECORD_ID_PATTERN, get_entry
from demo import make_uscc
from gateway.downloads import RECORD_ID_LABEL, columns
from store import Audience, Role, view

PENALTY = "administrative-penalty"


def expected(api: Api, audience: Audience, dataset: str = PENALTY) -> list[dict[str, Any]]:
    out = []
    for stored in api.store.records(dataset, limit=50_000):
        seen = view(stored, audience, today=REST_TODAY)
        if seen is not None:
            out.append(seen)
    return out


def pages(api: Api, url: str, role: Role | None = None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        r = api.get(next_url, role=role)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == len(body["records"])
        if body["next"]:
            assert r.headers["link"] == f'<{body["next_url"]}>; rel="next"'
        records.extend(body["records"])
        next_url = body["next_url"]
    return records


@pytest.mark.parametrize("role", [None, Role.AGENCY, Role.PLATFORM], ids=str)
def test_paging_with_next_gives_every_visible_record_once(rest: Api, role: Role | None) -> None:
    audience = Role(role).audience if role else Audience.PUBLIC
    want = expected(rest, audience)
    got = pages(rest, f"/api/v1/datasets/{PENALTY}/records?limit=17", role)
    assert got == want
    assert all(RECORD_ID_PATTERN.match(r["record_id"]) for r in got)
    assert [r["record_id"] for r in got] == sorted(r["record_id"] for r in got)


def test_pages_skip_hidden_records_yet_stay_full(rest: Api) -> None:
    """Many public-invisible records (expired windows) lie between visible ones."""
    stored = rest.store.records(PENALTY, limit=50_000)
    hidden = sum(view(s, Audience.PUBLIC, today=REST_TODAY) is None for s in stored)
    assert hidden > 20
    body = rest.json(f"/api/v1/datasets/{PENALTY}/records?limit=10")
    assert body["count"] == 10 and body["next"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=60))
def test_any_page_size_gives_the_same_records(rest: Api, limit: int) -> None:
    got = pages(rest, f"/api/v1/datasets/{PENALTY}/records?limit={limit}", Role.PLATFORM)
    assert [r["record_id"] for r in got] == [
        r["record_id"] for r in expected(rest, Audience.GOVERNMENT)
    ]


def test_filters_are_exact_and_anded(rest: Api) -> None:
    everything = expected(rest, Audience.PUBLIC)
    target = next(r for r in everything if r.get("uscc") and r["uscc"] != "00000000000000000X")
    by_code = pages(rest, f"/api/v1/datasets/{PENALTY}/records?uscc={target['uscc'].lower()}")
    assert by_code == [r for r in everything if r.get("uscc") == target["uscc"]]
    sector = target["sector"]
    both = pages(
        rest, f"/api/v1/datasets/{PENALTY}/records?uscc={target['uscc']}&sector={sector}&limit=1"
    )
    assert both == [r for r in by_code if r["sector"] == sector]
    fines = pages(rest, f"/api/v1/datasets/{PENALTY}/records?penalty_categories=罚款")
    assert fines == [r for r in everything if "罚款" in r["penalty_categories"]]


def test_a_next_token_is_bound_to_its_filters_and_dataset(rest: Api) -> None:
    first = rest.json(f"/api/v1/datasets/{PENALTY}/records?limit=1&sector=税务")
    token = first["next"]
    assert token
    ok = rest.get(f"/api/v1/datasets/{PENALTY}/records?limit=1&sector=税务&next={token}")
    assert ok.status_code == 200
    other = rest.get(f"/api/v1/datasets/{PENALTY}/records?limit=1&sector=消防&next={token}")
    assert other.status_code == 400 and "filters" in other.json()["error"]
    elsewhere = rest.get(f"/api/v1/datasets/administrative-licensing/records?next={token}")
    assert elsewhere.status_code == 400


def test_a_platform_may_filter_on_an_id_number_an_agency_may_not(rest: Api) -> None:
    person = next(r for r in expected(rest, Audience.GOVERNMENT) if r.get("person_id_no"))
    url = f"/api/v1/datasets/{PENALTY}/records?person_id_no={person['person_id_no']}"
    assert person in rest.json(url, role=Role.PLATFORM)["records"]
    assert rest.get(url, role=Role.AGENCY).status_code == 400
    assert rest.get(url).status_code == 400


@pytest.mark.parametrize("role", [None, Role.AGENCY, Role.PLATFORM], ids=str)
def test_csv_download(rest: Api, role: Role | None) -> None:
    audience = Role(role).audience if role else Audience.PUBLIC
    r = rest.get(f"/api/v1/datasets/{PENALTY}/download.csv", role=role)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="{PENALTY}.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in r.content
    text = r.content.decode("utf-8").removeprefix("\ufeff")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = table[0], table[1:]
    titles = {f.id: f.title_zh for f in schemas.fields(PENALTY)}
    cols = columns(get_entry(PENALTY), audience)
    assert header[0] == RECORD_ID_LABEL
    assert header[1 : 1 + len(cols)] == [titles[c.id] for c in cols]
    assert (titles["person_id_no"] in header) is (audience is not Audience.PUBLIC)
    want = expected(rest, audience)
    assert [row[0] for row in rows] == [v["record_id"] for v in want]
    position = {c.id: 1 + n for n, c in enumerate(cols)}
    for row, v in zip(rows, want, strict=True):
        assert row[position["penalty_categories"]] == ";".join(v["penalty_categories"])
        assert row[position["counterpart_name"]] == v["counterpart_name"]
        assert row[-4] == str(v["_meta"]["version"])
    if audience is Audience.AGENCY:
        ids = [row[position["person_id_no"]] for row in rows if row[position["person_id_no"]]]
        assert ids and all("********" in i for i in ids)


def test_csv_headers_are_unique_for_every_dataset_and_audience() -> None:
    from catalog import load_catalog
    from gateway.downloads import header

    for entry in load_catalog().values():
        for audience in Audience:
            labels = header(columns(entry, audience))
            assert len(labels) == len(set(labels)), (entry.id, audience)


@pytest.mark.parametrize("role", [None, Role.PLATFORM], ids=str)
def test_ndjson_download_is_one_view_per_line(rest: Api, role: Role | None) -> None:
    audience = Role(role).audience if role else Audience.PUBLIC
    r = rest.get(f"/api/v1/datasets/{PENALTY}/download.ndjson?sector=税务", role=role)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert int(r.headers["x-creditgate-log-position"]) == rest.store.head()
    lines = [orjson.loads(line) for line in r.content.splitlines()]
    assert lines == [v for v in expected(rest, audience) if v["sector"] == "税务"]


def test_downloads_of_a_big_dataset_stream_every_row(make_api: Any) -> None:
    import demo
    from store import submit_records

    with make_api(seed=False) as api:
        receipt = submit_records(
            api.store, "administrative-licensing", demo.licences(2500, seed=8), actor="test"
        )
        assert receipt.accepted == 2500
        r = api.get("/api/v1/datasets/administrative-licensing/download.csv", role=Role.PLATFORM)
        assert r.status_code == 200
        assert len(r.content.decode("utf-8-sig").splitlines()) == 2501


def test_entity_groups_every_visible_record_by_dataset(rest: Api) -> None:
    code = "91420100MA4K0A1B6L"  # the fixture company with records in many datasets
    for role, audience in [
        (None, Audience.PUBLIC),
        (Role.AGENCY, Audience.AGENCY),
        (Role.PLATFORM, Audience.GOVERNMENT),
    ]:
        body = rest.json(f"/api/v1/entities/{code.lower()}", role=role)
        want: dict[str, list[dict[str, Any]]] = {}
        for stored in rest.store.by_uscc(code):
            seen = view(stored, audience, today=REST_TODAY)
            if seen is not None:
                want.setdefault(stored.dataset, []).append(seen)
        assert body["uscc"] == code
        assert body["datasets"] == want
        assert body["count"] == sum(map(len, want.values()))
        assert body["name"] == "武汉光谷星辰科技有限公司"
        assert body["log_position"] == rest.store.head()
    gov = rest.json(f"/api/v1/entities/{code}", role=Role.PLATFORM)["datasets"]
    public = rest.json(f"/api/v1/entities/{code}")["datasets"]
    assert set(public) < set(gov)
    unknown = make_uscc(random.Random(99))  # a valid code nobody has records for
    nobody = rest.json(f"/api/v1/entities/{unknown}")
    assert nobody["count"] == 0 and nobody["datasets"] == {} and nobody["name"] is None
