"""Exceptions of the workflows: only when a step cannot go on at all.

A procedure that runs but says no — a repair application filed too early, a correction that
does not validate — is not an exception: it is an answer with problems
(:class:`workflows.Problem`). Exceptions carry an HTTP-like ``status`` so the gateway can map
them without knowing each one.

Tree::

    WorkflowError(status)                 base class
    ├── CaseNotFoundError        404      no such repair application / objection / record
    ├── NotAllowedError          403      the caller may not take this step
    ├── StateConflictError       409      the case is not in a state that allows the step
    ├── InvalidRequestError      400      the request itself is malformed (unknown scenario …)
    └── ProceduresError          500      the procedure or measure data files are invalid
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class; ``status`` is the HTTP status a gateway should answer with."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseNotFoundError(WorkflowError, LookupError):
    """No such case or record."""

    status = 404


class NotAllowedError(WorkflowError, PermissionError):
    """The caller's role or department may not take this step."""

    status = 403


class StateConflictError(WorkflowError):
    """The case is not in a state that allows the step (or another caller got there first)."""

    status = 409


class InvalidRequestError(WorkflowError, ValueError):
    """The request is malformed: an unknown scenario, outcome or reason."""

    status = 400


class ProceduresError(WorkflowError):
    """A data file of this package (measures, procedures) does not validate."""

    status = 500
