"""Pushing the change feed as it grows: what server-sent events (``GET
/api/v1/changes/stream``) and the GraphQL subscription ``changes`` share.

:func:`follow` reads the log after a cursor in pages of the caller's feed items
(:meth:`store.Store.feed_items`, the same items as the NDJSON feed), and when it has caught
up waits until the head of the log moves. The head is watched by polling, once per process
whatever the number of streams (:class:`HeadWatch`, ``stream_poll_seconds``): the log is the
one source every process writes to, so a change written by any gateway, worker or command
wakes every stream of every process within one interval, with no broker to run.

Streams are limited per caller (``stream_max_per_caller`` in each process,
:class:`StreamSlots`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI

from store import Audience, Store

PAGE = 1000
"""Change events read per page of a stream."""

_MAKING = threading.Lock()


class HeadWatch:
    """The head of the log as this process last read it, re-read at most once an interval
    (thread-safe, so streams on any event loop share it)."""

    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._lock = threading.Lock()
        self._head = 0
        self._read_at = float("-inf")

    def current(self) -> int:
        """The head, at most one interval old (blocking: call it in a thread)."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.interval:
                self._head = self.store.head()
                self._read_at = time.monotonic()
            return self._head


class StreamLimitError(Exception):
    """The caller holds as many streams as it may."""


class StreamSlots:
    """Open streams per caller in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def full(self, caller: str) -> bool:
        """Whether the caller may open no more streams now."""
        with self._lock:
            return self._open[caller] >= self.limit

    @contextmanager
    def hold(self, caller: str) -> Iterator[None]:
        with self._lock:
            if self._open[caller] >= self.limit:
                raise StreamLimitError(
                    f"at most {self.limit} open streams per caller; close one first"
                )
            self._open[caller] += 1
        try:
            yield
        finally:
            with self._lock:
                self._open[caller] -= 1
                if self._open[caller] <= 0:
                    del self._open[caller]


def _state(app: FastAPI, name: str, make: Callable[[], Any]) -> Any:
    found = getattr(app.state, name, None)
    if found is None:
        with _MAKING:
            found = getattr(app.state, name, None)
            if found is None:
                found = make()
                setattr(app.state, name, found)
    return found


def head_watch(app: FastAPI) -> HeadWatch:
    """The app's head watch (one per process)."""
    settings = app.state.settings
    watch: HeadWatch = _state(
        app, "head_watch", lambda: HeadWatch(app.state.store, settings.stream_poll_seconds)
    )
    return watch


def stream_slots(app: FastAPI) -> StreamSlots:
    """The app's stream counter."""
    slots: StreamSlots = _state(
        app, "stream_slots", lambda: StreamSlots(app.state.settings.stream_max_per_caller)
    )
    return slots


async def follow(
    store: Store,
    watch: HeadWatch,
    *,
    audience: Audience,
    datasets: Sequence[str] | None,
    after: int,
    today: Callable[[], date],
) -> AsyncIterator[list[dict[str, Any]] | None]:
    """Pages of feed items after ``after`` as they are written, forever; ``None`` after each
    idle poll (a chance to send a heartbeat or notice a closed connection).

    When a page is not full, the cursor moves to the head read *before* the page (every event
    up to it was in that read; events of other datasets are skipped for good), so an idle
    stream reads nothing until the head moves.
    """
    cursor = after
    while True:
        known = await asyncio.to_thread(watch.current)
        items, last, more = await asyncio.to_thread(
            store.feed_items, cursor, PAGE, datasets, audience, today=today()
        )
        if items:
            yield items
        cursor = last if more else max(last, known, cursor)
        if more:
            continue
        while await asyncio.to_thread(watch.current) <= cursor:
            yield None
            await asyncio.sleep(watch.interval)
