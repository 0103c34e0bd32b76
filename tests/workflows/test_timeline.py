"""Timelines: every version, take-down and step in log order; the entity's own without
personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from wf_factory import (
    AMR,
    NOW,
    PLATFORM,
    RESIDENT_ID,
    TODAY,
    commitment,
    dept,
    market_ban,
    penalty,
    resident_id,
)

from store import Store
from workflows import (
    CaseNotFoundError,
    apply_for_repair,
    decide_repair,
    file_objection,
    link_person,
    record_outcome,
    start_verification,
    timeline,
)


def _walk(store: Store) -> str:
    """A penalty through an objection (upheld) and an approved repair; its record id."""
    rid = (
        store.submit("administrative-penalty", [(1, penalty(1))], actor="key:dept1:amr", now=NOW)
        .outcomes[0]
        .record_id
    )
    assert rid is not None
    store.submit("credit-commitment", [(1, commitment(1))], actor="d", now=NOW)
    later = [NOW + timedelta(hours=h) for h in range(1, 7)]
    case = file_objection(
        store,
        rid,
        applicant_name="武汉测试1",
        grounds="金额有误",
        evidence=["缴款凭证"],
        caller=PLATFORM,
        today=TODAY,
        now=later[0],
    )
    start_verification(store, case.id, caller=dept(AMR), today=TODAY, now=later[1])
    record_outcome(
        store,
        case.id,
        outcome="upheld",
        caller=dept(AMR),
        today=TODAY,
        note="金额无误",
        now=later[2],
    )
    repair = apply_for_repair(
        store,
        rid,
        applicant_name="武汉测试1",
        obligations_fulfilled=True,
        evidence=[f"法定代表人身份证 {resident_id(1)}"],
        caller=PLATFORM,
        today=TODAY,
        now=later[3],
    )
    decide_repair(
        store, repair.id, approve=True, caller=dept(AMR), today=TODAY, note="同意修复", now=later[4]
    )
    return rid


def test_full_timeline_in_order(store: Store) -> None:
    rid = _walk(store)
    items = timeline(store, rid)
    summary = [(i.kind, i.step or i.reason) for i in items]
    assert summary == [
        ("version", None),
        ("step", "filed"),
        ("version", "under-objection"),
        ("step", "marked"),
        ("step", "verifying"),
        ("version", "objection-closed"),
        ("step", "outcome"),
        ("step", "filed"),
        ("take-down", "repaired"),
        ("step", "decided"),
    ]
    assert items[0].actor == "key:dept1:amr" and items[0].record is not None
    assert items[0].record["legal_rep_id_no"] == resident_id(1)  # full: every field
    decided = items[-1]
    assert decided.workflow == "repair" and decided.state_to == "approved"
    assert decided.why == "同意修复" and decided.actor == dept(AMR).actor
    assert items[-2].why is not None and "同意修复" in items[-2].why
    assert [i.at for i in items] == sorted(i.at for i in items)
    assert items[7].details == {"problems": [], "evidence": [f"法定代表人身份证 {resident_id(1)}"]}


def test_entity_timeline_has_no_personal_data(store: Store) -> None:
    rid = _walk(store)
    items = timeline(store, rid, audience="entity")
    assert len(items) == len(timeline(store, rid))
    text = json.dumps([i.to_dict() for i in items], ensure_ascii=False)
    assert not RESIDENT_ID.search(text), text
    assert "key:" not in text  # actors by role only
    assert {i.actor for i in items} <= {"department", "platform", "provider", "system"}
    assert all(i.details is None for i in items)


def test_person_links_stay_out_of_the_entity_timeline(store: Store) -> None:
    rid = store.submit("market-ban", [(1, market_ban(2))], actor="d", now=NOW).outcomes[0].record_id
    assert rid is not None
    link_person(
        store,
        rid,
        person_name="王五",
        role="主要负责人",
        id_type="身份证",
        id_no=resident_id(40_002),
        caller=dept(AMR),
        now=NOW,
    )
    assert [i.step for i in timeline(store, rid)] == [None, "person-linked"]
    assert [i.step for i in timeline(store, rid, audience="entity")] == [None]
    entity = timeline(store, rid, audience="entity")[0]
    assert entity.record is not None and "responsible_persons" not in entity.record


def test_unknown_record(store: Store) -> None:
    with pytest.raises(CaseNotFoundError):
        timeline(store, "administrative-penalty:nosuch")
    assert datetime.now(UTC) > NOW  # the fixed clock of the tests is in the past
