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
"""

from __future__ import annotations

import logging
import math
import threading
import time
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


class Limiter(Protocol):
    """Counts one request of a caller; answers the seconds to wait, or None when allowed."""

    async def hit(self, caller: str, limit: int) -> float | None: ...

    async def close(self) -> None: ...


def _window(now: float) -> tuple[int, float]:
    """The current window's number and the seconds left in it."""
    number = int(now // WINDOW_SECONDS)
    return number, (number + 1) * WINDOW_SECONDS - now


class MemoryLimiter:
    """Counters in this process (one event loop, so no lock is needed around them)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, caller: str, limit: int) -> float | None:
        number, left = _window(time.time())
        window, count = self._counts.get(caller, (number, 0))
        if window != number:
            count = 0
            if len(self._counts) > 100_000:  # forget callers of earlier windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == number}
        count += 1
        self._counts[caller] = (number, count)
        return left if count > limit else None

    async def close(self) -> None:
        self._counts.clear()


class RedisLimiter:
    """Counters in Redis, shared by every worker; falls back to memory while Redis is down."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self.client = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.prefix = prefix
        self.fallback = MemoryLimiter()
        self._warned = 0.0

    async def hit(self, caller: str, limit: int) -> float | None:
        number, left = _window(time.time())
        key = f"{self.prefix}:rl:{caller}:{number}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            if time.monotonic() - self._warned > WINDOW_SECONDS:
                self._warned = time.monotonic()
                log.warning("rate limits: Redis unavailable (%s); counting in this process", exc)
            return await self.fallback.hit(caller, limit)
        return left if int(count) > limit else None

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
    """429 with ``Retry-After`` when the caller has used up its window."""
    settings = request.app.state.settings
    if principal.authorised:
        caller, limit = f"key:{principal.key_id}", settings.rate_limit_per_minute
    else:
        caller, limit = f"ip:{client_address(request)}", settings.public_rate_limit_per_minute
    if limit <= 0:
        return
    wait = await limiter_of(request.app).hit(caller, limit)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
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


async def authenticated(request: Request) -> Principal:
    """The keyed caller, throttling failed authentications per client address.

    ``failed_auth_per_minute`` failures (401) from one address in a minute make every
    further keyed request from it a 429 until the minute ends (counted like the rate limits;
    the block itself is kept in this process).
    """
    limit = request.app.state.settings.failed_auth_per_minute
    address = client_address(request)
    blocked: dict[str, float] | None = getattr(request.app.state, "auth_blocked", None)
    if blocked is None:
        blocked = request.app.state.auth_blocked = {}
    until = blocked.get(address)
    if until is not None:
        if until > time.time():
            raise _auth_refusal(until - time.time())
        del blocked[address]
    try:
        return await run_in_threadpool(principal_from_request, request)
    except ApiError as exc:
        if exc.status != 401 or limit <= 0:
            raise
        wait = await limiter_of(request.app).hit(f"authfail:{address}", limit)
        if wait is None:
            raise
        if len(blocked) > 100_000:
            blocked.clear()
        blocked[address] = time.time() + wait
        raise _auth_refusal(wait) from None


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
