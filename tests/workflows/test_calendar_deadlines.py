"""Workflow deadlines never run out of calendar: a provisional deadline in 2027, recomputed and
logged when the official 2027 year is imported (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from wf_factory import AMR, NOW, PLATFORM, commitment, dept, penalty

from store import CALENDAR, CalendarYear, Store, parse_calendar
from store.calendar_db import calendar_changes
from store.schema import objections
from workflows import (
    RepairState,
    apply_for_repair,
    extend_deadline,
    file_objection,
    get_objection,
    get_repair,
    import_calendar_year,
    recompute_deadlines,
    start_verification,
    steps_of,
)

TEST_2027 = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027-test.csv"
AT = datetime(2027, 2, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_imported_years() -> Iterator[None]:
    CALENDAR.forget_imported()
    yield
    CALENDAR.forget_imported()


def official_2027() -> CalendarYear:
    parsed = parse_calendar(TEST_2027.read_text(encoding="utf-8"))
    assert parsed.calendar is not None, parsed.issues
    return parsed.calendar


def _store(store: Store, dataset: str, record: dict[str, Any]) -> str:
    result = store.submit(dataset, [(1, record)], actor="dept", now=NOW)
    rid = result.outcomes[0].record_id
    assert rid is not None, result.issues
    return rid


def _file(store: Store, rid: str, today: date):  # type: ignore[no-untyped-def]
    return file_objection(
        store,
        rid,
        applicant_name="武汉测试",
        grounds="处罚对象错误",
        caller=PLATFORM,
        today=today,
        now=AT,
    )


def test_an_objection_filed_on_2026_12_29_gets_a_provisional_deadline(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(1))
    case = _file(store, rid, date(2026, 12, 29))
    # 3 working days: 12-30, 12-31, (01-01 元旦), 01-04
    assert case.verify_due == date(2027, 1, 4) and case.verify_due_provisional is True
    shown = case.to_dict()
    assert shown["verify_due"] == "2027-01-04" and shown["verify_due_provisional"] is True
    assert shown["due"] == "2027-01-04"  # existing keys unchanged
    # an official year: not provisional
    other = _file(store, _store(store, "administrative-penalty", penalty(2)), date(2026, 6, 1))
    assert other.verify_due_provisional is False


def test_importing_2027_recomputes_and_logs_every_provisional_deadline(store: Store) -> None:
    early = _file(store, _store(store, "administrative-penalty", penalty(1)), date(2026, 12, 29))
    late_rid = _store(store, "administrative-penalty", penalty(2))
    late = _file(store, late_rid, date(2027, 1, 20))
    late = start_verification(store, late.id, caller=dept(AMR), today=date(2027, 1, 28), now=AT)
    # 10 working days, provisional: 01-29, 02-01…02-04, (02-05…02-10 off), 02-11 … 02-17
    assert (late.answer_due, late.answer_due_provisional) == (date(2027, 2, 17), True)
    _store(store, "credit-commitment", commitment(9))
    repair = apply_for_repair(
        store,
        _store(store, "administrative-penalty", penalty(9)),
        applicant_name="申请人",
        obligations_fulfilled=True,
        evidence=["缴款凭证"],
        caller=PLATFORM,
        today=date(2027, 2, 1),
        now=AT,
    )
    assert repair.state is RepairState.PENDING
    assert (repair.decision_due, repair.decision_due_provisional) == (date(2027, 2, 12), True)

    result = import_calendar_year(store, official_2027(), actor="admin:test", now=AT)
    assert result.year == 2027 and result.changed
    moved = {(c.subject, c.case_id, c.field): c for c in result.changes}
    # the date stays, the provenance changes
    same = moved[("objection", early.id, "verify_due")]
    assert (same.old_due, same.new_due) == (date(2027, 1, 4), date(2027, 1, 4))
    assert (same.old_source, same.new_source) == ("provisional", "imported")
    # 01-30 is a make-up Saturday, 02-11 and 02-12 are off
    answer = moved[("objection", late.id, "answer_due")]
    assert (answer.old_due, answer.new_due) == (date(2027, 2, 17), date(2027, 2, 18))
    decision = moved[("repair", repair.id, "decision_due")]
    assert (decision.old_due, decision.new_due) == (date(2027, 2, 12), date(2027, 2, 16))

    now_late = get_objection(store, late.id)
    assert (now_late.answer_due, now_late.answer_due_provisional) == (date(2027, 2, 18), False)
    assert get_objection(store, early.id).verify_due_provisional is False
    assert get_repair(store, repair.id).decision_due == date(2027, 2, 16)
    steps = steps_of(store.engine, case_id=late.id)
    (step,) = [
        s for s in steps if s.step == "deadline-recomputed" and s.details["field"] == "answer_due"
    ]
    assert step.details["old"] == "2027-02-17" and step.details["new"] == "2027-02-18"
    assert step.actor == "admin:test"
    with store.engine.connect() as conn:
        logged = conn.execute(select(calendar_changes)).mappings().all()
    assert {(r["case_id"], r["field"]) for r in logged} >= {
        (early.id, "verify_due"),
        (late.id, "answer_due"),
        (repair.id, "decision_due"),
    }
    assert all(r["reason"] == "calendar-import" for r in logged)

    # the same file again: nothing changes, nothing is logged
    again = import_calendar_year(store, official_2027(), actor="admin:test", now=AT)
    assert not again.changed and again.changes == ()
    with store.engine.connect() as conn:
        assert len(conn.execute(select(calendar_changes)).all()) == len(logged)


def test_an_extension_counts_from_the_stored_basis(store: Store) -> None:
    case = _file(store, _store(store, "administrative-penalty", penalty(3)), date(2027, 1, 20))
    caller = dept(AMR)
    start_verification(store, case.id, caller=caller, today=date(2027, 1, 28), now=AT)
    extended = extend_deadline(store, case.id, working_days=2, reason="复杂", caller=caller, now=AT)
    assert (extended.answer_due, extended.answer_due_provisional) == (date(2027, 2, 19), True)
    result = import_calendar_year(store, official_2027(), actor="admin:test", now=AT)
    (change,) = [c for c in result.changes if c.case_id == case.id and c.field == "answer_due"]
    # 12 working days from 01-28 on the official year: 02-18, 02-19 and the make-up 02-20
    assert change.new_due == date(2027, 2, 20)


def test_a_case_left_without_a_deadline_gets_one(store: Store) -> None:
    # a case filed by an older version, whose calendar ended in 2026: no deadline, no basis
    case = _file(store, _store(store, "administrative-penalty", penalty(4)), date(2026, 12, 29))
    with store.engine.begin() as conn:
        conn.execute(
            update(objections)
            .where(objections.c.id == case.id)
            .values(
                verify_due=None, verify_from=None, verify_days=None, verify_due_provisional=None
            )
        )
    (change,) = recompute_deadlines(store, actor="admin:test", now=AT)
    assert (change.case_id, change.old_due, change.old_source) == (case.id, None, None)
    # received 2027-02-01 10:00 in Wuhan (AT): the basis is rebuilt from that day
    assert change.new_due == date(2027, 2, 4) and change.new_source == "provisional"
    assert recompute_deadlines(store, actor="admin:test", now=AT) == []
