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
  gets the empty alternative ``{}`` ("no key is also accepted");
- a 429 names its ``Retry-After`` header;
- ``/graphql`` answers a GraphQL response (200) or a GraphQL request error (400, 401, 408,
  413, 429: :mod:`gateway.errors`), not the REST shapes strawberry's route would suggest.

The result passes ``openapi-spec-validator`` (a test holds it to that).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from gateway.errors import GRAPHQL_PATH
from gateway.models import FeedItem, GraphQLRequestError, GraphQLResponse, RecordView

BODY_METHODS = frozenset({"post", "put", "patch"})
NDJSON_ITEMS = {
    "/api/v1/changes": "FeedItem",
    "/api/v1/datasets/{dataset}/download.ndjson": "RecordView",
}
"""NDJSON answers and the model of each of their lines (``x-ndjson-item``)."""
PAGE_SIZE_PARAMETERS = {("/api/v1/datasets/{dataset}/records", "limit")}
"""(path, query parameter) bounded by the ``max_page_size`` setting."""
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
NOT_MODIFIED = "Not modified: the copy named by If-None-Match (or If-Modified-Since) is current."
_BODY_ERRORS = {
    "400": "The request is malformed (bad parameter, filter or body).",
    "408": "The body did not arrive within upload_timeout_seconds.",
    "413": "The body is larger than allowed (max_request_bytes / max_upload_bytes).",
}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_GRAPHQL_ERRORS = {
    "400": "The request is not a GraphQL request (bad JSON, no query, a media type).",
    "401": "The API key is unknown or revoked.",
    "408": "The body did not arrive within upload_timeout_seconds.",
    "413": "The body is larger than max_request_bytes.",
    "429": "Rate limit reached; see Retry-After.",
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _graphql_operation(method: str, operation: dict[str, Any]) -> None:
    """``/graphql``: a GraphQL response, or a GraphQL request error (module docstring)."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    ok = _json("GraphQLResponse", "A GraphQL response (errors of fields in `errors`).")
    if method == "get":  # GraphiQL too, when enabled
        ok["content"]["text/html"] = {"schema": {"type": "string"}}
    responses["200"] = ok
    for status, description in _GRAPHQL_ERRORS.items():
        if status in ("408", "413") and method == "get":
            continue
        responses[status] = _json("GraphQLRequestError", description)
    responses["429"]["headers"] = _RETRY_AFTER
    responses.pop("422", None)


def _add_models(document: dict[str, Any], *models: Any) -> None:
    """Put pydantic models (and what they refer to) into ``components.schemas``."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in models:
        schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema


def _body_schema(media: str, item: str | None) -> dict[str, Any]:
    """The schema of a success body that is not JSON: text, lines of JSON, or a file."""
    if media.endswith("ndjson"):
        schema: dict[str, Any] = {"type": "string", "description": "One JSON object per line."}
        if item:
            schema["x-ndjson-item"] = {"$ref": f"#/components/schemas/{item}"}
        return schema
    if media.startswith("text/"):
        return {"type": "string"}
    return {"type": "string", "contentMediaType": media}


def honest_operation(method: str, operation: dict[str, Any], path: str = "") -> None:
    """Correct one operation of the document in place (see the module docstring)."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, response in responses.items():
        for media, content in response.get("content", {}).items():
            if status.startswith("2") and not (content or {}).get("schema"):
                response["content"][media] = {"schema": _body_schema(media, NDJSON_ITEMS.get(path))}
    if "HTTPValidationError" in repr(responses.get("422")):  # FastAPI's, not a route's own
        del responses["422"]
        responses.setdefault("400", _error(_BODY_ERRORS["400"]))
    if method == "get":
        responses.setdefault("304", {"description": NOT_MODIFIED})
    if method in BODY_METHODS:
        for status, description in _BODY_ERRORS.items():
            responses.setdefault(status, _error(description))
    if "429" in responses:
        responses["429"].setdefault("headers", _RETRY_AFTER)
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
            if path == GRAPHQL_PATH:
                _graphql_operation(method, operation)
            elif isinstance(operation, dict) and "responses" in operation:
                honest_operation(method, operation, path)
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
    if GRAPHQL_PATH in document.get("paths", {}):
        _add_models(document, GraphQLResponse, GraphQLRequestError)
    _add_models(document, FeedItem, RecordView)
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
