"""约谈 has its kind (提示 / 警示 / 告诫): required, validated, on both timelines; legacy records
without one are kept as stored and need the kind before a new version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from wf_factory import AMR, DRC, commitment, dept, interview

from store import Audience, Store, view
from workflows import (
    InvalidRequestError,
    interview_kind,
    interview_kinds,
    record_interview,
    record_rectification,
    timeline,
)
from workflows.versions import validate

TODAY = date(2027, 5, 10)
NOW = datetime(2027, 5, 10, 2, 0, tzinfo=UTC)


def _interview(i: int, **extra: Any) -> dict[str, Any]:
    return interview(
        i,
        interview_date="2027-05-06",
        rectification_deadline="2027-06-07",
        **extra,
    )


def test_the_kinds_and_their_short_forms() -> None:
    assert interview_kinds() == ("提示约谈", "警示约谈", "告诫约谈")
    assert [interview_kind(k) for k in ("提示", "警示", "告诫")] == list(interview_kinds())
    assert interview_kind("告诫约谈") == "告诫约谈"
    assert interview_kind("约谈") is None and interview_kind(None) is None


def test_the_schema_requires_a_known_kind() -> None:
    record = _interview(1)
    normalised, issues = validate("interview-record", record, today=TODAY)
    assert normalised is not None, issues
    short, issues = validate("interview-record", {**record, "interview_kind": "告诫"}, today=TODAY)
    assert short is not None and short["interview_kind"] == "告诫约谈"
    assert "legacy-value" in {i.code for i in issues}
    missing = {k: v for k, v in record.items() if k != "interview_kind"}
    none, issues = validate("interview-record", missing, today=TODAY)
    assert none is None and "missing-value" in {i.code for i in issues}, issues
    wrong, issues = validate("interview-record", {**record, "interview_kind": "谈话"}, today=TODAY)
    assert wrong is None and "invalid-choice" in {i.code for i in issues}


@pytest.mark.parametrize(("given", "kind"), [("提示约谈", "提示约谈"), ("告诫", "告诫约谈")])
def test_the_kind_is_stored_and_shown(store: Store, given: str, kind: str) -> None:
    about = store.submit("credit-commitment", [(1, commitment(41))], actor="d", now=NOW)
    about_id = about.outcomes[0].record_id
    assert about_id is not None
    result = record_interview(
        store,
        _interview(41, interview_kind=given),
        caller=dept(AMR),
        today=TODAY,
        now=NOW,
        about_record_id=about_id,
    )
    assert result.ok and result.record_id is not None, result.problems
    stored = store.get(result.record_id)
    assert stored.payload["interview_kind"] == kind
    shown = view(stored, Audience.GOVERNMENT, today=TODAY)
    assert shown is not None and shown["interview_kind"] == kind
    own = [i for i in timeline(store, result.record_id) if i.kind == "step"]
    assert own[0].state_to == kind and own[0].details is not None
    assert own[0].details["interview_kind"] == kind
    # the subject sees on its commitment's timeline what kind of interview it had
    theirs = [i for i in timeline(store, about_id, audience="entity") if i.kind == "step"]
    assert [(i.step, i.state_to) for i in theirs] == [("interview", kind)]


def test_an_interview_without_a_kind_is_refused(store: Store) -> None:
    record = {k: v for k, v in _interview(42).items() if k != "interview_kind"}
    result = record_interview(store, record, caller=dept(AMR), today=TODAY, now=NOW)
    assert [p.code for p in result.problems] == ["interview-kind-missing"]
    assert "提示约谈" in result.problems[0].message_zh
    wrong = record_interview(
        store, _interview(42, interview_kind="约谈"), caller=dept(AMR), today=TODAY
    )
    assert [p.code for p in wrong.problems] == ["record-invalid"]


def test_a_legacy_record_keeps_no_kind_until_the_authority_gives_it(store: Store) -> None:
    legacy = {k: v for k, v in _interview(43).items() if k != "interview_kind"}
    stored = store.submit("interview-record", [(1, legacy)], actor="d", now=NOW)
    rid = stored.outcomes[0].record_id
    if rid is None or not stored.ok:
        pytest.skip("the store validates on submit; no legacy record can be made here")
    assert "interview_kind" not in store.get(rid).payload  # nothing invents a severity
    refused = record_rectification(
        store, rid, result="已完成整改", caller=dept(AMR), today=TODAY, now=NOW
    )
    assert [p.code for p in refused.problems] == ["interview-kind-missing"]
    assert store.get(rid).version == 1
    with pytest.raises(InvalidRequestError):
        record_rectification(
            store, rid, result="已完成整改", caller=dept(AMR), today=TODAY, kind="谈话"
        )
    done = record_rectification(
        store, rid, result="已完成整改", caller=dept(AMR), today=TODAY, now=NOW, kind="警示"
    )
    assert done.ok and done.version == 2, done.problems
    assert store.get(rid).payload["interview_kind"] == "警示约谈"
    step = [i for i in timeline(store, rid) if i.kind == "step"][-1]
    assert step.step == "rectification" and step.state_to == "警示约谈"


def test_a_recorded_kind_cannot_be_changed_by_a_rectification(store: Store) -> None:
    done = record_interview(store, _interview(44), caller=dept(AMR), today=TODAY, now=NOW)
    assert done.record_id is not None
    with pytest.raises(InvalidRequestError):
        record_rectification(
            store, done.record_id, result="x", caller=dept(AMR), today=TODAY, kind="告诫约谈"
        )
    same = record_rectification(
        store, done.record_id, result="已完成", caller=dept(AMR), today=TODAY, kind="警示"
    )
    assert same.ok and store.get(done.record_id).payload["interview_kind"] == "警示约谈"
    with pytest.raises(Exception, match="interview"):
        record_interview(store, _interview(45), caller=dept(DRC), today=TODAY)
