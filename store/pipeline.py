"""Running the Python half of an ingest beside the database half.

An ingest is a loop of two halves: reading, validating, keying and hashing rows (Python, the
GIL held) and writing them (SQLite's ``sqlite3_step`` and psycopg's network waits release the
GIL; PostgreSQL works in its own process). :func:`prefetch` runs the first half in a thread,
at most ``depth`` chunks ahead, so the two overlap on a second core instead of taking turns.

Order, results and errors are those of a plain loop: items arrive in order, an exception of
the producer is raised in the consumer where the plain loop would have raised it, and a
consumer that stops early stops the producer (which finishes at most the item in hand).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate ``items`` in a background thread, up to ``depth`` items ahead of the caller."""
    box: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, done))
        except BaseException as error:  # handed to the consumer, raised there
            put((False, error))

    worker = threading.Thread(target=produce, name="creditgate-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = box.get()
            if not ok:
                assert isinstance(item, BaseException)
                raise item
            if item is done:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
