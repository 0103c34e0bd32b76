"""The credit workflows through the API, end to end: each procedure run over REST, then what the
public, an agency and a platform see afterwards in GraphQL, the change feed and the downloads.

The app is the real one (``create_app`` on a SQLite store in ``tmp_path``, its lifespan run),
with the workflow router included when the app does not include it yet. Records come from the
workflow tests' factory (valid identifiers, the catalogue's authorities).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rest_helpers import NO_LIMITS, Api, serving

from gateway.app import create_app
from gateway.settings import Settings
from store import Role, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from wf_factory import (
    AMR,
    DRC,
    HRSS,
    RESIDENT_ID,
    TAX,
    TODAY,
    commitment,
    list_entry,
    penalty,
    resident_id,
    uscc,
)

AUDIENCES: dict[str, Role | None] = {
    "public": None,
    "agency": Role.AGENCY,
    "platform": Role.PLATFORM,
}
ENTITY_QUERY = """query($code: String!) { entity(creditCode: $code) {
  penalties { recordId version underObjection record }
  listEntries { recordId version underObjection record }
  commitments { recordId version record } } }"""


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Any]:
    """``make_app(today=...)``: a context manager serving the app on one store file."""
    url = f"sqlite:///{tmp_path / 'workflows.sqlite'}"

    @contextmanager
    def make(today: date = TODAY) -> Iterator[Api]:
        app = create_app(
            Settings(db=url, today=today.isoformat(), **NO_LIMITS), store=open_store(url)
        )
        assert "/api/v1/checks" in app.openapi()["paths"]
        with serving(app) as api:
            yield api

    return make


@pytest.fixture
def api(make_app: Callable[..., Any]) -> Iterator[Api]:
    with make_app() as served:
        yield served


def submit(api: Api, dataset: str, record: dict[str, Any], authority: tuple[str, str]) -> str:
    """A department submits through the REST submission route; the record id."""
    r = api.post(
        f"/api/v1/datasets/{dataset}/submissions",
        json=[record],
        role=Role.DEPARTMENT,
        department=authority[1],
    )
    assert r.status_code == 200, r.text
    found = api.store.records(dataset, limit=1000, state="all")
    key = {k: record[k] for k in ("uscc",) if k in record}
    matches = [s.record_id for s in found if all(s.payload.get(k) == v for k, v in key.items())]
    assert matches, found
    return matches[-1]


def graphql(api: Api, role: Role | None, code: str) -> dict[str, Any] | None:
    r = api.post("/graphql", json={"query": ENTITY_QUERY, "variables": {"code": code}}, role=role)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    entity: dict[str, Any] | None = body["data"]["entity"]
    return entity


def in_graphql(api: Api, role: Role | None, code: str, record_id: str) -> dict[str, Any] | None:
    """The record's GraphQL node for this caller, or None."""
    entity = graphql(api, role, code) or {}
    nodes = [n for group in entity.values() if isinstance(group, list) for n in group]
    return next((n for n in nodes if n["recordId"] == record_id), None)


def feed(api: Api, role: Role | None, record_id: str, after: int = 0) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/changes?after={after}&limit=50000", role=role)
    assert r.status_code == 200, r.text
    items = [json.loads(line) for line in r.text.splitlines() if line]
    return [i for i in items if i["record_id"] == record_id]


def downloaded(api: Api, role: Role | None, dataset: str, record_id: str) -> dict[str, Any] | None:
    r = api.get(f"/api/v1/datasets/{dataset}/download.ndjson", role=role)
    if r.status_code == 403:
        return None
    assert r.status_code == 200, r.text
    rows = [json.loads(line) for line in r.text.splitlines() if line]
    return next((row for row in rows if row["record_id"] == record_id), None)


def assert_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and isinstance(body["errors"], list)
    return body


# -- the check --------------------------------------------------------------------------------


