"""What a workflow operation answers (答复), the same on every face: REST, GraphQL, the CLI.

An :class:`Answer` is the body REST sends and ``creditgate … --json`` prints (GraphQL builds
its types from the same dict) and, when the procedure said no, its problems and a one-line
refusal. :func:`attempt` runs an operation of :mod:`workflows.case_operations` or
:mod:`workflows.record_operations` and turns a step that could not go on
(:class:`workflows.WorkflowError`, an unknown record or dataset) into an answer of the same
shape, with the error's code and status. So the three faces show the same keys, codes and
statuses without a rule of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from catalog import UnknownDatasetError
from store import InvalidQueryError, UnknownRecordError
from workflows.errors import (
    CaseNotFoundError,
    InvalidRequestError,
    ProceduresError,
    WorkflowError,
)
from workflows.problems import Problem, problem_of

P = ParamSpec("P")

REFUSED = 422
"""The status of an answer with problems: the procedure ran and said no."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One operation's answer: its ``body``, and ``problems`` when it was refused."""

    body: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    refusal: str = "the procedure refused the step"
    created: bool = False
    """The operation made a new case or record (REST: 201)."""
    error_status: int | None = None
    """Set when the step could not go on at all (its error's status: 400, 401, 403 …)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> int:
        """The HTTP status of the answer: 200, 201; 422 when refused; the error's status."""
        if self.error_status is not None:
            return self.error_status
        if self.problems:
            return REFUSED
        return 201 if self.created else 200

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order (empty when the answer is ok)."""
        return [p.code for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        """``{"ok": true, …body}``, or the one error shape ``{ok, error, errors, status}``
        with the problems as ``errors`` and the case (as it stands) alongside."""
        if self.ok:
            return {"ok": True, **self.body}
        return {
            **self.body,
            "ok": False,
            "error": self.refusal,
            "errors": [p.to_dict() for p in self.problems],
            "status": self.status,
        }

    @classmethod
    def failed(cls, error: WorkflowError) -> Answer:
        """A step that could not go on: one problem with the error's code, its status."""
        return cls(problems=(problem_of(error),), refusal=error.message, error_status=error.status)


def attempt(operation: Callable[P, Answer], *args: P.args, **kwargs: P.kwargs) -> Answer:
    """Run ``operation``; a step that cannot go on becomes :meth:`Answer.failed`.

    Only expected failures are answered: a data file that does not validate
    (:class:`workflows.ProceduresError`) and anything unexpected still raise.
    """
    try:
        return operation(*args, **kwargs)
    except ProceduresError:
        raise
    except WorkflowError as exc:
        return Answer.failed(exc)
    except (UnknownRecordError, UnknownDatasetError) as exc:
        return Answer.failed(CaseNotFoundError(str(exc.args[0]) if exc.args else "not found"))
    except InvalidQueryError as exc:
        return Answer.failed(InvalidRequestError(str(exc)))
