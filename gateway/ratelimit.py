"""Rate limits (限流) per API key, or per client address for the public.

Fixed one-minute windows: a caller may make ``rate_limit_per_minute`` requests (keys) or
``public_rate_limit_per_minute`` (no key, counted per client address) in each calendar
minute; the next one gets 429 in the one error shape with ``Retry-After`` (seconds until the
window ends). A limit of 0 turns the check off. Fixed windows allow a burst of up to twice the
limit across a minute boundary; that is the price of one counter per caller.

With ``redis_url`` set, counters live in Redis (``INCR`` + ``EXPIRE`` in one round trip), so
every worker and every replica shares them; keys are ``<redis_prefix>:rl:<caller>:<window>``.
Without it, or while Redis cannot be reached, counters live in this process (logged once a
minute while Redis is down): a Redis outage loosens the limits, it never takes the API down.

Every limited response carries the caller's quota (``RateLimit-Limit``, ``RateLimit-Remaining``,
``RateLimit-Reset``, ``RateLimit-Policy``): :func:`check_rate` leaves it in the request's state
and :mod:`gateway.httpstack` writes the headers, on REST and GraphQL answers alike.

Failed authentications are counted the same way, per client address
(``<prefix>:rl:authfail:<address>:<window>``), so the block they lead to is shared too: before
a key is looked up, the address's count in the current window is read (a local note of a block
saves the round trip while it lasts).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from gateway.auth import Principal, principal_from_request
from gateway.clients import client_address
from gateway.errors import ApiError

log = logging.getLogger("creditgate.ratelimit")

WINDOW_SECONDS = 60
_MAKING = threading.Lock()


QUOTA_STATE = "creditgate.ratelimit"
"""Where :func:`check_rate` leaves the caller's :class:`Quota` (``scope["state"]``)."""


