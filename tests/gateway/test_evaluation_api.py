"""The evaluation over REST and the CLI: the model is served, government and agency keys see the
explanation, the public sees the grade only where the catalogue entry is public, history as
of a day, 政务失信 recorded and tracked, reports state the model version and grade."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from penalty_factory import DATASET, penalties, rows
from typer.testing import CliRunner

from catalog import Openness, get_entry
from gateway.cli import app as cli
from store import Role, Store, open_store
from store.evaluation import evaluate_all, grade_of

DAY = date(2027, 9, 1)


@pytest.fixture
def graded(db_url: str) -> Iterator[tuple[Store, str]]:
    store = open_store(db_url)
    records = [
        r | {"decision_date": "2027-05-20", "penalty_valid_to": "2028-05-20"}
        for r in penalties(12, seed=3)
        if r["counterpart_category"] != "自然人"
    ]
    result = store.submit(DATASET, rows(records), actor="t")
    assert result.ok, result.issues
    evaluate_all(store, today=DAY)
    code = next(r.uscc for r in store.records(DATASET) if r.uscc)
    assert code is not None
    yield store, code
    store.close()


@pytest.fixture
def api(make_api: Callable[..., Any], graded: tuple[Store, str]) -> Iterator[Any]:
    with make_api(seed=False, store=graded[0], today=DAY.isoformat()) as client:
        yield client


def test_the_model_is_served(api: Any) -> None:
    body = api.json("/api/v1/evaluation/model")
    assert body["model"]["version"] == "2026.1"
    assert body["model"]["grade_labels"] == {"A": "优", "B": "良", "C": "中", "D": "差"}
    assert {i["id"] for i in body["model"]["indicators"]} >= {"penalties-serious", "repairs"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PLATFORM, Role.AGENCY])
def test_government_and_agency_see_the_explanation(
    api: Any, graded: tuple[Store, str], role: Role
) -> None:
    _, code = graded
    found = api.json(f"/api/v1/entities/{code}/evaluation", role=role)["evaluation"]
    assert found["grade"] == grade_of(graded[0], code)
    x = found["explanation"]
    assert x["base"] + sum(i["contribution"] for i in x["indicators"]) + x["clamp"] == (
        pytest.approx(found["score"])
    )
    history = api.json(f"/api/v1/entities/{code}/evaluation/history", role=role)
    assert history["count"] == 1 and history["history"][0]["grade"] == found["grade"]
    before = api.json(f"/api/v1/entities/{code}/evaluation/history?asOf=2027-01-01", role=role)
    assert before["count"] == 0


def test_the_public_sees_the_grade_only_where_the_catalogue_says_so(
    api: Any, graded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code = graded
    r = api.get(f"/api/v1/entities/{code}/evaluation")
    assert r.status_code == 403, r.text
    assert api.get(f"/api/v1/entities/{code}/evaluation/history").status_code == 403
    public_entry = replace(get_entry("public-credit-evaluation"), openness=Openness.PUBLIC)
    monkeypatch.setattr("gateway.routes.evaluation.get_entry", lambda _id: public_entry)
    found = api.json(f"/api/v1/entities/{code}/evaluation")["evaluation"]
    assert set(found) == {"uscc", "model_version", "grade", "grade_label", "as_of", "log_position"}
    history = api.json(f"/api/v1/entities/{code}/evaluation/history")["history"]
    assert "score" not in history[0] and "explanation" not in history[0]


def test_unknown_and_invalid_entities(api: Any) -> None:
    assert (
        api.get("/api/v1/entities/11420100MB10185288/evaluation", role=Role.ADMIN).status_code
        == 404
    )  # a public body is never graded
    assert api.get("/api/v1/entities/nonsense/evaluation", role=Role.ADMIN).status_code == 400


def test_reports_state_the_model_version_and_grade(api: Any, graded: tuple[Store, str]) -> None:
    _, code = graded
    gov = api.json(f"/api/v1/entities/{code}/report", role=Role.ADMIN)["report"]["evaluation"]
    assert gov["model_version"] == "2026.1" and gov["grade"] == grade_of(graded[0], code)
    assert "explanation" in gov
    public = api.json(f"/api/v1/entities/{code}/report")["report"]["evaluation"]
    assert public["grade"] is None and public["model_version"] is None  # not published


def test_public_dishonesty_over_rest(api: Any, graded: tuple[Store, str]) -> None:
    body = {
        "body_uscc": "11420100MB10185288", "body_name": "武汉市发展和改革委员会",
        "kind": "judgment-default", "facts": "拒不履行生效判决",
        "basis_doc_no": "（2027）鄂01执1号",
        "decided_by": "武汉市中级人民法院", "occurred_on": "2027-08-01",
        "superior_unit": "武汉市人民政府",
    }  # fmt: skip
    assert api.post("/api/v1/public-dishonesty", json=body).status_code == 401
    assert api.post("/api/v1/public-dishonesty", json=body, role=Role.AGENCY).status_code == 403
    made = api.post("/api/v1/public-dishonesty", json=body, role=Role.ADMIN)
    assert made.status_code == 201, made.text
    again = api.post("/api/v1/public-dishonesty", json=body, role=Role.ADMIN)
    assert again.status_code == 200 and again.json()["new"] is False
    notices = made.json()["record"]["notices"]
    assert [n["recipient_role"] for n in notices] == ["superior-unit", "audit"]
    assert {n["state"] for n in notices} == {"pending"}
    sent = api.post(
        f"/api/v1/public-dishonesty/notices/{notices[0]['id']}",
        json={"state": "sent"},
        role=Role.ADMIN,
    )
    assert sent.status_code == 200 and sent.json()["notice"]["state"] == "sent"
    assert (
        api.post(
            "/api/v1/public-dishonesty/notices/999999", json={"state": "sent"}, role=Role.ADMIN
        ).status_code
        == 404
    )
    listed = api.json("/api/v1/public-dishonesty?state=pending", role=Role.ADMIN)
    assert listed["count"] == 1
    assert api.get("/api/v1/public-dishonesty", role=Role.AGENCY).status_code == 403
    company = {**body, "body_uscc": graded[1], "basis_doc_no": "x"}
    assert api.post("/api/v1/public-dishonesty", json=company, role=Role.ADMIN).status_code == 400


def test_cli_evaluate_and_show(db_url: str, graded: tuple[Store, str]) -> None:
    _, code = graded
    runner = CliRunner()
    run = runner.invoke(
        cli, ["evaluate", "--since-cursor", "--today", "2027-09-01", "--db", db_url]
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.output)["entities"] == 0  # nothing changed since the full run
    full = runner.invoke(cli, ["evaluate", "--all", "--today", "2027-09-01", "--db", db_url])
    assert full.exit_code == 0 and json.loads(full.output)["mode"] == "full"
    shown = runner.invoke(cli, ["evaluate", "show", code, "--db", db_url])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["grade"] in "ABCD"
    assert (
        runner.invoke(cli, ["evaluate", "show", "914201000000000000", "--db", db_url]).exit_code
        == 1
    )
    recorded = runner.invoke(cli, [
        "public-dishonesty", "record", "--body-uscc", "11420100MB10185288",
        "--body-name", "武汉市发展和改革委员会", "--kind", "contract-default",
        "--facts", "拖欠账款", "--basis-doc-no", "武仲裁〔2027〕1号",
        "--decided-by", "武汉仲裁委员会",
        "--occurred-on", "2027-08-01", "--staff-name", "王某", "--db", db_url,
    ])  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    notice_id = json.loads(recorded.output)["record"]["notices"][0]["id"]
    acked = runner.invoke(
        cli, ["public-dishonesty", "notice", str(notice_id), "acknowledged", "--db", db_url]
    )
    assert acked.exit_code == 0 and json.loads(acked.output)["state"] == "acknowledged"


def test_the_demo_gives_every_grade(db_url: str) -> None:
    from demo import fill_demo
    from store.public_dishonesty import list_public_dishonesty

    with open_store(db_url) as store:
        demo = fill_demo(store, entities=600, today=date(2027, 3, 1))
        assert set(demo.grades) == {"A", "B", "C", "D"}, demo.grades
        assert all(n > 0 for n in demo.grades.values())
        published = store.records("public-credit-evaluation", limit=5000)
        assert len(published) == sum(demo.grades.values())
        [record] = list_public_dishonesty(store.engine)
        assert record["body_type"] == "机关"
        assert {n["state"] for n in record["notices"]} == {"pending"}


def test_the_public_entity_page_shows_the_grade_only_when_published(
    api: Any, graded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code = graded
    grade = grade_of(graded[0], code)
    page = api.get(f"/entities/{code}")
    assert page.status_code == 200 and "公共信用综合评价" not in page.text
    public_entry = replace(get_entry("public-credit-evaluation"), openness=Openness.PUBLIC)
    monkeypatch.setattr("gateway.routes.evaluation.get_entry", lambda _id: public_entry)
    page = api.get(f"/entities/{code}")
    assert "公共信用综合评价" in page.text and f"{grade}（" in page.text


def test_the_scheduler_runs_the_incremental_evaluation_when_asked(
    graded: tuple[Store, str],
) -> None:
    from gateway.scheduler import ExpiryScheduler
    from store.evaluation import cursor_of

    store, code = graded
    record = {
        **next(r.payload for r in store.records(DATASET) if r.uscc == code),
        "decision_doc_no": "武市监罚〔2027〕定时1号",
    }
    assert store.submit(DATASET, rows([record]), actor="t").ok
    head = store.head()
    off = ExpiryScheduler(store, lambda: DAY, interval_seconds=3600, runner="t")
    off.tick()
    assert cursor_of(store.engine)[0] < head
    on = ExpiryScheduler(store, lambda: DAY, interval_seconds=3600, runner="t", evaluate=True)
    on.tick()
    assert cursor_of(store.engine)[0] >= head
