"""Persons linked to listed entities: government only, linked and unlinked with a trail."""

from __future__ import annotations

import pytest
from wf_factory import AGENCY, AMR, HRSS, NOW, TODAY, dept, list_entry, market_ban, resident_id

from store import Store
from workflows import (
    CaseNotFoundError,
    CheckIndex,
    InvalidRequestError,
    NotAllowedError,
    link_person,
    linked_persons,
    publish_measures,
    steps_of,
    unlink_person,
)


def test_links_named_in_the_record_and_by_hand(store: Store) -> None:
    rid = store.submit("market-ban", [(1, market_ban(1))], actor="d", now=NOW).outcomes[0].record_id
    assert rid is not None
    found = linked_persons(store, rid, caller=dept(HRSS))
    assert [(p.role, p.source) for p in found] == [
        ("法定代表人", "record"),
        ("法定代表人", "record"),
        ("直接负责的主管人员", "record"),
    ]
    link = link_person(
        store,
        rid,
        person_name="王五",
        role="实际控制人",
        id_type="身份证",
        id_no=resident_id(50_001).lower(),
        caller=dept(AMR),
        now=NOW,
    )
    assert link.id_no == resident_id(50_001).upper()
    assert linked_persons(store, rid, caller=dept(AMR))[-1].link_id == link.link_id
    with pytest.raises(NotAllowedError):
        linked_persons(store, rid, caller=AGENCY)
    with pytest.raises(NotAllowedError):  # only the deciding authority links
        link_person(store, rid, person_name="x", role="y", caller=dept(HRSS))
    index = CheckIndex(store)
    assert index.check(
        resident_id(50_001), "market-access", today=TODAY, caller=dept(AMR)
    ).restricted
    assert link.link_id is not None
    unlink_person(store, link.link_id, caller=dept(AMR), now=NOW)
    assert [p.source for p in linked_persons(store, rid, caller=dept(AMR))] == ["record"] * 3
    assert not index.check(
        resident_id(50_001), "market-access", today=TODAY, caller=dept(AMR)
    ).restricted
    with pytest.raises(CaseNotFoundError):
        unlink_person(store, link.link_id, caller=dept(AMR))
    steps = [s.step for s in steps_of(store.engine, record_id=rid)]
    assert steps == ["person-linked", "person-unlinked"]


def test_only_list_entries_take_links(store: Store) -> None:
    with pytest.raises(CaseNotFoundError):
        link_person(store, "watch-list:nosuch", person_name="x", role="y", caller=dept(HRSS))
    publish_measures(store, now=NOW)
    measure = store.records("punishment-measures", limit=1)[0]
    with pytest.raises(InvalidRequestError):
        link_person(store, measure.record_id, person_name="x", role="y", caller=dept(HRSS))
    entry = store.submit("serious-dishonesty-list", [(1, list_entry(2))], actor="d")
    rid = entry.outcomes[0].record_id
    assert rid is not None
    link = link_person(store, rid, person_name="赵六", role="主要负责人", caller=dept(HRSS))
    assert link.id_no is None  # a person may be linked before the number is known
