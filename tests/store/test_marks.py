"""Objection marks: a same-payload version whose mark every view and feed agrees on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from penalty_factory import DATASET, penalties, rows

from store import (
    OBJECTION_CLEARED,
    OBJECTION_MARK,
    Audience,
    InvalidQueryError,
    Op,
    Store,
    UnknownRecordError,
    clear_objection,
    mark_objection,
    open_store,
    view,
    view_event,
)

TODAY = date(2026, 6, 1)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    store.submit(DATASET, rows(penalties(20, seed=7)), actor="dept")
    yield store
    store.close()


def _visible(st: Store) -> str:
    """A record the public sees today (inside its window)."""
    for stored in st.records(DATASET, limit=100):
        if view(stored, Audience.PUBLIC, today=TODAY) is not None:
            return stored.record_id
    raise AssertionError("no publicly visible penalty in the fixture")


def test_mark_is_a_new_version_with_the_same_payload(st: Store) -> None:
    rid = _visible(st)
    before = st.get(rid)
    event = mark_objection(st.engine, rid, actor="platform", note="异议 obj-1")
    assert event is not None
    assert event.op is Op.UPSERT and event.reason == OBJECTION_MARK
    assert event.version == before.version + 1 and event.hash == before.hash
    assert event.payload == before.payload
    after = st.get(rid)
    assert after.version == event.version and after.seq == event.seq
    assert after.under_objection and not before.under_objection
    assert after.payload == before.payload and after.window_end == before.window_end
    # marking again changes nothing
    assert mark_objection(st.engine, rid, actor="platform") is None
    assert st.get(rid).version == event.version


def test_every_audience_sees_the_mark(st: Store) -> None:
    rid = _visible(st)
    mark_objection(st.engine, rid, actor="platform")
    stored = st.get(rid)
    for audience in Audience:
        shown = view(stored, audience, today=TODAY)
        assert shown is not None, audience
        assert shown["_meta"]["under_objection"] is True
        assert shown["_meta"]["objection_status"] == "异议处理中"


def test_clear_ends_the_mark_with_its_own_version(st: Store) -> None:
    rid = _visible(st)
    marked = mark_objection(st.engine, rid, actor="platform")
    assert marked is not None
    cleared = clear_objection(st.engine, rid, actor="dept", note="异议不成立")
    assert cleared is not None and cleared.reason == OBJECTION_CLEARED
    assert cleared.version == marked.version + 1 and cleared.hash == marked.hash
    stored = st.get(rid)
    assert not stored.under_objection
    assert view(stored, Audience.PUBLIC, today=TODAY)["_meta"]["under_objection"] is False  # type: ignore[index]
    assert clear_objection(st.engine, rid, actor="dept") is None  # nothing left to clear


def test_resent_identical_record_keeps_the_mark(st: Store) -> None:
    rid = _visible(st)
    mark_objection(st.engine, rid, actor="platform")
    payload = st.get(rid).payload
    result = st.submit(DATASET, [(1, payload)], actor="dept")
    assert result.unchanged == 1 and result.accepted == 0
    assert st.get(rid).under_objection


def test_new_content_is_not_under_the_old_mark(st: Store) -> None:
    rid = _visible(st)
    mark_objection(st.engine, rid, actor="platform")
    changed = {**st.get(rid).payload, "remarks": "更正"}
    st.submit(DATASET, [(1, changed)], actor="dept")
    stored = st.get(rid)
    assert not stored.under_objection
    assert clear_objection(st.engine, rid, actor="dept") is None  # the mark already ended


def test_withdrawn_records_cannot_be_marked_and_lose_a_stale_mark(st: Store) -> None:
    rid = _visible(st)
    mark_objection(st.engine, rid, actor="platform")
    st.withdraw(DATASET, record_id=rid, reason="revoked", actor="dept")
    head = st.head()
    assert clear_objection(st.engine, rid, actor="dept") is None
    assert st.head() == head  # no event for a record no one sees
    assert not st.get(rid).under_objection
    with pytest.raises(InvalidQueryError):
        mark_objection(st.engine, rid, actor="platform")
    with pytest.raises(UnknownRecordError):
        mark_objection(st.engine, f"{DATASET}:nosuchrecord", actor="platform")


def test_feed_with_marks_ends_with_the_views(st: Store) -> None:
    """Applying each audience's feed in order gives exactly its views, _meta included."""
    ids = [s.record_id for s in st.records(DATASET, limit=6)]
    mark_objection(st.engine, ids[0], actor="p")
    mark_objection(st.engine, ids[1], actor="p")
    clear_objection(st.engine, ids[1], actor="d")
    mark_objection(st.engine, ids[2], actor="p")
    st.submit(DATASET, [(1, {**st.get(ids[2]).payload, "remarks": "新内容"})], actor="d")
    mark_objection(st.engine, ids[3], actor="p")
    st.withdraw(DATASET, record_id=ids[3], reason="repaired", actor="d")
    for audience in Audience:
        applied: dict[str, dict[str, Any]] = {}
        events = list(st.iter_changes())
        hidden = st.hidden(events, audience)
        for event in events:
            item = view_event(event, audience, today=TODAY, hidden=hidden)
            if item is None:
                # a natural person's record says nothing to the public (Order 272)
                assert audience is Audience.PUBLIC
                assert st.get(event.record_id).payload["counterpart_category"] == "自然人"
                continue
            if item["op"] == "upsert":
                applied[event.record_id] = item["record"]
            else:
                applied.pop(event.record_id, None)
        expected = {
            s.record_id: shown
            for s in st.records(DATASET, state="all", limit=100)
            if (shown := view(s, audience, today=TODAY)) is not None
        }
        assert applied.keys() == expected.keys()
        for rid, shown in expected.items():
            assert applied[rid]["_meta"]["under_objection"] == shown["_meta"]["under_objection"]
            assert applied[rid] == shown, rid
    assert st.get(ids[0]).under_objection
    assert not any(st.get(i).under_objection for i in ids[1:3])
    # a withdrawn record keeps its mark until the objection is closed, but no one sees it
    assert st.get(ids[3]).under_objection
    assert all(view(st.get(ids[3]), a, today=TODAY) is None for a in Audience)
