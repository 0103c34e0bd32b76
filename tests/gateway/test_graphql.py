"""The GraphQL API (/graphql): views per role, keyset pages, the feed, receipts and limits.

The app runs in-process (``create_app`` on a SQLite store in ``tmp_path``); data comes from
the demo's generators and the fixture records, submitted through the store. Expected
answers are computed with :func:`store.view`, the one definition of what an audience sees.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

import demo
from catalog import Openness, get_entry, load_catalog
from gateway.app import create_app
from gateway.audit import audit_of
from gateway.graphql import build_schema, schema
from gateway.graphql.loaders import LogHead
from gateway.graphql.sdl import REGENERATE, breaking_changes
from gateway.settings import Settings
from schemas import is_valid_resident_id
from store import (
    Audience,
    AuditEntry,
    Role,
    Store,
    acknowledgements,
    create_key,
    read_audit,
    submit_records,
    view,
)

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
ROOT = Path(__file__).resolve().parents[2]
SDL = ROOT / "gateway" / "graphql" / "schema.graphql"
FIXTURES = ROOT / "tests" / "fixtures" / "records"
TODAY = date(2026, 11, 28)
PENALTY = "administrative-penalty"
LICENCE = "administrative-licensing"
# Fixture records of one schema go to one dataset (list-entry serves two; take the first).
FIXTURE_DATASET = {"list-entry": "serious-dishonesty-list", "punishment-measure": None}
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MASKED_ID = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9Xx]")

ROLE_AUDIENCE = {
    None: Audience.PUBLIC,
    Role.AGENCY: Audience.AGENCY,
    Role.PLATFORM: Audience.GOVERNMENT,
}
ENTITY_QUERY = """
query($code: String!) {
  entity(creditCode: $code) {
    creditCode name logPosition
    licences { ...R } penalties { ...R } otherActions { ...R } listEntries { ...R }
    marketBans { ...R } commitments { ...R } evaluations { ...R } interviews { ...R }
    voluntaryRegistrations { ...R } consumerComplaints { ...R }
  }
}
fragment R on RecordView { recordId dataset version updatedAt windowStart windowEnd record }
"""
GROUP_RULES = {  # entity group -> publication rule of its datasets (catalogue)
    "licences": "licence",
    "penalties": "penalty",
    "otherActions": "administrative-action",
    "listEntries": "list-entry",
    "marketBans": "market-ban",
    "commitments": "credit-commitment",
    "evaluations": "evaluation",
    "interviews": "interview",
    "voluntaryRegistrations": "voluntary-registration",
    "consumerComplaints": "consumer-complaint",
}
GROUPS = tuple(GROUP_RULES)
PAGE_QUERY = """
query($dataset: String!, $first: Int!, $after: String, $filter: RecordFilter) {
  records(dataset: $dataset, first: $first, after: $after, filter: $filter) {
    head
    nodes { recordId dataset version record }
    edges { cursor node { recordId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
CHANGES_QUERY = """
query($after: String, $first: Int!, $datasets: [String!]) {
  changes(after: $after, first: $first, datasets: $datasets) {
    head
    nodes { seq op dataset recordId version reason occurredAt record }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ACK = """
mutation($cursor: String!) {
  acknowledgeChanges(cursor: $cursor) {
    __typename
    ... on ChangesAcknowledged { keyId seq head lag }
    ... on AcknowledgementRefused { code message }
  }
}
"""
SUBMIT = """
mutation($dataset: String!, $records: [JSON!]!) {
  submitRecords(dataset: $dataset, records: $records) {
    __typename
    ... on Receipt {
      batchId accepted unchanged rejected stored
      issues { row field code severity message messageZh value }
      outcomes { row recordId result version }
    }
    ... on SubmissionRefused { code message }
  }
}
"""


# -- fixtures ----------------------------------------------------------------------------------


class Gateway:
    """A client of the in-process app (httpx over ASGI, driven from a blocking portal)."""

    def __init__(self, app: FastAPI, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.app = app
        self.store: Store = app.state.store
        self.portal = portal
        self.client = client
        self.keys: dict[Role, str] = {}

    def key(self, role: Role, department_uscc: str | None = None) -> str:
        """A key of ``role`` (one per role; a new one for each department)."""
        if department_uscc is not None or role not in self.keys:
            _, secret = create_key(
                self.store.engine,
                role=role,
                name=f"{role.value} key",
                department_uscc=department_uscc,
            )
            if department_uscc is not None:
                return secret
            self.keys[role] = secret
        return self.keys[role]

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.portal.call(
            partial(self.client.request, method, url, **kwargs)
        )
        return response

    def post(
        self, query: str, variables: dict[str, Any] | None = None, role: Role | None = None
    ) -> dict[str, Any]:
        """The GraphQL response body (HTTP 200 asserted)."""
        headers = {"authorization": f"Bearer {self.key(role)}"} if role else {}
        r = self.request(
            "POST", "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, role: Role | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = self.post(query, variables, role)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]
        return result

    def audit(self) -> list[AuditEntry]:
        """The audit trail, buffered entries written first."""
        audit_of(self.app).flush()
        return read_audit(self.store.engine)


@contextmanager
def serving(app: FastAPI) -> Iterator[Gateway]:
    """A :class:`Gateway` on ``app``; closes the store afterwards."""
    transport = httpx.ASGITransport(app=app)
    try:
        with start_blocking_portal() as portal:
            client = httpx.AsyncClient(transport=transport, base_url="http://gateway")
            try:
                yield Gateway(app, portal, client)
            finally:
                portal.call(client.aclose)
    finally:
        audit_of(app).close()
        app.state.store.close()


def fixture_records() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(dataset, records) for every fixture file."""
    catalog = load_catalog()
    for path in sorted(FIXTURES.glob("*.valid.json")):
        schema_id = path.name.removesuffix(".valid.json")
        dataset = FIXTURE_DATASET.get(schema_id, "")
        if dataset == "":
            dataset = catalog.with_schema(schema_id)[0].id
        if dataset:
            yield dataset, json.loads(path.read_text("utf-8"))


ENTITIES = demo.Entities(40, seed=5)


def seed(store: Store) -> None:
    for dataset, records in [
        (PENALTY, list(demo.penalties(120, seed=3, entities=ENTITIES))),
        (LICENCE, list(demo.licences(50, seed=4, entities=ENTITIES))),
        *fixture_records(),
    ]:
        receipt = submit_records(store, dataset, records, actor="test:seed")
        assert receipt.rejected == 0, receipt.issues[:3]


NO_LIMITS = {"rate_limit_per_minute": 0, "public_rate_limit_per_minute": 0}


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server; its URL (dropped afterwards)."""
    name = f"creditgate_gql_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store: SQLite in ``tmp_path``, or a database of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gw.sqlite'}"
    else:
        with fresh_pg_database() as url:
            yield url


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The seeded app on SQLite (rate limits off)."""
    url = f"sqlite:///{tmp_path / 'gw.sqlite'}"
    app = create_app(Settings(db=url, today=TODAY.isoformat(), **NO_LIMITS))
    seed(app.state.store)
    with serving(app) as gw:
        yield gw


@pytest.fixture
def any_gateway(store_url: str) -> Iterator[Gateway]:
    """The seeded app on SQLite and on PostgreSQL."""
    app = create_app(Settings(db=store_url, today=TODAY.isoformat(), **NO_LIMITS))
    seed(app.state.store)
    with serving(app) as gw:
        yield gw


def expected_views(store: Store, code: str, audience: Audience) -> dict[str, dict[str, Any]]:
    seen = (view(s, audience, today=TODAY) for s in store.by_uscc(code))
    return {v["record_id"]: v for v in seen if v is not None}


def id_numbers(text: str) -> list[str]:
    """Real-looking resident ID numbers in a text."""
    return [m for m in ID_CANDIDATE.findall(text) if is_valid_resident_id(m.upper())]


def company_with_penalty(store: Store) -> str:
    """A USCC with a visible penalty whose legal representative's ID number is stored."""
    for stored in store.records(PENALTY, limit=1000):
        if (
            stored.uscc
            and stored.payload.get("legal_rep_id_no")
            and view(stored, Audience.PUBLIC, today=TODAY)
        ):
            return stored.uscc
    raise AssertionError("the seed has no such company")


# -- the committed SDL --------------------------------------------------------------------------


def test_printed_sdl_equals_the_committed_schema_graphql() -> None:
    assert str(schema) + "\n" == SDL.read_text("utf-8"), f"run: {REGENERATE}"


def test_no_change_breaks_a_client_of_the_committed_sdl() -> None:
    """A removed field, type or enum value, a changed type, a new required argument …
    against the committed contract fails here, whatever the SDL file says."""
    assert breaking_changes(SDL.read_text("utf-8"), schema) == [], (
        "this change breaks GraphQL clients: keep the old field (deprecate it) instead"
    )


def test_the_breaking_change_check_catches_a_removed_field_not_a_stricter_output() -> None:
    committed = SDL.read_text("utf-8")
    assert "  head: Int!\n" in committed and "caller: Caller!" in committed
    widened = committed.replace("  head: Int!\n", "  head: Int!\n  gone: String\n", 1)
    assert any("gone" in c for c in breaking_changes(widened, schema))  # gone from the schema
    assert breaking_changes(committed.replace("caller: Caller!", "caller: Caller"), schema) == []


def test_the_sdl_is_served_at_a_stable_url(gateway: Gateway) -> None:
    r = gateway.request("GET", "/graphql/schema.graphql")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == SDL.read_text("utf-8")


def test_settings_limits_do_not_change_the_types() -> None:
    strict = build_schema(Settings.model_construct(graphql_max_depth=3, graphql_max_aliases=1))
    assert str(strict) == str(schema)


def test_validation_rules_are_the_same_classes_on_every_request() -> None:
    # ValidationCache keys on the rule classes: new classes per request would never hit.
    def rules() -> list[Any]:
        found = []
        for factory in schema.extensions:
            ext = factory()  # type: ignore[operator]
            found.extend(getattr(ext, "validation_rules", []))
        return found

    first, second = rules(), rules()
    assert len(first) == 2
    assert all(a is b for a, b in zip(first, second, strict=True))


# -- entity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [None, Role.AGENCY, Role.PLATFORM], ids=["public", "agency", "platform"]
)
@pytest.mark.parametrize(
    "code",
    [
        "company-with-penalty",
        "91420100MA4K0A1B6L",
        "91420111MA4K4E5F7C",
        "91420100MA4KBX8Y1Y",
        "91420106MA4K2C3D17",  # a consumer complaint against it (fixture)
    ],
)
def test_entity_shows_exactly_the_callers_view(
    gateway: Gateway, role: Role | None, code: str
) -> None:
    code = company_with_penalty(gateway.store) if code == "company-with-penalty" else code
    audience = ROLE_AUDIENCE[role]
    expected = expected_views(gateway.store, code, audience)
    entity = gateway.data(ENTITY_QUERY, {"code": code.lower()}, role)["entity"]
    assert entity is not None and expected
    assert entity["creditCode"] == code
    assert entity["logPosition"] == gateway.store.head()
    got = {n["recordId"]: n for group in GROUPS for n in entity[group]}
    assert set(got) == set(expected)
    for record_id, node in got.items():
        assert node["record"] == expected[record_id]
        assert node["dataset"] == expected[record_id]["dataset"]
        assert node["version"] == expected[record_id]["_meta"]["version"]
        assert node["windowEnd"] == expected[record_id]["_meta"]["window_end"]
    assert entity["name"] in {v.get("counterpart_name") for v in expected.values()}
    if code == "91420106MA4K2C3D17":
        assert [n["record"]["complaint_no"] for n in entity["consumerComplaints"]]
    for group, rule in GROUP_RULES.items():
        assert {get_entry(n["dataset"]).publication_rule for n in entity[group]} <= {rule}

    text = json.dumps(entity, ensure_ascii=False)
    if audience is Audience.PUBLIC:
        assert id_numbers(text) == []
        assert MASKED_ID.search(text) is None
        assert entity["evaluations"] == entity["interviews"] == []
        assert entity["voluntaryRegistrations"] == []
    elif audience is Audience.AGENCY:
        assert id_numbers(text) == []
        assert entity["interviews"] == []
    else:
        assert MASKED_ID.search(text) is None  # government sees numbers in full


def test_masked_and_full_id_numbers_by_role(gateway: Gateway) -> None:
    code = company_with_penalty(gateway.store)
    full = {
        s.payload["legal_rep_id_no"]
        for s in gateway.store.by_uscc(code)
        if s.dataset == PENALTY and s.payload.get("legal_rep_id_no")
    }
    query = "query($c: String!) { entity(creditCode: $c) { penalties { record } } }"
    texts = {
        role: json.dumps(gateway.data(query, {"c": code}, role), ensure_ascii=False)
        for role in ROLE_AUDIENCE
    }
    assert not any(i in texts[None] for i in full) and MASKED_ID.search(texts[None]) is None
    assert not any(i in texts[Role.AGENCY] for i in full)
    assert MASKED_ID.search(texts[Role.AGENCY]) is not None
    assert full <= set(id_numbers(texts[Role.PLATFORM]))


def test_entity_of_an_unknown_code_is_null_and_a_malformed_code_is_refused(
    gateway: Gateway,
) -> None:
    unknown = demo.make_uscc(random.Random(99))
    assert gateway.data(ENTITY_QUERY, {"code": unknown})["entity"] is None
    for bad in ("91420100MA4K0A1B6X", "00000000000000000X", "x" * 5000):
        body = gateway.post(ENTITY_QUERY, {"code": bad})
        assert body["data"] == {"entity": None}
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "unified social credit code" in body["errors"][0]["message"]
        assert len(body["errors"][0]["message"]) < 200


def test_aliased_entities_are_read_in_one_batch(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = gateway.store
    batches: list[int] = []
    head = store.head

    def counting_head() -> int:
        batches.append(1)
        return head()

    monkeypatch.setattr(store, "head", counting_head)
    query = """{
      a: entity(creditCode: "91420100MA4K0A1B6L") { logPosition otherActions { recordId } }
      b: entity(creditCode: "91420111MA4K4E5F7C") { logPosition otherActions { recordId } }
      c: entity(creditCode: "91420100MA4K0A1B6L") { name }
    }"""
    data = gateway.data(query)
    assert len(batches) == 1  # one store read for three lookups (two distinct codes)
    assert data["a"]["logPosition"] == data["b"]["logPosition"] == head()
    assert data["a"]["otherActions"] and data["b"]["otherActions"]


def test_entity_answers_follow_the_change_log_for_every_audience(any_gateway: Gateway) -> None:
    """Answers are cached per audience between requests; every write must show at once."""
    gateway = any_gateway
    store = gateway.store
    code = company_with_penalty(store)

    def check() -> dict[Role | None, dict[str, Any]]:
        answers = {}
        for role, audience in ROLE_AUDIENCE.items():
            entity = gateway.data(ENTITY_QUERY, {"code": code}, role)["entity"]
            got = {n["recordId"]: n["record"] for group in GROUPS for n in entity[group]}
            assert got == expected_views(store, code, audience)
            assert entity["logPosition"] == store.head()
            answers[role] = got
        return answers

    before = check()
    assert check() == before  # the same answers again (from the cache)
    penalty = next(r for r in before[None].values() if r["dataset"] == PENALTY)
    store.withdraw(PENALTY, record_id=penalty["record_id"], reason="repaired", actor="test")
    after = check()
    assert all(penalty["record_id"] not in answer for answer in after.values())
    stored = store.get(next(r for r in after[None] if r.startswith(PENALTY)))
    fixed = dict(stored.payload, penalty_content="更正后的处罚内容。")
    assert submit_records(store, PENALTY, [fixed], actor="test").accepted == 1
    assert check()[None][stored.record_id]["penalty_content"] == "更正后的处罚内容。"


def test_concurrent_head_reads_share_queries_but_never_go_back_in_time() -> None:
    class Log:
        """A store whose head moves on every read and takes a while to answer."""

        def __init__(self) -> None:
            self.seq = 0

        def head(self) -> int:
            time.sleep(0.02)
            self.seq += 1
            return self.seq

    log = Log()
    reader = LogHead(log)  # type: ignore[arg-type]

    async def scenario() -> tuple[list[int], list[int]]:
        first = [asyncio.ensure_future(reader.read()) for _ in range(20)]
        await asyncio.sleep(0.005)  # the first query is under way
        later = [asyncio.ensure_future(reader.read()) for _ in range(20)]
        return list(await asyncio.gather(*first)), list(await asyncio.gather(*later))

    first, later = asyncio.run(scenario())
    # 40 callers, two queries; callers that asked during the first query get the second
    assert set(first) == {1} and set(later) == {2} and log.seq == 2
    assert asyncio.run(scenario()) == ([3] * 20, [4] * 20)  # a new event loop starts afresh


def test_keyed_reads_are_audited_with_their_log_position(gateway: Gateway) -> None:
    gateway.data(ENTITY_QUERY, {"code": "91420100MA4K0A1B6L"})  # public: nobody to name
    assert gateway.audit() == []
    gateway.data(ENTITY_QUERY, {"code": "91420100MA4K0A1B6L"}, Role.AGENCY)
    gateway.data(PAGE_QUERY, {"dataset": PENALTY, "first": 2}, Role.AGENCY)
    entries = gateway.audit()
    assert [(e.action, e.target, e.role) for e in entries] == [
        ("entity", "91420100MA4K0A1B6L", "agency"),
        ("records", PENALTY, "agency"),
    ]
    assert all(e.log_position == gateway.store.head() for e in entries)


# -- records ------------------------------------------------------------------------------------


def download(
    gateway: Gateway, dataset: str, role: Role | None, first: int = 50, **extra: Any
) -> tuple[dict[str, dict[str, Any]], int]:
    """Every record of a dataset through ``records`` pages; and the first page's head."""
    got: dict[str, dict[str, Any]] = {}
    after = None
    heads = []
    while True:
        page = gateway.data(
            PAGE_QUERY, {"dataset": dataset, "first": first, "after": after, **extra}, role
        )["records"]
        heads.append(page["head"])
        ids = [n["recordId"] for n in page["nodes"]]
        assert ids == sorted(ids) and not set(ids) & set(got)
        assert [e["node"]["recordId"] for e in page["edges"]] == ids
        got.update({n["recordId"]: n["record"] for n in page["nodes"]})
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            return got, heads[0]
        assert len(ids) == first and info["endCursor"] == page["edges"][-1]["cursor"]
        after = info["endCursor"]


@pytest.mark.parametrize(
    "role", [None, Role.AGENCY, Role.PLATFORM], ids=["public", "agency", "platform"]
)
def test_records_pages_are_the_views_in_record_id_order(
    gateway: Gateway, role: Role | None
) -> None:
    audience = ROLE_AUDIENCE[role]
    stored = gateway.store.records(PENALTY, limit=10_000)
    expected = {v["record_id"]: v for s in stored if (v := view(s, audience, today=TODAY))}
    got, head = download(gateway, PENALTY, role, first=7)
    assert got == expected
    assert head == gateway.store.head()
    if audience is not Audience.GOVERNMENT:
        assert id_numbers(json.dumps(got, ensure_ascii=False)) == []


def test_page_size_is_limited_and_bad_cursors_are_refused(gateway: Gateway) -> None:
    def error(**variables: Any) -> dict[str, Any]:
        body = gateway.post(PAGE_QUERY, {"dataset": PENALTY, "first": 10, **variables})
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        err: dict[str, Any] = body["errors"][0]
        return err

    assert "between 0 and 1000" in error(first=1001)["message"]
    assert "between 0 and 1000" in error(first=-1)["message"]
    assert gateway.data(PAGE_QUERY, {"dataset": PENALTY, "first": 1000})["records"]["nodes"]
    assert "cursor" in error(after="not a cursor")["message"]
    licence_page = gateway.data(PAGE_QUERY, {"dataset": LICENCE, "first": 1})["records"]
    assert "cursor" in error(after=licence_page["pageInfo"]["endCursor"])["message"]
    assert "no dataset" in error(dataset="no-such-dataset")["message"]


def test_records_filters_by_credit_code_and_fields(gateway: Gateway) -> None:
    code = company_with_penalty(gateway.store)
    got, _ = download(gateway, PENALTY, None, filter={"creditCode": code})
    assert got == {
        k: v
        for k, v in expected_views(gateway.store, code, Audience.PUBLIC).items()
        if v["dataset"] == PENALTY
    }
    some = next(iter(got.values()))
    by_doc, _ = download(
        gateway,
        PENALTY,
        None,
        filter={"fields": [{"field": "decision_doc_no", "value": some["decision_doc_no"]}]},
    )
    assert some["record_id"] in by_doc
    assert all(v["decision_doc_no"] == some["decision_doc_no"] for v in by_doc.values())


@pytest.mark.parametrize("role", [None, Role.AGENCY])
def test_masked_fields_cannot_be_probed_with_a_filter(gateway: Gateway, role: Role | None) -> None:
    stored = next(
        s for s in gateway.store.records(PENALTY, limit=1000) if s.payload.get("legal_rep_id_no")
    )
    variables = {
        "dataset": PENALTY,
        "first": 5,
        "filter": {
            "fields": [{"field": "legal_rep_id_no", "value": stored.payload["legal_rep_id_no"]}]
        },
    }
    body = gateway.post(PAGE_QUERY, variables, role)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # government callers see the field in full, so they may filter on it
    page = gateway.data(PAGE_QUERY, variables, Role.PLATFORM)["records"]
    assert stored.record_id in [n["recordId"] for n in page["nodes"]]


# -- the catalogue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [None, Role.AGENCY, Role.PLATFORM], ids=["public", "agency", "platform"]
)
def test_datasets_are_those_the_caller_may_see(gateway: Gateway, role: Role | None) -> None:
    open_to = {
        Audience.PUBLIC: {Openness.PUBLIC},
        Audience.AGENCY: {Openness.PUBLIC, Openness.AUTHORISED},
        Audience.GOVERNMENT: set(Openness),
    }[ROLE_AUDIENCE[role]]
    query = """{ datasets { id titleZh openness schemaId naturalKey providers { uscc } }
                 interview: dataset(id: "interview-record") { id } }"""
    data = gateway.data(query, role=role)
    catalog = load_catalog()
    assert [d["id"] for d in data["datasets"]] == [
        e.id for e in catalog.values() if e.openness in open_to
    ]
    for d in data["datasets"]:
        entry = catalog[d["id"]]
        assert d["openness"] == entry.openness.name and d["schemaId"] == entry.schema_id
        assert d["titleZh"] == entry.title_zh and d["providers"]
    assert (data["interview"] is not None) is (Openness.GOVERNMENT in open_to)
    body = gateway.post(PAGE_QUERY, {"dataset": "interview-record", "first": 5}, role)
    assert ("errors" in body) is (Openness.GOVERNMENT not in open_to)


# -- the change feed ----------------------------------------------------------------------------


def feed(
    gateway: Gateway,
    role: Role | None,
    after: str | None = None,
    datasets: list[str] | None = None,
    first: int = 50,
) -> tuple[list[dict[str, Any]], str]:
    """Every feed node after ``after``, page by page; and the last endCursor."""
    nodes: list[dict[str, Any]] = []
    while True:
        page = gateway.data(
            CHANGES_QUERY, {"after": after, "first": first, "datasets": datasets}, role
        )["changes"]
        nodes.extend(page["nodes"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            assert after is not None
            return nodes, after


def test_feed_carries_deletes_with_reasons_and_upserts_with_views(gateway: Gateway) -> None:
    store = gateway.store
    start = str(store.head())
    code = company_with_penalty(store)
    target = next(s for s in store.by_uscc(code) if s.dataset == PENALTY)
    store.withdraw(PENALTY, record_id=target.record_id, reason="repaired", actor="test:repair")
    fresh = list(demo.penalties(3, seed=77, entities=ENTITIES))
    assert submit_records(store, PENALTY, fresh, actor="test").accepted == 3

    for role in ROLE_AUDIENCE:
        nodes, end = feed(gateway, role, after=start, first=2)
        assert end == str(store.head())
        assert [n["seq"] for n in nodes] == sorted(n["seq"] for n in nodes)
        assert nodes[0]["recordId"] == target.record_id
        assert nodes[0]["op"] == "DELETE" and nodes[0]["reason"] == "repaired"
        assert nodes[0]["record"] is None
        for node in nodes[1:]:
            current = view(store.get(node["recordId"]), ROLE_AUDIENCE[role], today=TODAY)
            if node["op"] == "UPSERT":
                assert node["record"] == current and node["reason"] is None
            else:
                assert current is None and node["reason"] in {"outside-window", "not-published"}
        assert len(nodes) == 4


def test_feed_shows_only_datasets_the_caller_may_see(gateway: Gateway) -> None:
    everything, _ = feed(gateway, Role.PLATFORM, first=1000)
    public, _ = feed(gateway, None, first=1000)
    assert "interview-record" in {n["dataset"] for n in everything}
    assert {n["dataset"] for n in public} <= {
        e.id for e in load_catalog().values() if e.openness is Openness.PUBLIC
    }
    assert len(public) < len(everything)
    only, end = feed(gateway, Role.PLATFORM, datasets=[LICENCE])
    assert only and {n["dataset"] for n in only} == {LICENCE}
    assert end == str(gateway.store.head())  # skipped datasets' events count as applied
    body = gateway.post(CHANGES_QUERY, {"first": 5, "datasets": ["interview-record"]})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = gateway.post(CHANGES_QUERY, {"first": 5, "after": "-3"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_acknowledgements_are_kept_per_key_and_shown_to_admins_as_lag(gateway: Gateway) -> None:
    store = gateway.store
    head = store.head()
    refused = gateway.data(ACK, {"cursor": "3"})["acknowledgeChanges"]
    assert refused["__typename"] == "AcknowledgementRefused" and refused["code"] == "key-required"

    kept = gateway.data(ACK, {"cursor": "40"}, Role.PLATFORM)["acknowledgeChanges"]
    assert kept == {
        "__typename": "ChangesAcknowledged",
        "keyId": kept["keyId"],
        "seq": 40,
        "head": head,
        "lag": head - 40,
    }
    back = gateway.data(ACK, {"cursor": "10"}, Role.PLATFORM)["acknowledgeChanges"]
    assert back["seq"] == 40  # never moves backwards
    beyond = gateway.data(ACK, {"cursor": str(head + 1)}, Role.PLATFORM)["acknowledgeChanges"]
    assert beyond["code"] == "cursor-outside-log"
    junk = gateway.data(ACK, {"cursor": "abc"}, Role.PLATFORM)["acknowledgeChanges"]
    assert junk["code"] == "invalid-cursor"
    assert [(a.key_id, a.seq) for a in acknowledgements(store.engine)] == [(kept["keyId"], 40)]

    lag_query = "{ feedLag { keyId name role seq lag acknowledgedAt } }"
    lag = gateway.data(lag_query, role=Role.ADMIN)["feedLag"]
    assert [(x["keyId"], x["role"], x["seq"], x["lag"]) for x in lag] == [
        (kept["keyId"], "platform", 40, head - 40)
    ]
    for role in (None, Role.PLATFORM, Role.AGENCY):
        body = gateway.post(lag_query, role=role)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


# -- submissions --------------------------------------------------------------------------------


def test_submit_records_answers_with_a_receipt_union(gateway: Gateway) -> None:
    store = gateway.store
    batch = list(demo.penalties(40, seed=31, entities=ENTITIES))
    department = batch[0]["source_org_uscc"]
    own = [r for r in batch if r["source_org_uscc"] == department]
    other = next(r for r in batch if r["source_org_uscc"] != department)
    dept_key = gateway.key(Role.DEPARTMENT, department_uscc=department)

    def submit(records: list[Any], key: str | None, dataset: str = PENALTY) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        r = gateway.request(
            "POST",
            "/graphql",
            json={"query": SUBMIT, "variables": {"dataset": dataset, "records": records}},
            headers=headers,
        )
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        result: dict[str, Any] = r.json()["data"]["submitRecords"]
        return result

    accepted = submit(own, dept_key)
    assert accepted["__typename"] == "SubmissionAccepted", accepted
    assert (accepted["accepted"], accepted["rejected"], accepted["stored"]) == (len(own), 0, True)
    assert [o["result"] for o in accepted["outcomes"]] == ["NEW"] * len(own)
    for outcome in accepted["outcomes"]:
        assert (
            store.get(outcome["recordId"]).payload["decision_doc_no"]
            == (own[outcome["row"] - 1]["decision_doc_no"])
        )
    again = submit(own, dept_key)
    assert (again["__typename"], again["unchanged"], again["accepted"]) == (
        "SubmissionAccepted",
        len(own),
        0,
    )

    broken = dict(own[0], decision_date="2026-13-45")
    broken.pop("decision_doc_no")
    rejected = submit([broken, other], dept_key)
    assert rejected["__typename"] == "SubmissionRejected"
    assert rejected["rejected"] == 2 and rejected["accepted"] == 0
    codes = {(i["row"], i["code"]) for i in rejected["issues"]}
    assert (2, "not-own-record") in codes
    assert {row for row, _ in codes} == {1, 2}
    assert all(i["message"] and i["messageZh"] for i in rejected["issues"])

    for role, code in [(None, "role-may-not-submit"), (Role.PLATFORM, "role-may-not-submit")]:
        refused = submit(own, gateway.key(role) if role else None)
        assert (refused["__typename"], refused["code"]) == ("SubmissionRefused", code)
    unknown = submit(own, dept_key, dataset="no-such-dataset")
    assert unknown["code"] == "unknown-dataset"
    too_many = submit([own[0]] * 1001, gateway.key(Role.ADMIN))
    assert too_many["code"] == "too-many-records"
    admin = submit([other], gateway.key(Role.ADMIN))  # admins submit for any department
    assert admin["__typename"] == "SubmissionAccepted" and admin["accepted"] == 1


# -- limits and errors --------------------------------------------------------------------------


def test_depth_alias_and_token_bombs_are_refused(gateway: Gateway) -> None:
    deep = '{ entity(creditCode: "91420100MA4K0A1B6L") { penalties ' + "{ record " * 12
    deep += "}" * 13 + " }"
    aliases = (
        "{ "
        + " ".join(f'e{i}: entity(creditCode: "91420100MA4K0A1B6L") {{ name }}' for i in range(16))
        + " }"
    )
    tokens = "{ " + "__typename " * 2100 + "}"
    for query, message in [
        (deep, "exceeds maximum operation depth of 8"),
        (aliases, "16 aliases found. Allowed: 15"),
        (tokens, "more than 2000 tokens"),
    ]:
        body = gateway.post(query)
        assert "data" not in body or body["data"] is None, body
        assert any(message in e["message"] for e in body["errors"]), body["errors"][:3]
    assert gateway.audit() == []


def test_limits_follow_settings_and_introspection_still_works(tmp_path: Path) -> None:
    from graphql import get_introspection_query

    settings = Settings(db=f"sqlite:///{tmp_path / 'x.sqlite'}", graphql_max_aliases=1, **NO_LIMITS)
    with serving(create_app(settings)) as gw:
        two = gw.post("{ a: caller { role } b: caller { role } }")
        assert "2 aliases found. Allowed: 1" in two["errors"][0]["message"]
        intro = gw.post(get_introspection_query())
        assert "errors" not in intro and intro["data"]["__schema"]["types"]
        ide = gw.request("GET", "/graphql", headers={"accept": "text/html"})
        assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    hidden = Settings(db=f"sqlite:///{tmp_path / 'y.sqlite'}", graphiql=False, **NO_LIMITS)
    with serving(create_app(hidden)) as gw:
        ide = gw.request("GET", "/graphql", headers={"accept": "text/html"})
        assert ide.status_code == 404, ide.text


def test_unexpected_errors_are_masked(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("password=hunter2 at db.internal")

    monkeypatch.setattr(gateway.store, "by_uscc", broken)
    body = gateway.post(ENTITY_QUERY, {"code": "91420100MA4K0A1B6L"})
    assert "hunter2" not in json.dumps(body) and "db.internal" not in json.dumps(body)
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    # the rest of the document still answers
    assert gateway.data("{ caller { role } }")["caller"]["role"] == "public"


def test_a_bad_key_is_a_401_graphql_request_error(gateway: Gateway) -> None:
    """Refused before any GraphQL runs: the HTTP status stays, the body is a GraphQL
    request error (no ``data``, ``errors[].extensions.code``)."""
    for header in ("Bearer cg_nope", "Basic abc"):
        r = gateway.request(
            "POST",
            "/graphql",
            json={"query": "{ caller { role } }"},
            headers={"authorization": header},
        )
        assert r.status_code == 401, r.text
        body = r.json()
        assert set(body) == {"errors"}, body
        [error] = body["errors"]
        assert error["message"] and error["extensions"] == {
            "code": "UNAUTHENTICATED",
            "status": 401,
        }
    caller = gateway.data("{ caller { role audience keyId } }", role=Role.AGENCY)["caller"]
    assert caller["role"] == "agency" and caller["audience"] == "agency" and caller["keyId"]


def test_graphql_requests_count_against_the_rate_limit(tmp_path: Path) -> None:
    settings = Settings(db=f"sqlite:///{tmp_path / 'r.sqlite'}", public_rate_limit_per_minute=3)
    with serving(create_app(settings)) as gw:
        for _ in range(3):
            assert gw.data("{ caller { role } }")["caller"]["role"] == "public"
        r = gw.request("POST", "/graphql", json={"query": "{ caller { role } }"})
        assert r.status_code == 429, r.text
        assert int(r.headers["retry-after"]) >= 1
        [error] = r.json()["errors"]
        assert error["extensions"] == {"code": "RATE_LIMITED", "status": 429}, error
        assert "retry in" in error["message"] and "data" not in r.json()


def test_requests_strawberry_cannot_read_are_graphql_request_errors(gateway: Gateway) -> None:
    for kwargs, status in [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ({"json": {"variables": {}}}, 400),
        ({"content": b"x", "headers": {"content-type": "text/csv"}}, 400),
    ]:
        r = gateway.request("POST", "/graphql", **kwargs)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/json"), r.text
        [error] = r.json()["errors"]
        assert error["extensions"]["status"] == status and error["message"], error


# -- a platform keeping a copy in sync ---------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PLATFORM, Role.AGENCY])
def test_a_consumer_following_the_feed_ends_with_what_a_download_gives(
    any_gateway: Gateway, role: Role
) -> None:
    """Download two datasets, follow the feed through additions, corrections, take-downs
    and an expiry sweep (some during the download), acknowledge, compare with a download."""
    gateway = any_gateway
    store = gateway.store
    followed = [PENALTY, LICENCE]
    local: dict[str, dict[str, Any]] = {}
    cursor: str | None = None

    def add(n: int, seed: int) -> None:
        records = list(demo.penalties(n, seed=seed, entities=ENTITIES))
        assert submit_records(store, PENALTY, records, actor="test:dept").accepted == n

    # the download, with a submission between its pages
    for i, dataset in enumerate(followed):
        after = None
        while True:
            page = gateway.data(
                PAGE_QUERY, {"dataset": dataset, "first": 30, "after": after}, role
            )["records"]
            if cursor is None:
                cursor = str(page["head"])
            local.update({n["recordId"]: n["record"] for n in page["nodes"]})
            if i == 0 and after is None:
                add(5, seed=501)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

    def poll() -> None:
        nonlocal cursor
        nodes, cursor = feed(gateway, role, after=cursor, datasets=followed, first=7)
        for node in nodes:
            assert node["dataset"] in followed
            if node["op"] == "UPSERT":
                local[node["recordId"]] = node["record"]
            else:
                local.pop(node["recordId"], None)
        ack = gateway.data(ACK, {"cursor": cursor}, role)["acknowledgeChanges"]
        assert ack["__typename"] == "ChangesAcknowledged" and ack["seq"] == int(cursor)

    visible = [
        s for s in store.records(PENALTY, limit=1000) if view(s, Audience.AGENCY, today=TODAY)
    ]
    poll()
    add(8, seed=502)  # additions
    corrected = visible[0]
    fixed = dict(
        corrected.payload, penalty_content=corrected.payload["penalty_content"] + "（更正）"
    )
    assert submit_records(store, PENALTY, [fixed], actor="test:dept").accepted == 1
    poll()
    store.withdraw(PENALTY, record_id=visible[1].record_id, reason="repaired", actor="t")
    store.withdraw(PENALTY, record_id=visible[2].record_id, reason="revoked", actor="t")
    store.withdraw(PENALTY, record_id=visible[3].record_id, reason="corrected", actor="t")
    commitments = json.loads((FIXTURES / "credit-commitment.valid.json").read_text("utf-8"))
    changed = [dict(c, content=c["content"] + "。") for c in commitments]
    submit_records(store, "credit-commitment", changed, actor="t")  # not followed
    poll()
    resent = dict(visible[3].payload, penalty_content="更正后的处罚内容。")
    assert submit_records(store, PENALTY, [resent], actor="test:dept").accepted == 1
    assert store.sweep(TODAY).expired > 0
    poll()
    poll()  # nothing new: the copy and the cursor stay put

    fresh: dict[str, dict[str, Any]] = {}
    for dataset in followed:
        got, _ = download(gateway, dataset, role, first=100)
        fresh.update(got)
    assert local == fresh
    assert visible[1].record_id not in local and visible[3].record_id in local
    assert local[corrected.record_id]["penalty_content"].endswith("（更正）")
    lag = gateway.data("{ feedLag { role seq lag } }", role=Role.ADMIN)["feedLag"]
    assert lag == [{"role": role.value, "seq": store.head(), "lag": 0}]