def test_check_follows_listing_and_removal(api: Api) -> None:
    rid = submit(api, "serious-dishonesty-list", list_entry(1), HRSS)
    url = f"/api/v1/checks?creditCode={uscc(1)}&scenario=procurement"
    answer = api.json(url, role=Role.PLATFORM)
    assert answer["ok"] and answer["restricted"] is True
    assert {"GJ-1-001", "GJ-1-002"} <= {m["measure_id"] for m in answer["measures"]}
    assert answer["entries"][0]["record_id"] == rid and answer["check_id"] > 0
    assert answer["log_position"] == api.store.head()
    assert api.json(url, role=Role.AGENCY)["restricted"] is True
    assert_error(api.get(url), 401)  # checks are logged by key
    assert_error(api.get(url + "x"), 401)
    assert_error(
        api.get(f"/api/v1/checks?creditCode={uscc(1)}&scenario=lottery", role=Role.AGENCY), 400
    )
    person = f"/api/v1/checks?creditCode={resident_id(1)}&scenario=flights-rail"
    assert_error(api.get(person, role=Role.AGENCY), 403)
    assert api.json(person, role=Role.PLATFORM)["restricted"] is True  # the legal rep
    # the department removes the entry with its own new version (移出日期 today)
    removed = {
        **list_entry(1),
        "status": "已移出",
        "removal_date": TODAY.isoformat(),
        "removal_reason": "决定撤销",
    }
    submit(api, "serious-dishonesty-list", removed, HRSS)
    after = api.json(url, role=Role.PLATFORM)
    assert after["restricted"] is False and after["entries"] == []
    for who in ("public", "agency"):  # outside its window from the removal date on
        assert in_graphql(api, AUDIENCES[who], uscc(1), rid) is None, who
        assert downloaded(api, AUDIENCES[who], "serious-dishonesty-list", rid) is None, who
        assert feed(api, AUDIENCES[who], rid)[-1]["reason"] == "outside-window", who
    # government keeps seeing the entry, now 已移出, until the sweep takes it down
    node = in_graphql(api, Role.PLATFORM, uscc(1), rid)
    assert node is not None and node["record"]["status"] == "已移出"
    assert api.store.sweep(TODAY).expired == 1
    for who, role in AUDIENCES.items():
        assert in_graphql(api, role, uscc(1), rid) is None, who
        assert downloaded(api, role, "serious-dishonesty-list", rid) is None, who
        assert feed(api, role, rid)[-1]["reason"] == "expired", who


# -- repair -----------------------------------------------------------------------------------


def test_repair_end_to_end(api: Api) -> None:
    rid = submit(api, "administrative-penalty", penalty(2), AMR)
    for who, role in AUDIENCES.items():
        assert in_graphql(api, role, uscc(2), rid) is not None, who
    body = {
        "record_id": rid,
        "applicant_name": "武汉测试2建设工程有限公司",
        "obligations_fulfilled": True,
        "evidence": ["罚款缴纳凭证"],
    }
    refused = assert_error(api.post("/api/v1/repairs", json=body, role=Role.PLATFORM), 422)
    assert [e["code"] for e in refused["errors"]] == ["repair-no-commitment"]
    assert refused["application"]["state"] == "refused"
    submit(api, "credit-commitment", commitment(2), DRC)
    assert_error(
        api.post("/api/v1/repairs", json=body, role=Role.DEPARTMENT, department=AMR[1]), 403
    )
    r = api.post("/api/v1/repairs", json=body, role=Role.PLATFORM)
    assert r.status_code == 201, r.text
    case = r.json()["application"]
    assert case["state"] == "pending" and case["authority_uscc"] == AMR[1]
    decision = f"/api/v1/repairs/{case['id']}/decision"
    assert_error(
        api.post(decision, json={"approve": True}, role=Role.DEPARTMENT, department=TAX[1]), 403
    )
    head = api.store.head()
    r = api.post(
        decision,
        json={"approve": True, "note": "核查属实"},
        role=Role.DEPARTMENT,
        department=AMR[1],
    )
    assert r.status_code == 200, r.text
    assert r.json()["application"]["state"] == "approved"
    assert_error(api.post(decision, json={"approve": False}, role=Role.ADMIN), 409)
    assert (
        api.json(f"/api/v1/repairs/{case['id']}", role=Role.PLATFORM)["application"]["state"]
        == "approved"
    )
    for who, role in AUDIENCES.items():
        assert in_graphql(api, role, uscc(2), rid) is None, who
        assert downloaded(api, role, "administrative-penalty", rid) is None, who
        (item,) = feed(api, role, rid, after=head)
        assert item["op"] == "delete" and item["reason"] == "repaired", who


