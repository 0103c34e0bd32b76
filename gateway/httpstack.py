"""HTTP as clients and caches expect it: the gateway's middleware, all pure ASGI.

Outermost first:

- ``CorrelationIdMiddleware`` (asgi-correlation-id): ``X-Request-ID`` — the client's (1–128 of
  ``A-Z a-z 0-9 . _ : - @ / + =``, nothing shaped like an ID number) or a new one; echoed, and
  in every log line of the request;
- :class:`HeadMiddleware`: ``HEAD`` on every ``GET`` route — the app answers a GET (routes
  that stream check :func:`is_head` and skip the body), the body is dropped;
- :class:`~gateway.metrics.MetricsMiddleware`: request latencies by route template;
- :class:`PublicCors`: CORS for the public GETs (``/api/v1``, ``/schemas``, ``/openapi.json``,
  ``/healthz``) from ``cors_origins``; no credentials, no ``Authorization``, no writes;
- :class:`WeakEncodedETags`: the ETag of a compressed answer is weak (its bytes are not the
  identity bytes the tag names);
- ``CompressMiddleware`` (starlette-compress): zstd, Brotli, gzip by ``Accept-Encoding``;
  streams stay streams; never a ``206``;
- :class:`HeaderMiddleware`: validators (:mod:`gateway.conditional`) or an ETag from the body's
  hash, and 304; ``Cache-Control`` and ``Vary``; ``RateLimit-*``; ``WWW-Authenticate`` on
  every 401;
- ``BodyLimitMiddleware``: request bodies bounded before the app (:mod:`gateway.bodies`).

Each layer touches only the ``http.response.start`` message (and, for the body hash, one
one-piece body), so a request pays a few microseconds per layer (``bench/http_overhead.py``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware, add_compress_type

from gateway.conditional import VALIDATORS_STATE, Validators, etag_matches
from gateway.logs import mask_personal_numbers
from gateway.metrics import HEAD_SCOPE, ROUTE_STATE, MetricsMiddleware, route_template
from gateway.ratelimit import QUOTA_STATE, Quota
from gateway.settings import Settings

CHALLENGE = b'Bearer realm="creditgate"'
"""``WWW-Authenticate`` of a 401 that does not name its own (RFC 6750)."""
API_PREFIXES = ("/api/", "/graphql", "/schemas/", "/openapi.json", "/healthz")
"""Answers that depend on the caller's key (``Vary: Authorization``)."""
CORS_PREFIXES = ("/api/v1/", "/schemas/", "/openapi.json", "/healthz")
PRIVATE_PREFIXES = ("/api/v1/admin", "/workspace", "/console", "/metrics")
"""Never stored by any cache (``no-store``)."""
STATIC_PREFIX = "/static/"
EXPOSED = [
    "ETag",
    "Last-Modified",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Retry-After",
    "Link",
    "Content-Disposition",
    "Content-Range",
    "Accept-Ranges",
    "X-Creditgate-Log-Position",
    "X-Creditgate-Head",
    "X-Creditgate-After",
]
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
CACHEABLE = frozenset({200, 203, 204, 206, 300, 301, 304, 308})


def valid_request_id(value: str) -> bool:
    """A client's ``X-Request-ID`` that may be echoed and logged (else a new one is made)."""
    return bool(REQUEST_ID.fullmatch(value)) and mask_personal_numbers(value) == value


def is_head(request: Request) -> bool:
    """The request is a HEAD answered as a GET: a streaming route sends headers only."""
    return bool(request.scope.get(HEAD_SCOPE))


