"""Validation reports: every problem found in a submission, located and bilingual.

Bad data never raises; it becomes an :class:`Issue` with a stable kebab-case ``code`` from
``issue-codes.yaml`` (the one table of codes, documented in ``docs/issue-codes.md``), a
1-based data ``row`` (None for file- and header-level issues), the English ``field`` id, a
``severity``, messages in English and Chinese, and the offending value — truncated, and
masked when it is a personal ID number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from schemas import mask_id_number

Severity = Literal["error", "warning"]

MAX_VALUE_CHARS = 200


@dataclass(frozen=True, slots=True)
class IssueCode:
    """One row of the code table."""

    code: str
    severity: Severity
    level: Literal["file", "header", "row"]
    title: str
    title_zh: str
    description: str
    message: str
    message_zh: str


@cache
def issue_codes() -> dict[str, IssueCode]:
    """The code table, loaded once from ``publishers/issue-codes.yaml``."""
    text = (resources.files("publishers") / "issue-codes.yaml").read_text("utf-8")
    return {code: IssueCode(code=code, **spec) for code, spec in yaml.safe_load(text).items()}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, as the contract of ``creditgate validate --json`` spells it."""

    row: int | None
    field: str | None
    code: str
    severity: Severity
    message: str
    message_zh: str
    value: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "message_zh": self.message_zh,
            "value": self.value,
        }

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def display_value(value: Any, *, personal: bool = False) -> str | None:
    """The offending value as text for a report: truncated, and masked if personal."""
    if value is None:
        return None
    text = ";".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if personal:
        text = mask_id_number(text)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return text


def make_issue(
    code: str,
    *,
    row: int | None = None,
    field: str | None = None,
    value: Any = None,
    personal: bool = False,
    severity: Severity | None = None,
    **params: Any,
) -> Issue:
    """Render an issue from the code table; unknown codes are a programming error (KeyError)."""
    spec = issue_codes()[code]
    shown = display_value(value, personal=personal)
    fill = _Blank({k: "" if v is None else str(v) for k, v in params.items()})
    fill.setdefault("field", field or "")
    fill.setdefault("label", field or "")
    fill["value"] = shown or ""
    return Issue(
        row=row,
        field=field,
        code=code,
        severity=severity or spec.severity,
        message=spec.message.format_map(fill),
        message_zh=spec.message_zh.format_map(fill),
        value=shown,
    )


@dataclass(slots=True)
class Report:
    """What ``validate`` answers: a verdict, row counts and every issue in file order."""

    dataset: str
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    header_errors: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.invalid_rows == 0 and self.header_errors == 0

    def add(self, issue: Issue) -> None:
        if issue.row is None and issue.is_error:
            self.header_errors += 1
        self.issues.append(issue)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "dataset": self.dataset,
            "stats": {
                "rows": self.rows,
                "valid_rows": self.valid_rows,
                "invalid_rows": self.invalid_rows,
            },
            "issues": [issue.to_dict() for issue in self.issues],
        }
