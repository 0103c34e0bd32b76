"""Exceptions of the workflows: only when a step cannot go on at all.

A procedure that runs but says no — a repair application filed too early, a correction that
does not validate — is not an exception: it is an answer with problems
(:class:`workflows.Problem`). Exceptions carry an HTTP-like ``status`` so the gateway can map
them without knowing each one.

Each also has a stable ``code``; :func:`workflows.problems.problem_of` gives it the same
:class:`workflows.Problem` shape a refusal has (Chinese and English), so every face — REST,
GraphQL, the CLI — reports it with the same code.

Tree::

    WorkflowError(status, code)  base class
    ├── CaseNotFoundError    404 not-found        no such application / objection / record
    ├── NotAllowedError      403 not-allowed      the caller may not take this step
    │   └── KeyRequiredError 401 key-required     no API key: every step is logged by key
    ├── StateConflictError   409 state-conflict   the case's state does not allow the step
    ├── InvalidRequestError  400 invalid-request  the request is malformed (unknown scenario …)
    └── ProceduresError      500 procedures-invalid  a procedure or measure data file is invalid
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class; ``status`` is the HTTP status a gateway should answer with."""

    status = 500
    code = "procedures-invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseNotFoundError(WorkflowError, LookupError):
    """No such case or record."""

    status = 404
    code = "not-found"


class NotAllowedError(WorkflowError, PermissionError):
    """The caller's role or department may not take this step."""

    status = 403
    code = "not-allowed"


class KeyRequiredError(NotAllowedError):
    """The caller has no key at all (workflow steps and checks are logged by key): not
    allowed, and told to authenticate (401 rather than 403)."""

    status = 401
    code = "key-required"


class StateConflictError(WorkflowError):
    """The case is not in a state that allows the step (or another caller got there first)."""

    status = 409
    code = "state-conflict"


class InvalidRequestError(WorkflowError, ValueError):
    """The request is malformed: an unknown scenario, outcome or reason."""

    status = 400
    code = "invalid-request"


class ProceduresError(WorkflowError):
    """A data file of this package (measures, procedures) does not validate."""

    status = 500
