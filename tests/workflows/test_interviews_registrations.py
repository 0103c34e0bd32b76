"""Interviews stay with government; self-declared information is kept apart and marked."""

from __future__ import annotations

import pytest
from wf_factory import (
    AGENCY,
    AMR,
    DRC,
    NOW,
    PLATFORM,
    TAX,
    TODAY,
    commitment,
    dept,
    interview,
    registration,
)

from store import Audience, Store, view, view_event
from workflows import (
    NotAllowedError,
    record_interview,
    record_rectification,
    register,
    steps_of,
    verify_registration,
)


def test_interviews_are_government_only(store: Store) -> None:
    about = store.submit("credit-commitment", [(1, commitment(1))], actor="d", now=NOW)
    about_id = about.outcomes[0].record_id
    head = store.head()
    result = record_interview(
        store, interview(1), caller=dept(AMR), today=TODAY, now=NOW, about_record_id=about_id
    )
    assert result.ok and result.record_id is not None
    stored = store.get(result.record_id)
    assert stored.payload["publication_scope"] == "政务共享"
    assert view(stored, Audience.PUBLIC, today=TODAY) is None
    assert view(stored, Audience.AGENCY, today=TODAY) is None
    government = view(stored, Audience.GOVERNMENT, today=TODAY)
    assert government is not None and government["participants"] == "陈1（法定代表人）"
    for event in store.changes(after=head):
        assert view_event(event, Audience.PUBLIC, today=TODAY) is None
        assert view_event(event, Audience.AGENCY, today=TODAY) is None
        assert view_event(event, Audience.GOVERNMENT, today=TODAY) is not None
    assert [s.step for s in steps_of(store.engine, record_id=about_id)] == ["interview"]
    linked = steps_of(store.engine, record_id=result.record_id)[0]
    assert linked.details["about_record_id"] == about_id


def test_interview_scope_and_rectification(store: Store) -> None:
    public = record_interview(
        store, interview(2, publication_scope="社会公开"), caller=dept(AMR), today=TODAY
    )
    assert [p.code for p in public.problems] == ["interview-not-government"]
    with pytest.raises(NotAllowedError):
        record_interview(store, interview(2), caller=dept(TAX), today=TODAY)
    done = record_interview(store, interview(2), caller=dept(AMR), today=TODAY, now=NOW)
    assert done.record_id is not None
    fixed = record_rectification(
        store, done.record_id, result="已按期完成整改", caller=dept(AMR), today=TODAY, now=NOW
    )
    assert fixed.ok and fixed.version == 2
    assert store.get(done.record_id).payload["rectification_result"] == "已按期完成整改"


def test_registration_is_self_declared_until_verified(store: Store) -> None:
    claimed = registration(3, verification_status="已核实")
    with pytest.raises(NotAllowedError):
        register(store, claimed, caller=dept(DRC), today=TODAY)
    result = register(store, claimed, caller=PLATFORM, today=TODAY, now=NOW)
    assert result.ok and result.record_id is not None
    stored = store.get(result.record_id)
    assert stored.payload["verification_status"] == "自我声明"
    assert stored.payload["information_source"] == "市场主体自愿提供"
    assert view(stored, Audience.PUBLIC, today=TODAY) is None  # 授权查询: never public
    for audience in (Audience.AGENCY, Audience.GOVERNMENT):
        shown = view(stored, audience, today=TODAY)
        assert shown is not None and shown["_meta"]["self_declared"] is True, audience
    agency = view(stored, Audience.AGENCY, today=TODAY)
    assert agency is not None and "contact_phone" not in agency
    step = steps_of(store.engine, record_id=result.record_id)[0]
    assert step.state_to == "自我声明" and "已核实" in (step.note or "")
    with pytest.raises(NotAllowedError):
        verify_registration(store, result.record_id, caller=AGENCY, today=TODAY)
    verified = verify_registration(store, result.record_id, caller=dept(DRC), today=TODAY, now=NOW)
    assert verified.ok and verified.version == 2
    shown = view(store.get(result.record_id), Audience.AGENCY, today=TODAY)
    assert shown is not None and shown["_meta"]["self_declared"] is False


def test_unverified_identity_cannot_be_verified_information(store: Store) -> None:
    result = register(store, registration(4, identity="未核验"), caller=PLATFORM, today=TODAY)
    assert result.record_id is not None
    refused = verify_registration(store, result.record_id, caller=PLATFORM, today=TODAY)
    assert [p.code for p in refused.problems] == ["record-invalid"]
    assert store.get(result.record_id).payload["verification_status"] == "自我声明"


def test_authority_data_is_never_self_declared(store: Store) -> None:
    rid = store.submit("credit-commitment", [(1, commitment(5))], actor="d").outcomes[0].record_id
    assert rid is not None
    shown = view(store.get(rid), Audience.PUBLIC, today=TODAY)
    assert shown is not None and shown["_meta"]["self_declared"] is False
