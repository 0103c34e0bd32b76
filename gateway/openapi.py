"""The OpenAPI document as the app actually answers, so a fuzzer can hold the app to it.

FastAPI describes a few things the gateway does differently, and this module corrects them
once, for every route (present and future):

- FastAPI declares ``422 Validation Error`` on every route with parameters; the gateway
  answers a bad parameter or body with ``400`` in the one error shape
  (:mod:`gateway.errors`), so FastAPI's 422 is dropped and 400 declared instead (a 422 a
  route declares itself — a receipt with rejected rows — stays);
- every request with a body passes :class:`gateway.bodies.BodyLimitMiddleware`, which may
  answer ``413`` (too large) or ``408`` (too slow): declared on every such operation;
- a page size bounded by a setting (``limit`` of ``/records``, at most ``max_page_size``)
  declares that setting's value as its ``maximum``;
- every GET may answer ``304`` to a conditional request (``If-None-Match``,
  ``If-Modified-Since``; :mod:`gateway.conditional`, :mod:`gateway.httpstack`);
- the bearer key is optional at the door — without one the caller reads the public view,
  and a route that needs a key answers 401 — so every operation's security requirement
  gets the empty alternative ``{}`` ("no key is also accepted").
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

BODY_METHODS = frozenset({"post", "put", "patch"})
PAGE_SIZE_PARAMETERS = {("/api/v1/datasets/{dataset}/records", "limit")}
"""(path, query parameter) bounded by the ``max_page_size`` setting."""
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
NOT_MODIFIED = "Not modified: the copy named by If-None-Match (or If-Modified-Since) is current."
_BODY_ERRORS = {
    "400": "The request is malformed (bad parameter, filter or body).",
    "408": "The body did not arrive within upload_timeout_seconds.",
    "413": "The body is larger than allowed (max_request_bytes / max_upload_bytes).",
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def honest_operation(method: str, operation: dict[str, Any]) -> None:
    """Correct one operation of the document in place (see the module docstring)."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "HTTPValidationError" in repr(responses.get("422")):  # FastAPI's, not a route's own
        del responses["422"]
        responses.setdefault("400", _error(_BODY_ERRORS["400"]))
    if method == "get":
        responses.setdefault("304", {"description": NOT_MODIFIED})
    if method in BODY_METHODS:
        for status, description in _BODY_ERRORS.items():
            responses.setdefault(status, _error(description))
    security = operation.get("security")
    if security and {} not in security:
        operation["security"] = [{}, *security]


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once and corrected (install as ``app.openapi``)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    maximum = app.state.settings.max_page_size
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                honest_operation(method, operation)
            for parameter in operation.get("parameters", ()):
                if (path, parameter.get("name")) in PAGE_SIZE_PARAMETERS:
                    parameter["schema"]["maximum"] = maximum
    schemas = document.get("components", {}).get("schemas", {})
    text = repr(document["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            schemas.pop(unused, None)
    if "ErrorBody" not in schemas:  # a route set without the shared errors (tests)
        schemas["ErrorBody"] = _ERROR_BODY_SCHEMA
    app.openapi_schema = document
    return document


_ERROR_BODY_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "description": "The one error shape of every failure.",
    "required": ["ok", "error", "errors", "status"],
    "properties": {
        "ok": {"type": "boolean", "const": False, "title": "Ok"},
        "error": {"type": "string", "title": "Error"},
        "errors": {"type": "array", "items": {}, "title": "Errors"},
        "status": {"type": "integer", "title": "Status"},
    },
}
