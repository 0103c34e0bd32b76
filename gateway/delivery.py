"""The webhook deliverer (推送投递): posts what the outbox owes, signed, retried, dead-lettered.

Runs inside ``serve`` (setting ``webhook_delivery``) and ``creditgate worker``, any number of
them against one store: each round leases due messages (:func:`store.outbox.claim`, so one
process posts a given message), renders each as its subscriber's view
(:func:`store.webhook_delivery.message_bodies`), posts them concurrently with httpx and records the
outcomes (:func:`store.outbox.settle`).

* Signed per Standard Webhooks (``standardwebhooks``): ``webhook-id`` (stable across retries
  and replays), ``webhook-timestamp`` (Unix seconds), ``webhook-signature``
  ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` under the subscription's secret.
* 2xx is delivered; anything else (redirects are not followed), a timeout or a refused
  address is a failure, retried after an exponential backoff with jitter (a receiver's
  ``Retry-After`` is honoured up to the cap) and dead-lettered after ``max_attempts``. While an
  endpoint fails, the subscription pauses for the same backoff and then sends one probe per
  round, so a dead endpoint is not hammered.
* SSRF guard: the host is resolved before every post and each address must be global
  (not loopback, private, link-local, multicast or reserved) unless ``allow_private``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import random
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from store import Store
from store.outbox import DELIVERED, PENDING, SKIPPED, Claimed, Outcome, claim, prune, settle
from store.webhook_delivery import Target, message_bodies, targets
from store.webhooks import message_id

log = logging.getLogger("creditgate.webhooks")

USER_AGENT = "creditgate-webhooks/1 (+https://github.com/standard-webhooks/standard-webhooks)"
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """How the deliverer behaves (from :class:`gateway.settings.Settings`, ``webhook_*``)."""

    concurrency: int = 8
    per_endpoint: int = 4
    max_attempts: int = 12
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 21_600.0
    timeout_seconds: float = 10.0
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5
    allow_private: bool = False
    retention_days: int = 7

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryConfig:
        return cls(
            concurrency=settings.webhook_concurrency,
            per_endpoint=settings.webhook_per_endpoint,
            max_attempts=settings.webhook_max_attempts,
            backoff_seconds=settings.webhook_backoff_seconds,
            backoff_max_seconds=settings.webhook_backoff_max_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
            lease_seconds=max(settings.webhook_lease_seconds, settings.webhook_timeout_seconds * 2),
            poll_seconds=settings.webhook_poll_seconds,
            allow_private=settings.webhook_allow_private_urls,
            retention_days=settings.webhook_retention_days,
        )


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …): ``base·2^(n-1)``
    capped, of which a random half is waited ("equal jitter": never less than half, so
    retries spread out without ever hammering)."""
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 62))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


class DestinationError(Exception):
    """A webhook URL whose host resolves to an address deliveries may not go to."""


