"""What every REST route shares: the caller, the store, the day, error translation, and the
documented error responses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from catalog import UnknownDatasetError
from gateway.audit import audit_of
from gateway.auth import Principal, challenge
from gateway.clock import today_of
from gateway.conditional import (
    NotModified,
    head_cache,
    is_conditional,
    not_modified,
    remember,
    validators_for,
)
from gateway.errors import ApiError
from gateway.models import ErrorBody
from gateway.ratelimit import caller
from store import InvalidQueryError, Store, StoreUnavailableError, UnknownRecordError

MAX_INT = 2**63 - 1
"""The largest integer any parameter may carry (a 64-bit signed column); more is a 400."""

DATASET_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
"""A dataset id as the catalogue's meta-schema defines it (kebab-case, at most 80)."""
DatasetId = Annotated[
    str,
    Path(pattern=DATASET_ID_PATTERN, max_length=80, description="The dataset id (kebab-case)."),
]
"""The ``{dataset}`` path parameter; anything else is a 400 before the catalogue is asked."""
USCC_PATH_PATTERN = r"^[0-9A-Za-z]{18}$"
"""18 letters or digits (case-insensitive); the check digit is checked by the route (400)."""

bearer = HTTPBearer(
    auto_error=False,
    # a components key: letters, digits, '.', '_' and '-' only (OpenAPI 3.1, §4.8.7.1)
    scheme_name="ApiKey",
    description="`Authorization: Bearer <key>` (from `creditgate keys create`); "
    "without a key you read the public view.",
)


async def keyed_caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """:func:`gateway.ratelimit.caller`, declaring the bearer scheme in the OpenAPI document
    (the header itself is read by :func:`gateway.auth.principal_from_request`)."""
    return await caller(request)


Caller = Annotated[Principal, Depends(keyed_caller)]
"""The principal of a rate-limited request."""


def versioned(action: str, *, log: bool = True) -> Any:
    """A route dependency giving a GET answer its validators (:mod:`gateway.conditional`),
    and answering 304 — before the route builds anything — when the client's copy is current.

    ``log``: the answer follows the change log (records, entities, the feed); False for
    answers fixed by the deployment (the catalogue). A keyed caller's 304 is audited as
    ``<action>.not-modified`` (it confirms the copy the caller holds)."""

    async def validate(request: Request, principal: Caller) -> None:
        if request.method != "GET":
            return
        conditional = is_conditional(request)
        with store_errors():
            mark = (
                await head_cache(request.app).mark(request.app, fresh=conditional) if log else None
            )
        validators = validators_for(request, principal, mark)
        remember(request, validators)
        if conditional and not_modified(request, validators):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            audit_of(request.app).note(
                principal, f"{action}.not-modified", target, mark[0] if mark else 0
            )
            raise NotModified(validators)

    return Depends(validate)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The request is malformed (bad parameter, filter or token)."),
    401: _error("The API key is unknown or revoked, or a key is needed."),
    403: _error("The key's role may not do this, or the dataset is not open to it."),
    404: _error("No such dataset, schema or record."),
    429: _error("Rate limit reached; see Retry-After."),
    503: _error("The store or the audit trail is unavailable."),
}
"""Error responses every route may give (for the OpenAPI description)."""


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def today(request: Request) -> date:
    """The day publication windows are judged on."""
    return today_of(request.app)


def require_key(principal: Principal) -> None:
    """401 (with a Bearer challenge) for a caller without a key."""
    if not principal.authorised:
        raise ApiError(
            401,
            "this needs an API key: send Authorization: Bearer <key>",
            headers=challenge(),
        )


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn the store's and the catalogue's expected exceptions into the error shape (any other
    exception stays a masked 500)."""
    try:
        yield
    except UnknownDatasetError as exc:
        raise ApiError(404, str(exc.args[0]) if exc.args else "unknown dataset") from None
    except UnknownRecordError as exc:
        raise ApiError(404, str(exc)) from None
    except InvalidQueryError as exc:
        raise ApiError(400, str(exc)) from None
    except StoreUnavailableError as exc:
        raise ApiError(503, str(exc)) from None
