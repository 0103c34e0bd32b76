"""Custom JSON Schema formats of the credit schemas, shared by every validator.

The same callables are registered with ``jsonschema`` (the reference) and ``jsonschema-rs``
(the fast path), so both give the same verdicts. Each takes a string; non-strings pass,
as the JSON Schema specification requires of formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from jsonschema import FormatChecker

from schemas.identifiers import USCC_PLACEHOLDER, is_valid_resident_id, is_valid_uscc


def _uscc(value: object) -> bool:
    return not isinstance(value, str) or is_valid_uscc(value)


def _uscc_or_placeholder(value: object) -> bool:
    return not isinstance(value, str) or value == USCC_PLACEHOLDER or is_valid_uscc(value)


def _resident_id(value: object) -> bool:
    return not isinstance(value, str) or is_valid_resident_id(value)


def _date(value: object) -> bool:
    """RFC 3339 full-date: exactly YYYY-MM-DD and a real calendar day."""
    if not isinstance(value, str):
        return True
    return _is_iso_date(value)


@lru_cache(maxsize=16384)
def _is_iso_date(value: str) -> bool:
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    year, month, day = value[:4], value[5:7], value[8:10]
    if not (year.isascii() and year.isdigit() and month.isdigit() and day.isdigit()):
        return False
    if not (month.isascii() and day.isascii()):
        return False
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[object], bool]] = {
    "date": _date,
    "resident-id": _resident_id,
    "uscc": _uscc,
    "uscc-or-placeholder": _uscc_or_placeholder,
}
"""Format name → checker. ``date`` is redefined so that both libraries agree exactly."""


def format_checker() -> FormatChecker:
    """A ``jsonschema`` FormatChecker that knows exactly the formats in :data:`FORMATS`."""
    checker = FormatChecker(formats=())
    for name, func in FORMATS.items():
        checker.checks(name)(func)
    return checker
