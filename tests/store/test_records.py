"""Submissions: idempotency, versions, in-batch duplicates, withdrawn records, all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import func, select

from store import BatchStatus, Outcome, RecordState, Store, open_store
from store.payloads import record_hash
from store.tables import batches, changes

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def _count_changes(st: Store) -> int:
    with st.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(changes)).scalar_one()


def test_same_batch_twice_is_unchanged(st: Store) -> None:
    records = penalties(300)
    first = st.submit(DATASET, rows(records), actor="dept", now=NOW, chunk_rows=70)
    assert (first.accepted, first.unchanged, first.rejected) == (300, 0, 0)
    assert {o.outcome for o in first.outcomes} == {Outcome.NEW}
    assert (first.first_seq, first.last_seq) == (1, 300)
    head = st.head()
    again = st.submit(DATASET, rows(records), actor="dept", now=NOW, chunk_rows=70)
    assert (again.accepted, again.unchanged) == (0, 300)
    assert {o.outcome for o in again.outcomes} == {Outcome.UNCHANGED}
    assert st.head() == head == _count_changes(st) == 300
    assert again.first_seq is None


def test_key_order_does_not_matter(st: Store) -> None:
    (record,) = penalties(1)
    st.submit(DATASET, rows([record]), actor="dept")
    shuffled = dict(reversed(list(record.items())))
    result = st.submit(DATASET, rows([shuffled]), actor="dept")
    assert result.unchanged == 1


def test_corrected_row_becomes_version_two(st: Store) -> None:
    records = penalties(3)
    st.submit(DATASET, rows(records), actor="dept", now=NOW)
    corrected = dict(records[1], penalty_content="罚款人民币9999元（更正）")
    result = st.submit(DATASET, rows([records[0], corrected]), actor="dept", now=NOW)
    assert [o.outcome for o in result.outcomes] == [Outcome.UNCHANGED, Outcome.UPDATED]
    rid = result.outcomes[1].record_id
    assert rid is not None
    stored = st.get(rid)
    assert stored.version == 2
    assert stored.payload["penalty_content"].endswith("（更正）")
    assert stored.hash == record_hash(corrected)
    history = st.history(rid)
    assert [(e.version, e.op) for e in history] == [(1, "upsert"), (2, "upsert")]
    assert history[0].payload == records[1]
    assert history[1].payload == corrected
    assert stored.seq == history[-1].seq


def test_duplicate_key_in_one_batch(st: Store) -> None:
    a, b = penalties(2)
    changed = dict(a, penalty_content="另一个内容")
    result = st.submit(DATASET, rows([a, b, dict(a), changed]), actor="dept")
    assert [o.outcome for o in result.outcomes] == [
        Outcome.NEW,
        Outcome.NEW,
        Outcome.UNCHANGED,
        Outcome.REJECTED,
    ]
    assert (result.accepted, result.unchanged, result.rejected) == (2, 1, 1)
    (issue,) = result.issues
    assert (issue.code, issue.row, issue.severity) == ("duplicate-key", 4, "error")
    assert "1" in issue.message
    rid = next(o.record_id for o in result.outcomes if o.row == 1)
    assert st.get(rid).payload == a  # the first row is kept


def test_duplicates_beyond_the_memory_window_are_found_in_the_database(
    st: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.records

    monkeypatch.setattr(store.records, "SEEN_WINDOW", 2)
    first, *others = penalties(6)
    changed = dict(first, penalty_content="另一个内容")
    result = st.submit(
        DATASET, rows([first, *others, dict(first), changed]), actor="dept", chunk_rows=2
    )
    assert (result.accepted, result.unchanged, result.rejected) == (6, 1, 1)
    (issue,) = result.issues
    assert (issue.code, issue.row) == ("duplicate-key", 8)
    rid = next(o.record_id for o in result.outcomes if o.row == 1)
    assert st.get(rid).payload == first
    again = st.submit(DATASET, rows([changed]), actor="dept")
    assert again.accepted == 1, "a later batch may correct the record"


def test_missing_key_is_rejected_not_raised(st: Store) -> None:
    (record,) = penalties(1)
    record.pop("decision_doc_no")
    result = st.submit(DATASET, rows([record]), actor="dept")
    assert (result.accepted, result.rejected) == (0, 1)
    assert result.issues[0].code == "missing-value"
    assert result.issues[0].field == "decision_doc_no"
    assert st.head() == 0


@pytest.mark.parametrize("reason", ["repaired", "revoked", "expired", "objection-upheld"])
def test_withdrawn_record_stays_withdrawn(st: Store, reason: str) -> None:
    (record,) = penalties(1)
    rid = st.submit(DATASET, rows([record]), actor="dept").outcomes[0].record_id
    assert rid is not None
    st.withdraw(DATASET, record_id=rid, reason=reason, actor="office")
    head = st.head()
    # an old export sent again: nothing happens
    same = st.submit(DATASET, rows([record]), actor="dept")
    assert same.unchanged == 1 and st.head() == head
    # new content: stored as version 2, but not published again
    changed = dict(record, remarks="重新报送")
    result = st.submit(DATASET, rows([changed]), actor="dept")
    assert result.outcomes[0].outcome is Outcome.WITHDRAWN_KEPT
    assert result.accepted == 1
    assert [i.code for i in result.issues] == ["record-withdrawn"]
    assert result.issues[0].severity == "warning"
    stored = st.get(rid)
    assert (stored.version, stored.state, stored.withdrawn_reason) == (2, "withdrawn", reason)
    last = st.history(rid)[-1]
    assert (last.op, last.state, last.reason, last.version) == ("upsert", "withdrawn", reason, 2)


def test_corrected_withdrawal_comes_back_with_new_content(st: Store) -> None:
    (record,) = penalties(1)
    rid = st.submit(DATASET, rows([record]), actor="dept").outcomes[0].record_id
    assert rid is not None
    st.withdraw(DATASET, record_id=rid, reason="corrected", actor="dept")
    assert st.submit(DATASET, rows([record]), actor="dept").unchanged == 1
    assert st.get(rid).state is RecordState.WITHDRAWN
    fixed = dict(record, penalty_content="罚款人民币500元（变更后）")
    result = st.submit(DATASET, rows([fixed]), actor="dept")
    assert result.outcomes[0].outcome is Outcome.UPDATED and not result.issues
    stored = st.get(rid)
    assert (stored.state, stored.withdrawn_reason, stored.version) == ("active", None, 2)
    assert [e.op for e in st.history(rid)] == ["upsert", "delete", "upsert"]


def test_all_or_nothing_writes_nothing_on_error(st: Store) -> None:
    records = penalties(50)
    bad = dict(records[10], penalty_content="冲突")
    result = st.submit(
        DATASET, rows([*records, bad]), actor="dept", all_or_nothing=True, chunk_rows=20
    )
    assert result.status is BatchStatus.REJECTED
    assert (result.accepted, result.rejected) == (0, 1)
    assert st.head() == 0
    assert st.records(DATASET) == []
    with st.engine.connect() as conn:
        status = conn.execute(
            select(batches.c.status).where(batches.c.batch_id == result.batch_id)
        ).scalar_one()
    assert status == "rejected"
    ok = st.submit(DATASET, rows(records), actor="dept", all_or_nothing=True, chunk_rows=20)
    assert ok.status is BatchStatus.COMPLETE and ok.accepted == 50 and st.head() == 50


def test_batch_row_and_progress(st: Store) -> None:
    seen: list[int] = []
    result = st.submit(
        DATASET,
        rows(penalties(45)),
        actor="dept",
        source="penalties.csv",
        batch_id="b-1",
        chunk_rows=20,
        progress=seen.append,
        now=NOW,
    )
    assert seen == [20, 40, 45]
    assert result.batch_id == "b-1" and result.ok
    with st.engine.connect() as conn:
        row = conn.execute(select(batches).where(batches.c.batch_id == "b-1")).mappings().one()
    assert (row["source"], row["actor"], row["status"], row["accepted"]) == (
        "penalties.csv",
        "dept",
        "complete",
        45,
    )
    assert {e.batch_id for e in st.changes()} == {"b-1"}
    assert {e.actor for e in st.changes()} == {"dept"}


def test_outcomes_can_be_skipped(st: Store) -> None:
    result = st.submit(DATASET, rows(penalties(5)), actor="dept", detail=False)
    assert result.accepted == 5 and result.outcomes == []