def _refused(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    return f"{address} is not a public address"


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Resolve the URL's host; :class:`DestinationError` when it cannot be resolved or any
    address is not global (unless ``allow_private``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationError(f"cannot resolve {host}: {exc}") from None
    if allow_private:
        return
    for info in infos:
        why = _refused(str(info[4][0]))
        if why:
            raise DestinationError(f"{host}: {why}")


def signed_headers(secret: str, msg_id: str, body: bytes, when: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one post."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(math.floor(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body),
    }


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class Deliverer:
    """One deliverer: rounds of claim → render → post → settle."""

    def __init__(
        self,
        store: Store,
        config: DeliveryConfig,
        today: Callable[[], date],
        *,
        worker: str,
    ) -> None:
        self.store = store
        self.config = config
        self.today = today
        self.worker = worker
        self.totals: Counter[str] = Counter()
        self._pruned = datetime.min.replace(tzinfo=UTC)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.config.timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=self.config.concurrency * 2),
            trust_env=False,  # never route partner deliveries through an ambient proxy
        )

    async def round(self, client: httpx.AsyncClient) -> int:
        """Deliver one batch of due messages; how many were settled."""
        cfg, engine = self.config, self.store.engine
        claimed = await asyncio.to_thread(
            claim,
            engine,
            worker=self.worker,
            limit=cfg.concurrency,
            lease=timedelta(seconds=cfg.lease_seconds),
            per_subscription=cfg.per_endpoint,
        )
        if not claimed:
            return 0
        found = await asyncio.to_thread(targets, engine, (c.subscription_id for c in claimed))
        audiences = {t.id: t.audience for t in found.values()}
        bodies = await asyncio.to_thread(
            message_bodies, engine, claimed, audiences, today=self.today()
        )
        outcomes = await asyncio.gather(
            *(
                self._one(client, c, found.get(c.subscription_id), body)
                for c, body in zip(claimed, bodies, strict=True)
            )
        )
        counts = await asyncio.to_thread(
            settle, engine, self.worker, outcomes, max_attempts=cfg.max_attempts
        )
        self.totals.update(counts)
        if counts:
            log.info("webhooks: %s", dict(counts))
        return len(outcomes)

    async def _one(
        self, client: httpx.AsyncClient, item: Claimed, target: Target | None, body: bytes | None
    ) -> Outcome:
        if target is None or body is None:
            return Outcome(item, SKIPPED)
        try:
            await check_destination(target.url, allow_private=self.config.allow_private)
            now = datetime.now(UTC)
            headers = signed_headers(target.secret, message_id(target.id, item.seq), body, now)
            async with client.stream("POST", target.url, content=body, headers=headers) as r:
                status = r.status_code  # the receiver's body is never read
                if 200 <= status < 300:
                    return Outcome(item, DELIVERED, status)
                return self._failure(item, status, f"HTTP {status}", _retry_after(r))
        except DestinationError as exc:
            return self._failure(item, None, f"refused: {exc}", None)
        except httpx.HTTPError as exc:
            return self._failure(item, None, f"{type(exc).__name__}: {exc}"[:500], None)

    def _failure(
        self, item: Claimed, status: int | None, error: str, asked: float | None
    ) -> Outcome:
        cfg = self.config
        wait = backoff(item.attempts + 1, cfg.backoff_seconds, cfg.backoff_max_seconds)
        if asked is not None:
            wait = min(max(wait, asked), cfg.backoff_max_seconds)
        when = datetime.now(UTC) + timedelta(seconds=wait)
        return Outcome(item, PENDING, status, error, when, when)

    async def _maybe_prune(self) -> None:
        now = datetime.now(UTC)
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        before = now - timedelta(days=self.config.retention_days)
        removed = await asyncio.to_thread(prune, self.store.engine, before)
        if removed:
            log.info("webhooks: pruned %d delivered messages", removed)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: round after round while there is work, else wait a
        poll interval. Errors are logged and the loop goes on."""
        async with self._client() as client:
            while not stop.is_set():
                done, pause = 0, self.config.poll_seconds
                try:
                    done = await self.round(client)
                    await self._maybe_prune()
                except Exception:
                    log.exception("webhook delivery round failed; retried shortly")
                    pause = max(pause, 5.0)  # the store is likely away: do not spin
                if done == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)

    async def drain(self, *, max_rounds: int = 1000) -> Counter[str]:
        """Rounds until nothing is due (``creditgate webhooks deliver``); the counts."""
        before = Counter(self.totals)
        async with self._client() as client:
            for _ in range(max_rounds):
                if await self.round(client) == 0:
                    break
        return self.totals - before


class DeliveryService:
    """A :class:`Deliverer` on a thread of its own with its own event loop, started and
    stopped like :class:`gateway.scheduler.ExpiryScheduler`."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="webhook-delivery", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _main(self) -> None:
        async def body() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.deliverer.run(self._stop)

        asyncio.run(body())

    def stop(self) -> None:
        """Stop after the round in flight (its outcomes are recorded)."""
        if self._loop is not None and self._stop is not None and self.running:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(self.deliverer.config.timeout_seconds * 3)


def delivery_service(
    store: Store, settings: Any, today: Callable[[], date], *, worker: str
) -> DeliveryService:
    """The deliverer of a process, from its settings."""
    config = DeliveryConfig.from_settings(settings)
    return DeliveryService(Deliverer(store, config, today, worker=worker))
