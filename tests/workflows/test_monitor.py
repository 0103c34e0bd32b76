"""Monitoring and ranking on a hand-made store with known answers (SQLite and PostgreSQL).

Two departments publish in March and April 2027 (no holiday in the days used):

* AMR (江岸区, 420102) starts on 2027-03-01 with an old decision (backlog), then publishes
  on time, except one April penalty 2 working days late; one April record is corrected, one
  taken down *corrected* and never re-sent, one repaired (filed 04-13, approved 04-15);
* TAX (经开区（汉南区）, 420113) publishes a March decision late *at its first submission*
  (backlog: not held against it) and one April decision on time; an objection to it is
  filed 04-13, verified 04-14 and closed 04-16.

Every indicator is checked against the numbers above; the report on 2027-04-30.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from wf_factory import AMR, PLATFORM, TAX, commitment, dept, penalty

from schemas import fields
from store import Role, Store, add_working_days, create_key, submit_records
from store.tables import batches
from workflows import (
    ProceduresError,
    apply_for_repair,
    decide_repair,
    file_objection,
    record_outcome,
    start_verification,
)
from workflows.monitor import (
    build_report,
    compute,
    load_settings,
    load_units,
    month_period,
    overdue,
    rank,
    read_facts,
    read_units,
    render_html,
    render_xlsx,
)
from workflows.monitor.config import MonitorSettings

TODAY = date(2027, 4, 30)
ON_TIME_ONLY = replace(load_settings(), weights=(("on_time_rate", 1.0),))


def at(day: date) -> datetime:
    """10:00 in Wuhan on ``day``."""
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def _put(store: Store, record: dict[str, Any], published: date, *, division: str) -> str:
    result = store.submit(
        "administrative-penalty",
        [(1, record | {"division_code": division})],
        actor="dept",
        now=at(published),
    )
    (row,) = result.outcomes
    assert row.record_id is not None, result.issues
    return row.record_id


def build(store: Store) -> dict[str, Any]:
    """The store of the module docstring; returns the ids the tests need."""
    ids: dict[str, Any] = {}
    # AMR, 江岸区
    _put(store, penalty(1, decided=date(2027, 1, 4)), date(2027, 3, 1), division="420102")
    ids["a1"] = _put(
        store, penalty(2, decided=date(2027, 3, 1)), date(2027, 3, 3), division="420102"
    )
    ids["a2"] = _put(
        store, penalty(3, decided=date(2027, 4, 12)), date(2027, 4, 14), division="420102"
    )
    ids["a3"] = _put(
        store, penalty(4, decided=date(2027, 4, 12)), date(2027, 4, 15), division="420102"
    )
    ids["a4"] = _put(
        store, penalty(5, decided=date(2027, 4, 13)), date(2027, 4, 26), division="420102"
    )
    repairable = penalty(6, decided=date(2025, 6, 3))
    ids["a5"] = _put(store, repairable, date(2027, 3, 1), division="420102")
    store.submit("credit-commitment", [(1, commitment(6))], actor="dept", now=at(date(2027, 3, 1)))
    # TAX, 经开区（汉南区）
    _put(
        store,
        penalty(11, decided=date(2027, 3, 1), authority=TAX),
        date(2027, 3, 15),
        division="420113",
    )
    ids["b2"] = _put(
        store,
        penalty(12, decided=date(2027, 4, 12), authority=TAX),
        date(2027, 4, 13),
        division="420113",
    )
    # a correction (a new content version) and a correction take-down never re-sent
    fixed = penalty(3, decided=date(2027, 4, 12)) | {
        "division_code": "420102",
        "penalty_content": "罚款人民币4000元",
    }
    store.submit("administrative-penalty", [(1, fixed)], actor="dept", now=at(date(2027, 4, 20)))
    store.withdraw(
        "administrative-penalty",
        record_id=ids["a3"],
        reason="corrected",
        actor="dept",
        now=at(date(2027, 4, 16)),
    )
    # a batch by AMR's key: one row unchanged (a5 again, before its repair), one rejected
    key, _ = create_key(
        store.engine, role=Role.DEPARTMENT, name="amr clerk", department_uscc=AMR[1]
    )
    again = store.get(ids["a5"]).payload
    receipt = submit_records(
        store,
        "administrative-penalty",
        [dict(again), {"uscc": "bad"}],
        actor=f"key:{key.key_id}:{key.name}",
    )
    assert (receipt.unchanged, receipt.rejected) == (1, 1)
    with store.engine.begin() as conn:
        conn.execute(
            update(batches)
            .where(batches.c.batch_id == receipt.batch_id)
            .values(submitted_at=at(date(2027, 4, 20)))
        )
    # a repair: filed 04-13, approved 04-15 (the take-down is its withdrawal)
    case = apply_for_repair(
        store,
        ids["a5"],
        applicant_name="申请人",
        obligations_fulfilled=True,
        evidence=["缴款凭证"],
        caller=PLATFORM,
        today=date(2027, 4, 13),
        now=at(date(2027, 4, 13)),
    )
    assert case.state.value == "pending", case.problems
    decide_repair(
        store,
        case.id,
        approve=True,
        caller=dept(AMR),
        today=date(2027, 4, 15),
        now=at(date(2027, 4, 15)),
    )
    # an objection to TAX's record: 3 working days; another to AMR's, never verified
    obj = file_objection(
        store,
        ids["b2"],
        applicant_name="申请人",
        grounds="金额有误",
        caller=PLATFORM,
        today=date(2027, 4, 13),
        now=at(date(2027, 4, 13)),
    )
    start_verification(
        store, obj.id, caller=dept(TAX), today=date(2027, 4, 14), now=at(date(2027, 4, 14))
    )
    record_outcome(
        store,
        obj.id,
        outcome="upheld",
        caller=dept(TAX),
        today=date(2027, 4, 16),
        now=at(date(2027, 4, 16)),
    )
    late = file_objection(
        store,
        ids["a1"],
        applicant_name="申请人",
        grounds="主体有误",
        caller=PLATFORM,
        today=date(2027, 4, 14),
        now=at(date(2027, 4, 14)),
    )
    ids["open_objection"] = late
    return ids


def _optional_share(record: dict[str, Any]) -> float:
    optional = [f.id for f in fields("administrative-penalty") if not f.required]
    return sum(1 for f in optional if record.get(f) not in (None, "", [])) / len(optional)


def test_every_indicator_has_its_known_value(store: Store) -> None:
    ids = build(store)
    facts = read_facts(store, load_units())
    assert facts.first_submission == {
        AMR[1]: date(2027, 3, 1),
        TAX[1]: date(2027, 3, 15),
        "11420100MB10185288": date(2027, 3, 1),
    }
    april, march = month_period("2027-04"), month_period("2027-03")
    amr = compute(facts, april, "department", load_settings())[AMR[1]]
    assert (amr.published, amr.on_time, amr.late, amr.backlog) == (3, 2, 1, 0)
    rates = amr.rates()
    assert rates["on_time_rate"] == pytest.approx(2 / 3)
    assert (amr.withdrawals, amr.withdrawals_measured, amr.withdrawals_timely) == (2, 1, 1)
    assert rates["withdrawal_rate"] == 1.0
    assert rates["mandatory_rate"] == 1.0
    shares = [_optional_share(store.get(ids[k]).payload) for k in ("a2", "a3", "a4")]
    assert rates["completeness"] == pytest.approx(sum(shares) / 3)
    assert (amr.rows_sent, amr.rows_rejected, amr.rows_unchanged) == (2, 1, 1)
    assert rates["error_rate"] == 0.5 and rates["duplicate_rate"] == 0.5
    assert amr.corrections == 1 and rates["correction_rate"] == pytest.approx(1 / 3)
    assert amr.repair_days == [2] and rates["repair_on_time_rate"] == 1.0
    assert rates["repair_turnaround_days"] == 2.0
    tax = compute(facts, april, "department", load_settings())[TAX[1]]
    assert (tax.on_time, tax.late, tax.backlog) == (1, 0, 0)
    assert tax.objection_days == [3] and tax.rates()["objection_on_time_rate"] == 1.0
    assert tax.objections_received == 1 and tax.rows_sent is None  # no keyed batch
    # the first-submission rule: TAX's late March decision was backlog, AMR's old one too
    tax_march = compute(facts, march, "department", load_settings())[TAX[1]]
    assert (tax_march.on_time, tax_march.late, tax_march.backlog) == (0, 0, 1)
    amr_march = compute(facts, march, "department", load_settings())[AMR[1]]
    assert (amr_march.on_time, amr_march.late, amr_march.backlog) == (1, 0, 2)
    # districts: by division code, every unit listed; batches have no district
    units = compute(facts, april, "district", load_settings(), [u.id for u in load_units().units])
    assert len(units) == 15
    assert (units["WH-JA"].on_time, units["WH-JA"].late) == (2, 1)
    assert (units["WH-JKQ"].on_time, units["WH-JKQ"].objection_days) == (1, [3])
    assert units["WH-JA"].rows_sent is None and units["WH-HS"].published == 0


def test_ranking_trend_and_overdue(store: Store) -> None:
    ids = build(store)
    facts = read_facts(store, load_units())
    lines = rank(facts, "2027-04", "department", ON_TIME_ONLY, load_units())
    ranked = [(x.key, x.rank, x.score, x.previous_rank, x.rank_change) for x in lines if x.rank]
    assert ranked == [(TAX[1], 1, 100.0, None, None), (AMR[1], 2, 66.67, 1, -1)]
    assert next(x for x in lines if x.key == "11420100MB10185288").rank is None  # not judged
    districts = rank(facts, "2027-04", "district", ON_TIME_ONLY, load_units())
    assert [(d.key, d.rank) for d in districts[:2]] == [("WH-JKQ", 1), ("WH-JA", 2)]
    assert len(districts) == 15 and districts[0].name == "武汉经济技术开发区（汉南区）"
    assert lines[1].rolling.on_time == 3 and lines[1].rolling.backlog == 2  # March + April
    items = overdue(facts, TODAY, load_settings())
    kinds = {(i.kind, i.department, i.record_id) for i in items}
    assert kinds == {("objection", AMR[1], ids["a1"]), ("correction", AMR[1], ids["a3"])}
    correction = next(i for i in items if i.kind == "correction")
    assert correction.due == add_working_days(date(2027, 4, 16), 7) == date(2027, 4, 27)
    assert (correction.days_overdue, correction.working_days_overdue) == (3, 3)
    objection = next(i for i in items if i.kind == "objection")
    assert objection.case_id == ids["open_objection"].id
    assert objection.due == ids["open_objection"].verify_due
    assert objection.department_name == AMR[0]


def test_the_report_in_three_formats_and_audiences(store: Store) -> None:
    build(store)
    settings: MonitorSettings = ON_TIME_ONLY
    doc = build_report(store, "2027-04", today=TODAY, settings=settings)
    again = json.loads(json.dumps(doc))
    assert again == build_report(store, "2027-04", today=TODAY, settings=settings)
    assert doc["rolling_window"] == "2026-05..2027-04" and doc["previous_month"] == "2027-03"
    assert doc["calendar_provisional"] is True  # 2027 is not imported: statutory holidays only
    assert [d["rank"] for d in doc["departments"][:2]] == [1, 2]
    assert len(doc["overdue"]) == 2
    assert {n["id"] for n in doc["national_indicators"] if not n["computable"]} >= {
        "shuang-gongshi-volume"
    }
    public = build_report(store, "2027-04", today=TODAY, audience="public", settings=settings)
    assert "overdue" not in public and "published" not in public["departments"][0]["month"]
    assert public["departments"][0]["month"]["on_time_rate"] == 1.0
    own = build_report(
        store, "2027-04", today=TODAY, audience="department", department=AMR[1], settings=settings
    )
    assert [d["key"] for d in own["departments"]] == [AMR[1]] and own["districts"] == []
    assert {i["department"] for i in own["overdue"]} == {AMR[1]}
    book = load_workbook(io.BytesIO(render_xlsx(doc)))
    assert book.sheetnames == ["排名 Ranking", "指标 Indicators", "逾期 Overdue"]
    ranking = list(book["排名 Ranking"].iter_rows(values_only=True))
    assert ranking[1][:5] == ("department", 1, TAX[1], TAX[0], 100.0)
    assert book["逾期 Overdue"].max_row == 3  # header + 2 items
    assert book["指标 Indicators"].max_row == 1 + 2 * (len(doc["departments"]) + 15)
    page = render_html(doc)
    assert page.startswith("<!doctype html>") and "武汉经济技术开发区（汉南区）" in page
    assert "<script" not in page and "逾期事项" in page


def test_district_units_are_data_with_longest_prefix(tmp_path: Any) -> None:
    units = load_units()
    assert len(units.units) == 15
    assert units.unit_of("420113") == units.unit_of("420114071") == "WH-JKQ"
    assert units.unit_of("420114") == "WH-CD" and units.unit_of("420111082") == "WH-DHGX"
    assert units.unit_of("420106490") == "WH-DHFJ" and units.unit_of("420106") == "WH-WC"
    assert units.unit_of("420100") is None and units.unit_of(None) is None
    bad = tmp_path / "units.yaml"
    unit = "  - {{id: {}, name_zh: 甲, name_en: A, kind: district, prefixes: ['420102']}}\n"
    bad.write_text(
        "version: x\nunits:\n" + unit.format("WH-A") + unit.format("WH-B"), encoding="utf-8"
    )
    with pytest.raises(ProceduresError, match="prefix 420102 appears twice"):
        read_units(bad)
    bad.write_text("version: x\nunits: [{id: nope}]\n", encoding="utf-8")
    with pytest.raises(ProceduresError, match=r"units\.yaml is invalid"):
        read_units(bad)
