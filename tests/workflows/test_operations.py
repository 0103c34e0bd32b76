"""The operations under every face: a repeated step changes nothing, every input has a limit,
and a step that cannot go on is an answer with its status and code."""

from __future__ import annotations

from wf_factory import (
    AMR,
    DRC,
    HRSS,
    PLATFORM,
    TODAY,
    commitment,
    dept,
    list_entry,
    penalty,
    registration,
)

from store import Role, Store
from workflows import (
    Caller,
    attempt,
    commitment_fulfil,
    listing_add,
    listing_remove,
    objection_file,
    persons_link,
    record_timeline,
    registration_register,
    registration_verify,
    repair_apply,
    steps_of,
)

PUBLIC = Caller("public", Role.PUBLIC)


def _submit(store: Store, dataset: str, record: dict) -> str:  # type: ignore[type-arg]
    (row,) = store.submit(dataset, [(1, record)], actor="dept").outcomes
    assert row.record_id is not None
    return row.record_id


def _steps(store: Store, record_id: str) -> list[str]:
    return [s.step for s in steps_of(store.engine, record_id=record_id)]


def test_a_repeated_step_changes_nothing(store: Store) -> None:
    rid = _submit(store, "administrative-penalty", penalty(1))
    _submit(store, "credit-commitment", commitment(1))
    apply = {"record_id": rid, "applicant_name": "甲", "obligations_fulfilled": True,
             "evidence": ["凭证"]}  # fmt: skip
    assert attempt(repair_apply, store, PLATFORM, today=TODAY, **apply).status == 201
    again = attempt(repair_apply, store, PLATFORM, today=TODAY, **apply)
    assert (again.status, again.codes) == (409, ["state-conflict"])

    entry = list_entry(2)
    hrss = dept(HRSS)
    for _ in range(2):
        added = attempt(listing_add, store, hrss, today=TODAY, dataset="watch-list",
                        entry={**entry, "list_type": "重点关注对象名单"})  # fmt: skip
        assert added.ok, added.to_dict()
    listed = added.body["entry"]["record_id"]
    assert added.body["entry"]["outcome"] == "unchanged"
    links = [
        attempt(persons_link, store, hrss, record_id=listed, person_name="乙", role="实际控制人")
        for _ in range(2)
    ]
    assert links[0].body["link"]["link_id"] == links[1].body["link"]["link_id"]
    removals = [
        attempt(listing_remove, store, hrss, today=TODAY, record_id=listed, reason="revocation")
        for _ in range(2)
    ]
    assert removals[0].ok and removals[0].body["removal"]["taken_down"], removals[0].to_dict()
    assert (removals[1].status, removals[1].codes) == (409, ["state-conflict"])
    assert _steps(store, listed) == ["listed", "person-linked", "removed"]


def test_registrations_and_fulfilments_are_logged_once(store: Store) -> None:
    for _ in range(2):
        taken = attempt(registration_register, store, PLATFORM, today=TODAY,
                        registration=registration(3))  # fmt: skip
        assert taken.status == 201, taken.to_dict()
    rid = taken.body["registration"]["record_id"]
    for _ in range(2):
        assert attempt(registration_verify, store, dept(AMR), today=TODAY, record_id=rid).ok
    assert _steps(store, rid) == ["registered", "verified"]

    promise = _submit(store, "credit-commitment", commitment(4, kind="容缺受理型"))
    for _ in range(2):
        done = attempt(commitment_fulfil, store, dept(DRC), today=TODAY, record_id=promise,
                       status="部分履行", unperformed_content="未补交材料",
                       liability_pursued="终止办理")  # fmt: skip
        assert done.ok and done.body["breach"]["consequence"] == "recorded", done.to_dict()
    assert _steps(store, promise) == ["fulfilment", "breach-recorded"]


def test_every_input_has_a_limit(store: Store) -> None:
    rid = _submit(store, "administrative-penalty", penalty(5))
    base = {"record_id": rid, "applicant_name": "甲", "grounds": "有误"}
    cases = [
        {**base, "evidence": ["x"] * 51},
        {**base, "evidence": ["x" * 501]},
        {**base, "grounds": "x" * 4001},
        {**base, "applicant_name": "x" * 201},
        {**base, "grounds": "   "},
        {**base, "record_id": "x" * 201},
    ]
    for arguments in cases:
        found = attempt(objection_file, store, PLATFORM, today=TODAY, **arguments)
        assert (found.status, found.codes) == (400, ["invalid-request"]), arguments
    huge = {**list_entry(6), "remarks": "x" * 70_000}
    found = attempt(listing_add, store, dept(HRSS), today=TODAY, dataset="watch-list", entry=huge)
    assert (found.status, found.codes) == (400, ["invalid-request"])
    assert "65,536" in found.problems[0].message_en
    assert _steps(store, rid) == []


def test_an_answer_that_could_not_go_on(store: Store) -> None:
    public = attempt(record_timeline, store, PUBLIC, record_id="administrative-penalty:x")
    assert (public.status, public.codes) == (401, ["key-required"])
    body = public.to_dict()
    assert body["ok"] is False and body["status"] == 401
    assert body["errors"][0]["message_zh"].startswith("需要 API 密钥")
    missing = attempt(record_timeline, store, dept(AMR), record_id="administrative-penalty:x")
    assert (missing.status, missing.codes) == (404, ["not-found"])
    view = attempt(record_timeline, store, PLATFORM, record_id="x", view="everything")
    assert (view.status, view.codes) == (400, ["invalid-request"])
