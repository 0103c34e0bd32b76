"""Resident ID numbers quoted in free text (正文中的身份证号码), masked in public views.

Schemas mark the fields that *hold* ID numbers (``x-disclosure: masked``), so the public never
gets them; but a department may also quote a number in a text field (a 备注 naming an
individual business's operator, a 违法事实 naming a person). :func:`public_value` masks every
valid GB 11643 number found in such text the way a masked field is shown to agencies
(``420102********4513``), so none reaches a public view, download, feed or CKAN.
"""

from __future__ import annotations

import re
from typing import Any

import schemas

RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
"""An 18-character resident ID number standing alone in a text (checked before masking)."""


def mask_quoted_ids(text: str) -> str:
    """``text`` with every valid resident ID number in it masked."""

    def masked(found: re.Match[str]) -> str:
        number = found.group(0)
        if not schemas.is_valid_resident_id(number):
            return number
        return str(schemas.mask_id_number(number))

    return RESIDENT_ID.sub(masked, text)


def public_value(value: Any) -> Any:
    """A field value for a public view: strings (and strings in lists) with quoted ID
    numbers masked; anything else as it is."""
    if isinstance(value, str):
        return mask_quoted_ids(value) if RESIDENT_ID.search(value) else value
    if isinstance(value, list):
        return [public_value(v) if isinstance(v, str) else v for v in value]
    return value
