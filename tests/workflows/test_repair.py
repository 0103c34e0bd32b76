"""Credit repair: conditions, the deciding authority, the take-down and what every channel sees."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from wf_factory import (
    ADMIN,
    AMR,
    HRSS,
    NOW,
    PLATFORM,
    TAX,
    TODAY,
    commitment,
    dept,
    list_entry,
    market_ban,
    penalty,
    person,
)

from store import Audience, Store, view, view_event
from workflows import (
    Caller,
    NotAllowedError,
    RepairState,
    StateConflictError,
    apply_for_repair,
    decide_repair,
    get_repair,
    list_repairs,
    steps_of,
)
from workflows.transaction import set_fault_hook


def _store(store: Store, dataset: str, record: dict) -> str:  # type: ignore[type-arg]
    result = store.submit(dataset, [(1, record)], actor="dept", now=NOW)
    (row,) = result.outcomes
    assert row.record_id is not None, result.issues
    return row.record_id


def _apply(store: Store, rid: str, *, today: date = TODAY, **kw: object):  # type: ignore[no-untyped-def]
    args = {"applicant_name": "申请人", "obligations_fulfilled": True, "evidence": ["缴款凭证"]}
    args.update(kw)
    return apply_for_repair(store, rid, caller=PLATFORM, today=today, now=NOW, **args)  # type: ignore[arg-type]


def _codes(case) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in case.problems]


def test_refused_before_the_minimum_period(store: Store) -> None:
    # a 2026 general penalty: Order 36 minimum 3 months from the decision
    rid = _store(store, "administrative-penalty", penalty(1, decided=date(2026, 4, 20)))
    _store(store, "credit-commitment", commitment(1, made=date(2026, 5, 20)))
    min_end = store.get(rid).min_end
    assert min_end is not None and min_end > TODAY
    case = _apply(store, rid)
    assert case.state is RepairState.REFUSED and _codes(case) == ["repair-too-early"]
    assert case.problems[0].params["first_day"] == (min_end + timedelta(days=1)).isoformat()
    assert store.get(rid).active
    # on the last day of the minimum still too early, the day after it is fine
    assert _codes(_apply(store, rid, today=min_end)) == ["repair-too-early"]
    assert _apply(store, rid, today=min_end + timedelta(days=1)).state is RepairState.PENDING


def test_refused_without_a_repair_commitment(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(2))
    case = _apply(store, rid)
    assert _codes(case) == ["repair-no-commitment"]
    # another type of commitment does not count
    other = _store(store, "credit-commitment", commitment(2, kind="审批替代型"))
    assert _codes(_apply(store, rid)) == ["repair-no-commitment"]
    assert _codes(_apply(store, rid, commitment_record_id=other)) == ["repair-commitment-mismatch"]
    # nor does one made before the penalty, or one of another subject
    _store(
        store,
        "credit-commitment",
        commitment(3, made=date(2025, 1, 6))
        | {k: v for k, v in penalty(2).items() if k in ("counterpart_name", "uscc", "org_code")},
    )
    assert _codes(_apply(store, rid)) == ["repair-no-commitment"]
    someone_else = _store(store, "credit-commitment", commitment(4))
    assert _codes(_apply(store, rid, commitment_record_id=someone_else)) == [
        "repair-commitment-mismatch"
    ]
    found = _store(
        store,
        "credit-commitment",
        commitment(2, kind="信用修复型") | {"code": "42010020260520000099"},
    )
    case = _apply(store, rid)
    assert case.state is RepairState.PENDING and case.commitment_record_id == found


def test_refused_without_obligations_or_evidence(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(5))
    _store(store, "credit-commitment", commitment(5))
    case = _apply(store, rid, obligations_fulfilled=False, evidence=[" "])
    assert _codes(case) == ["repair-obligations-unmet", "repair-no-evidence"]


def test_what_cannot_be_repaired(store: Store) -> None:
    ban = _store(store, "market-ban", market_ban(6))
    _store(store, "credit-commitment", commitment(6))
    assert _codes(_apply(store, ban)) == ["repair-not-repairable"]
    revoked_licence = _store(
        store, "administrative-penalty", penalty(7, categories=("吊销许可证件",), sector="市场监管")
    )
    _store(store, "credit-commitment", commitment(7))
    case = _apply(store, revoked_licence)
    assert "repair-not-repairable" in _codes(case)
    assert "市场监管" in case.problems[0].message_zh
    light = _store(
        store, "administrative-penalty", penalty(8, decided=date(2026, 4, 20), categories=("警告",))
    )  # Order 36: light, not published
    _store(store, "credit-commitment", commitment(8))
    assert "repair-not-published" in _codes(_apply(store, light))
    store.withdraw("administrative-penalty", record_id=light, reason="revoked", actor="dept")
    assert "repair-record-withdrawn" in _codes(_apply(store, light))


def test_approved_repair_of_a_penalty_ends_every_channel(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(9))
    _store(store, "credit-commitment", commitment(9))
    before = store.get(rid)
    assert view(before, Audience.PUBLIC, today=TODAY) is not None
    case = _apply(store, rid, statement="罚款已缴清，违法行为已纠正")
    assert case.state is RepairState.PENDING and case.authority_uscc == AMR[1]
    assert case.decision_due == date(2026, 6, 8)  # 5 working days
    with pytest.raises(NotAllowedError):
        decide_repair(store, case.id, approve=True, caller=dept(TAX), today=TODAY, now=NOW)
    with pytest.raises(NotAllowedError):
        decide_repair(store, case.id, approve=True, caller=PLATFORM, today=TODAY, now=NOW)
    done = decide_repair(
        store, case.id, approve=True, caller=dept(AMR), today=TODAY, now=NOW, note="核查属实"
    )
    assert done.state is RepairState.APPROVED and done.decided_by == dept(AMR).actor
    after = store.get(rid)
    assert not after.active and after.withdrawn_reason == "repaired"
    assert all(view(after, a, today=TODAY) is None for a in Audience)
    event = store.history(rid)[-1]
    assert event.seq == done.takedown_seq
    for audience in Audience:
        item = view_event(event, audience, today=TODAY)
        assert item is not None and item["op"] == "delete" and item["reason"] == "repaired"
    with pytest.raises(StateConflictError):
        decide_repair(store, case.id, approve=False, caller=dept(AMR), today=TODAY, now=NOW)
    steps = [(s.step, s.state_to) for s in steps_of(store.engine, case_id=case.id)]
    assert steps == [("filed", "pending"), ("decided", "approved")]


def test_approved_repair_of_a_list_entry_records_the_removal(store: Store) -> None:
    rid = _store(store, "serious-dishonesty-list", list_entry(10, listing_date=date(2025, 3, 2)))
    _store(store, "credit-commitment", commitment(10))
    case = _apply(store, rid)
    assert case.authority_uscc == HRSS[1]
    decide_repair(store, case.id, approve=True, caller=dept(HRSS), today=TODAY, now=NOW)
    after = store.get(rid)
    assert after.withdrawn_reason == "repaired"
    assert after.payload["status"] == "已移出"
    assert after.payload["removal_reason"] == "信用修复"
    assert after.payload["removal_date"] == TODAY.isoformat()


def test_list_minimum_is_counted_from_the_listing_date(store: Store) -> None:
    rid = _store(store, "serious-dishonesty-list", list_entry(11, listing_date=date(2025, 9, 1)))
    _store(store, "credit-commitment", commitment(11))
    case = _apply(store, rid)
    assert _codes(case) == ["repair-too-early"]
    assert case.problems[0].params["min_end"] == "2026-09-01"


def test_rejection_keeps_the_record(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(12))
    _store(store, "credit-commitment", commitment(12))
    case = _apply(store, rid)
    done = decide_repair(
        store, case.id, approve=False, caller=ADMIN, today=TODAY, now=NOW, note="罚款未缴清"
    )
    assert done.state is RepairState.REJECTED and done.decision_note == "罚款未缴清"
    assert store.get(rid).active
    assert [c.id for c in list_repairs(store, state="rejected")] == [case.id]


def test_conditions_are_checked_again_at_the_decision(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(13))
    promise = _store(store, "credit-commitment", commitment(13))
    case = _apply(store, rid)
    store.withdraw("credit-commitment", record_id=promise, reason="revoked", actor="dept")
    done = decide_repair(store, case.id, approve=True, caller=dept(AMR), today=TODAY, now=NOW)
    assert done.state is RepairState.REFUSED
    assert [p.code for p in done.problems] == ["repair-commitment-mismatch"]
    assert store.get(rid).active
    assert get_repair(store, case.id).state is RepairState.REFUSED


def test_natural_persons_repair_with_their_identity_number(store: Store) -> None:
    subject = person(14)
    rid = _store(
        store,
        "serious-dishonesty-list",
        list_entry(14, subject=subject, listing_date=date(2025, 3, 2)),
    )
    assert _codes(_apply(store, rid)) == ["repair-no-commitment"]
    _store(store, "credit-commitment", commitment(14, subject=subject))
    case = _apply(store, rid)
    assert case.state is RepairState.PENDING and case.credit_code == subject["person_id_no"]


def test_only_the_intake_window_files(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(15))
    with pytest.raises(NotAllowedError):
        apply_for_repair(
            store,
            rid,
            applicant_name="x",
            obligations_fulfilled=True,
            evidence=["e"],
            caller=dept(AMR),
            today=TODAY,
        )


def test_one_decision_at_a_time_and_a_failed_one_changes_nothing(store: Store) -> None:
    # The decision used to claim the case (decided_by set while pending) in one transaction
    # and release it in another; it is one transaction now (workflows.transaction), so a
    # failure after the take-down was written rolls everything back, and the writer lock
    # lets exactly one of two concurrent deciders act.
    rid = _store(store, "administrative-penalty", penalty(16))
    _store(store, "credit-commitment", commitment(16))
    case = _apply(store, rid)
    head = store.head()

    def broken(name: str) -> None:
        if name == "repair.decide:takedown":
            raise RuntimeError("store went away")

    previous = set_fault_hook(broken)
    try:
        with pytest.raises(RuntimeError):
            decide_repair(store, case.id, approve=True, caller=dept(AMR), today=TODAY, now=NOW)
    finally:
        set_fault_hook(previous)
    again = get_repair(store, case.id)
    assert again.state is RepairState.PENDING and again.decided_by is None
    assert store.get(rid).active and store.head() == head
    assert [s.step for s in steps_of(store.engine, case_id=case.id)] == ["filed"]
    # two deciders at once: one decides, the other finds the case decided
    outcomes: list[object] = []

    def decide(approve: bool, caller: Caller) -> None:
        try:
            outcomes.append(
                decide_repair(store, case.id, approve=approve, caller=caller, today=TODAY, now=NOW)
            )
        except StateConflictError as exc:
            outcomes.append(exc)

    threads = [
        threading.Thread(target=decide, args=(True, dept(AMR))),
        threading.Thread(target=decide, args=(False, ADMIN)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["RepairApplication", "StateConflictError"]
    decided = [s for s in steps_of(store.engine, case_id=case.id) if s.step == "decided"]
    assert len(decided) == 1
