"""Commitments: publication by 公开类型, fulfilment versions, a breach recorded as dishonesty."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from wf_factory import (
    AMR,
    DRC,
    NOW,
    PLATFORM,
    TODAY,
    commitment,
    dept,
    penalty,
    uscc,
)

from store import Audience, Store, view
from workflows import (
    CheckIndex,
    InvalidRequestError,
    NotAllowedError,
    apply_for_repair,
    record_fulfilment,
    steps_of,
)

TYPES = (
    "审批替代型",
    "容缺受理型",
    "证明事项型",
    "信用修复型",
    "行业自律型",
    "主动型",
    "其他-信用承诺书",
)


def _store(store: Store, record: dict[str, Any]) -> str:
    result = store.submit("credit-commitment", [(1, record)], actor="dept", now=NOW)
    rid = result.outcomes[0].record_id
    assert rid is not None and result.ok, result.issues
    return rid


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_is_published_by_its_publication_type(store: Store, kind: str) -> None:
    shown = {}
    for i, publication in enumerate(("可向社会公开", "特定范围内公开", "不可公开")):
        rid = _store(store, commitment(i, kind=kind, publication_type=publication))
        stored = store.get(rid)
        shown[publication] = {a: view(stored, a, today=TODAY) is not None for a in Audience}
    assert shown["可向社会公开"] == dict.fromkeys(Audience, True)
    for closed in ("特定范围内公开", "不可公开"):
        assert shown[closed] == {
            Audience.PUBLIC: False,
            Audience.AGENCY: False,
            Audience.GOVERNMENT: True,
        }


def test_fulfilment_is_a_new_version(store: Store) -> None:
    rid = _store(store, commitment(1, kind="审批替代型"))
    result = record_fulfilment(
        store, rid, status="全部履行", caller=dept(DRC), today=TODAY, now=NOW, note="现场核查属实"
    )
    assert result.ok and result.listing is None
    stored = store.get(rid)
    assert stored.version == 2
    assert stored.payload["fulfilment_status"] == "全部履行"
    assert stored.payload["fulfilment_status_date"] == TODAY.isoformat()
    assert stored.payload["confirm_unit_uscc"] == DRC[1]
    public = view(stored, Audience.PUBLIC, today=TODAY)
    assert public is not None and public["fulfilment_status"] == "全部履行"
    assert [s.step for s in steps_of(store.engine, record_id=rid)] == ["fulfilment"]


def test_breach_lists_the_subject_and_restricts(store: Store) -> None:
    index = CheckIndex(store)
    rid = _store(store, commitment(2, kind="审批替代型"))
    assert not index.check(uscc(2), "approvals", today=TODAY, caller=PLATFORM).restricted
    refused = record_fulfilment(
        store,
        rid,
        status="全部未履行",
        caller=dept(DRC),
        today=TODAY,
        unperformed_content="未在承诺期限内补齐材料",
        liability_pursued="撤销许可",
    )
    assert [p.code for p in refused.problems] == ["breach-needs-decision"]
    assert store.get(rid).version == 1  # nothing stored without the decision document
    result = record_fulfilment(
        store,
        rid,
        status="全部未履行",
        caller=dept(DRC),
        today=TODAY,
        now=NOW,
        unperformed_content="未在承诺期限内补齐材料",
        liability_pursued="撤销许可",
        decision_doc_no="武发改信认〔2026〕7号",
    )
    assert result.ok, result.problems
    assert result.listing is not None and result.listing.record_id is not None
    entry = store.get(result.listing.record_id)
    assert entry.dataset == "watch-list" and entry.active
    assert entry.payload["list_type"] == "重点关注对象名单"
    assert entry.payload["listing_decision_doc_no"] == "武发改信认〔2026〕7号"
    assert entry.payload["deciding_authority_uscc"] == DRC[1]
    assert (
        rid in entry.payload["remarks"]
        and "未在承诺期限内补齐材料" in entry.payload["listing_reason"]
    )
    assert entry.payload["valid_to"] == "2027-06-01"
    check = index.check(uscc(2), "approvals", today=TODAY, caller=PLATFORM)
    assert check.restricted and "GJ-2-001" in {m["measure_id"] for m in check.measures}
    assert check.entries[0]["record_id"] == entry.record_id
    steps = [s.step for s in steps_of(store.engine, record_id=rid)]
    assert steps == ["fulfilment", "breach-listed"]
    # the watch-list entry is public like any list entry
    assert view(entry, Audience.PUBLIC, today=TODAY) is not None


def test_a_breached_repair_commitment_no_longer_counts(store: Store) -> None:
    penalty_id = (
        store.submit(
            "administrative-penalty", [(1, penalty(3, authority=AMR))], actor="dept", now=NOW
        )
        .outcomes[0]
        .record_id
    )
    assert penalty_id is not None
    rid = _store(store, commitment(3))
    record_fulfilment(
        store,
        rid,
        status="部分履行",
        caller=dept(DRC),
        today=TODAY,
        now=NOW,
        unperformed_content="未完成整改",
        liability_pursued="列入重点关注名单",
        decision_doc_no="武发改信认〔2026〕8号",
    )
    case = apply_for_repair(
        store,
        penalty_id,
        applicant_name="x",
        obligations_fulfilled=True,
        evidence=["e"],
        caller=PLATFORM,
        today=TODAY,
    )
    assert [p.code for p in case.problems] == ["repair-no-commitment"]


def test_who_records_fulfilment(store: Store) -> None:
    rid = _store(store, commitment(4))
    with pytest.raises(NotAllowedError):
        record_fulfilment(store, rid, status="全部履行", caller=dept(AMR), today=TODAY)
    with pytest.raises(InvalidRequestError):
        record_fulfilment(store, rid, status="履行中", caller=dept(DRC), today=TODAY)
    not_a_commitment = store.submit("administrative-penalty", [(1, penalty(4))], actor="d")
    with pytest.raises(InvalidRequestError):
        record_fulfilment(
            store,
            not_a_commitment.outcomes[0].record_id or "",
            status="全部履行",
            caller=dept(DRC),
            today=TODAY,
        )


def test_fulfilment_date_may_not_be_in_the_future(store: Store) -> None:
    rid = _store(store, commitment(5))
    result = record_fulfilment(
        store, rid, status="全部履行", caller=dept(DRC), today=TODAY, status_date=date(2026, 12, 1)
    )
    assert [p.code for p in result.problems] == ["record-invalid"]
    assert store.get(rid).version == 1
