"""Upload slots (上传并发): how many submissions one key may have in progress at once.

``max_concurrent_uploads`` bounds the submissions of a key that are being received, checked
and stored at the same time (429 with ``Retry-After`` beyond it,
:func:`gateway.uploads.upload_slot`).

With ``redis_url`` set the slots are shared by every worker and replica: a key's slots are a
sorted set ``<redis_prefix>:up:<key id>`` of tokens scored by when their lease ends, taken and
given back by one Lua script each (atomic, on Redis's own clock). A worker killed while it holds
a slot cannot give it back; the slot ends with its lease (``upload_slot_lease_seconds``).
Without Redis, or while it cannot be reached, slots are counted in this process (the same
fallback as the rate limits: an outage loosens the bound, it never refuses uploads by itself).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from fastapi import FastAPI
from redis.exceptions import RedisError

log = logging.getLogger("creditgate.slots")
_MAKING = threading.Lock()

_TAKE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
"""KEYS[1] the key's set; ARGV: limit, lease (ms), token. 1 when the slot was taken."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot held: whose, its token, and whether it lives in Redis or in this process."""

    key: str
    token: str
    shared: bool


class Slots(Protocol):
    """Takes and gives back upload slots."""

    async def take(self, key: str, limit: int) -> Slot | None:
        """A slot of ``key``, or None when its ``limit`` slots are all held."""
        ...

    async def give_back(self, slot: Slot) -> None: ...

    async def close(self) -> None: ...


class MemorySlots:
    """Slots counted in this process."""

    def __init__(self) -> None:
        self.held: dict[str, int] = {}

    async def take(self, key: str, limit: int) -> Slot | None:
        if self.held.get(key, 0) >= limit:
            return None
        self.held[key] = self.held.get(key, 0) + 1
        return Slot(key, "", shared=False)

    async def give_back(self, slot: Slot) -> None:
        left = self.held.get(slot.key, 0) - 1
        if left > 0:
            self.held[slot.key] = left
        else:
            self.held.pop(slot.key, None)

    async def close(self) -> None:
        self.held.clear()


class RedisSlots:
    """Slots in Redis, leased; in this process while Redis is down."""

    def __init__(self, url: str, *, prefix: str, lease_seconds: int) -> None:
        self.client = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.prefix = prefix
        self.lease_ms = lease_seconds * 1000
        self.fallback = MemorySlots()
        self._take = self.client.register_script(_TAKE)
        self._warned = 0.0

    def _name(self, key: str) -> str:
        return f"{self.prefix}:up:{key}"

    def _down(self, exc: Exception) -> None:
        if time.monotonic() - self._warned > 60:
            self._warned = time.monotonic()
            log.warning("upload slots: Redis unavailable (%s); counting in this process", exc)

    async def take(self, key: str, limit: int) -> Slot | None:
        token = uuid.uuid4().hex
        try:
            taken = await self._take(keys=[self._name(key)], args=[limit, self.lease_ms, token])
        except (RedisError, OSError) as exc:
            self._down(exc)
            return await self.fallback.take(key, limit)
        return Slot(key, token, shared=True) if int(taken) == 1 else None

    async def give_back(self, slot: Slot) -> None:
        if not slot.shared:
            await self.fallback.give_back(slot)
            return
        try:
            await self.client.zrem(self._name(slot.key), slot.token)
        except (RedisError, OSError) as exc:  # the lease ends it
            self._down(exc)

    async def close(self) -> None:
        await self.client.aclose()
        await self.fallback.close()


def slots_of(app: FastAPI) -> Slots:
    """The app's upload slots, made on first use from its settings."""
    found: Slots | None = getattr(app.state, "upload_slots", None)
    if found is not None:
        return found
    with _MAKING:
        found = getattr(app.state, "upload_slots", None)
        if found is None:
            settings = app.state.settings
            found = (
                RedisSlots(
                    settings.redis_url,
                    prefix=settings.redis_prefix,
                    lease_seconds=settings.upload_slot_lease_seconds,
                )
                if settings.redis_url
                else MemorySlots()
            )
            app.state.upload_slots = found
        return found
