"""The NDJSON feed fast path (:func:`store.views.feed_lines`) is :func:`store.view_event` +
orjson, byte for byte, for every audience, kind of event and day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import orjson
import pytest
from penalty_factory import DATASET, fixture_records, penalties, rows

from catalog import dataset_ids, get_entry
from store import (
    Audience,
    InvalidQueryError,
    Store,
    clear_objection,
    mark_objection,
    open_store,
    view_event,
)
from store.changelog import change_rows
from store.views import feed_lines

DAYS = (date(2026, 6, 1), date(2024, 1, 1), date(2031, 1, 1))


@pytest.fixture
def log(db_url: str) -> Iterator[Store]:
    """Every dataset's fixture records, 120 penalties, take-downs, an upsert kept withdrawn,
    objection marks (one cleared) and a new version of a marked record."""
    st = open_store(db_url)
    for dataset in dataset_ids():
        records = fixture_records(get_entry(dataset).schema_id)
        if records:
            st.submit(dataset, rows(records), actor="fixture")
    records = penalties(120)
    st.submit(DATASET, rows(records), actor="dept")
    ids = [s.record_id for s in st.records(DATASET, limit=10)]
    st.withdraw(DATASET, record_id=ids[0], reason="repaired", actor="office")
    st.withdraw(DATASET, record_id=ids[1], reason="revoked", actor="office")
    for rid in ids[2:5]:
        mark_objection(st.engine, rid, actor="office", note="异议")
    clear_objection(st.engine, ids[3], actor="office")
    changed = [{**r, "penalty_content": r["penalty_content"] + "（更正）"} for r in records]
    st.submit(DATASET, rows(changed), actor="dept")  # the withdrawn stay so, marks end
    yield st
    st.close()


def _expected(st: Store, audience: Audience, day: date, **kw: object) -> bytes:
    items = (view_event(e, audience, today=day) for e in st.iter_changes(**kw))  # type: ignore[arg-type]
    return b"".join(orjson.dumps(i) + b"\n" for i in items if i is not None)


def test_the_log_has_every_kind_of_event(log: Store) -> None:
    events = list(log.iter_changes())
    reasons = {e.reason for e in events}
    assert {"repaired", "revoked", "under-objection", "objection-closed", None} <= reasons
    assert any(e.op == "upsert" and e.state == "withdrawn" for e in events)
    assert any(e.publishable is False for e in events), "a not-publishable record"
    assert any(get_entry(e.dataset).category == "voluntary-information" for e in events)


@pytest.mark.parametrize("audience", list(Audience))
def test_feed_lines_equal_view_event(log: Store, audience: Audience) -> None:
    rows_ = change_rows(log.engine, 0, 50_000)
    for day in DAYS:
        fast = feed_lines(rows_, audience, today=day)
        assert fast == _expected(log, audience, day)
        for line in fast.splitlines():
            orjson.loads(line)  # every line is a JSON object on its own


@pytest.mark.parametrize("audience", list(Audience))
def test_feed_ndjson_pages_and_limits(log: Store, audience: Audience) -> None:
    day = DAYS[0]
    whole = _expected(log, audience, day)
    assert b"".join(log.feed_ndjson(0, 50_000, None, audience, today=day, chunk=37)) == whole
    lines = whole.splitlines(keepends=True)
    after = orjson.loads(lines[9])["seq"]
    part = b"".join(log.feed_ndjson(after, 25, None, audience, today=day, chunk=7))
    if audience is Audience.GOVERNMENT:  # every event is a line: limit counts lines
        assert part == b"".join(lines[10:35])
    assert part.splitlines() and orjson.loads(part.splitlines()[0])["seq"] > after


def test_dataset_filters(log: Store) -> None:
    day = DAYS[0]
    for datasets in ([DATASET], [DATASET, "market-ban"], ["market-ban", "catalogue"], []):
        got = b"".join(log.feed_ndjson(0, 50_000, datasets, Audience.GOVERNMENT, today=day))
        want = _expected(log, Audience.GOVERNMENT, day, datasets=datasets)
        assert got == want, datasets
        assert {orjson.loads(x)["dataset"] for x in got.splitlines()} <= set(datasets)
    with pytest.raises(InvalidQueryError):
        next(log.feed_ndjson(0, 50_001, None, Audience.PUBLIC, today=day))


def test_head_get_and_by_uscc_read_raw_rows(log: Store) -> None:
    events = list(log.iter_changes())
    assert log.head() == events[-1].seq == log.changes(events[-2].seq)[0].seq
    stored = log.records(DATASET, limit=200, state="all")
    for s in stored:
        assert log.get(s.record_id) == s
    some = next(s for s in stored if s.uscc)
    assert some in log.by_uscc(some.uscc.lower())  # type: ignore[union-attr]
    withdrawn = log.by_uscc(some.uscc or "", state="withdrawn")
    assert all(r.state == "withdrawn" for r in withdrawn)
    assert log.changes(events[-1].seq) == []
    assert events[0].occurred_at.utcoffset() == timedelta(0)
