"""Bounded request bodies for every route but submissions: size and time, before the app.

FastAPI and strawberry read a JSON body whole, on the event loop, before any route code
runs; without a bound one request could send hundreds of megabytes of GraphQL variables or
take an hour to send them. :class:`BodyLimitMiddleware` reads the body of every request that
has one (except ``POST /api/v1/datasets/{id}/submissions``, which streams under its own
limits after the key is checked, :mod:`gateway.uploads`) and answers in the error shape of
the protocol (:func:`gateway.errors.body_for`: GraphQL request errors on ``/graphql``):

- 401 (or 429 for an address with too many failed keys) when the request carries a key that
  does not authenticate — checked before one byte of the body is read; the caller found is
  kept on the request for the route;
- 413 when ``Content-Length`` or the bytes received exceed ``max_request_bytes`` (nothing
  more is read);
- 408 when the body has not arrived within ``upload_timeout_seconds``.

Then it hands the buffered body to the app unchanged. The web workspace's file upload
(``POST /workspace/upload``, multipart) may be as large as a submission: its limit is
``max_upload_bytes`` plus 1 MiB for the form around the file.
"""

from __future__ import annotations

from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import ApiError, body_for
from gateway.ratelimit import authenticated

BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})
FILE_FORMS = frozenset({"/workspace/upload"})
"""Routes that take a file in a multipart form (bounded like submissions)."""
FORM_OVERHEAD = 1024 * 1024


STREAMED = frozenset({"/api/v1/national/repairs"})
"""Other routes that read their body with :func:`gateway.uploads.read_body`."""


def streams_its_own_body(path: str) -> bool:
    """The upload routes, which bound their bodies themselves (after authentication)."""
    return path in STREAMED or (
        path.startswith("/api/v1/datasets/") and path.endswith("/submissions")
    )


async def _refuse(
    scope: Scope, send: Send, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    body = orjson.dumps(body_for(scope["path"], status, message))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Reads and bounds a request body before the app sees it (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int, timeout: float
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes + FORM_OVERHEAD
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in BODYLESS
            or streams_its_own_body(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if any(name == b"authorization" for name, _ in scope["headers"]):
            try:
                await authenticated(Request(scope))  # cached on the request for the route
            except ApiError as exc:
                await _refuse(scope, send, exc.status, exc.error, exc.headers)
                return
        limit = self.max_upload_bytes if scope["path"] in FILE_FORMS else self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _refuse(scope, send, 413, f"the body is larger than {limit:,} bytes")
                return
        messages: list[Message] = []
        size = 0
        try:
            with anyio.fail_after(self.timeout):
                while True:
                    message = await receive()
                    messages.append(message)
                    if message["type"] != "http.request":
                        break
                    size += len(message.get("body", b""))
                    if size > limit:
                        await _refuse(scope, send, 413, f"the body is larger than {limit:,} bytes")
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _refuse(scope, send, 408, f"the body did not arrive within {self.timeout:g} s")
            return
        pending = iter(messages)

        async def replay() -> Any:
            message = next(pending, None)
            return message if message is not None else await receive()

        await self.app(scope, replay, send)
