"""One error shape on the wire per protocol.

REST (and everything else that is not GraphQL): ``{"ok": false, "error": str, "errors": [...],
"status": int}``.

GraphQL (``/graphql``): a refusal that comes before any GraphQL runs — a bad or revoked key
(401), a spent rate limit (429), a body too large or too slow (413, 408), a request strawberry
cannot read (400, 405, 415) — is a GraphQL-over-HTTP *request error*: no ``data`` (nothing
was executed) and ``errors`` with one error whose ``extensions`` carry the machine ``code``
(``UNAUTHENTICATED``, ``RATE_LIMITED`` …) and the HTTP ``status``. The HTTP status and the
headers (``Retry-After``, ``WWW-Authenticate``) stay as they are, so an HTTP client and a
GraphQL client (``gql``) both read the refusal. Errors raised while executing are in the
ordinary ``errors`` of the response (:mod:`gateway.graphql.errors`).

Tree::

    ApiError(status, error, errors)      every expected failure of a route
      (raised by routes; unexpected exceptions become a masked 500 of the same shape)
"""

from __future__ import annotations

from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

GRAPHQL_PATH = "/graphql"
GRAPHQL_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
"""``extensions.code`` of a GraphQL request error, by HTTP status."""


class ApiError(Exception):
    """An expected failure with an HTTP status."""

    def __init__(
        self,
        status: int,
        error: str,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.errors = errors or []
        self.headers = headers


def error_body(status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """The REST error shape."""
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def graphql_error_body(status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """A GraphQL-over-HTTP request error: no ``data``, one error with a code (module doc)."""
    extensions: dict[str, Any] = {"code": GRAPHQL_CODES.get(status, "BAD_REQUEST")}
    extensions["status"] = status
    if errors:
        extensions["details"] = errors
    return {"errors": [{"message": error, "extensions": extensions}]}


def is_graphql(path: str) -> bool:
    """Whether a request path is the GraphQL endpoint (its errors take the GraphQL shape)."""
    return path.rstrip("/") == GRAPHQL_PATH


def body_for(path: str, status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """The error body of a failure of a request to ``path``, in its protocol's shape."""
    shape = graphql_error_body if is_graphql(path) else error_body
    return shape(status, error, errors)


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure — ours, FastAPI's, Starlette's, unexpected — use the one shape of
    its protocol."""

    def respond(
        request: Request,
        status: int,
        error: str,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        body = body_for(request.url.path, status, error, errors)
        return JSONResponse(body, status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return respond(request, exc.status, exc.error, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return respond(request, 400, "invalid request", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return respond(request, exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # answered outside the middleware: name the request here (gateway.httpstack)
        request_id = correlation_id.get()
        headers = {"X-Request-ID": request_id, "Cache-Control": "no-store"} if request_id else None
        return respond(request, 500, "internal error", headers=headers)
