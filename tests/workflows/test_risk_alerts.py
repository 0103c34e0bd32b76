"""Risk early warning (风险预警): every rule kind fires on a hand-made store and stays silent
below its threshold; alerts are deduplicated, routed, incremental and audited (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from wf_factory import (
    AMR,
    DRC,
    HOUSING,
    HRSS,
    TAX,
    commitment,
    dept,
    list_entry,
    org,
    penalty,
)

from store import (
    AlertState,
    InvalidQueryError,
    Store,
    WithdrawalReason,
    acknowledge_alert,
    alert_history,
    close_alert,
    list_alerts,
)
from workflows import (
    GradePoint,
    ProceduresError,
    grade_history,
    link_person,
    load_commitment_types,
    load_risk_rules,
    read_risk_rules,
    run_alerts,
)
from workflows.risk_checks import CHECKS
from workflows.risk_rules import RISK_RULES_FILE, RuleKind, parse_risk_rules

TODAY = date(2027, 9, 1)
NOW = datetime(2027, 9, 1, 2, 0, tzinfo=UTC)
LATER = datetime(2027, 9, 2, 2, 0, tzinfo=UTC)


def _only(*rule_ids: str) -> Any:
    rules = load_risk_rules()
    raw = yaml.safe_load(RISK_RULES_FILE.read_text("utf-8"))
    raw["rules"] = [r for r in raw["rules"] if r["id"] in rule_ids]
    assert len(raw["rules"]) == len(rule_ids)
    del rules
    return parse_risk_rules(raw)


def _penalty(
    entity: int,
    n: int,
    decided: date,
    *,
    authority: tuple[str, str] = AMR,
    division: str | None = None,
) -> dict[str, Any]:
    record = penalty(entity, decided=decided, authority=authority)
    record["decision_doc_no"] = f"武罚〔{decided.year}〕{entity}-{n}号"
    if division:
        record["division_code"] = division
    return record


def _submit(store: Store, dataset: str, *records: dict[str, Any]) -> list[str]:
    result = store.submit(dataset, list(enumerate(records, 1)), actor="dept", now=NOW)
    assert result.ok, result.issues
    ids = [o.record_id for o in result.outcomes]
    assert all(ids)
    return [i for i in ids if i]


def _run(store: Store, rules: Any, **kwargs: Any) -> Any:
    return run_alerts(store, today=TODAY, rules=rules, now=NOW, **kwargs)


# --- the rules file ------------------------------------------------------------------------


def test_every_kind_has_a_check_and_the_file_validates() -> None:
    assert set(CHECKS) == set(RuleKind)
    rules = load_risk_rules()
    assert {r.kind for r in rules.rules} == set(RuleKind)
    for rule in rules.rules:
        assert rule.title_zh and rule.title_en and rule.severity in ("high", "medium", "low")


def test_the_rules_name_real_datasets_sectors_and_types() -> None:
    import json

    from catalog import load_catalog

    rules = load_risk_rules()
    catalogue = set(load_catalog().ids())
    common = Path(__file__).resolve().parents[2] / "schemas" / "json" / "common.schema.json"
    sectors = set(json.loads(common.read_text("utf-8"))["$defs"]["sector"]["enum"])
    assert set(rules.sector_departments) <= sectors
    kinds = set(load_commitment_types().types)
    for rule in rules.rules:
        for key in ("datasets", "lists"):
            assert set(rule.params.get(key, ())) <= catalogue, rule.id
        assert set(rule.params.get("commitment_types", ())) <= kinds, rule.id


def test_a_bad_rules_file_is_reported(tmp_path: Path) -> None:
    raw = yaml.safe_load(RISK_RULES_FILE.read_text("utf-8"))
    raw["rules"][0]["params"] = {"count": 0, "months": 12}  # below 1, datasets missing
    raw["rules"][1]["route"] = ["somebody"]
    bad = tmp_path / "risk-rules.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(ProceduresError) as caught:
        read_risk_rules(bad)
    message = str(caught.value)
    assert "/rules/0/params" in message and "/rules/1/route/0" in message
    raw = yaml.safe_load(RISK_RULES_FILE.read_text("utf-8"))
    raw["rules"].append(dict(raw["rules"][0]))
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(ProceduresError, match="duplicate rule id"):
        read_risk_rules(bad)


# --- each rule, at and below its threshold ---------------------------------------------------


def test_penalty_count_fires_at_three_within_twelve_months(store: Store) -> None:
    rules = _only("penalties-frequent")
    _submit(
        store,
        "administrative-penalty",
        _penalty(1, 1, date(2027, 2, 1)),
        _penalty(1, 2, date(2027, 5, 1), authority=TAX),
        _penalty(1, 3, date(2026, 8, 1)),  # 13 months before TODAY: outside the window
        _penalty(2, 1, date(2027, 1, 5)),
        _penalty(2, 2, date(2027, 3, 5)),
        _penalty(2, 3, date(2027, 8, 30), authority=TAX),
    )
    run = _run(store, rules)
    assert (run.raised, run.entities) == (1, 2)
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(2)["uscc"] and alert.rule_id == "penalties-frequent"
    assert alert.evidence["count"] == 3
    assert [r["decision_date"] for r in alert.evidence["records"]] == [
        "2027-01-05",
        "2027-03-05",
        "2027-08-30",
    ]
    assert alert.departments == tuple(sorted((AMR[1], TAX[1])))  # the deciding authorities
    assert alert.state is AlertState.OPEN and alert.severity == "medium"


def test_penalties_in_two_districts(store: Store) -> None:
    rules = _only("penalties-multi-district")
    _submit(
        store,
        "administrative-penalty",
        _penalty(3, 1, date(2027, 4, 1), division="420102"),
        _penalty(3, 2, date(2027, 6, 1), division="420102", authority=HOUSING),
        _penalty(4, 1, date(2027, 4, 1), division="420102"),
        _penalty(4, 2, date(2027, 6, 1), division="420111", authority=HOUSING),
        _penalty(4, 3, date(2026, 1, 1), division="420106"),  # too old
    )
    _run(store, rules)
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(4)["uscc"]
    assert alert.evidence["districts"] == ["420102", "420111"]
    # the deciding authorities and the credit office
    assert set(alert.departments) == {AMR[1], HOUSING[1], DRC[1]}


def test_grade_fall_two_steps_uses_the_grade_history(store: Store) -> None:
    assert grade_history(store, org(5)["uscc"]) == []  # no evaluation table yet: silent
    _submit(store, "administrative-penalty", {**_penalty(5, 1, date(2027, 5, 1)), "sector": "税务"})
    _submit(store, "administrative-penalty", {**_penalty(6, 1, date(2027, 5, 1)), "sector": "税务"})
    rules = _only("grade-fall-two-steps")
    assert _run(store, rules).raised == 0
    history = {
        org(5)["uscc"]: [GradePoint(date(2027, 1, 1), "A"), GradePoint(date(2027, 8, 1), "C")],
        org(6)["uscc"]: [GradePoint(date(2027, 1, 1), "A"), GradePoint(date(2027, 8, 1), "B")],
    }

    def grades(_store: Store, uscc: str) -> Sequence[GradePoint]:
        return history.get(uscc, [])

    run = _run(store, rules, grades=grades, full=True)
    assert run.raised == 1
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(5)["uscc"]
    assert alert.evidence == {
        "from": {"grade": "A", "as_of": "2027-01-01"},
        "to": {"grade": "C", "as_of": "2027-08-01"},
        "steps": 2,
    }
    assert set(alert.departments) == {TAX[1], DRC[1]}  # the sector's department, credit office


def _evaluation(entity: int, day: date, grade: str, scheme: str = "公共信用综合评价") -> Any:
    return {
        **org(entity),
        "evaluation_scheme": scheme,
        "grade": grade,
        "evaluation_date": day.isoformat(),
        "evaluator_name": DRC[0],
        "evaluator_uscc": DRC[1],
        "source_org_name": DRC[0],
        "source_org_uscc": DRC[1],
    }


def test_grade_fall_from_published_evaluations(store: Store) -> None:
    rules = _only("grade-fall-two-steps")
    first = _submit(
        store,
        "credit-evaluation",
        _evaluation(20, date(2027, 1, 10), "A"),
        _evaluation(21, date(2027, 1, 10), "A"),
        _evaluation(22, date(2027, 1, 10), "A", scheme="企业信用风险分类"),
    )
    assert _run(store, rules).raised == 0  # one grade each: nothing fell
    later = _submit(
        store,
        "credit-evaluation",
        _evaluation(20, date(2027, 8, 10), "C"),  # two steps down
        _evaluation(21, date(2027, 8, 10), "B"),  # one step: below the threshold
        _evaluation(22, date(2027, 8, 10), "D"),  # another scheme than the A
    )
    assert [p.grade for p in grade_history(store, org(20)["uscc"])] == ["A", "C"]
    assert _run(store, rules).raised == 1
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(20)["uscc"]
    assert alert.evidence["from"] == {
        "grade": "A", "as_of": "2027-01-10", "record_id": first[0], "scheme": "公共信用综合评价"
    }  # fmt: skip
    assert alert.evidence["to"]["record_id"] == later[0] and alert.evidence["steps"] == 2
    assert alert.departments == (DRC[1],)  # no sector: the credit office


def test_listed_legal_representative_at_another_entity(store: Store) -> None:
    rules = _only("listed-rep-elsewhere")
    listed = org(7)
    # entity 8's legal representative is entity 7's: a penalty of 8 names them
    other = {**_penalty(8, 1, date(2027, 5, 1)), "legal_rep_name": listed["legal_rep_name"],
             "legal_rep_id_no": listed["legal_rep_id_no"]}  # fmt: skip
    _submit(store, "administrative-penalty", other, _penalty(9, 1, date(2027, 5, 1)))
    assert _run(store, rules).raised == 0  # nobody is listed yet
    # the listing alone touches entity 7; entity 8 is reached through its representative
    _submit(store, "serious-dishonesty-list", list_entry(7, valid_to=date(2029, 1, 1)))
    run = _run(store, rules)
    assert run.raised == 1
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(8)["uscc"]
    [person] = alert.evidence["persons"]
    assert person["listed"][0]["uscc"] == listed["uscc"]
    assert listed["legal_rep_id_no"] not in str(alert.to_dict())  # the ID is masked
    assert person["id_no_masked"].startswith(listed["legal_rep_id_no"][:6])
    assert set(alert.departments) == {HRSS[1], DRC[1]}  # the listing authority, credit office


def test_a_new_record_at_another_entity_and_a_linked_person(store: Store) -> None:
    rules = _only("listed-rep-elsewhere")
    [entry] = _submit(store, "watch-list", list_entry(7, watch=True, valid_to=date(2029, 1, 1)))
    assert _run(store, rules).raised == 0
    # later, entity 8 names entity 7's legal representative: the new record touches entity 8
    other = {**_penalty(8, 1, date(2027, 5, 1)), "legal_rep_id_no": org(7)["legal_rep_id_no"]}
    _submit(store, "administrative-penalty", other)
    assert _run(store, rules).raised == 1
    # a person linked by hand (实际控制人) who is legal representative of entity 9
    controller = org(99)["legal_rep_id_no"]
    link_person(store, entry, person_name="周某", role="实际控制人", id_type="身份证",
                id_no=controller, caller=dept(HRSS), now=NOW)  # fmt: skip
    _submit(store, "administrative-penalty", _penalty(99, 1, date(2027, 6, 1)))  # entity 99
    run = _run(store, rules)
    assert run.raised == 1
    alert = list_alerts(store.engine, uscc=org(99)["uscc"])[0]
    [person] = alert.evidence["persons"]
    assert person["listed"][0]["role"] == "实际控制人" and person["name"] == "周某"


def test_an_expired_listing_does_not_fire(store: Store) -> None:
    rules = _only("listed-rep-elsewhere")
    listed = org(7)
    other = {**_penalty(8, 1, date(2027, 5, 1)), "legal_rep_id_no": listed["legal_rep_id_no"]}
    _submit(store, "administrative-penalty", other)
    _submit(store, "serious-dishonesty-list", list_entry(7, valid_to=date(2027, 8, 1)))
    assert _run(store, rules).raised == 0


def test_commitment_breached_after_tolerance_acceptance(store: Store) -> None:
    rules = _only("tolerance-acceptance-breach")
    breach = {"fulfilment_status": "全部未履行", "fulfilment_status_date": "2027-07-01",
              "unperformed_content": "未在承诺期限内补齐材料"}  # fmt: skip
    kept = commitment(10, kind="容缺受理型", made=date(2027, 3, 1), unit=HOUSING)
    kept["fulfilment_status"] = "全部履行"
    other_type = {**commitment(11, kind="审批替代型", made=date(2027, 3, 1)), **breach}
    broken = {**commitment(12, kind="容缺受理型", made=date(2027, 3, 1), unit=HOUSING), **breach}
    _submit(store, "credit-commitment", kept, other_type, broken)
    licence = {
        **org(12),
        "decision_doc_no": "武建许〔2027〕12号",
        "decision_date": "2027-03-10",
        "authority_name": HOUSING[0],
        "authority_uscc": HOUSING[1],
    }
    [licence_id] = _submit(store, "administrative-licensing", licence)
    _run(store, rules)
    [alert] = list_alerts(store.engine)
    assert alert.uscc == org(12)["uscc"]
    [item] = alert.evidence["commitments"]
    assert item["fulfilment_status"] == "全部未履行" and item["approvals"] == [licence_id]
    assert alert.departments == (HOUSING[1],)  # the accepting unit


# --- dedup, incremental cursor, updates ------------------------------------------------------


def test_dedup_and_new_evidence_updates_the_alert(store: Store) -> None:
    rules = _only("penalties-frequent")
    _submit(store, "administrative-penalty",
            *(_penalty(1, n, date(2027, n, 1)) for n in (1, 2, 3)))  # fmt: skip
    first = _run(store, rules)
    assert (first.raised, first.updated) == (1, 0)
    again = _run(store, rules, full=True)  # the same evidence once more
    assert (again.raised, again.updated, again.unchanged) == (0, 0, 1)
    [alert] = list_alerts(store.engine)
    acknowledge_alert(store.engine, alert.id, actor="key:k1:amr", role="department", now=NOW)
    _submit(store, "administrative-penalty", _penalty(1, 4, date(2027, 6, 1)))
    third = run_alerts(store, today=TODAY, rules=rules, now=LATER)
    assert (third.raised, third.updated) == (0, 1)
    [updated] = list_alerts(store.engine)
    assert updated.id == alert.id and updated.evidence["count"] == 4
    assert updated.state is AlertState.OPEN  # new evidence puts an acknowledged alert back
    assert [e.action for e in alert_history(store.engine, alert.id)] == [
        "raised",
        "acknowledged",
        "evidence-updated",
    ]
    # after closing, the same evidence stays closed; new evidence raises a new alert
    close_alert(store.engine, alert.id, actor="key:k1:amr", role="department", note="约谈")
    assert _run(store, rules, full=True).unchanged == 1
    _submit(store, "administrative-penalty", _penalty(1, 5, date(2027, 7, 1)))
    assert _run(store, rules).raised == 1
    assert [a.state for a in list_alerts(store.engine)] == [AlertState.OPEN, AlertState.CLOSED]


def test_the_cursor_reads_only_new_events(store: Store) -> None:
    rules = _only("penalties-frequent")
    _submit(store, "administrative-penalty",
            *(_penalty(1, n, date(2027, n, 1)) for n in (1, 2, 3)))  # fmt: skip
    first = _run(store, rules)
    assert (first.after, first.entities) == (0, 1) and first.head == store.head()
    idle = _run(store, rules)
    assert (idle.after, idle.entities, idle.raised + idle.unchanged) == (store.head(), 0, 0)
    [rid] = _submit(store, "administrative-penalty", _penalty(2, 1, date(2027, 2, 1)))
    second = _run(store, rules)
    assert (second.entities, second.raised) == (1, 0)  # only entity 2, below the threshold
    # a take-down touches the entity through the records table
    store.withdraw(
        "administrative-penalty", record_id=rid, reason=WithdrawalReason.REVOKED, actor="dept"
    )
    assert _run(store, rules).entities == 1


def test_a_withdrawn_penalty_no_longer_counts(store: Store) -> None:
    rules = _only("penalties-frequent")
    ids = _submit(store, "administrative-penalty",
                  *(_penalty(1, n, date(2027, n, 1)) for n in (1, 2, 3)))  # fmt: skip
    store.withdraw(
        "administrative-penalty", record_id=ids[0], reason=WithdrawalReason.REVOKED, actor="dept"
    )
    assert _run(store, rules).raised == 0


# --- routing, ack and close --------------------------------------------------------------------


def test_routing_and_audited_ack_and_close(store: Store) -> None:
    rules = _only("penalties-frequent", "tolerance-acceptance-breach")
    _submit(store, "administrative-penalty",
            *(_penalty(1, n, date(2027, n, 1)) for n in (1, 2, 3)))  # fmt: skip
    broken = {**commitment(12, kind="容缺受理型", made=date(2027, 3, 1), unit=HOUSING),
              "fulfilment_status": "部分履行"}  # fmt: skip
    _submit(store, "credit-commitment", broken)
    _run(store, rules)
    assert len(list_alerts(store.engine)) == 2  # admin: every alert
    [amr] = list_alerts(store.engine, department=AMR[1])
    [housing] = list_alerts(store.engine, department=HOUSING[1].lower())
    assert amr.rule_id == "penalties-frequent" and housing.rule_id == "tolerance-acceptance-breach"
    assert list_alerts(store.engine, department=TAX[1]) == []
    acked = acknowledge_alert(
        store.engine, amr.id, actor="key:k1:amr", role="department", note="已安排核查", now=NOW
    )
    assert acked.state is AlertState.ACKNOWLEDGED and acked.acknowledged_by == "key:k1:amr"
    # acknowledging twice changes nothing
    acknowledge_alert(store.engine, amr.id, actor="key:k1:amr", role="department", now=LATER)
    with pytest.raises(InvalidQueryError):
        close_alert(store.engine, amr.id, actor="key:k1:amr", role="department", note="  ")
    closed = close_alert(
        store.engine, amr.id, actor="key:k1:amr", role="department", note="已约谈整改", now=LATER
    )
    assert closed.state is AlertState.CLOSED and closed.close_note == "已约谈整改"
    assert closed.closed_at == LATER
    events = alert_history(store.engine, amr.id)
    assert [(e.action, e.actor, e.note) for e in events] == [
        ("raised", "system:alerts", None),
        ("acknowledged", "key:k1:amr", "已安排核查"),
        ("closed", "key:k1:amr", "已约谈整改"),
    ]
    assert events[1].occurred_at == NOW
    assert list_alerts(store.engine, state="open") == [housing]
    with pytest.raises(InvalidQueryError):
        list_alerts(store.engine, state="whatever")
