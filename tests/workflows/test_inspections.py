"""Graded random inspections (双随机、一公开): reproducible draws, ratios and minimum frequencies
per grade, conflict avoidance, commit before draw, results linked to the draw — on SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import orjson
import pytest
from inspection_factory import (
    AMR,
    JIANGAN,
    OTHER,
    WUCHANG,
    entities,
    evaluation,
    plan_document,
    seed_population,
)

from store import Audience, DrawRefusedError, Store, commit_seed, get_draw, list_draws
from workflows import (
    PlanError,
    build_snapshot,
    draw,
    draw_bytes,
    draw_results,
    evaluation_grade,
    parse_plan,
    publish_draw,
    seed_commitment,
    snapshot_bytes,
    snapshot_hash,
    submit_results,
    verify_draw,
    verify_published,
)
from workflows.draw_prng import Stream, sample
from workflows.inspection_draws import _quota
from workflows.inspection_plans import load_plan

SEED = "a3f1c0de-2027-first-batch-seed-0001"
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)


def _drawn(store: Store, seed: str = SEED, **changes: Any) -> tuple[dict[str, Any], bytes]:
    plan = parse_plan(plan_document(**changes))
    snapshot = build_snapshot(store, plan)
    return snapshot, draw_bytes(draw(plan, snapshot, seed))


def test_the_stream_is_hmac_sha256_in_counter_mode() -> None:
    # an independent implementation of the documented algorithm gives the same words
    block0 = hmac.new(b"creditgate", b"test\x00" + (0).to_bytes(8, "big"), hashlib.sha256).digest()
    words = [int.from_bytes(block0[i : i + 8], "big") for i in range(0, 32, 8)]
    stream = Stream("creditgate", "test")
    assert [stream.word() for _ in range(4)] == words
    assert words[:3] == [2637462790061043777, 8720652540757074394, 16075438556917381326]
    assert sample(list(range(10)), 4, Stream("creditgate", "test")) == [7, 5, 8, 0]


def test_same_inputs_give_byte_identical_draws(store: Store, tmp_path: Path) -> None:
    seed_population(store)
    snapshot, first = _drawn(store)
    again_snapshot, again = _drawn(store)
    assert snapshot_bytes(snapshot) == snapshot_bytes(again_snapshot) and first == again
    # rerun from the published snapshot file alone
    path = tmp_path / "population.json"
    path.write_bytes(snapshot_bytes(snapshot))
    plan = parse_plan(plan_document())
    assert draw_bytes(draw(plan, orjson.loads(path.read_bytes()), SEED)) == first
    document = orjson.loads(first)
    assert document["seed_commitment"] == hashlib.sha256(SEED.encode()).hexdigest()
    assert document["population_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document["plan_hash"] == plan.hash and document["seed"] == SEED
    assert [e["uscc"] for e in snapshot["entities"]] == sorted(e["uscc"] for e in entities())
    assert verify_draw(first, snapshot).valid


def test_a_changed_seed_or_population_changes_the_draw_and_verify_fails(store: Store) -> None:
    seed_population(store)
    snapshot, first = _drawn(store)
    _, other_seed = _drawn(store, seed=SEED + "x")
    assert orjson.loads(first)["targets"] != orjson.loads(other_seed)["targets"]
    smaller = snapshot | {"entities": snapshot["entities"][1:]}
    check = verify_draw(first, smaller)
    assert not check.valid and check.checks["population_hash"] is False
    document = orjson.loads(first)
    swapped = dict(document, seed=SEED + "x")  # a seed that is not the committed one
    check = verify_draw(draw_bytes(swapped), snapshot)
    assert not check.valid and check.checks["seed_matches_commitment"] is False
    document["targets"][0]["inspectors"].reverse()
    check = verify_draw(draw_bytes(document), snapshot)
    assert not check.valid and check.checks["rerun_identical"] is False
    assert not verify_draw(b"not json", snapshot).valid


def _strata(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["grade"]: s for s in document["strata"]}


def test_ratios_and_minimum_frequencies_per_grade(store: Store) -> None:
    es = seed_population(store)
    snapshot, data = _drawn(store)
    document = orjson.loads(data)
    counts = {g: sum(1 for e in snapshot["entities"] if e["grade"] == g) for g in "ABCD"}
    assert counts["B"] == sum(1 for e in es if e["grade"] in ("B", None))
    strata = _strata(document)
    assert strata["A"]["drawn"] == math.ceil(Fraction(5, 100) * counts["A"])
    assert strata["B"]["drawn"] == math.ceil(Fraction(1, 10) * counts["B"])
    # C: once a year over two draws -> at least half now; D: twice a year -> all now
    assert strata["C"]["drawn"] == math.ceil(counts["C"] / 2) and strata["C"]["due"] == 0
    assert strata["D"]["drawn"] == strata["D"]["due"] == counts["D"]
    for grade in "ABCD":
        drawn = [t for t in document["targets"] if t["grade"] == grade]
        assert len(drawn) == strata[grade]["drawn"] == len({t["uscc"] for t in drawn})
    # ratios are read as the decimals written: 0.07 x 100 is 7, though in floats it is 7.0…01
    assert math.ceil(0.07 * 100) == 8 and _quota(0.07, 100, 0, 0, 1) == 7
    # the second draw of the year: C entities not yet inspected are due now
    _, second = _drawn(store, draw_no=2)
    assert _strata(orjson.loads(second))["C"]["due"] == counts["C"]
    # inspections already made this year count toward the minimum
    d_entity = next(e for e in es if e["grade"] == "D")
    store.submit(
        "administrative-inspection",
        [
            (
                n,
                {
                    "counterpart_name": d_entity["name"],
                    "counterpart_category": "法人及非法人组织",
                    "uscc": d_entity["uscc"],
                    "decision_doc_no": f"抽〔2027〕{n}号",
                    "content": "抽查",
                    "inspection_type": "双随机抽查",
                    "inspection_result": "未发现问题",
                    "decision_date": f"2027-02-0{n}",
                    "authority_name": "武昌区市场监督管理局",
                    "authority_uscc": WUCHANG,
                    "source_org_name": "武昌区市场监督管理局",
                    "source_org_uscc": WUCHANG,
                },
            )
            for n in (1, 2)
        ],
        actor="test",
    )
    snapshot2, third = _drawn(store)
    entity = next(e for e in snapshot2["entities"] if e["uscc"] == d_entity["uscc"])
    assert entity["inspected_this_year"] == 2
    due = {t["uscc"] for t in orjson.loads(third)["targets"] if t["due"]}
    assert (
        d_entity["uscc"] not in due and _strata(orjson.loads(third))["D"]["due"] == counts["D"] - 1
    )
    # the rates in force on the draw date (valid_from): B is 0.9 from 2028
    _, later = _drawn(store, draw_date="2028-02-01")
    assert _strata(orjson.loads(later))["B"]["sampling_ratio"] == 0.9


def test_inspectors_are_never_drawn_for_an_entity_of_their_own_unit(store: Store) -> None:
    seed_population(store)
    snapshot, data = _drawn(store)
    units = {e["uscc"]: e["units"] for e in snapshot["entities"]}
    roster = {i["id"]: i for i in plan_document()["inspectors"]}
    document = orjson.loads(data)
    assert document["targets"] and not document["issues"]
    for target in document["targets"]:
        team = target["inspectors"]
        assert len(team) == 2 == len({i["id"] for i in team})
        assert all(roster[i["id"]]["unit_uscc"] not in units[target["uscc"]] for i in team)
    # configurable: also by district, and declared exclusions
    first = document["targets"][0]
    excluded = first["inspectors"][0]["id"]
    changes = {
        "conflicts": {
            "same_district": True,
            "exclusions": [{"inspector": excluded, "uscc": first["uscc"]}],
        }
    }
    _, data2 = _drawn(store, **changes)
    for target in orjson.loads(data2)["targets"]:
        for i in target["inspectors"]:
            assert roster[i["id"]]["district"] != target["district"]
            assert (i["id"], target["uscc"]) != (excluded, first["uscc"])
    # too few inspectors without a conflict: an issue, not an exception
    _, data3 = _drawn(store, team_size=7)
    issues = orjson.loads(data3)["issues"]
    assert issues and {i["code"] for i in issues} == {"too-few-inspectors"}
    assert issues[0]["row"] == 1 and issues[0]["severity"] == "warning"


def test_the_grade_source_is_one_swappable_function(store: Store) -> None:
    es = seed_population(store)
    plan = parse_plan(plan_document())
    snapshot = build_snapshot(store, plan)
    by_code = {e["uscc"]: e for e in snapshot["entities"]}
    for e in es:
        got = by_code[e["uscc"]]
        if e["grade"] is None:
            assert (got["grade"], got["grade_source"]) == ("B", "default")
        else:
            assert (got["grade"], got["grade_source"]) == (e["grade"], "credit-evaluation")
    # the latest evaluation wins; another scheme or a later-dated one does not count
    target = es[1]
    store.submit(
        "credit-evaluation",
        [(1, evaluation(target, "D", "2027-02-01")), (2, evaluation(target, "A", "2027-06-01"))],
        actor="t",
    )
    assert evaluation_grade(
        store, target["uscc"], scheme="企业信用风险分类", as_of=date(2027, 3, 1)
    ) == ("D", "credit-evaluation")
    assert evaluation_grade(store, target["uscc"], scheme="公共信用综合评价", default="C") == (
        "C",
        "default",
    )
    everyone_d = build_snapshot(store, plan, grade_of=lambda _s, _u: ("D", "model-v1"))
    assert {(e["grade"], e["grade_source"]) for e in everyone_d["entities"]} == {("D", "model-v1")}


def test_population_filters_by_authority_sector_and_district(store: Store) -> None:
    es = seed_population(store)
    population = {"datasets": ["administrative-licensing"], "districts": ["420106"]}
    snapshot = build_snapshot(store, parse_plan(plan_document(population=population)))
    assert {e["district"] for e in snapshot["entities"]} == {"420106"}
    assert len(snapshot["entities"]) == sum(1 for e in es if e["district"] == "420106")
    population = {
        "datasets": ["administrative-licensing"],
        "sectors": ["市场监管"],
        "authority_sectors": {JIANGAN: "市场监管"},
    }
    snapshot = build_snapshot(store, parse_plan(plan_document(population=population)))
    assert {e["sector"] for e in snapshot["entities"]} == {"市场监管"}
    assert {e["units"][0] for e in snapshot["entities"]} == {JIANGAN}


def test_commit_before_draw_is_enforced(store: Store) -> None:
    seed_population(store)
    plan = parse_plan(plan_document())
    with pytest.raises(DrawRefusedError, match="no commitment"):
        publish_draw(store, plan, SEED, actor="t")
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    commit_seed(store.engine, seed_commitment(SEED), department_uscc=AMR, actor="t", now=now)
    with pytest.raises(DrawRefusedError, match="not older than the draw"):
        publish_draw(store, plan, SEED, actor="t", now=now)  # committed at the same instant
    with pytest.raises(DrawRefusedError, match="not older"):
        publish_draw(store, plan, SEED, actor="t", now=now - timedelta(hours=1))
    other = "another-seed-for-another-department"
    commit_seed(store.engine, seed_commitment(other), department_uscc=OTHER, actor="t", now=EARLIER)
    with pytest.raises(DrawRefusedError, match="another department"):
        publish_draw(store, plan, other, actor="t", now=now)
    bound = "a-seed-bound-to-another-population"
    commit_seed(
        store.engine,
        seed_commitment(bound),
        department_uscc=AMR,
        actor="t",
        population_hash="0" * 64,
        now=EARLIER,
    )
    with pytest.raises(DrawRefusedError, match="population hash"):
        publish_draw(store, plan, bound, actor="t", now=now)
    # a population of one's own making is refused; the one a commitment bound is accepted
    snapshot = build_snapshot(store, plan)
    forged = snapshot | {"entities": snapshot["entities"][:3]}
    with pytest.raises(DrawRefusedError, match="the commitment bound"):
        publish_draw(store, plan, SEED, actor="t", snapshot=forged, now=now + timedelta(hours=1))
    fixed = "a-seed-bound-to-the-real-population"
    commit_seed(
        store.engine,
        seed_commitment(fixed),
        department_uscc=AMR,
        actor="t",
        population_hash=snapshot_hash(snapshot),
        plan_hash=plan.hash,
        now=EARLIER,
    )
    assert publish_draw(
        store, plan, fixed, actor="t", snapshot=snapshot
    ).population_hash == snapshot_hash(snapshot)
    published = publish_draw(store, plan, SEED, actor="t", now=now + timedelta(minutes=5))
    assert published.commitment.published_at < published.drawn_at
    assert published.draw_id.startswith("draw-") and published.seed == SEED
    # idempotent; a commitment serves one draw only
    assert (
        publish_draw(store, plan, SEED, actor="t", now=now + timedelta(hours=1)).draw_id
        == published.draw_id
    )
    with pytest.raises(DrawRefusedError, match="already used"):
        publish_draw(store, parse_plan(plan_document(team_size=1)), SEED, actor="t")
    assert published.draw_id in [d.draw_id for d in list_draws(store.engine)]
    assert verify_published(store, published.draw_id).valid
    assert (
        snapshot_hash(orjson.loads(get_draw(store.engine, published.draw_id).population))
        == published.population_hash
    )
    with pytest.raises(DrawRefusedError):
        commit_seed(store.engine, seed_commitment(SEED), department_uscc=OTHER, actor="t")


def test_results_come_back_as_inspection_records_linked_to_the_draw(store: Store) -> None:
    seed_population(store)
    rates = [r | {"valid_from": "2026-01-01"} for r in plan_document()["rates"][:4]]
    plan = parse_plan(plan_document(draw_date="2026-11-01", rates=rates))
    commit_seed(store.engine, seed_commitment(SEED), department_uscc=AMR, actor="t", now=EARLIER)
    published = publish_draw(store, plan, SEED, actor="t")
    targets = orjson.loads(published.document)["targets"]
    drawn = {t["uscc"] for t in targets}
    outsider = next(e for e in entities() if e["uscc"] not in drawn)

    def result(code: str, name: str, n: int) -> dict[str, Any]:
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

    receipt = submit_results(
        store,
        published.draw_id,
        [
            result(targets[0]["uscc"], targets[0]["name"], 1),
            result(outsider["uscc"], outsider["name"], 2),
        ],
        actor="t",
    )
    assert (receipt.accepted, receipt.rejected) == (1, 1), [i.to_dict() for i in receipt.issues]
    assert [i.code for i in receipt.issues if i.is_error] == ["not-drawn-target"]
    seen = draw_results(store, published.draw_id, Audience.PUBLIC, today=date(2026, 11, 28))
    assert len(seen) == 1
    fields = seen[0]["fields"] if "fields" in seen[0] else seen[0]
    text = orjson.dumps(seen[0]).decode()
    assert published.draw_id in text and "双随机抽查" in text and fields


def test_plans_are_validated_and_hashed_canonically(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan_document(team_size=0, draw_no=3, population={"datasets": ["nope"]}))
    assert "/team_size" in caught.value.message
    with pytest.raises(PlanError, match="unknown dataset"):
        parse_plan(plan_document(population={"datasets": ["nope"]}))
    with pytest.raises(PlanError, match="no sampling rate in force"):
        parse_plan(plan_document(draw_date="2026-12-31"))
    roster = plan_document()["inspectors"] + [plan_document()["inspectors"][0]]
    with pytest.raises(PlanError, match="unique"):
        parse_plan(plan_document(inspectors=roster))
    # without its own rates a plan uses its department's rows of inspection-rates.yaml
    plan = parse_plan({k: v for k, v in plan_document().items() if k != "rates"})
    assert plan.rates()["D"].min_frequency_per_year == 1
    # YAML (dates unquoted) and JSON give the same plan hash
    import yaml

    text = yaml.safe_dump(plan_document(), allow_unicode=True).replace("'2027-03-01'", "2027-03-01")
    (tmp_path / "plan.yaml").write_text(text, "utf-8")
    (tmp_path / "plan.json").write_bytes(orjson.dumps(plan_document()))
    assert load_plan(tmp_path / "plan.yaml").hash == load_plan(tmp_path / "plan.json").hash


ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_example_plan_and_canonical_form_hold(store: Store) -> None:
    import json

    plan = load_plan(ROOT / "docs" / "examples" / "inspection-plan.yaml")
    assert plan.rates()["D"].min_frequency_per_year == 1 and plan.same_district
    doc = (ROOT / "docs" / "inspections.md").read_text("utf-8")
    assert "2637462790061043777" in doc and "[7, 5, 8, 0]" in doc
    seed_population(store)
    snapshot, data = _drawn(store)
    python = json.dumps(
        orjson.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert data == python
    assert (
        snapshot_bytes(snapshot)
        == json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
