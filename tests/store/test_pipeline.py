"""The prefetched ingest (store.pipeline): a plain loop's results, errors where it raised them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import select

from store import open_store
from store.pipeline import prefetch
from store.tables import changes, records

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def test_prefetch_yields_in_order() -> None:
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))
    assert list(prefetch([])) == []


def test_a_producer_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is broken")

    got: list[int] = []
    with pytest.raises(ValueError, match="row 3"):
        for item in prefetch(items()):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_stops_the_producer() -> None:
    drawn: list[int] = []

    def items() -> Iterator[int]:
        for n in range(1_000_000):
            drawn.append(n)
            yield n

    for item in prefetch(items(), depth=1):
        if item == 5:
            break
    assert len(drawn) <= 8  # the item in hand and the queue, not the million
    assert not [t for t in threading.enumerate() if t.name == "creditgate-prefetch"]


def _mixed() -> list[dict[str, Any]]:
    """Valid rows, in-batch duplicates (same and other content) and rows without a key."""
    base = penalties(240)
    out = list(base)
    out.insert(50, dict(base[3]))  # same content: unchanged
    out.insert(120, dict(base[7], penalty_content="另一内容"))  # other content: rejected
    out.insert(200, {k: v for k, v in base[9].items() if k != "decision_doc_no"})  # no key
    out.append(dict(base[230], penalty_content="改"))  # rejected, in the last chunk
    return out


@pytest.mark.parametrize("chunk", [17, 70, 1000])
def test_threaded_submit_equals_the_plain_loop(db_url: str, tmp_path: Any, chunk: int) -> None:
    plain_url = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    results, stored = [], []
    for url, threaded in ((plain_url, False), (db_url, True)):
        st = open_store(url)
        with st:
            result = st.submit(
                DATASET, rows(_mixed()), actor="dept", now=NOW, chunk_rows=chunk, threaded=threaded
            )
            with st.engine.connect() as conn:
                stored.append(
                    (
                        conn.execute(
                            select(records.c.record_id, records.c.hash, records.c.seq).order_by(
                                records.c.record_id
                            )
                        ).all(),
                        conn.execute(select(changes.c.record_id).order_by(changes.c.seq)).all(),
                    )
                )
        results.append(result)
    plain, threaded_result = results
    assert (plain.rows, plain.accepted, plain.unchanged, plain.rejected) == (244, 240, 1, 3)
    for name in ("rows", "accepted", "unchanged", "rejected", "first_seq", "last_seq", "status"):
        assert getattr(threaded_result, name) == getattr(plain, name), name
    assert threaded_result.issues == plain.issues
    assert threaded_result.outcomes == plain.outcomes
    assert stored[0] == stored[1]