def test_repair_of_a_list_entry_lifts_the_check(api: Api) -> None:
    rid = submit(api, "serious-dishonesty-list", list_entry(3), HRSS)
    submit(api, "credit-commitment", commitment(3), DRC)
    url = f"/api/v1/checks?creditCode={uscc(3)}&scenario=fiscal-funds"
    assert api.json(url, role=Role.AGENCY)["restricted"] is True
    r = api.post(
        "/api/v1/repairs",
        role=Role.PLATFORM,
        json={
            "record_id": rid,
            "applicant_name": "x",
            "obligations_fulfilled": True,
            "evidence": ["工资已支付"],
        },
    )
    case_id = r.json()["application"]["id"]
    r = api.post(
        f"/api/v1/repairs/{case_id}/decision",
        json={"approve": True},
        role=Role.DEPARTMENT,
        department=HRSS[1],
    )
    assert r.status_code == 200, r.text
    assert api.json(url, role=Role.AGENCY)["restricted"] is False


# -- objections -------------------------------------------------------------------------------


def test_objection_marks_every_channel_and_each_outcome(api: Api) -> None:
    rid = submit(api, "serious-dishonesty-list", list_entry(4), HRSS)
    head = api.store.head()
    r = api.post(
        "/api/v1/objections",
        role=Role.PLATFORM,
        json={
            "record_id": rid,
            "applicant_name": "武汉测试4",
            "grounds": "已足额支付工资",
            "evidence": ["银行流水"],
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()["objection"]
    assert case["state"] == "submitted" and case["verify_due"] == "2026-06-04"
    assert_error(
        api.post(
            "/api/v1/objections",
            role=Role.PLATFORM,
            json={"record_id": rid, "applicant_name": "x", "grounds": "y"},
        ),
        409,
    )
    for who, role in AUDIENCES.items():
        node = in_graphql(api, role, uscc(4), rid)
        assert node is not None and node["underObjection"] is True, who
        row = downloaded(api, role, "serious-dishonesty-list", rid)
        assert row is not None and row["_meta"]["under_objection"] is True, who
        (item,) = feed(api, role, rid, after=head)
        assert item["reason"] == "under-objection", who
        assert item["record"]["_meta"]["objection_status"] == "异议处理中", who
    check = api.json(f"/api/v1/checks?creditCode={uscc(4)}", role=Role.AGENCY)
    assert check["entries"][0]["under_objection"] is True
    verify = f"/api/v1/objections/{case['id']}/verify"
    assert_error(api.post(verify, role=Role.DEPARTMENT, department=AMR[1]), 403)
    r = api.post(verify, role=Role.DEPARTMENT, department=HRSS[1], json={"note": "已受理"})
    assert r.status_code == 200 and r.json()["objection"]["state"] == "verifying", r.text
    outcome = f"/api/v1/objections/{case['id']}/outcome"
    bad = {**list_entry(4), "listing_date": "2026-02-30"}
    refused = assert_error(
        api.post(
            outcome,
            role=Role.DEPARTMENT,
            department=HRSS[1],
            json={"outcome": "corrected", "corrected_record": bad},
        ),
        422,
    )
    assert [e["code"] for e in refused["errors"]] == ["correction-invalid"]
    assert refused["objection"]["state"] == "verifying"
    fixed = {**list_entry(4), "listing_reason": "拖欠工资金额更正为12万元。"}
    r = api.post(
        outcome,
        role=Role.DEPARTMENT,
        department=HRSS[1],
        json={"outcome": "corrected", "corrected_record": fixed, "note": "金额有误"},
    )
    assert r.status_code == 200 and r.json()["objection"]["state"] == "corrected", r.text
    for who, role in AUDIENCES.items():
        node = in_graphql(api, role, uscc(4), rid)
        assert node is not None and node["underObjection"] is False, who
        assert node["record"]["listing_reason"] == "拖欠工资金额更正为12万元。", who
        row = downloaded(api, role, "serious-dishonesty-list", rid)
        assert row is not None and row["listing_reason"] == fixed["listing_reason"], who
        assert feed(api, role, rid)[-1]["record"]["_meta"]["under_objection"] is False, who


def test_objection_revoked_and_upheld(api: Api) -> None:
    revoked = submit(api, "administrative-penalty", penalty(5), AMR)
    stands = submit(api, "administrative-penalty", penalty(6), AMR)
    cases = {}
    for rid in (revoked, stands):
        r = api.post(
            "/api/v1/objections",
            role=Role.PLATFORM,
            json={"record_id": rid, "applicant_name": "x", "grounds": "处罚有误"},
        )
        cases[rid] = r.json()["objection"]["id"]
        api.post(f"/api/v1/objections/{cases[rid]}/verify", role=Role.DEPARTMENT, department=AMR[1])
    r = api.post(
        f"/api/v1/objections/{cases[revoked]}/outcome",
        role=Role.DEPARTMENT,
        department=AMR[1],
        json={"outcome": "revoked", "note": "当事人非处罚对象"},
    )
    assert r.status_code == 200 and r.json()["objection"]["state"] == "revoked", r.text
    r = api.post(
        f"/api/v1/objections/{cases[stands]}/outcome",
        role=Role.DEPARTMENT,
        department=AMR[1],
        json={"outcome": "upheld"},
    )
    assert r.status_code == 200 and r.json()["objection"]["state"] == "upheld", r.text
    for who, role in AUDIENCES.items():
        assert in_graphql(api, role, uscc(5), revoked) is None, who
        assert feed(api, role, revoked)[-1]["reason"] == "objection-upheld", who
        node = in_graphql(api, role, uscc(6), stands)
        assert node is not None and node["underObjection"] is False, who
        assert feed(api, role, stands)[-1]["reason"] == "objection-closed", who
        assert downloaded(api, role, "administrative-penalty", stands) is not None, who
    assert_error(
        api.post(
            f"/api/v1/objections/{cases[stands]}/outcome",
            role=Role.ADMIN,
            json={"outcome": "revoked"},
        ),
        409,
    )
    assert_error(
        api.post(
            f"/api/v1/objections/{cases[stands]}/outcome",
            role=Role.ADMIN,
            json={"outcome": "closed"},
        ),
        400,
    )


def test_overdue_objections_are_listed(make_app: Callable[..., Any]) -> None:
    with make_app() as api:
        rid = submit(api, "administrative-penalty", penalty(7), AMR)
        r = api.post(
            "/api/v1/objections",
            role=Role.PLATFORM,
            json={"record_id": rid, "applicant_name": "x", "grounds": "有误"},
        )
        case_id = r.json()["objection"]["id"]
        assert api.json("/api/v1/objections?overdue=true", role=Role.PLATFORM)["count"] == 0
    with make_app(today=TODAY + timedelta(days=7)) as later:
        listed = later.json("/api/v1/objections?overdue=true", role=Role.PLATFORM)
        assert [c["id"] for c in listed["objections"]] == [case_id]
        assert listed["objections"][0]["overdue"] is True
        mine = later.json(
            "/api/v1/objections?overdue=true", role=Role.DEPARTMENT, department=AMR[1]
        )
        assert mine["count"] == 1
        other = later.json("/api/v1/objections", role=Role.DEPARTMENT, department=TAX[1])
        assert other["count"] == 0  # a department sees the cases it must answer
        assert_error(later.get("/api/v1/objections", role=Role.AGENCY), 403)


# -- commitments ------------------------------------------------------------------------------


def test_fulfilment_and_breach(api: Api) -> None:
    rid = submit(api, "credit-commitment", commitment(8, kind="审批替代型"), DRC)
    url = f"/api/v1/commitments/{rid}/fulfilment"
    assert_error(
        api.post(url, json={"status": "全部未履行"}, role=Role.DEPARTMENT, department=AMR[1]), 403
    )
    body = {
        "status": "全部未履行",
        "unperformed_content": "未按期补交材料",
        "liability_pursued": "撤销许可",
    }
    refused = assert_error(api.post(url, json=body, role=Role.DEPARTMENT, department=DRC[1]), 422)
    assert [e["code"] for e in refused["errors"]] == ["breach-needs-decision"]
    r = api.post(
        url,
        json={**body, "decision_doc_no": "武发改信认〔2026〕9号"},
        role=Role.DEPARTMENT,
        department=DRC[1],
    )
    assert r.status_code == 200, r.text
    listing = r.json()["listing"]
    assert listing["outcome"] == "new"
    check = api.json(f"/api/v1/checks?creditCode={uscc(8)}&scenario=approvals", role=Role.AGENCY)
    assert check["restricted"] and check["entries"][0]["record_id"] == listing["record_id"]
    for who, role in AUDIENCES.items():
        node = in_graphql(api, role, uscc(8), rid)
        assert node is not None and node["record"]["fulfilment_status"] == "全部未履行", who
        entry = in_graphql(api, role, uscc(8), listing["record_id"])
        assert entry is not None and entry["record"]["list_type"] == "重点关注对象名单", who
    assert_error(api.post(url, json={"status": "履行中"}, role=Role.ADMIN), 400)


def test_a_breach_without_a_listing_basis_is_recorded(api: Api) -> None:
    rid = submit(api, "credit-commitment", commitment(18, kind="容缺受理型"), DRC)
    body = {
        "status": "部分履行",
        "unperformed_content": "未补交材料",
        "liability_pursued": "终止办理",
    }
    r = api.post(
        f"/api/v1/commitments/{rid}/fulfilment", json=body, role=Role.DEPARTMENT, department=DRC[1]
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["listing"] is None
    assert answer["breach"]["consequence"] == "recorded"
    assert answer["breach"]["commitment_type"] == "容缺受理型" and answer["breach"]["basis"]
    check = api.json(f"/api/v1/checks?creditCode={uscc(18)}&scenario=approvals", role=Role.AGENCY)
    assert not check["restricted"]
    items = api.json(f"/api/v1/records/{rid}/timeline", role=Role.ADMIN)["items"]
    steps = [i for i in items if i["kind"] == "step"]
    assert [i["step"] for i in steps] == ["fulfilment", "breach-recorded"]
    assert steps[1]["details"]["consequence"] == "recorded"


# -- timelines --------------------------------------------------------------------------------


def test_timeline_per_role(api: Api) -> None:
    rid = submit(api, "administrative-penalty", penalty(9), AMR)
    api.post(
        "/api/v1/objections",
        role=Role.PLATFORM,
        json={"record_id": rid, "applicant_name": "x", "grounds": "有误"},
    )
    url = f"/api/v1/records/{rid}/timeline"
    full = api.json(url, role=Role.ADMIN)
    assert full["view"] == "full"
    assert [i.get("step") or i["kind"] for i in full["items"]] == [
        "version",
        "filed",
        "version",
        "marked",
    ]
    assert full["items"][0]["record"]["legal_rep_id_no"] == resident_id(9)
    assert api.json(url, role=Role.DEPARTMENT, department=AMR[1])["view"] == "full"
    assert_error(api.get(url, role=Role.DEPARTMENT, department=TAX[1]), 403)
    entity = api.get(url, role=Role.PLATFORM)
    assert entity.status_code == 200 and entity.json()["view"] == "entity"
    assert not RESIDENT_ID.search(entity.text) and "key:" not in entity.text
    assert api.json(url + "?view=entity", role=Role.ADMIN)["view"] == "entity"
    assert_error(api.get(url, role=Role.AGENCY), 403)
    assert_error(api.get(url), 401)
    assert_error(
        api.get("/api/v1/records/administrative-penalty:nosuch/timeline", role=Role.ADMIN), 404
    )
    assert_error(api.get("/api/v1/repairs/rep-nosuch", role=Role.ADMIN), 404)


def test_the_router_is_documented(api: Api) -> None:
    spec = api.json("/openapi.json")
    for path in (
        "/api/v1/checks",
        "/api/v1/repairs",
        "/api/v1/repairs/{case_id}/decision",
        "/api/v1/objections",
        "/api/v1/objections/{case_id}/verify",
        "/api/v1/objections/{case_id}/outcome",
        "/api/v1/commitments/{record_id}/fulfilment",
        "/api/v1/records/{record_id}/timeline",
    ):
        assert path in spec["paths"], path
    assert HRSS[1] not in json.dumps(spec)  # nothing of the data leaks into the spec
