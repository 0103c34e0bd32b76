"""Expected failures of a GraphQL field, shown to the caller with a code; the rest is masked.

Tree::

    RequestError(message, code, status)    a field refused the request; visible to the caller
      BadInputError     400  BAD_USER_INPUT   page size, cursor, unknown field or dataset
      ForbiddenError    403  FORBIDDEN        the caller's role may not use this field
      AuditUnavailableError
                        503  AUDIT_UNAVAILABLE the read cannot be audited, so it is not served
      TooManyStreamsError
                        429  RATE_LIMITED     too many open subscriptions for the caller

Anything else raised while resolving (a bug, the store going away) is replaced by
``Unexpected error.`` by :class:`gateway.graphql.limits.MaskUnexpectedErrors` and only logged.
Mutations answer expected refusals with union results instead of errors
(``SubmissionRefused``, ``AcknowledgementRefused``), and so does every workflow field, query
or mutation (``Problem``, :mod:`gateway.graphql.workflow_types`).
"""

from __future__ import annotations

from typing import Any


class RequestError(Exception):
    """A refusal the caller should read; ``extensions`` appear in the GraphQL error."""

    code = "BAD_REQUEST"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # graphql-core copies ``extensions`` of the original error into the response
        self.extensions: dict[str, Any] = {"code": self.code, "status": self.status}


class BadInputError(RequestError):
    """An argument the gateway cannot serve (too large a page, a bad cursor, an unknown name)."""

    code = "BAD_USER_INPUT"


class ForbiddenError(RequestError):
    """The caller's key does not allow this field."""

    code = "FORBIDDEN"
    status = 403


class AuditUnavailableError(RequestError):
    """The audit trail cannot take the read (it is too far behind), so it is not served."""

    code = "AUDIT_UNAVAILABLE"
    status = 503


class TooManyStreamsError(RequestError):
    """The caller already holds as many subscriptions and streams as it may."""

    code = "RATE_LIMITED"
    status = 429
