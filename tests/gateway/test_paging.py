"""The one pager (gateway/paging.py) on real SQLite and PostgreSQL: the scan budget bounds
every request, cursors are signed and bound to dataset, filters and audience, the credit-code
filter reads the ``records.uscc`` index, and REST and GraphQL page the same records."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from rest_helpers import REST_TODAY, Api
from sqlalchemy import event

import demo
from catalog import get_entry
from gateway.paging import Binding, CursorCodec, read_page
from store import Audience, Role, Store, open_store, submit_records, view

LICENCE = "administrative-licensing"
PENALTY = "administrative-penalty"
RECORDS = 600
BUDGET = 100
RECORDS_URL = f"/api/v1/datasets/{LICENCE}/records"
GRAPHQL_PAGE = """
query($dataset: String!, $first: Int!, $after: String, $filter: RecordFilter) {
  records(dataset: $dataset, first: $first, after: $after, filter: $filter) {
    nodes { recordId record }
    scanBudgetExhausted
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    the_store = open_store(db_url)
    receipt = submit_records(
        the_store, LICENCE, demo.licences(RECORDS, seed=8), actor="test:paging"
    )
    assert receipt.accepted == RECORDS
    yield the_store
    the_store.close()


@pytest.fixture
def api(make_api: Callable[..., Any], store: Store) -> Iterator[Api]:
    with make_api(seed=False, store=store, page_scan_budget=BUDGET) as the_api:
        yield the_api


def visible(store: Store, audience: Audience, **filters: str) -> list[dict[str, Any]]:
    """What a page-by-page read must give: every visible view matching the filters."""
    out = []
    for stored in store.records(LICENCE, limit=50_000):
        seen = view(stored, audience, today=REST_TODAY)
        if seen is not None and all(seen.get(k) == v for k, v in filters.items()):
            out.append(seen)
    return out


def rest_pages(api: Api, url: str, role: Role | None = None) -> list[dict[str, Any]]:
    """Every page from ``url`` on, following ``next``."""
    pages = []
    while url:
        r = api.get(url, role=role)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body)
        url = body["next_url"]
        assert len(pages) < 100, "the cursors never end"
    return pages


def graphql_nodes(api: Api, variables: dict[str, Any]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        r = api.post(
            "/graphql", json={"query": GRAPHQL_PAGE, "variables": {**variables, "after": after}}
        )
        body = r.json()
        assert "errors" not in body, body
        page = body["data"]["records"]
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
        assert len(nodes) < 10_000


def test_a_filter_matching_nothing_reads_one_window_per_request(api: Api) -> None:
    first = api.json(f"{RECORDS_URL}?licence_category=无此类别&limit=10")
    assert first["records"] == [] and first["scan_budget_exhausted"] is True
    assert first["next"] and first["next_url"]
    pages = rest_pages(api, f"{RECORDS_URL}?licence_category=无此类别&limit=10")
    assert all(p["records"] == [] for p in pages)
    # each request examined at most BUDGET stored records: the walk takes one page per window
    assert len(pages) == RECORDS // BUDGET + 1
    assert pages[-1]["next"] is None and pages[-1]["scan_budget_exhausted"] is False


def test_each_request_examines_one_window_of_the_budget(store: Store) -> None:
    entry = get_entry(LICENCE)
    ids = [s.record_id for s in store.records(LICENCE, state="all", limit=50_000)]
    after = None
    ends = []
    while True:
        page = read_page(
            store,
            entry,
            Audience.PUBLIC,
            REST_TODAY,
            after=after,
            limit=5,
            filters={"licence_category": "无此类别"},
            budget=BUDGET,
        )
        assert page.views == [] and page.scanned == 0  # the store filtered inside the window
        if not page.has_next:
            break
        assert page.scan_budget_exhausted
        ends.append(page.next_after)
        after = page.next_after
    # every window ends exactly BUDGET stored records after the previous one
    assert ends == ids[BUDGET - 1 :: BUDGET]


@pytest.mark.parametrize("role", [None, Role.AGENCY, Role.PLATFORM], ids=str)
def test_short_pages_still_give_exactly_the_filtered_set(api: Api, role: Role | None) -> None:
    audience = Role(role).audience if role else Audience.PUBLIC
    want = visible(api.store, audience, licence_category="特许")
    assert 20 < len(want) < RECORDS
    # about one record in seven matches: a window of BUDGET records rarely holds 20
    pages = rest_pages(api, f"{RECORDS_URL}?licence_category=特许&limit=20", role)
    got = [r for p in pages for r in p["records"]]
    assert got == want
    ids = [r["record_id"] for r in got]
    assert len(ids) == len(set(ids)) == len(want)
    assert sum(p["scan_budget_exhausted"] and p["count"] < 20 for p in pages) >= 2
    assert all(p["count"] == 20 or p["scan_budget_exhausted"] or p["next"] is None for p in pages)


def test_unfiltered_pages_give_every_visible_record_once(api: Api) -> None:
    pages = rest_pages(api, f"{RECORDS_URL}?limit=37")
    assert [r for p in pages for r in p["records"]] == visible(api.store, Audience.PUBLIC)


def test_a_cursor_is_bound_to_its_filters_audience_and_dataset(api: Api) -> None:
    page = api.json(f"{RECORDS_URL}?licence_category=普通&limit=2")
    token = page["next"]
    assert token

    def refused(url: str, role: Role | None = None) -> str:
        r = api.get(url, role=role)
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["ok"] is False and body["status"] == 400
        assert body["errors"][0]["param"] == "next"
        code: str = body["errors"][0]["code"]
        return code

    assert api.get(f"{RECORDS_URL}?licence_category=普通&limit=2&next={token}").status_code == 200
    assert refused(f"{RECORDS_URL}?licence_category=登记&next={token}") == "cursor-other-filter"
    assert refused(f"{RECORDS_URL}?next={token}") == "cursor-other-filter"
    assert refused(f"{RECORDS_URL}?licence_category=普通&next={token}", Role.AGENCY) == (
        "cursor-other-audience"
    )
    assert refused(f"/api/v1/datasets/{PENALTY}/records?next={token}") == "cursor-other-dataset"


def test_a_tampered_or_foreign_cursor_is_refused(api: Api) -> None:
    token = api.json(f"{RECORDS_URL}?limit=2")["next"]
    body, _, mac = token.partition(".")
    after, audience, digest = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    # move the position and keep the signature, or sign with another key: both refused
    moved = orjson.dumps([after[:-1] + ("A" if after[-1] != "A" else "B"), audience, digest])
    forged = base64.urlsafe_b64encode(moved).decode().rstrip("=") + "." + mac
    foreign = CursorCodec(b"k" * 32).encode(after, Binding(LICENCE, Audience.PUBLIC))
    for bad in (forged, foreign, token[:-2], "not-a-cursor", "x" * 300, token + "."):
        r = api.get(f"{RECORDS_URL}?limit=2&next={bad}")
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["errors"][0]["code"] == "invalid-cursor"


def test_cursors_survive_a_restart_when_the_secret_is_set(
    make_api: Callable[..., Any], store: Store
) -> None:
    secret = {"cursor_secret": "a page cursor secret of this test"}
    with make_api(seed=False, store=store, **secret) as api:
        token = api.json(f"{RECORDS_URL}?limit=3")["next"]
    with make_api(seed=False, store=open_store(store.url), **secret) as api:
        assert api.get(f"{RECORDS_URL}?limit=3&next={token}").status_code == 200
    with make_api(seed=False, store=open_store(store.url), cursor_secret="another secret!!") as api:
        assert api.get(f"{RECORDS_URL}?limit=3&next={token}").status_code == 400


def test_graphql_refuses_replayed_cursors_with_a_reason(api: Api) -> None:
    def post(variables: dict[str, Any], role: Role | None = None) -> dict[str, Any]:
        key = api.key(role)
        headers = {"authorization": f"Bearer {key}"} if key else {}
        r = api.post(
            "/graphql", json={"query": GRAPHQL_PAGE, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = r.json()
        return body

    base = {
        "dataset": LICENCE,
        "first": 2,
        "filter": {"fields": [{"field": "licence_category", "value": "普通"}]},
    }
    cursor = post(base)["data"]["records"]["pageInfo"]["endCursor"]
    assert "errors" not in post({**base, "after": cursor})
    other = {
        **base,
        "after": cursor,
        "filter": {"fields": [{"field": "licence_category", "value": "登记"}]},
    }
    for variables, role, reason in [
        (other, None, "cursor-other-filter"),
        ({**base, "after": cursor}, Role.AGENCY, "cursor-other-audience"),
        ({**base, "after": cursor + "x"}, None, "invalid-cursor"),
        ({"dataset": PENALTY, "first": 2, "after": cursor}, None, "cursor-other-dataset"),
    ]:
        body = post(variables, role)
        assert body["data"] is None, body
        ext = body["errors"][0]["extensions"]
        assert ext["code"] == "BAD_USER_INPUT" and ext["reason"] == reason, body


def test_rest_and_graphql_give_the_same_records_and_share_cursors(api: Api) -> None:
    counts = Counter(r["uscc"] for r in visible(api.store, Audience.PUBLIC))
    code = next(c for c, n in counts.most_common() if n >= 2)
    for query, variables in [
        ("licence_category=特许", {"fields": [{"field": "licence_category", "value": "特许"}]}),
        (f"uscc={code.lower()}", {"creditCode": code.lower()}),
    ]:
        rest = [r for p in rest_pages(api, f"{RECORDS_URL}?{query}&limit=3") for r in p["records"]]
        nodes = graphql_nodes(api, {"dataset": LICENCE, "first": 3, "filter": variables})
        assert [n["recordId"] for n in nodes] == [r["record_id"] for r in rest]
        assert [n["record"] for n in nodes] == rest
    # a REST `next` continues a GraphQL page of the same dataset, filters and audience
    token = api.json(f"{RECORDS_URL}?licence_category=特许&limit=3")["next"]
    r = api.post(
        "/graphql",
        json={
            "query": GRAPHQL_PAGE,
            "variables": {
                "dataset": LICENCE,
                "first": 3,
                "after": token,
                "filter": {"fields": [{"field": "licence_category", "value": "特许"}]},
            },
        },
    )
    assert "errors" not in r.json()


def test_the_placeholder_credit_code_is_not_a_filter(api: Api) -> None:
    r = api.get(f"{RECORDS_URL}?uscc=00000000000000000x")
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "placeholder-credit-code"


def test_the_credit_code_filter_reads_the_uscc_index(store: Store) -> None:
    codes = Counter(s.uscc for s in store.records(LICENCE, limit=50_000) if s.uscc)
    code = codes.most_common(1)[0][0]
    engine = store.engine
    statements: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM records" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        page = read_page(
            store,
            get_entry(LICENCE),
            Audience.GOVERNMENT,
            REST_TODAY,
            after=None,
            limit=10,
            filters={"uscc": code},
            budget=BUDGET,
        )
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    assert page.views and all(v["uscc"] == code for v in page.views)
    assert page.scanned == len(page.views)  # only that code's rows came back
    assert len(statements) == 2  # the window, then the page
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres:
            conn.exec_driver_sql("ANALYZE records")
        for statement, parameters in statements:
            assert "json" not in statement.lower()  # the column, not a payload scan
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = " ".join(
                str(row[-1]) for row in conn.exec_driver_sql(explain + statement, parameters)
            )
            assert "ix_records_uscc" in plan, plan


def test_graphql_walks_a_filter_matching_nothing_window_by_window(api: Api) -> None:
    variables: dict[str, Any] = {
        "dataset": LICENCE,
        "first": 10,
        "filter": {"fields": [{"field": "licence_category", "value": "无此类别"}]},
    }
    pages = []
    while True:
        body = api.post("/graphql", json={"query": GRAPHQL_PAGE, "variables": variables}).json()
        assert "errors" not in body, body
        page = body["data"]["records"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["scanBudgetExhausted"] and page["pageInfo"]["endCursor"]
        variables["after"] = page["pageInfo"]["endCursor"]
    assert all(p["nodes"] == [] for p in pages)
    assert len(pages) == RECORDS // BUDGET + 1
    assert pages[-1]["scanBudgetExhausted"] is False


def test_downloads_read_window_by_window(api: Api) -> None:
    base = f"/api/v1/datasets/{LICENCE}/download.ndjson"
    r = api.get(f"{base}?licence_category=特许")
    assert r.status_code == 200
    lines = [orjson.loads(line) for line in r.content.splitlines()]
    assert lines == visible(api.store, Audience.PUBLIC, licence_category="特许")
    nothing = api.get(f"{base}?licence_category=无此类别")
    assert nothing.status_code == 200 and nothing.content == b""
    everything = api.get(f"/api/v1/datasets/{LICENCE}/download.csv", role=Role.PLATFORM)
    rows = everything.content.decode("utf-8-sig").splitlines()[1:]
    assert len(rows) == len(visible(api.store, Audience.GOVERNMENT))
