"""Reading the store from async resolvers: a thread hop, per-request DataLoaders, the entity
view cache and a shared reader of the change log's head.

The store is synchronous (SQLAlchemy Core), so resolvers hand their reads to a worker thread
(:func:`in_thread`). A DataLoader collects the keys asked for in one tick — aliased
``entity`` lookups in one document — and reads them in one hop. Loaders are made per request
by the context getter and never shared: their cache holds one caller's view of the data.

:class:`EntityViews` of one USCC are also kept between requests by :class:`EntityCache`, keyed
by audience and day — the only inputs of a view besides the stored data, so callers of one
audience share entries without seeing anything they could not read themselves. An entry is
served only while the change log's head is the one it was read at: every store write that can
change a view appends to the log, so a hit is exactly what a fresh read would give.
Concurrent requests share head queries (:class:`LogHead`), so a cached answer costs no query
of its own under load.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from strawberry.dataloader import DataLoader

from gateway.graphql.types import Entity
from store import Audience, Store, view

T = TypeVar("T")

CACHE_VIEWS = 50_000
"""Records the entity cache may hold (a view is ~1.5 KB: some 75 MB at most)."""
CACHE_MAX_VIEWS = 200
"""Entities with more visible records are read each time."""


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call on a worker thread."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


@dataclass(frozen=True, slots=True)
class EntityViews:
    """What one audience sees about one USCC (None: nothing), and the change-log position
    it was read at. The entity is built once and only read afterwards, so entries are
    shared by requests."""

    credit_code: str
    log_position: int
    entity: Entity | None
    size: int


class EntityCache:
    """An LRU of :class:`EntityViews` per (audience, day, USCC), each valid for one head,
    bounded by the number of records it holds."""

    def __init__(self, max_views: int = CACHE_VIEWS) -> None:
        self.max_views = max_views
        self._entries: OrderedDict[tuple[Audience, date, str], EntityViews] = OrderedDict()
        self._views = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Audience, date, str], head: int) -> EntityViews | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found.log_position != head:
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Audience, date, str], entry: EntityViews) -> None:
        if entry.size > CACHE_MAX_VIEWS:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._views += entry.size + 1 - (0 if old is None else old.size + 1)
            self._entries[key] = entry
            while self._views > self.max_views:
                _, evicted = self._entries.popitem(last=False)
                self._views -= evicted.size + 1


class LogHead:
    """The change log's head for many concurrent requests, read with one query at a time.

    A caller waits for a read that *started after it asked*, so it gets at least the head at
    that moment — what a read of its own would give — while callers that ask during one read
    share the next. Under load this turns one ``head`` query per request into one per query
    time. Bound to the event loop it is first used on (a new loop starts afresh).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[int] | None = None
        self._reading = False
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._next, self._reading = loop, None, False
        if self._next is None:
            self._next = loop.create_future()
        waiting = self._next
        if not self._reading:
            self._reading = True
            self._task = loop.create_task(self._run())
        return await asyncio.shield(waiting)

    async def _run(self) -> None:
        try:
            while self._next is not None:
                # Callers arriving from now on wait for the next read, which starts later.
                current, self._next = self._next, None
                try:
                    current.set_result(await in_thread(self.store.head))
                except Exception as exc:  # every waiter of this read gets the failure
                    current.set_exception(exc)
        finally:
            self._reading = False


class SharedReads:
    """What requests on one store share: its :class:`LogHead` and :class:`EntityCache`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.head = LogHead(store)
        self.entities = EntityCache()


def read_entities(
    store: Store, codes: list[str], audience: Audience, today: date, position: int
) -> list[EntityViews]:
    """The views of each USCC as of at least ``position`` (blocking; run it in a thread)."""
    found = []
    for code in codes:
        seen = (view(s, audience, today=today) for s in store.by_uscc(code, state="active"))
        views = [v for v in seen if v is not None]
        entity = Entity.of(code, position, views) if views else None
        found.append(EntityViews(code, position, entity, len(views)))
    return found


def entity_loader(
    shared: SharedReads, audience: Audience, today: date
) -> DataLoader[str, EntityViews]:
    """A loader of :class:`EntityViews` by normalised USCC, for one request."""
    store, head, cache = shared.store, shared.head, shared.entities

    async def load(codes: list[str]) -> list[EntityViews]:
        # The head is read first, so every event up to it is reflected in what follows.
        position = await head.read()
        found = {code: cache.get((audience, today, code), position) for code in codes}
        missing = [code for code, entry in found.items() if entry is None]
        if missing:
            for entry in await in_thread(read_entities, store, missing, audience, today, position):
                cache.put((audience, today, entry.credit_code), entry)
                found[entry.credit_code] = entry
        return [found[code] for code in codes]  # type: ignore[misc]

    return DataLoader(load_fn=load)
