"""What a workflow operation answers (答复), the same on every face: REST, GraphQL, the CLI.

An :class:`Answer` is the body REST sends and ``creditgate … --json`` prints (GraphQL builds
its types from the same dict) and, when the procedure said no, its problems and a one-line
refusal. A step that cannot go on raises :class:`workflows.WorkflowError`, whose ``to_dict``
has the same shape. The operations of :mod:`workflows.case_operations` and
:mod:`workflows.record_operations` return answers, so the three faces show the same keys,
codes and statuses without a rule of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.errors import WorkflowError
from workflows.problems import Problem, problem_of

REFUSED = 422
"""The status of an answer with problems: the procedure ran and said no."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One operation's answer: its ``body``, and ``problems`` when the procedure refused."""

    body: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    refusal: str = "the procedure refused the step"
    created: bool = False
    """The operation made a new case or record (REST: 201)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> int:
        """The HTTP status of the answer: 200, 201, or 422 when refused."""
        if self.problems:
            return REFUSED
        return 201 if self.created else 200

    def to_dict(self) -> dict[str, Any]:
        """``{"ok": true, …body}``, or the one error shape with the problems as ``errors`` and
        the case (as it stands) alongside."""
        if self.ok:
            return {"ok": True, **self.body}
        return {
            **self.body,
            "ok": False,
            "error": self.refusal,
            "errors": [p.to_dict() for p in self.problems],
            "status": REFUSED,
        }


def error_body(error: WorkflowError) -> dict[str, Any]:
    """A step that could not go on, in the same shape: ``{ok, error, errors: [problem],
    status}`` (the problem carries the error's code)."""
    return {
        "ok": False,
        "error": error.message,
        "errors": [problem_of(error).to_dict()],
        "status": error.status,
    }
