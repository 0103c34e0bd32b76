"""The random-inspection contracts: ``creditgate sample …`` (typer CliRunner, SQLite and
PostgreSQL) and ``/api/v1/inspections/…`` (roles, commit before draw, 一公开)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from inspection_factory import AMR, OTHER, WUCHANG, plan_document, seed_population
from typer.testing import CliRunner

from gateway.cli import app as cli
from store import Role, commit_seed, open_store
from workflows import seed_commitment

SEED = "cli-seed-0123456789abcdef0123456789abcdef"


def _plan_file(tmp_path: Path, **changes: Any) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan_document(**changes), allow_unicode=True), "utf-8")
    return path


def test_cli_draw_is_byte_identical_and_verifies(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        seed_population(store)
    plan = _plan_file(tmp_path)
    runner = CliRunner()
    snapshot = tmp_path / "population.json"
    made = runner.invoke(
        cli, ["sample", "population", "--plan", str(plan), "--db", db_url, "--out", str(snapshot)]
    )
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stderr)
    assert summary["population_hash"] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    args = ["sample", "draw", "--plan", str(plan), "--seed", SEED, "--json"]
    first = runner.invoke(cli, [*args, "--db", db_url])
    second = runner.invoke(cli, [*args, "--db", db_url])
    offline = runner.invoke(cli, [*args, "--population", str(snapshot)])  # no store at all
    assert first.exit_code == second.exit_code == offline.exit_code == 0, first.output
    assert first.stdout_bytes == second.stdout_bytes == offline.stdout_bytes
    document = orjson.loads(first.stdout_bytes)
    assert document["population_hash"] == summary["population_hash"]
    assert document["seed_commitment"] == seed_commitment(SEED) and document["targets"]
    draw_file = tmp_path / "draw.json"
    draw_file.write_bytes(first.stdout_bytes)
    ok = runner.invoke(cli, ["sample", "verify", str(draw_file), "--population", str(snapshot)])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True
    other = runner.invoke(cli, [*args[:5], SEED + "-2", "--json", "--population", str(snapshot)])
    assert other.stdout_bytes != first.stdout_bytes
    tampered = document | {"targets": document["targets"][1:]}
    draw_file.write_bytes(orjson.dumps(tampered, option=orjson.OPT_SORT_KEYS))
    bad = runner.invoke(cli, ["sample", "verify", str(draw_file), "--population", str(snapshot)])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["checks"]["rerun_identical"] is False
    broken = runner.invoke(
        cli, ["sample", "draw", "--plan", str(tmp_path / "none.yaml"), "--seed", SEED]
    )
    assert broken.exit_code == 2


def test_cli_commit_before_publishing_and_results(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        seed_population(store)
    rates = [r | {"valid_from": "2026-01-01"} for r in plan_document()["rates"][:4]]
    plan = _plan_file(tmp_path, draw_date="2026-11-01", rates=rates)
    runner = CliRunner()
    publish = [
        "sample",
        "draw",
        "--plan",
        str(plan),
        "--seed",
        SEED,
        "--publish",
        "--json",
        "--db",
        db_url,
    ]
    refused = runner.invoke(cli, publish)
    assert refused.exit_code == 1 and "no commitment" in refused.stderr
    generated = runner.invoke(cli, ["sample", "commit", "--plan", str(plan), "--db", db_url])
    assert generated.exit_code == 0, generated.output
    made = json.loads(generated.stdout)
    assert len(made["seed"]) == 64 and made["seed_hash"] == seed_commitment(made["seed"])
    committed = runner.invoke(
        cli, ["sample", "commit", "--seed", SEED, "--plan", str(plan), "--bind", "--db", db_url]
    )
    assert committed.exit_code == 0, committed.output
    bound = json.loads(committed.stdout)
    assert bound["department_uscc"] == AMR and bound["population_hash"]
    assert "seed" not in bound  # a given seed is never echoed
    published = runner.invoke(cli, publish)
    assert published.exit_code == 0, published.output
    draw_id = published.stderr.split("published ")[1].split()[0]
    draw_file = tmp_path / "draw.json"
    draw_file.write_bytes(published.stdout_bytes)
    verified = runner.invoke(cli, ["sample", "verify", str(draw_file), "--db", db_url])
    checks = json.loads(verified.stdout)["checks"]
    assert verified.exit_code == 0 and checks["committed_before_draw"] is True
    listed = runner.invoke(cli, ["sample", "list", "--json", "--db", db_url])
    assert [d["draw_id"] for d in json.loads(listed.stdout)["draws"]] == [draw_id]
    target = orjson.loads(published.stdout_bytes)["targets"][0]
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps([_result(target["uscc"], target["name"])], ensure_ascii=False), "utf-8"
    )
    stored = runner.invoke(cli, ["sample", "results", draw_id, str(results), "--db", db_url])
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["accepted"] == 1
    with open_store(db_url) as store:
        record = next(
            r for r in store.by_uscc(target["uscc"]) if r.dataset == "administrative-inspection"
        )
    assert draw_id in record.payload["remarks"]
    assert record.payload["inspection_type"] == "双随机抽查"


def _result(code: str, name: str, n: int = 1) -> dict[str, Any]:
    return {
        "counterpart_name": name,
        "counterpart_category": "法人及非法人组织",
        "uscc": code,
        "legal_rep_name": "王五",
        "decision_doc_no": f"武昌市监抽〔2026〕第{n:04d}号",
        "content": "食品经营许可事项抽查",
        "inspection_result": "未发现问题",
        "decision_date": "2026-11-20",
        "authority_name": "武汉市武昌区市场监督管理局",
        "authority_uscc": WUCHANG,
        "source_org_name": "武汉市武昌区市场监督管理局",
        "source_org_uscc": WUCHANG,
        "division_code": "420106",
    }


def test_rest_roles_commit_before_draw_and_publication(make_api: Callable[..., Any]) -> None:
    rates = [r | {"valid_from": "2026-01-01"} for r in plan_document()["rates"][:4]]
    plan = plan_document(draw_date="2026-11-01", rates=rates)
    with make_api(seed=False) as api:
        seed_population(api.store)
        body = {"seed_hash": seed_commitment(SEED)}
        assert api.post("/api/v1/inspections/commitments", json=body).status_code == 401
        assert (
            api.post("/api/v1/inspections/commitments", json=body, role=Role.AGENCY).status_code
            == 403
        )
        assert (
            api.post(
                "/api/v1/inspections/commitments",
                json=body | {"department_uscc": OTHER},
                role=Role.DEPARTMENT,
                department=AMR,
            ).status_code
            == 403
        )
        assert (
            api.post("/api/v1/inspections/commitments", json=body, role=Role.ADMIN).status_code
            == 400
        )  # admin must name the department
        draw_body = {"plan": plan, "seed": SEED}
        early = api.post(
            "/api/v1/inspections/draws", json=draw_body, role=Role.DEPARTMENT, department=AMR
        )
        assert early.status_code == 409 and "no commitment" in early.json()["error"]
        commit_seed(
            api.store.engine,
            seed_commitment(SEED),
            department_uscc=AMR,
            actor="t",
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
        assert (
            api.post(
                "/api/v1/inspections/commitments", json=body, role=Role.DEPARTMENT, department=AMR
            ).status_code
            == 201
        )  # the same hash: idempotent
        public_list = api.json("/api/v1/inspections/commitments")["commitments"]
        assert [c["seed_hash"] for c in public_list] == [seed_commitment(SEED)]
        assert "actor" not in public_list[0]  # who committed: government keys only
        admin_list = api.json("/api/v1/inspections/commitments", role=Role.ADMIN)["commitments"]
        assert admin_list[0]["actor"] == "t"
        assert (
            api.post(
                "/api/v1/inspections/draws", json=draw_body, role=Role.DEPARTMENT, department=OTHER
            ).status_code
            == 403
        )
        bad = api.post(
            "/api/v1/inspections/draws",
            json={"plan": {"plan_id": "x"}, "seed": "s"},
            role=Role.ADMIN,
        )
        assert bad.status_code == 400
        made = api.post(
            "/api/v1/inspections/draws", json=draw_body, role=Role.DEPARTMENT, department=AMR
        )
        assert made.status_code == 201, made.text
        draw_id = made.json()["draw"]["draw_id"]
        listed = api.json("/api/v1/inspections/draws")["draws"]
        assert [d["draw_id"] for d in listed] == [draw_id] and listed[0]["seed"] == SEED
        assert listed[0]["committed_at"] < listed[0]["drawn_at"]
        public = api.json(f"/api/v1/inspections/draws/{draw_id}")
        assert public["targets"] and all("grade" not in t for t in public["targets"])
        government = api.json(f"/api/v1/inspections/draws/{draw_id}", role=Role.PLATFORM)
        assert all(t["grade"] in "ABCD" for t in government["targets"])
        assert api.get(f"/api/v1/inspections/draws/{draw_id}/document").status_code == 403
        raw = api.get(f"/api/v1/inspections/draws/{draw_id}/document", role=Role.ADMIN)
        population = api.get(f"/api/v1/inspections/draws/{draw_id}/population", role=Role.ADMIN)
        assert raw.status_code == population.status_code == 200
        document = orjson.loads(raw.content)
        assert hashlib.sha256(population.content).hexdigest() == document["population_hash"]
        assert api.json(f"/api/v1/inspections/draws/{draw_id}/verify")["valid"] is True
        assert api.get("/api/v1/inspections/draws/draw-nope").status_code == 404
        target = public["targets"][0]
        results = [_result(target["uscc"], target["name"])]
        url = f"/api/v1/inspections/draws/{draw_id}/results"
        assert api.post(url, json=results).status_code == 401
        mine = api.post(url, json=results, role=Role.DEPARTMENT, department=WUCHANG)
        assert mine.status_code == 200, mine.text
        assert mine.json()["accepted"] == 1
        linked = api.json(f"/api/v1/inspections/draws/{draw_id}")["results"]
        assert len(linked) == 1 and draw_id in json.dumps(linked, ensure_ascii=False)
        others = api.post(url, json=results, role=Role.DEPARTMENT, department=AMR)
        assert others.status_code == 422  # not its own records
        # the public web page (一公开): the draw, its commitment, targets and results
        page = api.get("/inspections")
        assert page.status_code == 200 and draw_id in page.text
        detail = api.get(f"/inspections/{draw_id}")
        assert detail.status_code == 200 and SEED in detail.text
        assert seed_commitment(SEED) in detail.text and target["uscc"] in detail.text
        assert "未发现问题" in detail.text  # no grade column for the public:
        assert '统一社会信用代码</th><th scope="col">检查人员' in detail.text
        assert api.get("/inspections/draw-nope").status_code == 404


def test_the_demo_publishes_a_verifiable_draw(db_url: str) -> None:
    from datetime import date

    from demo import fill_demo
    from store import get_draw
    from workflows import verify_published

    with open_store(db_url) as store:
        demo = fill_demo(store, entities=300, today=date(2026, 11, 28))
        assert len(demo.draws) == 1
        published = get_draw(store.engine, demo.draws[0])
        assert published.targets > 0 and published.commitment.published_at < published.drawn_at
        assert verify_published(store, published.draw_id).valid
