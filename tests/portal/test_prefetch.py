"""Reading ahead in a background thread: order, bounded lead, errors, early stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.prefetch import Prefetch


@given(st.lists(st.integers()), st.integers(1, 5))
def test_items_arrive_in_order(items: list[int], depth: int) -> None:
    with Prefetch(iter(items), depth=depth) as ahead:
        assert list(ahead) == items


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(100):
            produced.append(i)
            yield i

    with Prefetch(items(), depth=2) as ahead:
        iterator = iter(ahead)
        assert next(iterator) == 0
        time.sleep(0.3)
        assert len(produced) <= 4  # one taken, two queued, one waiting to be queued


def test_an_error_in_the_producer_is_raised_in_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise LookupError("store went away")

    with pytest.raises(LookupError, match="store went away"), Prefetch(items()) as ahead:
        list(ahead)


def test_leaving_early_stops_the_producer_and_closes_its_generator() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    with pytest.raises(ConnectionError), Prefetch(items(), depth=1) as ahead:
        for item in ahead:
            if item == 3:
                raise ConnectionError("CKAN stopped")
    assert closed.wait(2)
    assert not any(t.name == "portal-prefetch" and t.is_alive() for t in threading.enumerate())
