"""The publication window and reading the record values rules test (dates, lists, amounts).

:class:`PublicationWindow` is what :mod:`store.windows` answers; the readers here never raise
for bad data except :class:`_UnusableError`, which the rule book turns into a non-publishable
window with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from store.derivation import Explained
from store.rulefiles import Severity

OPEN_END = date(2099, 12, 31)
"""长期: an end date on or after this day means "no end"."""

LOW_FINE_UNSET = "low_fine_threshold_unset"
"""Flag of a window that the unset 较低数额罚款 threshold may have lengthened."""

_DAY = timedelta(days=1)
_SEPARATORS = re.compile(r"[;；、,，]")


@dataclass(frozen=True, slots=True)
class PublicationWindow:
    """When a record may be shown on the public channel: the closed interval [start, end].

    ``publishable=False`` means it must never be shown (start and end are then None).
    ``start=None``: no first day; ``end=None``: open-ended. ``min_end`` is the last day of the
    minimum period: credit repair may end publication after it, never before. ``explanation``
    lists the inputs the rules used and their source (declared / derived / inferred); ``flags``
    name doubts a person should look at (e.g. :data:`LOW_FINE_UNSET`).
    """

    def as_json(self) -> dict[str, Any]:
        """The ``rules window`` contract: dates ISO, ``end`` None = open-ended."""

        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "publishable": self.publishable,
            "start": iso(self.start),
            "end": iso(self.end),
            "min_end": iso(self.min_end),
            "rule_set": self.rule_set,
            "explanation": [item.as_dict() for item in self.explanation],
        }

    publishable: bool
    start: date | None
    end: date | None
    min_end: date | None
    severity: Severity | None
    rule_set: str
    reason: str
    reason_zh: str
    explanation: tuple[Explained, ...] = dc_field(default=(), compare=False)
    flags: tuple[str, ...] = ()

    def contains(self, day: date) -> bool:
        """Whether the record may be shown on ``day`` (both ends inclusive)."""
        if not self.publishable:
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


# --- reading record values -------------------------------------------------------------------


class _UnusableError(Exception):
    """The record lacks what its window needs; it becomes a non-publishable window."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, list | tuple):
        return None
    text = str(value).strip()
    return text or None


def _items(value: Any) -> list[str]:
    raw = value if isinstance(value, list | tuple) else _SEPARATORS.split(str(value or ""))
    return [text for item in raw if (text := _text(item))]


def _date(record: Mapping[str, Any], field: str) -> date | None:
    value = record.get(field)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        reason = f"{field} is not a date: {text[:20]!r}"
        raise _UnusableError(reason, f"字段 {field} 不是有效日期") from None


def _required_date(record: Mapping[str, Any], field: str) -> date:
    day = _date(record, field)
    if day is None:
        raise _UnusableError(f"{field} is missing", f"缺少字段 {field}")
    return day


def _decimal(value: Any) -> Decimal | None:
    text = _text(value)
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _matches(when: Mapping[str, Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    for field, test in when.items():
        value = _text(record.get(field))
        if "in" in test and value not in test["in"]:
            return False
        if "not_in" in test and value in test["not_in"]:
            return False
        if "subset_of" in test:
            items = _items(record.get(field))
            if not items or not set(items) <= set(test["subset_of"]):
                return False
    return True


def _in_range(rule: Mapping[str, Any], day: date) -> bool:
    begins, ends = rule["from"], rule["until"]
    return (begins is None or _day(begins) <= day) and (ends is None or day <= _day(ends))


@cache
def _day(text: str) -> date:
    return date.fromisoformat(text)


def _closed(
    rule_set: str, reason: str, reason_zh: str, severity: Severity | None = None
) -> PublicationWindow:
    return PublicationWindow(False, None, None, None, severity, rule_set, reason, reason_zh)
