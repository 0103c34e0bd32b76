"""公共信用综合评价 on a real store: explanations sum to the score, incremental regrades touch
only changed entities and equal a full recompute, history as of a day and a log position,
incentives only for qualifying entities, 政务失信 never in a grade."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from wf_factory import ADMIN, AMR, DRC, HRSS, commitment, list_entry, market_ban, org, penalty, uscc

from store import Store
from store.evaluation import (
    ModelError,
    current_evaluation,
    evaluate_all,
    evaluate_incremental,
    grade_history_of,
    grade_of,
    load_model,
    read_model,
)
from store.evaluation.tables import entity_grades
from store.public_dishonesty import (
    PublicDishonestyError,
    advance_notice,
    list_public_dishonesty,
    record_public_dishonesty,
)
from workflows import CheckIndex
from workflows.incentives import load_incentives

DAY = date(2027, 9, 1)
NOW = datetime(2027, 9, 1, 2, 0, tzinfo=UTC)


def _submit(store: Store, dataset: str, records: list[dict[str, Any]]) -> None:
    result = store.submit(dataset, list(enumerate(records, 1)), actor="t", now=NOW)
    assert result.ok, result.issues


def _reward(i: int, decided: date) -> dict[str, Any]:
    return {
        **org(i), "decision_doc_no": f"武市监奖〔{decided.year}〕{i}{decided.month:02d}号",
        "decision_doc_title": "表彰决定", "action_category": "表彰",
        "reward_name": "守合同重信用企业", "reward_level": "市级", "content": "守信表彰",
        "legal_basis": "《武汉市社会信用条例》", "decision_date": decided.isoformat(),
        "authority_name": AMR[0], "authority_uscc": AMR[1],
        "source_org_name": AMR[0], "source_org_uscc": AMR[1],
    }  # fmt: skip


def _fulfilled(i: int, n: int) -> dict[str, Any]:
    record = commitment(1000 * i + n, kind="审批替代型", made=date(2027, 1, 10), subject=org(i))
    record.update(
        fulfilment_status="全部履行",
        fulfilment_status_date="2027-06-01",
        confirm_unit_name=DRC[0],
        confirm_unit_uscc=DRC[1],
    )
    return record


def _population(store: Store) -> None:
    """Entity 1: clean with rewards (A); 2: two recent penalties; 3: serious list (D);
    4: market ban; 5: nothing but an old penalty."""
    _submit(
        store, "administrative-reward", [_reward(1, date(2027, 3, 1)), _reward(1, date(2027, 4, 1))]
    )
    _submit(store, "credit-commitment", [_fulfilled(1, n) for n in range(3)])
    _submit(store, "administrative-penalty", [
        penalty(2, decided=date(2027, 5, 3)),
        {**penalty(2, decided=date(2027, 6, 3)), "decision_doc_no": "武市监罚〔2027〕22号"},
        penalty(5, decided=date(2024, 6, 3)),
    ])  # fmt: skip
    _submit(
        store,
        "serious-dishonesty-list",
        [list_entry(3, listing_date=date(2027, 3, 2), valid_to=date(2029, 3, 1))],
    )
    _submit(
        store, "market-ban", [market_ban(4, ban_from=date(2027, 2, 15), ban_to=date(2032, 2, 14))]
    )


def _snapshot(store: Store) -> dict[str, tuple[Any, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(entity_grades)).all()
    return {r.uscc: (r.grade, r.score, r.explanation) for r in rows}


def test_the_model_is_valid_data_and_uses_the_grade_scale() -> None:
    model = load_model()
    assert model.grades == ("A", "B", "C", "D")
    assert model.labels == {"A": "优", "B": "良", "C": "中", "D": "差"}
    assert model.published()["version"] == model.version


def test_a_broken_model_file_is_refused_with_every_problem(tmp_path: Path) -> None:
    text = Path(load_model.__module__.replace(".", "/")).parent / "model-2026.1.yaml"
    bad = Path(__file__).resolve().parents[2] / text
    broken = tmp_path / "model.yaml"
    broken.write_text(
        bad.read_text("utf-8")
        .replace("{grade: B, min_score: 75}", "{grade: X, min_score: 75}")
        .replace("dataset: watch-list", "dataset: no-such-dataset"),
        "utf-8",
    )
    with pytest.raises(ModelError) as err:
        read_model(broken)
    assert "/bands" in str(err.value) and "no-such-dataset" in str(err.value)


def test_every_entity_is_graded_and_the_explanation_sums_to_the_score(store: Store) -> None:
    _population(store)
    run = evaluate_all(store, today=DAY, now=NOW)
    assert run.entities == 5
    grades = {i: grade_of(store, uscc(i)) for i in range(1, 6)}
    assert grades[1] == "A" and grades[3] == "D" and grades[4] == "C"
    assert grades[2] in ("B", "C")
    for i in range(1, 6):
        found = current_evaluation(store.engine, uscc(i))
        assert found is not None
        x = found["explanation"]
        total = x["base"] + sum(line["contribution"] for line in x["indicators"]) + x["clamp"]
        assert total == pytest.approx(found["score"])
        for line in x["indicators"]:
            if line["indicator"] != "registration-age":
                assert line["value"] == len(line["records"])
    three = current_evaluation(store.engine, uscc(3))
    assert three is not None
    listed = next(
        x for x in three["explanation"]["indicators"] if x["indicator"] == "serious-dishonesty-list"
    )
    assert listed["value"] == 1 and listed["records"][0]["record_id"].startswith(
        "serious-dishonesty-list:"
    )
    assert three["explanation"]["ceilings"] == [
        {"indicator": "serious-dishonesty-list", "grade": "D"}
    ]
    assert three["dishonest"] is True


def test_incremental_regrades_only_touched_entities_and_equals_a_full_run(
    store: Store, tmp_path: Path
) -> None:
    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    assert evaluate_incremental(store, today=DAY).entities == 0  # nothing changed
    _submit(
        store,
        "administrative-penalty",
        [
            {
                **penalty(1, decided=date(2027, 8, 20), categories=("吊销许可证件",)),
                "decision_doc_no": "武市监罚〔2027〕99号",
            }
        ],
    )
    run = evaluate_incremental(store, today=DAY)
    assert run.mode == "incremental" and run.entities == 1 and run.changed == 1
    assert grade_of(store, uscc(1)) == "B"  # the serious penalty costs entity 1 its A
    incremental = _snapshot(store)
    evaluate_all(store, today=DAY)
    assert _snapshot(store) == incremental
    # a withdrawal (repair) is a change too
    pid = next(r.record_id for r in store.records("administrative-penalty") if r.uscc == uscc(1))
    store.withdraw("administrative-penalty", record_id=pid, reason="repaired", actor="t")
    assert evaluate_incremental(store, today=DAY).entities == 1
    assert grade_of(store, uscc(1)) == "A"


def test_time_alone_regrades_due_entities_like_a_full_run(store: Store) -> None:
    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    later = date(2028, 7, 1)  # entity 2's penalties leave their first recency band
    run = evaluate_incremental(store, today=later)
    assert 0 < run.entities < 5
    incremental = _snapshot(store)
    evaluate_all(store, today=later)
    assert {k: v[:2] for k, v in _snapshot(store).items()} == {
        k: v[:2] for k, v in incremental.items()
    }


def test_history_as_of_a_day_and_a_log_position(store: Store) -> None:
    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    first_position = store.head()
    _submit(
        store,
        "serious-dishonesty-list",
        [list_entry(1, listing_date=date(2027, 9, 10), valid_to=date(2029, 9, 1))],
    )
    evaluate_incremental(store, today=date(2027, 9, 15))
    history = grade_history_of(store.engine, uscc(1))
    assert [h["grade"] for h in history] == ["A", "D"]
    assert history[1]["previous_grade"] == "A"
    assert grade_history_of(store.engine, uscc(1), as_of=date(2027, 9, 10))[0]["grade"] == "A"
    assert grade_history_of(store.engine, uscc(1), as_of=date(2027, 9, 15))[0]["grade"] == "D"
    assert grade_history_of(store.engine, uscc(1), log_position=first_position)[0]["grade"] == "A"
    assert grade_history_of(store.engine, uscc(1), as_of=date(2027, 1, 1)) == []


def test_incentives_only_for_qualifying_entities(store: Store) -> None:
    _population(store)
    # entity 6: grade A by the numbers, but a serious penalty in force makes it dishonest
    _submit(
        store, "administrative-reward", [_reward(6, date(2027, 3, 1)), _reward(6, date(2027, 4, 1))]
    )
    evaluate_all(store, today=DAY, now=NOW)
    index = CheckIndex(store)
    a = index.check(uscc(1), "approvals", today=DAY, caller=ADMIN, now=NOW).to_dict()
    assert not a["restricted"]
    assert {m["measure_id"] for m in a["incentives"]} == {"JL-001", "JL-002"}
    assert all(m["legal_basis"] for m in a["incentives"])
    assert a["incentive_list_version"] == load_incentives().version
    everything = index.check(uscc(1), None, today=DAY, caller=ADMIN, now=NOW).to_dict()
    assert len(everything["incentives"]) == len(load_incentives().measures)
    inspection = index.check(uscc(1), "行政检查", today=DAY, caller=ADMIN, now=NOW).to_dict()
    assert [m["measure_id"] for m in inspection["incentives"]] == ["JL-003"]
    for i in (2, 3, 4, 5):  # B/C/D, listed, banned
        assert (
            index.check(uscc(i), None, today=DAY, caller=ADMIN, now=NOW).to_dict()["incentives"]
            == []
        )
    assert index.check(uscc(77), None, today=DAY, caller=ADMIN, now=NOW).incentives == ()
    with store.engine.begin() as conn:  # a grade-A entity marked dishonest gets nothing
        conn.execute(
            entity_grades.update().where(entity_grades.c.uscc == uscc(1)).values(dishonest=True)
        )
    assert index.check(uscc(1), None, today=DAY, caller=ADMIN, now=NOW).incentives == ()


BODY = "11420100MB10185288"  # 武汉市发展和改革委员会: 机关 (registration code 11)


def test_public_dishonesty_is_reported_tracked_and_never_graded(store: Store) -> None:
    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    before = _snapshot(store)
    soe = uscc(1)  # a graded enterprise, declared state-owned
    done = record_public_dishonesty(
        store.engine,
        body_uscc=soe,
        body_name="武汉测试1建设工程有限公司",
        kind="contract-default",
        facts="拖欠中小企业账款",
        basis_doc_no="（2027）鄂01民终1号",
        decided_by="武汉市中级人民法院",
        occurred_on=date(2027, 8, 1),
        recorded_by="t",
        superior_unit="武汉市国资委",
        declared_soe=True,
    )
    again = record_public_dishonesty(
        store.engine,
        body_uscc=soe,
        body_name="武汉测试1建设工程有限公司",
        kind="contract-default",
        facts="拖欠中小企业账款",
        basis_doc_no="（2027）鄂01民终1号",
        decided_by="武汉市中级人民法院",
        occurred_on=date(2027, 8, 1),
        recorded_by="t",
        superior_unit="武汉市国资委",
        declared_soe=True,
    )
    assert done.new and not again.new and again.id == done.id
    staff = record_public_dishonesty(
        store.engine,
        body_uscc=BODY,
        body_name=DRC[0],
        kind="commitment-breach",
        facts="违背招商引资承诺",
        basis_doc_no="武审〔2027〕3号",
        decided_by="武汉市审计局",
        occurred_on=date(2027, 7, 1),
        recorded_by="t",
        staff_name="王某",
        staff_position="处长",
    )
    rows = {r["id"]: r for r in list_public_dishonesty(store.engine)}
    assert {n["recipient_role"] for n in rows[done.id]["notices"]} == {"superior-unit", "audit"}
    assert rows[done.id]["body_type"] == "国有企业"
    assert {n["recipient_role"]: n["recipient_name"] for n in rows[staff.id]["notices"]} == {
        "staff-unit": DRC[0],
        "discipline": "中共武汉市纪律检查委员会、武汉市监察委员会",
        "personnel": "中共武汉市委组织部",
    }
    first = rows[done.id]["notices"][0]["id"]
    assert advance_notice(store.engine, first, "sent", actor="t")["state"] == "sent"
    acked = advance_notice(store.engine, first, "acknowledged", actor="u")
    assert acked["state"] == "acknowledged" and acked["sent_by"] == "t"
    with pytest.raises(PublicDishonestyError):
        advance_notice(store.engine, first, "sent", actor="t")
    assert [r["id"] for r in list_public_dishonesty(store.engine, state="pending")] == [
        staff.id,
        done.id,
    ]
    with pytest.raises(PublicDishonestyError):  # an ordinary enterprise is no public body
        record_public_dishonesty(
            store.engine,
            body_uscc=uscc(2),
            body_name="x",
            kind="law-breach",
            facts="x",
            basis_doc_no="x",
            decided_by="x",
            occurred_on=date(2027, 8, 1),
            recorded_by="t",
            superior_unit="x",
        )
    # never in a grade: an incremental run and a full run change nothing
    assert evaluate_incremental(store, today=DAY).entities == 0
    evaluate_all(store, today=DAY)
    assert _snapshot(store) == before


def test_public_bodies_are_not_graded(store: Store) -> None:
    body = {**penalty(9, decided=date(2027, 5, 3)), "counterpart_name": HRSS[0], "uscc": HRSS[1]}
    body.pop("org_code", None)
    _submit(store, "administrative-penalty", [body, penalty(8, decided=date(2027, 5, 3))])
    evaluate_all(store, today=DAY, now=NOW)
    assert grade_of(store, HRSS[1]) is None
    assert grade_of(store, uscc(8)) is not None
    assert current_evaluation(store.engine, uscc(8), explain=False) == {
        **current_evaluation(store.engine, uscc(8), explain=False),
        "grade": grade_of(store, uscc(8)),
    }


def test_grades_are_published_as_their_catalogue_dataset(store: Store) -> None:
    from publishers import RecordValidator
    from store import Audience, view

    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    published = {r.uscc: r for r in store.records("public-credit-evaluation")}
    assert set(published) == {uscc(i) for i in range(1, 6)}
    validator = RecordValidator("public-credit-evaluation", today=DAY)
    for code, stored in published.items():
        assert validator.check(stored.payload, row=1) == [], code
        assert stored.payload["grade"] == grade_of(store, code)
        assert stored.payload["evaluation_date"] == DAY.isoformat()
    # the catalogue entry is government-only: the public and agencies see nothing
    one = published[uscc(1)]
    assert view(one, Audience.PUBLIC, today=DAY) is None
    assert view(one, Audience.GOVERNMENT, today=DAY) is not None
    # a later full run with unchanged grades writes no new version (evaluation_date = since)
    head = store.head()
    evaluate_all(store, today=DAY + timedelta(days=1))
    assert store.head() == head


def test_a_record_moving_to_another_entity_regrades_both(store: Store) -> None:
    breached = commitment(501, kind="审批替代型", made=date(2027, 1, 10), subject=org(11))
    breached.update(
        fulfilment_status="全部未履行",
        fulfilment_status_date="2027-06-01",
        unperformed_content="未按期提交材料",
        liability_pursued="撤销许可",
        confirm_unit_name=DRC[0],
        confirm_unit_uscc=DRC[1],
    )
    _submit(store, "credit-commitment", [breached])
    _submit(store, "administrative-penalty", [penalty(12, decided=date(2027, 5, 3))])
    evaluate_all(store, today=DAY, now=NOW)
    before = current_evaluation(store.engine, uscc(11))
    assert before is not None and before["score"] < 85
    # the commitment was recorded against the wrong entity: corrected to entity 12
    _submit(store, "credit-commitment", [{**breached, **org(12)}])
    run = evaluate_incremental(store, today=DAY)
    assert run.entities == 2  # 12 regraded; 11 has no record left: ungraded
    assert grade_of(store, uscc(11)) is None
    assert [h["grade"] for h in grade_history_of(store.engine, uscc(11))] == [before["grade"], None]
    assert grade_history_of(store.engine, uscc(11), as_of=DAY)[0]["grade"] is None
    assert uscc(11) not in {r.uscc for r in store.records("public-credit-evaluation")}
    incremental = _snapshot(store)
    evaluate_all(store, today=DAY)
    assert _snapshot(store) == incremental


def test_the_sampler_can_draw_by_the_evaluation(store: Store) -> None:
    from functools import partial

    from store.evaluation import graded_source

    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    assert graded_source(store, uscc(3)) == ("D", "public-credit-evaluation")
    assert graded_source(store, uscc(99), default="C") == ("C", "default")
    source = partial(graded_source, default="B")  # a workflows.inspection_population.GradeOf
    assert source(store, uscc(1)) == ("A", "public-credit-evaluation")


def test_the_grade_fall_alert_reads_the_evaluation_history(store: Store) -> None:
    from workflows import grade_history

    _population(store)
    evaluate_all(store, today=DAY, now=NOW)
    _submit(
        store,
        "serious-dishonesty-list",
        [list_entry(1, listing_date=date(2027, 9, 10), valid_to=date(2029, 9, 1))],
    )
    evaluate_incremental(store, today=date(2027, 9, 15))
    assert [(p.as_of, p.grade) for p in grade_history(store, uscc(1))] == [
        (DAY, "A"),
        (date(2027, 9, 15), "D"),
    ]
