"""Objections: the mark in every view and feed, working-day deadlines, each outcome."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from wf_factory import (
    ADMIN,
    AMR,
    HRSS,
    NOW,
    PLATFORM,
    TAX,
    TODAY,
    dept,
    list_entry,
    penalty,
)

from store import Audience, Store, view, view_event
from workflows import (
    InvalidRequestError,
    NotAllowedError,
    ObjectionState,
    StateConflictError,
    extend_deadline,
    file_objection,
    get_objection,
    list_objections,
    record_outcome,
    start_verification,
    steps_of,
)
from workflows.transaction import set_fault_hook


def _store(store: Store, dataset: str, record: dict[str, Any]) -> str:
    result = store.submit(dataset, [(1, record)], actor="dept", now=NOW)
    rid = result.outcomes[0].record_id
    assert rid is not None, result.issues
    return rid


def _file(store: Store, rid: str, *, today: date = TODAY, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return file_objection(
        store,
        rid,
        applicant_name="武汉测试",
        grounds="处罚对象错误",
        evidence=["营业执照"],
        caller=PLATFORM,
        today=today,
        now=now,
    )


def _feed(store: Store, audience: Audience, after: int) -> list[dict[str, Any]]:
    items = [view_event(e, audience, today=TODAY) for e in store.changes(after=after)]
    return [i for i in items if i is not None]


def test_filing_marks_the_record_in_every_view_and_feed(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(1))
    head = store.head()
    case = _file(store, rid)
    assert case.state is ObjectionState.SUBMITTED and case.provider_uscc == AMR[1]
    stored = store.get(rid)
    assert stored.under_objection and stored.version == 2 and case.marked_version == 2
    for audience in Audience:
        shown = view(stored, audience, today=TODAY)
        assert shown is not None
        assert shown["_meta"]["under_objection"] is True, audience
        assert shown["_meta"]["objection_status"] == "异议处理中"
        (item,) = _feed(store, audience, head)
        assert item["op"] == "upsert" and item["reason"] == "under-objection"
        assert item["record"] == shown
    # identity numbers stay masked / hidden while marked
    public = view(stored, Audience.PUBLIC, today=TODAY)
    assert public is not None and "legal_rep_id_no" not in public


def test_deadlines_count_working_days(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(2))
    filed_on = date(2026, 9, 30)  # before National Day; 10-10 (Sat) is a 调休 working day
    when = datetime(2026, 9, 30, 3, tzinfo=UTC)
    case = _file(store, rid, today=filed_on, now=when)
    assert case.verify_due == date(2026, 10, 10)
    assert [c.id for c in list_objections(store, overdue_on=date(2026, 10, 10))] == []
    assert [c.id for c in list_objections(store, overdue_on=date(2026, 10, 12))] == [case.id]
    assert case.overdue(date(2026, 10, 12)) and not case.overdue(date(2026, 10, 9))
    verifying = start_verification(
        store, case.id, caller=dept(AMR), today=date(2026, 10, 12), now=when
    )
    assert verifying.answer_due == date(2026, 10, 26)  # 10 working days
    assert list_objections(store, overdue_on=date(2026, 10, 26)) == []
    assert [c.id for c in list_objections(store, overdue_on=date(2026, 10, 27))] == [case.id]
    extended = extend_deadline(
        store, case.id, working_days=5, reason="需现场核查", caller=dept(AMR), now=when
    )
    assert extended.answer_due == date(2026, 11, 2) and extended.extended_days == 5
    with pytest.raises(InvalidRequestError):
        extend_deadline(store, case.id, working_days=6, reason="再延", caller=dept(AMR))
    record_outcome(store, case.id, outcome="upheld", caller=dept(AMR), today=date(2026, 11, 3))
    assert list_objections(store, overdue_on=date(2027, 1, 1)) == []  # closed cases never are


def test_outcome_upheld_keeps_the_record_and_ends_the_mark(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(3))
    case = _file(store, rid)
    with pytest.raises(StateConflictError):  # answer before verifying
        record_outcome(store, case.id, outcome="upheld", caller=dept(AMR), today=TODAY)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)
    head = store.head()
    done = record_outcome(
        store,
        case.id,
        outcome="upheld",
        caller=dept(AMR),
        today=TODAY,
        note="处罚对象无误",
        now=NOW,
    )
    assert done.ok and done.objection.state is ObjectionState.UPHELD
    assert done.objection.closed_at == NOW and done.objection.provider_reply_at == NOW
    stored = store.get(rid)
    assert stored.active and not stored.under_objection and stored.version == 3
    for audience in Audience:
        (item,) = _feed(store, audience, head)
        assert item["reason"] == "objection-closed"
        assert item["record"]["_meta"]["under_objection"] is False
    with pytest.raises(StateConflictError):
        record_outcome(store, case.id, outcome="revoked", caller=dept(AMR), today=TODAY)


def test_outcome_corrected_stores_a_new_version(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(4))
    case = _file(store, rid)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)
    original = store.get(rid).payload
    missing = record_outcome(store, case.id, outcome="corrected", caller=dept(AMR), today=TODAY)
    assert [p.code for p in missing.problems] == ["correction-missing"]
    same = record_outcome(
        store,
        case.id,
        outcome="corrected",
        caller=dept(AMR),
        today=TODAY,
        corrected_record=original,
    )
    assert [p.code for p in same.problems] == ["correction-unchanged"]
    broken = record_outcome(
        store,
        case.id,
        outcome="corrected",
        caller=dept(AMR),
        today=TODAY,
        corrected_record={**original, "decision_date": "2026-02-30"},
    )
    assert [p.code for p in broken.problems] == ["correction-invalid"]
    moved = record_outcome(
        store,
        case.id,
        outcome="corrected",
        caller=dept(AMR),
        today=TODAY,
        corrected_record={**original, "decision_doc_no": "武市监罚〔2025〕999号"},
    )
    assert [p.code for p in moved.problems] == ["correction-other-record"]
    pending = get_objection(store, case.id)
    assert pending.state is ObjectionState.VERIFYING and pending.provider_reply_at is None
    assert store.get(rid).under_objection  # nothing changed so far
    fixed = {**original, "penalty_content": "罚款人民币3000元", "fine_amount_wan": "0.3000"}
    done = record_outcome(
        store,
        case.id,
        outcome="corrected",
        caller=dept(AMR),
        today=TODAY,
        corrected_record=fixed,
        now=NOW,
    )
    assert done.ok and done.objection.state is ObjectionState.CORRECTED
    stored = store.get(rid)
    assert stored.payload["penalty_content"] == "罚款人民币3000元"
    assert not stored.under_objection and stored.version == 3
    public = view(stored, Audience.PUBLIC, today=TODAY)
    assert public is not None and public["_meta"]["under_objection"] is False
    assert done.objection.outcome_seq == stored.seq


def test_a_correction_stored_through_the_normal_channel_counts(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(5))
    case = _file(store, rid)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)
    changed = {**store.get(rid).payload, "remarks": "经核查更正"}
    store.submit("administrative-penalty", [(1, changed)], actor="dept", now=NOW)
    assert not store.get(rid).under_objection  # a new version is never under the old mark
    done = record_outcome(store, case.id, outcome="corrected", caller=dept(AMR), today=TODAY)
    assert done.ok and done.objection.state is ObjectionState.CORRECTED


def test_outcome_revoked_takes_the_record_down(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(6))
    case = _file(store, rid)
    start_verification(store, case.id, caller=ADMIN, today=TODAY, now=NOW)
    head = store.head()
    done = record_outcome(
        store,
        case.id,
        outcome="revoked",
        caller=dept(AMR),
        today=TODAY,
        note="当事人非处罚对象",
        now=NOW,
    )
    assert done.objection.state is ObjectionState.REVOKED
    stored = store.get(rid)
    assert stored.withdrawn_reason == "objection-upheld"
    assert all(view(stored, a, today=TODAY) is None for a in Audience)
    for audience in Audience:
        items = _feed(store, audience, head)
        assert items[-1]["op"] == "delete" and items[-1]["reason"] == "objection-upheld"


def test_revoked_list_entry_records_its_removal(store: Store) -> None:
    rid = _store(store, "serious-dishonesty-list", list_entry(7))
    case = _file(store, rid)
    assert case.provider_uscc == HRSS[1]
    start_verification(store, case.id, caller=dept(HRSS), today=TODAY, now=NOW)
    record_outcome(store, case.id, outcome="revoked", caller=dept(HRSS), today=TODAY, now=NOW)
    stored = store.get(rid)
    assert stored.withdrawn_reason == "objection-upheld"
    assert stored.payload["removal_reason"] == "异议更正"
    assert stored.payload["status"] == "已移出"


def test_who_may_do_what(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(8))
    with pytest.raises(NotAllowedError):
        file_objection(store, rid, applicant_name="x", grounds="y", caller=dept(AMR), today=TODAY)
    with pytest.raises(InvalidRequestError):
        file_objection(store, rid, applicant_name="x", grounds=" ", caller=PLATFORM, today=TODAY)
    case = _file(store, rid)
    with pytest.raises(StateConflictError):  # one open objection per record
        _file(store, rid)
    with pytest.raises(NotAllowedError):
        start_verification(store, case.id, caller=dept(TAX), today=TODAY)
    with pytest.raises(NotAllowedError):
        start_verification(store, case.id, caller=PLATFORM, today=TODAY)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY)
    with pytest.raises(StateConflictError):
        start_verification(store, case.id, caller=dept(AMR), today=TODAY)
    with pytest.raises(InvalidRequestError):
        record_outcome(store, case.id, outcome="closed", caller=dept(AMR), today=TODAY)


def test_withdrawn_records_take_no_objection(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(9))
    store.withdraw("administrative-penalty", record_id=rid, reason="revoked", actor="dept")
    with pytest.raises(StateConflictError, match="taken down"):
        _file(store, rid)


def test_every_step_is_logged(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(10))
    case = _file(store, rid)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)
    record_outcome(store, case.id, outcome="upheld", caller=dept(AMR), today=TODAY, now=NOW)
    steps = steps_of(store.engine, case_id=case.id)
    assert [(s.step, s.state_from, s.state_to) for s in steps] == [
        ("filed", None, "submitted"),
        ("marked", None, None),
        ("verifying", "submitted", "verifying"),
        ("outcome", "verifying", "upheld"),
    ]
    assert steps[1].seq == case.mark_seq and steps[0].actor == PLATFORM.actor
    assert steps[2].actor == dept(AMR).actor


def test_one_answer_at_a_time(store: Store) -> None:
    # The answer used to claim the case (provider_reply_at set while verifying) in its own
    # transaction; it is one transaction now (workflows.transaction): a failure after the
    # take-down rolls everything back, and of two concurrent answers exactly one is taken.
    rid = _store(store, "administrative-penalty", penalty(11))
    case = _file(store, rid)
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=NOW)
    head = store.head()

    def broken(name: str) -> None:
        if name == "objection.outcome:takedown":
            raise RuntimeError("store went away")

    previous = set_fault_hook(broken)
    try:
        with pytest.raises(RuntimeError):
            record_outcome(store, case.id, outcome="revoked", caller=dept(AMR), today=TODAY)
    finally:
        set_fault_hook(previous)
    pending = get_objection(store, case.id)
    assert pending.state is ObjectionState.VERIFYING and pending.provider_reply_at is None
    assert store.get(rid).active and store.get(rid).under_objection and store.head() == head
    outcomes: list[object] = []

    def answer(outcome: str) -> None:
        try:
            outcomes.append(
                record_outcome(store, case.id, outcome=outcome, caller=dept(AMR), today=TODAY)
            )
        except StateConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=answer, args=(o,)) for o in ("revoked", "upheld")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["OutcomeResult", "StateConflictError"]
    answers = [s for s in steps_of(store.engine, case_id=case.id) if s.step == "outcome"]
    assert len(answers) == 1
