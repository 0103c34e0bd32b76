"""The check API: listing restricts, every way of leaving the list lifts it, every check logged."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from wf_factory import (
    ADMIN,
    AGENCY,
    AMR,
    HRSS,
    NOW,
    PLATFORM,
    TODAY,
    commitment,
    dept,
    list_entry,
    market_ban,
    person,
    registration,
    resident_id,
    uscc,
)

from store import Store
from store.schema import check_log
from workflows import (
    CheckIndex,
    InvalidRequestError,
    NotAllowedError,
    RemovalReason,
    apply_for_repair,
    decide_repair,
    file_objection,
    link_person,
    record_outcome,
    register,
    remove_entry,
    start_verification,
)
from workflows import list_entry as list_subject

PROCUREMENT = "政府采购与招标投标"


def _list(store: Store, i: int, dataset: str = "serious-dishonesty-list", **kw: object) -> str:
    record = (
        market_ban(i, **kw)
        if dataset == "market-ban"
        else list_entry(  # type: ignore[arg-type]
            i,
            watch=dataset == "watch-list",
            **kw,  # type: ignore[arg-type]
        )
    )
    authority = AMR if dataset == "market-ban" else kw.get("authority", HRSS)
    result = list_subject(store, dataset, record, caller=dept(authority), today=TODAY, now=NOW)  # type: ignore[arg-type]
    assert result.ok and result.record_id, result.problems
    return result.record_id


def _check(index: CheckIndex, code: str, scenario: str | None = PROCUREMENT, **kw: object):  # type: ignore[no-untyped-def]
    return index.check(
        code, scenario, today=kw.pop("today", TODAY), caller=kw.pop("caller", PLATFORM), now=NOW
    )  # type: ignore[arg-type]


def test_listing_restricts_and_answers_with_basis(store: Store) -> None:
    index = CheckIndex(store)
    assert not _check(index, uscc(1)).restricted
    rid = _list(store, 1)
    result = _check(index, uscc(1))
    assert result.restricted
    ids = {m["measure_id"] for m in result.measures}
    assert {"GJ-1-001", "GJ-1-002"} <= ids
    assert "《中华人民共和国政府采购法》第二十二条" in result.basis
    (entry,) = result.entries
    assert entry["record_id"] == rid and entry["via"] == "subject"
    assert entry["decision_doc_no"] == "武人社失信〔2025〕1号"
    assert entry["list_name"] == "拖欠农民工工资失信联合惩戒对象名单"
    assert set(entry["measure_ids"]) == ids
    assert result.log_position == store.head()
    # another scenario, the same entry: other measures
    flights = _check(index, uscc(1), "flights-rail")
    assert [m["measure_id"] for m in flights.measures] == ["GJ-1-012"]
    # no scenario: every measure the entry triggers
    assert len(_check(index, uscc(1), None).measures) > len(ids)
    # a scenario no measure restricts: listed but not restricted
    other = _check(index, uscc(1), "其他-房屋租赁")
    assert not other.restricted and other.entries[0]["measure_ids"] == []


def test_watch_list_restricts_only_by_its_measures(store: Store) -> None:
    index = CheckIndex(store)
    _list(store, 2, "watch-list")
    procurement = _check(index, uscc(2))
    assert [m["measure_id"] for m in procurement.measures] == ["GJ-2-005"]
    approvals = _check(index, uscc(2), "approvals")
    assert {m["measure_id"] for m in approvals.measures} == {"GJ-2-001", "GJ-2-008"}
    assert all(m["measure_class"] == "2" for m in approvals.measures)
    assert not _check(index, uscc(2), "flights-rail").restricted


def test_named_measures_limit_the_entry(store: Store) -> None:
    index = CheckIndex(store)
    _list(store, 3, measures=["GJ-1-012"])
    assert not _check(index, uscc(3)).restricted
    assert _check(index, uscc(3), "flights-rail").restricted


def test_expiry_by_date_and_by_sweep(store: Store) -> None:
    index = CheckIndex(store)
    rid = _list(store, 4, valid_to=date(2026, 6, 30))
    assert _check(index, uscc(4), today=date(2026, 6, 30)).restricted
    # the day after the planned expiry nothing applies, even before the sweep ran
    assert not _check(index, uscc(4), today=date(2026, 7, 1)).restricted
    swept = store.sweep(date(2026, 7, 1))
    assert swept.by_dataset.get("serious-dishonesty-list") == 1
    assert store.get(rid).withdrawn_reason == "expired"
    assert rid not in {e["record_id"] for e in _check(index, uscc(4), today=TODAY).entries}
    assert not _check(index, uscc(4), today=TODAY).restricted


def test_revocation_and_objection_lift_the_restriction(store: Store) -> None:
    index = CheckIndex(store)
    revoked = _list(store, 5)
    assert _check(index, uscc(5)).restricted
    removal = remove_entry(
        store,
        revoked,
        reason="revocation",
        removal_date=TODAY,
        caller=dept(HRSS),
        today=TODAY,
        now=NOW,
    )
    assert removal.ok and removal.takedown is not None
    assert removal.takedown.reason == "revoked"
    assert store.get(revoked).payload["status"] == "已撤销"
    assert not _check(index, uscc(5)).restricted

    contested = _list(store, 6)
    case = file_objection(
        store,
        contested,
        applicant_name="武汉测试6",
        grounds="非本单位",
        caller=PLATFORM,
        today=TODAY,
        now=NOW,
    )
    during = _check(index, uscc(6))
    assert during.restricted and during.entries[0]["under_objection"] is True
    start_verification(store, case.id, caller=dept(HRSS), today=TODAY, now=NOW)
    record_outcome(store, case.id, outcome="revoked", caller=dept(HRSS), today=TODAY, now=NOW)
    assert store.get(contested).withdrawn_reason == "objection-upheld"
    assert store.get(contested).payload["removal_reason"] == RemovalReason.OBJECTION.value
    assert not _check(index, uscc(6)).restricted


def test_repair_lifts_the_restriction(store: Store) -> None:
    index = CheckIndex(store)
    rid = _list(store, 7, listing_date=date(2025, 3, 2))
    store.submit("credit-commitment", [(1, commitment(7))], actor="dept", now=NOW)
    case = apply_for_repair(
        store,
        rid,
        applicant_name="武汉测试7",
        obligations_fulfilled=True,
        evidence=["工资已足额支付"],
        caller=PLATFORM,
        today=TODAY,
        now=NOW,
    )
    assert case.state.value == "pending", case.problems
    assert _check(index, uscc(7)).restricted
    decide_repair(store, case.id, approve=True, caller=dept(HRSS), today=TODAY, now=NOW)
    assert not _check(index, uscc(7)).restricted


def test_market_bans_restrict_through_their_scope_and_persons(store: Store) -> None:
    index = CheckIndex(store)
    rid = _list(store, 8, "market-ban")
    access = _check(index, uscc(8), "market-access")
    assert [m["measure_id"] for m in access.measures] == ["GJ-1-014"]
    assert access.entries[0]["ban_scope"] == "行业"
    assert not _check(index, uscc(8)).restricted  # a ban alone says nothing about procurement
    # the persons named in the ban are banned too (government callers only)
    manager = resident_id(20_000 + 8)
    as_person = _check(index, manager, "appointments", caller=dept(AMR))
    assert as_person.restricted and as_person.entries[0]["via"] == "直接负责的主管人员"
    assert as_person.entries[0]["record_id"] == rid
    with pytest.raises(NotAllowedError):
        _check(index, manager, "appointments", caller=AGENCY)
    # a platform key is a government audience (store.Role): it may ask
    assert _check(index, manager, "appointments", caller=PLATFORM).restricted


def test_persons_linked_to_a_listed_entity(store: Store) -> None:
    index = CheckIndex(store)
    rid = _list(store, 9)
    legal_rep = resident_id(9)
    flights = _check(index, legal_rep, "flights-rail", caller=ADMIN)
    assert flights.restricted and flights.entries[0]["via"] == "法定代表人"
    # measures that do not reach persons do not apply to them
    assert not _check(index, legal_rep, caller=ADMIN).restricted
    principal = resident_id(30_009)
    assert not _check(index, principal, "flights-rail", caller=ADMIN).restricted
    link_person(
        store,
        rid,
        person_name="王主要",
        role="主要负责人",
        id_type="身份证",
        id_no=principal,
        caller=dept(HRSS),
        now=NOW,
    )
    linked = _check(index, principal, "flights-rail", caller=ADMIN)
    assert linked.restricted and linked.entries[0]["via"] == "主要负责人"
    # a natural person on the list is its subject: every measure applies
    _list(store, 10, subject=person(10))
    subject = _check(index, person(10)["person_id_no"], caller=ADMIN)
    assert subject.restricted and subject.entries[0]["via"] == "subject"


def test_self_declared_information_never_restricts(store: Store) -> None:
    index = CheckIndex(store)
    register(store, registration(11), caller=PLATFORM, today=TODAY, now=NOW)
    result = _check(index, uscc(11), None)
    assert not result.restricted and result.entries == ()


def test_the_index_follows_the_log_and_starts_from_the_current_state(store: Store) -> None:
    early = _list(store, 12)
    _list(store, 13, "watch-list")
    late_index = CheckIndex(store)
    late_index.load()
    assert len(late_index) == 2
    assert _check(late_index, uscc(12)).restricted
    remove_entry(
        store,
        early,
        reason="revocation",
        removal_date=TODAY,
        caller=dept(HRSS),
        today=TODAY,
        now=NOW,
    )
    assert late_index.refresh() >= 2  # the removal version and the take-down
    assert len(late_index) == 1
    assert not _check(late_index, uscc(12)).restricted
    # a stale index (max_staleness) answers from memory and says where it stands
    stale = CheckIndex(store, max_staleness=3600)
    stale.load()
    _list(store, 14)
    answer = _check(stale, uscc(14))
    assert not answer.restricted and answer.log_position < store.head()
    stale.refresh()
    assert _check(stale, uscc(14)).restricted


def test_every_check_is_logged(store: Store) -> None:
    index = CheckIndex(store)
    rid = _list(store, 15)
    first = _check(index, uscc(15))
    second = _check(index, uscc(16), "approvals", caller=AGENCY)
    with store.engine.connect() as conn:
        rows = conn.execute(select(check_log).order_by(check_log.c.id)).mappings().all()
    assert [r["id"] for r in rows] == [first.check_id, second.check_id]
    assert rows[0]["credit_code"] == uscc(15) and rows[0]["restricted"]
    assert rows[0]["scenario"] == PROCUREMENT and rows[0]["actor"] == PLATFORM.actor
    assert json.loads(rows[0]["entry_ids"]) == [rid]
    assert json.loads(rows[0]["measure_ids"]) == [m["measure_id"] for m in first.measures]
    assert rows[0]["log_position"] == first.log_position
    assert not rows[1]["restricted"] and rows[1]["role"] == "agency"


def test_bad_requests(store: Store) -> None:
    index = CheckIndex(store)
    with pytest.raises(InvalidRequestError):
        _check(index, uscc(1), "lottery")
    # lower case and spaces are the same code
    _list(store, 17)
    assert _check(index, f" {uscc(17).lower()} ").restricted


def test_an_entry_not_yet_in_force(store: Store) -> None:
    index = CheckIndex(store)
    _list(store, 18, listing_date=TODAY)
    assert not _check(index, uscc(18), today=TODAY - timedelta(days=1)).restricted
    assert _check(index, uscc(18), today=TODAY).restricted
