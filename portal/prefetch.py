"""Reading ahead (预读): produce the next batches in a background thread while CKAN writes.

A DataStore write keeps the publisher waiting on the network for most of its time; reading
the store, building the public views and writing the download files meanwhile hides that
work behind CKAN's. The producer runs at most ``depth`` items ahead (memory stays bounded),
its exceptions are raised in the consumer, and leaving the ``with`` block early (CKAN gone)
stops it before the next item.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()
_POLL = 0.1


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """Iterate ``items`` in a background thread, ``depth`` items ahead of the consumer::

    with Prefetch(batches()) as ahead:
        for batch in ahead:
            send(batch)
    """

    def __init__(self, items: Iterator[T], *, depth: int = 2) -> None:
        self._items = items
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="portal-prefetch", daemon=True)

    def __enter__(self) -> Prefetch[T]:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Failure(error))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
