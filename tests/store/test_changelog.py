"""The change log: seq order, cursor reads, dataset filter, streaming, history, invariants."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from penalty_factory import DATASET, fixture_records, penalties, rows
from sqlalchemy import func, select

from store import InvalidQueryError, Store, UnknownRecordError, open_store
from store.tables import changes, records


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def test_cursor_reads_follow_seq(st: Store) -> None:
    st.submit(DATASET, rows(penalties(25)), actor="dept")
    everything = st.changes(limit=1000)
    assert [e.seq for e in everything] == list(range(1, 26))
    page1 = st.changes(after=0, limit=10)
    page2 = st.changes(after=page1[-1].seq, limit=10)
    page3 = st.changes(after=page2[-1].seq, limit=10)
    assert [e.seq for e in page1 + page2 + page3] == list(range(1, 26))
    assert st.changes(after=25) == []
    assert st.head() == 25
    assert list(st.iter_changes(after=3, batch_size=4)) == everything[3:]
    with pytest.raises(InvalidQueryError):
        st.changes(limit=0)


def test_datasets_filter(st: Store) -> None:
    st.submit(DATASET, rows(penalties(5)), actor="dept")
    commitments = fixture_records("credit-commitment")
    assert commitments, "tests/fixtures/records/credit-commitment.valid.json is needed"
    st.submit("credit-commitment", rows(commitments), actor="dept")
    st.submit(DATASET, rows(penalties(3, start=5)), actor="dept")
    only = st.changes(datasets=["credit-commitment"])
    assert {e.dataset for e in only} == {"credit-commitment"}
    assert [e.seq for e in only] == list(range(6, 6 + len(commitments)))
    penalties_only = list(st.iter_changes(datasets=[DATASET], batch_size=2))
    assert len(penalties_only) == 8 and {e.dataset for e in penalties_only} == {DATASET}
    assert st.changes(datasets=[]) == []


def test_history_and_unknown_record(st: Store) -> None:
    (record,) = penalties(1)
    rid = st.submit(DATASET, rows([record]), actor="dept").outcomes[0].record_id
    assert rid is not None
    st.withdraw(DATASET, record_id=rid, reason="corrected", actor="dept")
    st.submit(DATASET, rows([dict(record, remarks="更正")]), actor="dept")
    st.withdraw(DATASET, record_id=rid, reason="repaired", actor="office")
    timeline = st.history(rid)
    assert [(e.op, e.version, e.reason) for e in timeline] == [
        ("upsert", 1, None),
        ("delete", 1, "corrected"),
        ("upsert", 2, None),
        ("delete", 2, "repaired"),
    ]
    with pytest.raises(UnknownRecordError):
        st.history(DATASET + ":" + "b" * 26)
    with pytest.raises(UnknownRecordError):
        st.get(DATASET + ":" + "b" * 26)


def check_invariants(st: Store) -> None:
    """What any state of the store must satisfy, whatever happened before."""
    with st.engine.connect() as conn:
        orphans = conn.execute(
            select(func.count())
            .select_from(records.outerjoin(changes, records.c.seq == changes.c.seq))
            .where(
                (changes.c.seq.is_(None))
                | (changes.c.version != records.c.version)
                | (changes.c.hash != records.c.hash)
                | (changes.c.record_id != records.c.record_id)
            )
        ).scalar_one()
        assert orphans == 0
        n_changes = conn.execute(select(func.count()).select_from(changes)).scalar_one()
        versions = conn.execute(select(func.coalesce(func.sum(records.c.version), 0))).scalar_one()
        deletes = conn.execute(
            select(func.count()).select_from(changes).where(changes.c.op == "delete")
        ).scalar_one()
        assert n_changes == versions + deletes
        dup = conn.execute(
            select(changes.c.record_id, changes.c.version, changes.c.op)
            .group_by(changes.c.record_id, changes.c.version, changes.c.op)
            .having(func.count() > 1)
        ).all()
        assert dup == []
        seqs = list(conn.scalars(select(changes.c.seq).order_by(changes.c.seq)))
        assert seqs == list(range(1, len(seqs) + 1))  # no gaps
        dangling = conn.execute(
            select(func.count())
            .select_from(changes.outerjoin(records, changes.c.record_id == records.c.record_id))
            .where(records.c.record_id.is_(None))
        ).scalar_one()
        assert dangling == 0


_ACTIONS = st_.lists(
    st_.tuples(
        st_.sampled_from(["submit", "edit", "withdraw", "sweep"]),
        st_.integers(0, 7),
        st_.sampled_from(["repaired", "corrected", "revoked"]),
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=_ACTIONS)
def test_invariants_hold_after_any_sequence(
    db_url: str, actions: list[tuple[str, int, str]]
) -> None:
    st = open_store(db_url)
    try:
        with st.engine.begin() as conn:  # hypothesis reuses the database between examples
            for table in (records, changes):
                conn.execute(table.delete())
        base = penalties(8, seed=3)
        edits = [0] * 8
        for action, i, reason in actions:
            if action == "submit":
                st.submit(DATASET, rows([base[i]]), actor="h")
            elif action == "edit":
                edits[i] += 1
                base[i] = dict(base[i], remarks=f"edit {edits[i]}")
                st.submit(DATASET, rows([base[i]]), actor="h")
            elif action == "withdraw":
                with contextlib.suppress(UnknownRecordError):
                    st.withdraw(DATASET, key=base[i], reason=reason, actor="h")
            else:
                st.sweep(date(2026, 1, 1) if i % 2 else date(2099, 1, 1))
            check_invariants(st)
        replay: dict[str, int] = {}
        for event in st.iter_changes():
            replay[event.record_id] = event.version
        assert replay == {r.record_id: r.version for r in st.records(DATASET, state="all")}
    finally:
        st.close()


def test_the_head_mark_names_the_head_and_when_it_was_written(st: Store) -> None:
    assert st.head_mark() == (0, None)
    st.submit(DATASET, rows(penalties(2)), actor="dept")
    seq, written = st.head_mark()
    assert seq == st.head() == 2
    assert written is not None and written.tzinfo is not None
    with st.engine.connect() as conn:
        stored = conn.execute(select(changes.c.occurred_at).where(changes.c.seq == 2)).scalar_one()
    assert written.replace(tzinfo=None) == stored.replace(tzinfo=None) or written == stored