@dataclass(frozen=True, slots=True)
class Quota:
    """A caller's use of the current window, after one more request was counted."""

    limit: int
    count: int
    reset: float
    """Seconds until the window ends."""

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def reset_seconds(self) -> int:
        """Whole seconds until the window ends (at least 1): ``Retry-After``,
        ``RateLimit-Reset``."""
        return max(1, math.ceil(self.reset))

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The ``RateLimit-*`` response headers (draft-ietf-httpapi-ratelimit-headers)."""
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
            (b"ratelimit-policy", f"{self.limit};w={WINDOW_SECONDS}".encode()),
        ]


class Limiter(Protocol):
    """Counts requests of callers in fixed windows."""

    async def hit(self, caller: str, limit: int) -> Quota:
        """Count one request of ``caller``; its quota afterwards."""
        ...

    async def count(self, caller: str) -> int:
        """How many requests ``caller`` made in the current window (nothing counted)."""
        ...

    async def close(self) -> None: ...


def _window(now: float) -> tuple[int, float]:
    """The current window's number and the seconds left in it."""
    number = int(now // WINDOW_SECONDS)
    return number, (number + 1) * WINDOW_SECONDS - now


class MemoryLimiter:
    """Counters in this process (one event loop, so no lock is needed around them)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, caller: str, limit: int) -> Quota:
        number, left = _window(time.time())
        window, count = self._counts.get(caller, (number, 0))
        if window != number:
            count = 0
            if len(self._counts) > 100_000:  # forget callers of earlier windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == number}
        count += 1
        self._counts[caller] = (number, count)
        return Quota(limit, count, left)

    async def count(self, caller: str) -> int:
        number, _ = _window(time.time())
        window, count = self._counts.get(caller, (number, 0))
        return count if window == number else 0

    async def close(self) -> None:
        self._counts.clear()


class RedisLimiter:
    """Counters in Redis, shared by every worker; falls back to memory while Redis is down."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self.client = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.prefix = prefix
        self.fallback = MemoryLimiter()
        self._warned = 0.0

    def _down(self, exc: Exception) -> None:
        if time.monotonic() - self._warned > WINDOW_SECONDS:
            self._warned = time.monotonic()
            log.warning("rate limits: Redis unavailable (%s); counting in this process", exc)

    async def hit(self, caller: str, limit: int) -> Quota:
        number, left = _window(time.time())
        key = f"{self.prefix}:rl:{caller}:{number}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._down(exc)
            return await self.fallback.hit(caller, limit)
        return Quota(limit, int(count), left)

    async def count(self, caller: str) -> int:
        number, _ = _window(time.time())
        try:
            value = await self.client.get(f"{self.prefix}:rl:{caller}:{number}")
        except (RedisError, OSError) as exc:
            self._down(exc)
            return await self.fallback.count(caller)
        return int(value or 0)

    async def close(self) -> None:
        await self.client.aclose()
        await self.fallback.close()


def limiter_of(app: FastAPI) -> Limiter:
    """The app's limiter, made on first use from its settings."""
    limiter: Limiter | None = getattr(app.state, "limiter", None)
    if limiter is not None:
        return limiter
    with _MAKING:
        limiter = getattr(app.state, "limiter", None)
        if limiter is None:
            settings = app.state.settings
            limiter = (
                RedisLimiter(settings.redis_url, prefix=settings.redis_prefix)
                if settings.redis_url
                else MemoryLimiter()
            )
            app.state.limiter = limiter
        return limiter


async def check_rate(request: Request, principal: Principal) -> None:
    """Count the request; 429 with ``Retry-After`` when the caller has used up its window.
    The quota is left in the request's state for the ``RateLimit-*`` headers."""
    settings = request.app.state.settings
    if principal.authorised:
        caller, limit = f"key:{principal.key_id}", settings.rate_limit_per_minute
    else:
        caller, limit = f"ip:{client_address(request)}", settings.public_rate_limit_per_minute
    if limit <= 0:
        return
    quota = await limiter_of(request.app).hit(caller, limit)
    request.scope.setdefault("state", {})[QUOTA_STATE] = quota
    if quota.exceeded:
        seconds = quota.reset_seconds
        raise ApiError(
            429,
            f"rate limit of {limit} requests per minute reached; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def _auth_refusal(seconds: float) -> ApiError:
    wait = max(1, math.ceil(seconds))
    return ApiError(
        429,
        f"too many failed authentications from this address; retry in {wait} s",
        headers={"Retry-After": str(wait)},
    )


async def _blocked_for(request: Request, address: str, limit: int) -> float | None:
    """Seconds the address is still blocked for, or None: this process's note first, else the
    shared count of the window (one Redis read with ``redis_url``)."""
    blocked = _blocks(request)
    now = time.time()
    until = blocked.get(address)
    if until is not None:
        if until > now:
            return until - now
        del blocked[address]
    if await limiter_of(request.app).count(f"authfail:{address}") <= limit:
        return None
    _, left = _window(now)
    _note_block(blocked, address, now + left)
    return left


def _blocks(request: Request) -> dict[str, float]:
    """This process's notes of blocked addresses (address → end of the block)."""
    blocked: dict[str, float] | None = getattr(request.app.state, "auth_blocked", None)
    if blocked is None:
        blocked = request.app.state.auth_blocked = {}
    return blocked


def _note_block(blocked: dict[str, float], address: str, until: float) -> None:
    if len(blocked) > 100_000:
        blocked.clear()
    blocked[address] = until


async def authenticated(request: Request) -> Principal:
    """The keyed caller, throttling failed authentications per client address.

    ``failed_auth_per_minute`` failures (401) from one address in a minute make every
    further keyed request from it a 429 until the minute ends — in every worker when the
    counters are in Redis.
    """
    limit = request.app.state.settings.failed_auth_per_minute
    address = client_address(request)
    if limit > 0 and getattr(request.state, "principal", None) is None:
        wait = await _blocked_for(request, address, limit)
        if wait is not None:
            raise _auth_refusal(wait)
    try:
        return await run_in_threadpool(principal_from_request, request)
    except ApiError as exc:
        if exc.status != 401 or limit <= 0:
            raise
        quota = await limiter_of(request.app).hit(f"authfail:{address}", limit)
        if not quota.exceeded:
            raise
        _note_block(_blocks(request), address, time.time() + quota.reset)
        raise _auth_refusal(quota.reset) from None


async def caller(request: Request) -> Principal:
    """The FastAPI dependency of every limited route: who is asking, within their limit.

    A request without a key never leaves the event loop; one with a key reads it on a
    worker thread (the store is synchronous).
    """
    if request.headers.get("authorization"):
        principal = await authenticated(request)
    else:
        principal = principal_from_request(request)  # the public: no I/O
    await check_rate(request, principal)
    return principal
