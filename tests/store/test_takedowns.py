"""Take-downs by hand (every reason, by id or key, idempotent) and the expiry sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from penalty_factory import DATASET, penalties, rows

from catalog import UnknownDatasetError
from store import (
    InvalidQueryError,
    Op,
    RecordState,
    Store,
    UnknownRecordError,
    WithdrawalReason,
    open_store,
)

AT = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def _ids(st: Store, n: int) -> list[str]:
    result = st.submit(DATASET, rows(penalties(n)), actor="dept")
    return [o.record_id for o in result.outcomes if o.record_id]


@pytest.mark.parametrize("reason", list(WithdrawalReason))
def test_every_reason_is_a_delete_event(st: Store, reason: WithdrawalReason) -> None:
    (rid,) = _ids(st, 1)
    before = st.get(rid)
    event = st.withdraw(
        DATASET, record_id=rid, reason=reason.value, note="文号 X", actor="office:li", now=AT
    )
    assert event is not None
    assert (event.op, event.reason, event.actor, event.note, event.occurred_at) == (
        Op.DELETE,
        reason.value,
        "office:li",
        "文号 X",
        AT,
    )
    assert (event.payload, event.hash, event.version) == (None, before.hash, before.version)
    assert st.changes(after=event.seq - 1)[0] == event
    after = st.get(rid)
    assert (after.state, after.withdrawn_reason, after.withdrawn_at) == (
        RecordState.WITHDRAWN,
        reason.value,
        AT,
    )
    assert after.seq == event.seq and after.payload == before.payload  # nothing deleted
    assert reason.zh


def test_withdraw_is_idempotent(st: Store) -> None:
    (rid,) = _ids(st, 1)
    assert st.withdraw(DATASET, record_id=rid, reason="repaired", actor="a") is not None
    head = st.head()
    assert st.withdraw(DATASET, record_id=rid, reason="repaired", actor="a") is None
    assert st.withdraw(DATASET, record_id=rid, reason="revoked", actor="a") is None
    assert st.head() == head


def test_withdraw_by_natural_key(st: Store) -> None:
    records = penalties(2)
    st.submit(DATASET, rows(records), actor="dept")
    a, b = records
    by_fields = st.withdraw(DATASET, key=a, reason="revoked", actor="x")
    values = [b["authority_uscc"], b["decision_doc_no"], b.get("uscc") or b["person_id_no"]]
    by_values = st.withdraw(DATASET, key=values, reason="revoked", actor="x")
    assert by_fields is not None and by_values is not None
    assert by_fields.record_id != by_values.record_id


def test_withdraw_errors(st: Store) -> None:
    (rid,) = _ids(st, 1)
    with pytest.raises(UnknownRecordError):
        st.withdraw(DATASET, record_id=DATASET + ":" + "a" * 26, reason="revoked", actor="x")
    with pytest.raises(UnknownRecordError):
        st.withdraw("administrative-licensing", record_id=rid, reason="revoked", actor="x")
    with pytest.raises(InvalidQueryError, match="reason"):
        st.withdraw(DATASET, record_id=rid, reason="bored", actor="x")
    with pytest.raises(InvalidQueryError):
        st.withdraw(DATASET, reason="revoked", actor="x")
    with pytest.raises(InvalidQueryError):
        st.withdraw(DATASET, key={"decision_doc_no": "1"}, reason="revoked", actor="x")
    with pytest.raises(UnknownDatasetError):
        st.withdraw("no-such-dataset", record_id=rid, reason="revoked", actor="x")
    assert st.get(rid).state is RecordState.ACTIVE


def _expected_expiries(st: Store, today: date) -> list[str]:
    return sorted(
        r.record_id
        for r in st.records(DATASET, state="all", limit=50_000)
        if r.active and r.publishable and r.window_end is not None and r.window_end < today
    )


def test_sweep_takes_down_closed_windows_once(st: Store) -> None:
    ids = _ids(st, 400)
    st.withdraw(DATASET, record_id=ids[0], reason="repaired", actor="x")
    ends = sorted(r.window_end for r in st.records(DATASET, limit=1000) if r.window_end)
    today = ends[len(ends) // 2]
    expected = _expected_expiries(st, today)
    assert 0 < len(expected) < 400
    head = st.head()
    result = st.sweep(today, occurred_at=AT)
    assert result.expired == len(expected) == result.by_dataset[DATASET]
    events = st.changes(after=head, limit=1000)
    assert [e.record_id for e in events] == expected  # record-id order: deterministic
    assert {(e.op, e.reason, e.actor, e.occurred_at) for e in events} == {
        ("delete", "expired", "system:sweep", AT)
    }
    assert (result.first_seq, result.last_seq) == (head + 1, head + len(expected))
    assert all(st.get(rid).state is RecordState.WITHDRAWN for rid in expected)
    assert st.get(ids[0]).withdrawn_reason == "repaired"  # not re-expired
    again = st.sweep(today, occurred_at=AT)
    assert (again.expired, again.first_seq) == (0, None)
    assert st.head() == head + len(expected)


def test_sweep_is_deterministic_across_stores(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    logs = []
    for url in (db_url, f"sqlite:///{tmp_path / 'twin.sqlite'}"):
        st = open_store(url)
        st.submit(DATASET, rows(penalties(200, seed=7)), actor="dept")
        st.sweep(date(2026, 1, 1), occurred_at=AT)
        logs.append([(e.seq, e.record_id, e.op, e.reason) for e in st.iter_changes()])
        st.close()
    assert logs[0] == logs[1]


def test_sweep_leaves_unpublishable_records_alone(st: Store) -> None:
    (record,) = penalties(1)
    record.pop("decision_date")  # no date: no window can be computed
    rid = st.submit(DATASET, rows([record]), actor="dept").outcomes[0].record_id
    assert rid is not None
    stored = st.get(rid)
    assert stored.publishable is False and stored.window_reason
    assert st.sweep(date(2099, 1, 1)).expired == 0
    assert st.get(rid).state is RecordState.ACTIVE
