"""One error shape on the wire: ``{"ok": false, "error": str, "errors": [...], "status": int}``.

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
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure — ours, FastAPI's, Starlette's, unexpected — use the one shape."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status, exc.error, exc.errors), exc.status, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(error_body(400, "invalid request", errors), 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # answered outside the middleware: name the request here (gateway.httpstack)
        request_id = correlation_id.get()
        headers = {"X-Request-ID": request_id, "Cache-Control": "no-store"} if request_id else None
        return JSONResponse(error_body(500, "internal error"), 500, headers=headers)
