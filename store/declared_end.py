"""The provider's 公示截止期 (CF_GSJZQ, ``publication_end``) against the computed window end.

The declared end is kept in the payload as sent, but the gateway's computed window decides
(docs/publication-windows.md). A difference is reported to the provider as the receipt warning
``publication-end-mismatch`` and shown to agency and government audiences in ``_meta`` (never
to the public: it is a data-quality matter between the gateway and the department).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from publishers import Issue, make_issue
from store.window_model import PublicationWindow

DECLARED_END_FIELD = "publication_end"
OPEN_END = date(2099, 12, 31)


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-")) if value else None
    except ValueError:
        return None


def end_mismatch(
    payload: Mapping[str, Any], publishable: bool, end: date | None
) -> dict[str, Any] | None:
    """``{"declared", "computed"}`` when the declared end differs from the computed one.

    ``computed`` is an ISO date, None for an open-ended window, or ``"not-published"``; a
    declared 2099-12-31 (长期) means open-ended. None when nothing was declared or they agree.
    """
    declared = _day(payload.get(DECLARED_END_FIELD))
    if declared is None:
        return None
    declared_end = None if declared >= OPEN_END else declared
    if publishable and declared_end == end:
        return None
    computed: str | None = (end.isoformat() if end else None) if publishable else "not-published"
    return {"declared": declared.isoformat(), "computed": computed}


_IN_TEXT = re.compile(r'"publication_end":"([0-9]{4}-[0-9]{2}-[0-9]{2})"')


def end_mismatch_in_text(
    payload: str | None, publishable: bool | None, end: date | None
) -> dict[str, Any] | None:
    """:func:`end_mismatch` of a stored canonical-JSON payload, without parsing it whole."""
    if not payload or DECLARED_END_FIELD not in payload:
        return None
    found = _IN_TEXT.search(payload)
    if found is None:
        return None
    return end_mismatch({DECLARED_END_FIELD: found.group(1)}, bool(publishable), end)


def window_issues(row: int, record: Mapping[str, Any], window: PublicationWindow) -> list[Issue]:
    """The receipt warnings of a stored record's window: ``publication-end-mismatch`` (the
    declared 公示截止期 differs; it is kept, the computed end decides)."""
    issues: list[Issue] = []
    mismatch = end_mismatch(record, window.publishable, window.end)
    if mismatch is not None:
        issues.append(
            make_issue(
                "publication-end-mismatch",
                row=row,
                field=DECLARED_END_FIELD,
                value=mismatch["declared"],
                expected=mismatch["computed"] or "open-ended",
            )
        )
    return issues
