"""The national exchange over HTTP and the command line, on SQLite and PostgreSQL (2027 dates).

Platform and admin keys only (403 for the rest, 401 without a key, the one error shape). An
imported 信用中国 repair takes the record down from every channel: REST pages, GraphQL, the
downloads (ordinary and national) and the change feed, with reason ``repair_national``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_helpers import NO_LIMITS, Api, serving
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli import app as cli
from gateway.settings import Settings
from store import Role, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from national_factory import AMR, DAY, line, resident_id, seed, uscc

DOWNLOAD = "/api/v1/datasets/administrative-penalty/download.national.csv"
REPAIRS = "/api/v1/national/repairs"
QUERY = """query($code: String!) { entity(creditCode: $code) { penalties { recordId } } }"""
NATIONAL = """query($after: String) { nationalRecords(dataset: "administrative-penalty", first: 4,
  after: $after) { dataset header rows pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    store = open_store(db_url)
    seed(store, 6)
    app = create_app(Settings(db=db_url, today=DAY.isoformat(), **NO_LIMITS), store=store)
    with serving(app) as served:
        yield served


def national(api: Api, role: Role = Role.PLATFORM) -> list[dict[str, str]]:
    r = api.get(DOWNLOAD, role=role)
    assert r.status_code == 200, r.text
    assert r.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def record_id_of(api: Api, number: int) -> str:
    doc = f"武市监罚〔2027〕{number}号"
    return next(
        r.record_id
        for r in api.store.records("administrative-penalty", limit=100, state="all")
        if r.payload["decision_doc_no"] == doc
    )


@pytest.mark.parametrize("role", [None, Role.PUBLIC, Role.AGENCY, Role.DEPARTMENT])
def test_only_platform_and_admin_keys(api: Api, role: Role | None) -> None:
    for method, url, kwargs in (
        ("GET", DOWNLOAD, {}),
        ("POST", REPAIRS, {"json": [line(1)]}),
    ):
        department = AMR[1] if role is Role.DEPARTMENT else None
        r = api.request(method, url, role=role, department=department, **kwargs)
        assert r.status_code == (401 if role is None else 403), r.text
        body = r.json()
        assert body["ok"] is False and body["status"] == r.status_code
        assert set(body) == {"ok", "error", "errors", "status"}
    assert api.store.get(record_id_of(api, 1)).active


def test_national_download(api: Api) -> None:
    rows = national(api)
    assert len(rows) == 6
    header = list(rows[0])
    assert header[0] == "CF_XDR_MC" and header[-2:] == ["DFBM", "SJC"]
    by_doc = {r["CF_WSH"]: r for r in rows}
    assert by_doc["武市监罚〔2027〕1号"]["CF_JDRQ"] == "2027/03/01"
    assert by_doc["武市监罚〔2027〕3号"]["CF_XDR_ZJHM"] == resident_id(3)  # government view
    assert all(r["DFBM"] and r["SJC"].startswith("2027/03/15 ") for r in rows)
    assert national(api, Role.ADMIN) == rows
    r = api.get("/api/v1/datasets/administrative-inspection/download.national.csv",
                role=Role.PLATFORM)  # fmt: skip
    assert r.status_code == 400 and r.json()["ok"] is False
    assert (
        api.get("/api/v1/datasets/nope/download.national.csv", role=Role.PLATFORM).status_code
        == 404
    )


def channels(api: Api, record_id: str, number: int) -> dict[str, bool]:
    """Whether the record shows in each channel, for a platform key."""
    pages = api.json("/api/v1/datasets/administrative-penalty/records?limit=100",
                     role=Role.PLATFORM)  # fmt: skip
    csv_text = api.get("/api/v1/datasets/administrative-penalty/download.ndjson",
                       role=Role.PLATFORM).text  # fmt: skip
    gql = api.post("/graphql", json={"query": QUERY, "variables": {"code": uscc(number)}},
                   role=Role.PLATFORM).json()  # fmt: skip
    nodes = ((gql["data"] or {}).get("entity") or {}).get("penalties") or []
    national_gql = graphql_rows(api)
    return {
        "graphql-national": any(r["CF_WSH"] == f"武市监罚〔2027〕{number}号" for r in national_gql),
        "rest": any(v["record_id"] == record_id for v in pages["records"]),
        "download": record_id in csv_text,
        "national": any(r["CF_WSH"] == f"武市监罚〔2027〕{number}号" for r in national(api)),
        "graphql": any(n["recordId"] == record_id for n in nodes),
    }


def test_import_takes_the_record_down_everywhere(api: Api) -> None:
    rid = record_id_of(api, 1)
    assert all(channels(api, rid, 1).values())
    head = api.store.head()
    r = api.post(REPAIRS, json=[line(1)], role=Role.PLATFORM)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["accepted"] == 1 and body["lines"][0]["record_id"] == rid
    assert not any(channels(api, rid, 1).values())
    feed = [json.loads(x) for x in api.get(f"/api/v1/changes?after={head}",
                                           role=Role.PLATFORM).text.splitlines() if x]  # fmt: skip
    assert [(e["op"], e["reason"], e["record_id"]) for e in feed] == [
        ("delete", "repair_national", rid)
    ]
    public = [json.loads(x) for x in api.get(f"/api/v1/changes?after={head}").text.splitlines()]
    assert [e["reason"] for e in public] == ["repair_national"]
    # the same file again: nothing new
    again = api.post(REPAIRS, content=_csv([line(1)]), role=Role.PLATFORM,
                     headers={"content-type": "text/csv"})  # fmt: skip
    assert again.status_code == 200 and again.json()["unchanged"] == 1
    assert api.store.head() == head + 1


def _csv(lines: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(lines[0]))
    writer.writeheader()
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8")


def test_rejected_lines_are_a_422_in_the_error_shape(api: Api) -> None:
    r = api.post(REPAIRS, json=[line(2), line(404)], role=Role.ADMIN)
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and body["status"] == 422 and body["error"]
    assert [(e["line"], e["field"], e["code"]) for e in body["errors"]] == [
        (2, "CF_WSH", "national-record-unknown")
    ]
    assert body["accepted"] == 1  # the good line is applied all the same
    bad = api.post(REPAIRS, content=b"[not json", role=Role.PLATFORM,
                   headers={"content-type": "application/json"})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["ok"] is False


def test_cli_export_and_import(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        seed(store, 3)
    runner = CliRunner()
    out = tmp_path / "penalties.national.csv"
    args = ["export", "administrative-penalty", "--format", "national", "--db", db_url]
    done = runner.invoke(cli, [*args, "--out", str(out), "--as-of", DAY.isoformat()])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert len(rows) == 3 and rows[0]["SJC"].startswith("2027/03/15")
    assert runner.invoke(cli, ["export", "administrative-inspection", "--format", "national",
                               "--db", db_url]).exit_code == 2  # fmt: skip
    results = tmp_path / "results.csv"
    results.write_bytes(_csv([line(1), line(77)]))
    imported = runner.invoke(
        cli, ["import", "national-repairs", str(results), "--db", db_url, "--json"]
    )
    assert imported.exit_code == 1, imported.output
    receipt: dict[str, Any] = json.loads(imported.stdout)
    assert (receipt["accepted"], receipt["rejected"]) == (1, 1)
    assert receipt["issues"][0]["line"] == 3
    again = runner.invoke(cli, ["import", "national-repairs", str(results), "--db", db_url,
                                "--json"])  # fmt: skip
    assert json.loads(again.stdout)["unchanged"] == 1
    public = runner.invoke(cli, ["export", "administrative-penalty", "--db", db_url,
                                 "--as-of", DAY.isoformat()])  # fmt: skip
    assert public.exit_code == 0 and "武市监罚〔2027〕1号" not in public.stdout


def graphql_rows(api: Api, role: Role = Role.PLATFORM) -> list[dict[str, str]]:
    """Every row of nationalRecords, page by page."""
    rows: list[dict[str, str]] = []
    after = None
    while True:
        body = api.post(
            "/graphql", json={"query": NATIONAL, "variables": {"after": after}}, role=role
        ).json()
        assert "errors" not in body, body
        page = body["data"]["nationalRecords"]
        assert page["header"][-2:] == ["DFBM", "SJC"]
        rows.extend(page["rows"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def test_graphql_national_records(api: Api) -> None:
    rows = graphql_rows(api)
    assert len(rows) == 6 and rows == graphql_rows(api, Role.ADMIN)
    assert {r["CF_WSH"] for r in rows} == {r["CF_WSH"] for r in national(api)}
    assert all(r["CF_JDRQ"] == "2027/03/01" for r in rows)
    for role in (None, Role.AGENCY):
        body = api.post("/graphql", json={"query": NATIONAL}, role=role).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
