"""How REST answers a workflow operation: the one route shape every workflow route shares.

A workflow route parses its body and parameters, then calls :func:`answer` with the operation
of :mod:`workflows` (``repair_apply``, ``objection_verify`` …) and its arguments. The
operation gets the request's store (or the check index), the caller built from the key
(:attr:`gateway.auth.Principal.caller`) and, when it takes one, the day; its
:class:`workflows.Answer` becomes the response — 200/201 with ``{"ok": true, …}``, 422 with
the procedure's problems as ``errors``, or the error's status (401, 403, 404, 409, 400) with
its code as the one problem. GraphQL and the CLI render the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from gateway.auth import Principal
from gateway.errors import ApiError
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, store_errors, store_of, today
from workflows import Answer, WorkflowError, attempt

WORKFLOW_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {**ERRORS[400], "description": "The case is not in a state that allows this step."},
    422: {
        **ERRORS[400],
        "description": "The procedure refused the step; `errors` are its problems.",
    },
}
"""The documented error responses of a workflow step the procedure may refuse (422)."""
STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    k: v for k, v in WORKFLOW_ERRORS.items() if k != 422
}
"""… of a step the procedure never refuses (it may still find the case in another state)."""
READ_ERRORS: dict[int | str, dict[str, Any]] = dict(ERRORS)
"""… of a workflow read."""


@contextmanager
def workflow_errors() -> Iterator[None]:
    """For a route that calls a workflow function itself (not an operation): its exceptions
    (and the store's) in the one error shape, with the error's code as the one problem."""
    with store_errors():
        try:
            yield
        except WorkflowError as exc:
            found = Answer.failed(exc)
            raise ApiError(found.status, exc.message, found.to_dict()["errors"]) from None


def respond(found: Answer) -> OrjsonResponse:
    """The answer as a response (a 401 challenges for a Bearer key)."""
    headers = {"WWW-Authenticate": "Bearer"} if found.status == 401 else None
    return OrjsonResponse(found.to_dict(), status_code=found.status, headers=headers)


def answer(
    request: Request,
    principal: Principal,
    operation: Callable[..., Answer],
    *,
    dated: bool = True,
    on: object | None = None,
    **arguments: Any,
) -> OrjsonResponse:
    """Run ``operation(store, caller, [today=…,] **arguments)`` and respond with its answer.

    ``on``: what the operation works on instead of the store (the check index).
    ``dated``: the operation takes the day the gateway judges windows on.
    """
    if dated:
        arguments["today"] = today(request)
    with store_errors():  # the store unreachable: 503, as every route
        found = attempt(
            operation, store_of(request) if on is None else on, principal.caller, **arguments
        )
    return respond(found)