class HeadMiddleware:
    """HEAD for every GET route: the app sees a GET, the client gets its headers only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared by the copies of the scope below
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def headers_only(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body":
                if ended:
                    return
                ended = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_SCOPE: True}, receive, headers_only)


class PublicCors:
    """Starlette's CORS, for GET, HEAD and their preflight on the public API paths only."""

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "HEAD"],
            allow_headers=[
                "If-None-Match",
                "If-Modified-Since",
                "If-Range",
                "Range",
                "X-Request-ID",
            ],
            expose_headers=EXPOSED,
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD", "OPTIONS")
            and scope["path"].startswith(CORS_PREFIXES)
        ):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class WeakEncodedETags:
    """Marks the ETag of a compressed answer weak (RFC 9110 §8.8.3: a strong tag names bytes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def weaken(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message["headers"])
                encoded = any(
                    n.lower() == b"content-encoding" and v.strip().lower() != b"identity"
                    for n, v in headers
                )
                if encoded:
                    message["headers"] = [
                        (n, b"W/" + v)
                        if n.lower() == b"etag" and not v.startswith(b"W/")
                        else (n, v)
                        for n, v in headers
                    ]
            await send(message)

        await self.app(scope, receive, weaken)


def _names(headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in headers}


class HeaderMiddleware:
    """The response headers every answer owes its client and the caches between (see the
    module docstring), and the 304 of a GET whose body hash the client already holds."""

    def __init__(self, app: ASGIApp, *, public_cache: str) -> None:
        self.app = app
        self.public_cache = public_cache.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        keyed = False
        if_none_match: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                keyed = True
            elif name == b"if-none-match":
                if_none_match = value
        get = scope["method"] == "GET"
        pending: Message | None = None

        async def send_with_headers(message: Message) -> None:
            nonlocal pending
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(scope, message, keyed=keyed, get=get)
                if get and message["status"] == 200 and self._hashable(message["headers"]):
                    pending = message  # wait for the body: an ETag from its hash
                    return
            elif pending is not None:
                start, pending = pending, None
                if message.get("more_body", False):  # a stream: no hash
                    await send(start)
                else:
                    start, message = _tagged(start, message, if_none_match)
                    await send(start)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(
        self, scope: Scope, message: Message, *, keyed: bool, get: bool
    ) -> list[tuple[bytes, bytes]]:
        headers = list(message["headers"])
        present = _names(headers)
        status: int = message["status"]
        state: dict[str, Any] = scope.get("state") or {}
        state[ROUTE_STATE] = route_template(scope)
        quota: Quota | None = state.get(QUOTA_STATE)
        if quota is not None:
            headers.extend(quota.headers())
        if status == 401 and b"www-authenticate" not in present:
            headers.append((b"www-authenticate", CHALLENGE))
        validators: Validators | None = state.get(VALIDATORS_STATE)
        if validators is not None and get and status in (200, 304) and b"etag" not in present:
            headers.extend(
                (k.lower().encode(), v.encode()) for k, v in validators.headers().items()
            )
        if b"cache-control" not in present:
            headers.append((b"cache-control", self._policy(scope, present, status, keyed, get)))
        path: str = scope["path"]
        vary = b"Authorization" if path.startswith(API_PREFIXES) else b"Cookie"
        if not path.startswith(STATIC_PREFIX):
            old = present.get(b"vary")
            if old is None:
                headers.append((b"vary", vary))
            elif vary.lower() not in old.lower():
                headers = [(n, v + b", " + vary if n.lower() == b"vary" else v) for n, v in headers]
        return headers

    def _policy(
        self, scope: Scope, present: dict[bytes, bytes], status: int, keyed: bool, get: bool
    ) -> bytes:
        path: str = scope["path"]
        if not get or status not in CACHEABLE or path.startswith(PRIVATE_PREFIXES):
            return b"no-store"
        if path.startswith(STATIC_PREFIX):
            return b"public, max-age=3600"
        html = present.get(b"content-type", b"").startswith(b"text/html")
        if keyed or html or b"set-cookie" in present:
            return b"private, no-cache"
        return self.public_cache

    @staticmethod
    def _hashable(headers: list[tuple[bytes, bytes]]) -> bool:
        present = _names(headers)
        return (
            b"content-length" in present  # a one-piece body (a stream is never held back)
            and b"etag" not in present
            and b"set-cookie" not in present
            and b"no-store" not in present.get(b"cache-control", b"")
        )


def _tagged(start: Message, body: Message, if_none_match: bytes | None) -> tuple[Message, Message]:
    """The start with an ETag from the body's hash — or a 304 when the client holds it."""
    digest = hashlib.blake2b(body.get("body", b""), digest_size=12).hexdigest()
    etag = f'W/"b-{digest}"'
    headers = [*start["headers"], (b"etag", etag.encode())]
    if if_none_match is not None and etag_matches(if_none_match.decode("latin-1"), etag):
        kept = [(n, v) for n, v in headers if n.lower() not in (b"content-length", b"content-type")]
        return (
            {"type": "http.response.start", "status": 304, "headers": kept},
            {"type": "http.response.body", "body": b"", "more_body": False},
        )
    return {**start, "headers": headers}, body


def _public_cache(settings: Settings) -> str:
    age = settings.cache_max_age_seconds
    return f"public, max-age={age}" if age > 0 else "public, no-cache"


def install_http_stack(app: FastAPI, settings: Settings) -> None:
    """Add the layers above :class:`gateway.bodies.BodyLimitMiddleware` (added first)."""
    app.add_middleware(HeaderMiddleware, public_cache=_public_cache(settings))
    if settings.compression:
        add_compress_type("text/csv")
        add_compress_type("application/schema+json")
        add_compress_type("application/x-ndjson", streaming=True)
        app.add_middleware(
            CompressMiddleware,
            minimum_size=settings.compression_minimum_bytes,
            gzip_level=settings.gzip_level,
            brotli_quality=min(11, settings.gzip_level),
            zstd_level=max(1, settings.gzip_level - 1),
        )
        app.add_middleware(WeakEncodedETags)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(PublicCors, origins=origins)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(HeadMiddleware)
    logging.getLogger("asgi_correlation_id").setLevel(logging.ERROR)  # a bad id is not news
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        generator=lambda: uuid.uuid4().hex,
        validator=valid_request_id,
    )
