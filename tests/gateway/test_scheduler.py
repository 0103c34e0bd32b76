"""Expiry without a person at the edge: the scheduler in serve's lifespan, ``creditgate
worker --once``, ``/admin/jobs``, and partners' lag counting take-downs not yet delivered."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from rest_helpers import NO_LIMITS, serving

import demo
from gateway.app import create_app
from gateway.settings import Settings
from store import Role, Store, acknowledge, create_key, list_runs, open_store, submit_records

PENALTY = "administrative-penalty"
DAY = date(2027, 6, 4)  # the day after the window of a fine decided on 2026-06-03 ends
EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"


def _seed(url: str) -> tuple[str, str, str, str]:
    """One fine shown until 2027-06-03; a platform key acknowledged at the head; an admin key."""
    record = next(iter(demo.penalties(1, seed=5, entities=demo.Entities(5, seed=2))))
    record.update(decision_date="2026-06-03", penalty_valid_to="2027-06-02")
    record.update(procedure="普通程序", penalty_categories=["罚款"], fine_amount_wan="0.5000")
    with open_store(url) as store:
        receipt = submit_records(store, PENALTY, [record], actor="test:dept")
        assert receipt.accepted == 1, receipt.issues
        (rid,) = [r.record_id for r in store.records(PENALTY) if r.record_id]
        assert store.get(rid).window_end == date(2027, 6, 3)
        key, platform = create_key(store.engine, role=Role.PLATFORM, name="partner")
        acknowledge(store.engine, key.key_id, store.head())
        _, admin = create_key(store.engine, role=Role.ADMIN, name="admin")
    return rid, key.key_id, platform, admin


def _app(url: str, *, scheduler: bool, **extra: Any) -> Any:
    settings = Settings(db=url, today=DAY.isoformat(), **NO_LIMITS, **extra)
    return create_app(settings, store=open_store(url), scheduler=scheduler)


def _feed(api: Any, key: str, after: int) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/changes?after={after}&dataset={PENALTY}", key=key)
    assert r.status_code == 200, r.text
    return [orjson.loads(line) for line in r.content.splitlines()]


def _listed(api: Any, key: str | None) -> set[str]:
    r = api.get(f"/api/v1/datasets/{PENALTY}/records?limit=100", key=key)
    assert r.status_code == 200, r.text
    return {row["record_id"] for row in r.json()["records"]}


QUERY = "query($code: String!) { entity(creditCode: $code) { penalties { recordId } } }"


def _in_graphql(api: Any, key: str | None, code: str) -> set[str]:
    r = api.post("/graphql", json={"query": QUERY, "variables": {"code": code}}, key=key)
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    entity = r.json()["data"]["entity"] or {"penalties": []}
    return {p["recordId"] for p in entity["penalties"]}


def _wait_for_run(store: Store, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(r.status == "done" for r in list_runs(store.engine)):
            return
        time.sleep(0.05)
    raise AssertionError("the scheduler did not run the expiries at start")


def test_serve_lifespan_runs_the_expiries_and_partners_see_the_take_down(db_url: str) -> None:
    rid, key_id, platform, admin = _seed(db_url)
    # without the scheduler: the day alone hides the record from the public, but government
    # partners (who see every record not taken down) keep it and their lag reads 0
    with serving(_app(db_url, scheduler=False)) as api:
        code = api.store.get(rid).payload["uscc"]
        assert rid not in _listed(api, None) and rid in _listed(api, platform)
        assert rid not in _in_graphql(api, None, code) and rid in _in_graphql(api, platform, code)
        assert api.app.state.scheduler is None
        head = api.store.head()
        acks = api.json("/api/v1/admin/acks", key=admin)["acks"]
        assert [(a["lag"], a["pending_takedowns"]) for a in acks] == [(0, 0)]
        assert api.json("/api/v1/admin/jobs", key=admin)["runs"] == []
    # with it: the lifespan starts it, it sweeps at start, and stops with the lifespan
    app = _app(db_url, scheduler=True, sweep_interval_seconds=3600)
    with serving(app) as api:
        jobs = app.state.scheduler
        assert jobs is not None and jobs.running and jobs.interval_seconds == 3600
        _wait_for_run(api.store)
        (item,) = _feed(api, platform, head)
        assert rid not in _listed(api, platform) and rid not in _listed(api, None)
        assert rid not in _in_graphql(api, platform, code)
        assert (item["op"], item["record_id"], item["reason"]) == ("delete", rid, "expired")
        acks = api.json("/api/v1/admin/acks", key=admin)["acks"]
        assert [(a["key_id"], a["lag"], a["pending_takedowns"]) for a in acks] == [(key_id, 1, 1)]
        body = api.json("/api/v1/admin/jobs", key=admin)
        assert body["scheduler"] == {"running": True, "interval_seconds": 3600}
        (run,) = body["runs"]
        assert run["status"] == "done" and run["today"] == DAY.isoformat()
        assert run["counts"]["expired"] == 1 and run["runner"].startswith("serve:")
        assert api.get("/api/v1/admin/jobs", key=platform).status_code == 403
        r = api.post("/api/v1/changes/ack", json={"cursor": item["seq"]}, key=platform)
        assert r.status_code == 200, r.text
        assert (r.json()["lag"], r.json()["pending_takedowns"]) == (0, 0)
    assert not jobs.running


def test_worker_once_runs_one_pass_and_records_it(db_url: str) -> None:
    rid, _key_id, _platform, _admin = _seed(db_url)
    args = [EXE, "worker", "--db", db_url, "--once", "--now", DAY.isoformat(), "--json"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["status"] == "done" and run["runner"].startswith("worker:")
    assert run["report"]["expired"] == 1 and run["report"]["by_dataset"] == {PENALTY: 1}
    with open_store(db_url) as store:
        assert store.get(rid).withdrawn_reason == "expired"
        assert [r.status for r in list_runs(store.engine)] == ["done"]
    again = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout)["counts"]["expired"] == 0


def test_worker_runs_on_its_interval_until_terminated(db_url: str) -> None:
    rid, _key_id, _platform, _admin = _seed(db_url)
    args = [EXE, "worker", "--db", db_url, "--interval", "3600", "--now", DAY.isoformat()]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with open_store(db_url) as store:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not list_runs(store.engine):
                time.sleep(0.2)
            _wait_for_run(store, 30)  # the pass at start
            assert store.get(rid).withdrawn_reason == "expired"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "worker stopped" in out
