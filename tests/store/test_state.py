"""Current-state reads: one record, keyset pages, field filters, by USCC, timeliness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from penalty_factory import DATASET, fixture_records, penalties, rows

from store import InvalidQueryError, Store, open_store


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def test_keyset_pages_cover_the_dataset_once(st: Store) -> None:
    st.submit(DATASET, rows(penalties(55)), actor="dept")
    seen: list[str] = []
    after = None
    while page := st.records(DATASET, after_record_id=after, limit=10):
        seen.extend(r.record_id for r in page)
        after = page[-1].record_id
    assert seen == sorted(seen) and len(set(seen)) == 55
    st.withdraw(DATASET, record_id=seen[0], reason="revoked", actor="x")
    assert len(st.records(DATASET, limit=100)) == 54
    assert [r.record_id for r in st.records(DATASET, state="withdrawn")] == [seen[0]]
    assert len(st.records(DATASET, state="all", limit=100)) == 55
    with pytest.raises(InvalidQueryError):
        st.records(DATASET, state="gone")


def test_field_filters(st: Store) -> None:
    records = penalties(20)
    st.submit(DATASET, rows(records), actor="dept")
    people = st.records(DATASET, filters={"counterpart_category": "自然人"})
    assert len(people) == sum(r["counterpart_category"] == "自然人" for r in records) > 0
    # a multi-valued field matches when the value is one of its items
    confiscated = st.records(DATASET, filters={"penalty_categories": "没收违法所得"})
    assert len(confiscated) == sum("没收违法所得" in r["penalty_categories"] for r in records) > 0
    both = st.records(
        DATASET, filters={"penalty_categories": "罚款", "counterpart_category": "自然人"}
    )
    assert len(both) == sum(
        "罚款" in r["penalty_categories"] and r["counterpart_category"] == "自然人" for r in records
    )
    with pytest.raises(InvalidQueryError, match="no field"):
        st.records(DATASET, filters={"payload') OR 1=1 --": "x"})


def test_by_uscc_across_datasets(st: Store) -> None:
    commitments = fixture_records("credit-commitment")
    uscc = commitments[0]["uscc"]
    (penalty,) = penalties(1)
    penalty["uscc"] = uscc
    st.submit(DATASET, rows([penalty]), actor="dept")
    st.submit("credit-commitment", rows(commitments), actor="dept")
    found = st.by_uscc(uscc)
    assert {r.dataset for r in found} == {DATASET, "credit-commitment"}
    assert all(r.uscc == uscc for r in found)
    assert st.by_uscc(uscc.lower()) == found
    st.withdraw(DATASET, key=penalty, reason="repaired", actor="x")
    assert len(st.by_uscc(uscc)) == len(found)
    assert {r.dataset for r in st.by_uscc(uscc, state="active")} == {"credit-commitment"}
    assert st.by_uscc("91420100MA4KXXXXXX") == []


def test_timeliness_measured_at_first_publication(st: Store) -> None:
    on_time, late = penalties(2)
    on_time["decision_date"] = "2025-09-30"  # deadline 2025-10-16 (National Day in between)
    late["decision_date"] = "2025-09-29"
    # The factory's second record is a warning-only penalty of the market regulator, which SAMR
    # Order 45 does not publish (the authority is now read as the SAMR system), so it would
    # never be measured: make it a fine.
    late.update(penalty_categories=["罚款"], fine_amount_wan="0.5")
    now = datetime(2025, 10, 16, 3, 0, tzinfo=UTC)  # 11:00 in Wuhan, still 10-16
    st.submit(DATASET, rows([on_time, late]), actor="dept", now=now)
    a = st.get(st.records(DATASET, filters={"decision_date": "2025-09-30"})[0].record_id)
    b = st.get(st.records(DATASET, filters={"decision_date": "2025-09-29"})[0].record_id)
    assert (a.disclosure_due, a.disclosure_working_days, a.disclosure_on_time) == (
        date(2025, 10, 16),
        7,
        True,
    )
    assert b.disclosure_due == date(2025, 10, 15) and b.disclosure_on_time is False
    assert a.first_published_at == now
    # a later version keeps the first publication's measure
    st.submit(DATASET, rows([dict(on_time, remarks="v2")]), actor="dept")
    assert st.get(a.record_id).first_published_at == now
    summary = st.timeliness(DATASET)
    assert (summary.on_time, summary.late, summary.calendar_unknown) == (1, 1, 0)
    assert summary.on_time_rate == 0.5


def test_a_provisional_year_is_measured_not_left_unknown(st: Store) -> None:
    # issue 10: a year without an official table is counted on the provisional calendar
    # (statutory holidays, no make-up days) and recomputed when the official year is imported
    (record,) = penalties(1)
    record["decision_date"] = "2027-01-05"
    st.submit(DATASET, rows([record]), actor="dept", now=datetime(2027, 1, 8, tzinfo=UTC))
    stored = st.records(DATASET)[0]
    assert stored.calendar_unknown is False
    assert (stored.disclosure_due, stored.disclosure_working_days) == (date(2027, 1, 14), 3)
    assert stored.disclosure_on_time is True
    assert st.timeliness().calendar_unknown == 0
