"""Problems (问题): why a workflow step said no, as data rather than exceptions.

A :class:`Problem` has a stable kebab-case ``code`` from ``data/problems.yaml`` and its
message in Chinese and English rendered from that file's templates, plus the parameters, so
an API client can show either language or build its own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from workflows.datafiles import DATA
from workflows.errors import WorkflowError


@cache
def problem_codes() -> Mapping[str, Mapping[str, str]]:
    """``code -> {"zh": template, "en": template}`` of every problem."""
    loaded: dict[str, dict[str, str]] = yaml.safe_load((DATA / "problems.yaml").read_text("utf-8"))
    return loaded


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a step was refused."""

    code: str
    message_zh: str
    message_en: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Problem:
        return cls(raw["code"], raw["message_zh"], raw["message_en"], raw.get("params", {}))


def problem(code: str, **params: Any) -> Problem:
    """The problem ``code`` with its messages rendered from ``params``.

    Raises KeyError for an unknown code: a code is part of the API, so a typo must fail tests.
    """
    templates = problem_codes()[code]
    shown = {k: ("" if v is None else str(v)) for k, v in params.items()}
    return Problem(
        code=code,
        message_zh=templates["zh"].format(**shown),
        message_en=templates["en"].format(**shown),
        params=shown,
    )


def problem_of(error: WorkflowError) -> Problem:
    """A step that could not go on, as a problem: its code, the message in both languages."""
    return problem(error.code, detail=error.message)
