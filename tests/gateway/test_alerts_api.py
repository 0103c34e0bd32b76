"""Risk alerts over HTTP, the CLI and the workspace forms: a department sees and acts on its
own alerts only, the public gets 401, acknowledging and closing are audited (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from rest_helpers import Api
from typer.testing import CliRunner

from gateway.cli import app as cli_app
from schemas import org_code_check_char, uscc_check_char
from store import Role, Store, alert_history, list_alerts, open_store
from workflows import run_alerts

AMR = "11420100MB1320102J"
TAX = "11420100MB18372082"
HOUSING = "11420100MB1354046H"
TODAY = date(2027, 9, 1)
NOW = datetime(2027, 9, 1, 2, 0, tzinfo=UTC)


def _uscc(i: int) -> str:
    body8 = f"{i:08d}"
    first17 = "91420100" + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def _penalty(entity: int, n: int, decided: date, authority: str) -> dict[str, Any]:
    return {
        "counterpart_name": f"武汉预警{entity}有限公司",
        "counterpart_category": "法人及非法人组织",
        "uscc": _uscc(entity),
        "decision_doc_no": f"武罚〔2027〕{entity}-{n}号",
        "penalty_categories": ["罚款"],
        "decision_date": decided.isoformat(),
        "authority_name": "处罚机关",
        "authority_uscc": authority,
        "source_org_name": "处罚机关",
        "source_org_uscc": authority,
    }


def _seed(store: Store) -> None:
    """Entity 1: three AMR penalties; entity 2: three TAX penalties (one alert each)."""
    records = [_penalty(1, n, date(2027, n + 2, 1), AMR) for n in (1, 2, 3)]
    records += [_penalty(2, n, date(2027, n + 2, 1), TAX) for n in (1, 2, 3)]
    result = store.submit(
        "administrative-penalty", list(enumerate(records, 1)), actor="seed", now=NOW
    )
    assert result.ok, result.issues
    run = run_alerts(store, today=TODAY, now=NOW)
    assert run.raised == 2, run


@pytest.fixture
def api(make_api: Callable[..., Any], db_url: str) -> Iterator[Api]:
    store = open_store(db_url)
    _seed(store)
    with make_api(store=store, seed=False, today=TODAY.isoformat()) as api:
        yield api


def _ids(body: dict[str, Any]) -> list[str]:
    return [a["uscc"] for a in body["alerts"]]


def test_a_department_sees_only_its_own_alerts(api: Api) -> None:
    mine = api.json("/api/v1/alerts", role=Role.DEPARTMENT, department=AMR)
    assert _ids(mine) == [_uscc(1)] and mine["count"] == 1
    assert mine["alerts"][0]["evidence"]["count"] == 3
    theirs = api.json("/api/v1/alerts", role=Role.DEPARTMENT, department=TAX)
    assert _ids(theirs) == [_uscc(2)]
    assert api.json("/api/v1/alerts", role=Role.DEPARTMENT, department=HOUSING)["count"] == 0
    # a department cannot widen its view with ?department=
    widened = api.json(f"/api/v1/alerts?department={TAX}", role=Role.DEPARTMENT, department=AMR)
    assert _ids(widened) == [_uscc(1)]
    # an admin sees every alert, and may filter a department
    assert sorted(_ids(api.json("/api/v1/alerts", role=Role.ADMIN))) == [_uscc(1), _uscc(2)]
    assert _ids(api.json(f"/api/v1/alerts?department={TAX}", role=Role.ADMIN)) == [_uscc(2)]
    other_id = theirs["alerts"][0]["id"]
    r = api.get(f"/api/v1/alerts/{other_id}", role=Role.DEPARTMENT, department=AMR)
    assert r.status_code == 404, r.text
    r = api.post(f"/api/v1/alerts/{other_id}/ack", role=Role.DEPARTMENT, department=AMR)
    assert r.status_code == 404, r.text


@pytest.mark.parametrize("role", [None, Role.PUBLIC, Role.AGENCY, Role.PLATFORM])
def test_alerts_never_reach_the_public(api: Api, role: Role | None) -> None:
    r = api.get("/api/v1/alerts", role=role)
    assert r.status_code == (401 if role is None else 403), r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == r.status_code
    one = list_alerts(api.store.engine)[0].id
    for method, path in (("GET", f"/{one}"), ("POST", f"/{one}/ack"), ("POST", f"/{one}/close")):
        r = api.request(method, f"/api/v1/alerts{path}", role=role, json={"note": "x"})
        assert r.status_code == (401 if role is None else 403), (method, path, r.text)


def test_ack_and_close_are_audited(api: Api) -> None:
    [alert] = api.json("/api/v1/alerts", role=Role.DEPARTMENT, department=AMR)["alerts"]
    url = f"/api/v1/alerts/{alert['id']}"
    r = api.post(f"{url}/ack", role=Role.DEPARTMENT, department=AMR, json={"note": "已安排核查"})
    assert r.status_code == 200, r.text
    acked = r.json()
    assert acked["alert"]["state"] == "acknowledged"
    assert acked["alert"]["acknowledged_by"].startswith("key:")
    r = api.post(f"{url}/close", role=Role.DEPARTMENT, department=AMR, json={})
    assert r.status_code == 400, r.text  # a note is required
    r = api.post(f"{url}/close", role=Role.DEPARTMENT, department=AMR, json={"note": "已约谈"})
    assert r.status_code == 200, r.text
    detail = api.json(url, role=Role.DEPARTMENT, department=AMR)
    assert detail["alert"]["state"] == "closed" and detail["alert"]["close_note"] == "已约谈"
    trail = [(e["action"], e["role"], e["note"]) for e in detail["history"]]
    assert trail == [
        ("raised", "admin", None),
        ("acknowledged", "department", "已安排核查"),
        ("closed", "department", "已约谈"),
    ]
    assert all(e["occurred_at"] for e in detail["history"])
    actions = [(e.action, e.target) for e in api.audit()]
    assert ("alert.ack", str(alert["id"])) in actions
    assert ("alert.close", str(alert["id"])) in actions
    assert ("alerts", AMR) in actions
    # closed alerts leave the open queue
    open_now = api.json("/api/v1/alerts?state=open", role=Role.DEPARTMENT, department=AMR)
    assert open_now["count"] == 0


def test_an_admin_runs_the_evaluator(api: Api) -> None:
    r = api.post("/api/v1/alerts/run", role=Role.DEPARTMENT, department=AMR)
    assert r.status_code == 403, r.text
    r = api.post("/api/v1/alerts/run", role=Role.ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["entities"] == 0  # nothing new since the seed's run
    r = api.post("/api/v1/alerts/run?full=true", role=Role.ADMIN)
    assert (r.json()["entities"], r.json()["unchanged"]) == (2, 2)


def test_the_cli(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        records = [_penalty(3, n, date(2027, n + 2, 1), HOUSING) for n in (1, 2, 3)]
        assert store.submit("administrative-penalty", list(enumerate(records, 1)), actor="s").ok
    runner = CliRunner()
    env = {"CREDITGATE_DB": db_url}
    result = runner.invoke(cli_app, ["alerts", "run", "--today", "2027-09-01", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["raised"] == 1
    result = runner.invoke(cli_app, ["alerts", "list", "--department", HOUSING, "--json"], env=env)
    assert result.exit_code == 0, result.output
    [alert] = orjson.loads(result.stdout)["alerts"]
    result = runner.invoke(cli_app, ["alerts", "list"], env=env)
    assert re.search(rf"#{alert['id']} \[open\] medium penalties-frequent", result.stdout)
    result = runner.invoke(cli_app, ["alerts", "close", str(alert["id"])], env=env)
    assert result.exit_code == 2  # no note
    args = ["alerts", "ack", str(alert["id"]), "--note", "收到", "--actor", "cli:clerk"]
    assert runner.invoke(cli_app, args, env=env).exit_code == 0
    args = ["alerts", "close", str(alert["id"]), "--note", "已处理", "--actor", "cli:clerk"]
    result = runner.invoke(cli_app, args, env=env)
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["alert"]["state"] == "closed"
    with open_store(db_url) as store:
        trail = [(e.action, e.actor) for e in alert_history(store.engine, alert["id"])]
    assert trail == [
        ("raised", "system:alerts"),
        ("acknowledged", "cli:clerk"),
        ("closed", "cli:clerk"),
    ]


def test_the_workspace_lists_and_closes_the_departments_alerts(api: Api) -> None:
    from store import create_key

    _, secret = create_key(api.store.engine, role=Role.DEPARTMENT, name="amr web",
                           department_uscc=AMR)  # fmt: skip
    r = api.post("/workspace/login", data={"key": secret})
    assert r.status_code == 303, r.text
    assert api.client.cookies.get("cg_session")  # the client keeps the session
    page = api.get("/workspace")
    assert page.status_code == 200, page.text
    assert _uscc(1) in page.text and _uscc(2) not in page.text  # only AMR's alert
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    [mine] = list_alerts(api.store.engine, department=AMR)
    [theirs] = list_alerts(api.store.engine, department=TAX)
    forged = api.post(f"/workspace/alerts/{mine.id}/ack",
                      data={"csrf": "forged", "note": ""})  # fmt: skip
    assert forged.status_code == 403
    other = api.post(f"/workspace/alerts/{theirs.id}/close",
                     data={"csrf": csrf.group(1), "note": "不是我的"})  # fmt: skip
    assert other.status_code == 404
    done = api.post(f"/workspace/alerts/{mine.id}/close",
                    data={"csrf": csrf.group(1), "note": "已约谈整改"})  # fmt: skip
    assert done.status_code == 303, done.text
    [event] = [e for e in alert_history(api.store.engine, mine.id) if e.action == "closed"]
    assert event.note == "已约谈整改" and "amr web" in event.actor
    assert _uscc(1) not in api.get("/workspace").text


def test_the_scheduler_tick_runs_the_alerts_after_the_expiries(db_url: str) -> None:
    from gateway.scheduler import ExpiryScheduler

    with open_store(db_url) as store:
        records = [_penalty(4, n, date(2027, n + 2, 1), AMR) for n in (1, 2, 3)]
        assert store.submit("administrative-penalty", list(enumerate(records, 1)), actor="s").ok
        jobs = ExpiryScheduler(store, lambda: TODAY, interval_seconds=3600, runner="test")
        jobs.tick()  # one pass in this thread: expiries, then alerts
        [alert] = list_alerts(store.engine)
        assert alert.uscc == _uscc(4) and alert.departments == (AMR,)
        jobs.tick()  # nothing new: the same alert, no second one
        assert len(list_alerts(store.engine)) == 1
        run = jobs.alerts()
        assert run is not None and (run.entities, run.raised) == (0, 0)


def test_an_alert_id_out_of_range_is_not_found(api: Api, db_url: str) -> None:
    huge = str(2**70)
    r = api.get(f"/api/v1/alerts/{huge}", role=Role.ADMIN)
    assert r.status_code in (400, 404), r.text
    runner = CliRunner()
    result = runner.invoke(cli_app, ["alerts", "ack", huge], env={"CREDITGATE_DB": db_url})
    assert result.exit_code == 2 and "no alert" in result.output
