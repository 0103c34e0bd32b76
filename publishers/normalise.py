"""Cell normalisation: from what a department's file holds to the canonical JSON value.

One small function per field kind (``FieldSpec.normalise``), chosen once per column so the
per-row loop stays cheap. Dates become ISO ``YYYY-MM-DD`` (``YYYY/MM/DD``, ``YYYY.MM.DD``,
``YYYYMMDD``, ``YYYY年M月D日`` and spreadsheet date cells are accepted); code fields are
NFKC-normalised and upper-cased (the caller warns when that changed anything); amounts become
decimal strings; multi-valued cells split on ``;``, ``；`` and ``、``, or on the separators a
field declares (``x-separators``: 处罚类别 also takes ``,`` ``，`` ``|``). A value that cannot be
normalised is passed on unchanged, so the schema reports it where it is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

import yaml

Normaliser = Callable[[Any], Any]

_DATE = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$")
_DATE_TIME = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(:00(\.0+)?)?$")
_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_MULTI = re.compile(r"\s*[;；、]\s*")


@dataclass(frozen=True, slots=True)
class LegacyRule:
    """A legacy label whose current value depends on another field (``legacy-values.yaml``)."""

    read: str
    when: tuple[tuple[str, str], ...]
    keep: str

    def decide(self, record: dict[str, Any]) -> str | None:
        """The current value when exactly one keyword occurs in the field read, else None."""
        other = record.get(self.read)
        if other.__class__ is not str:
            return None
        found = {new for word, new in self.when if word in other}
        return found.pop() if len(found) == 1 else None


@cache
def legacy_rules() -> dict[str, dict[str, LegacyRule]]:
    """Field id → {legacy label: rule}, from ``publishers/legacy-values.yaml``."""
    text = (resources.files("publishers") / "legacy-values.yaml").read_text("utf-8")
    return {
        fid: {
            str(label): LegacyRule(
                read=str(spec["read"]),
                when=tuple((str(a), str(b)) for a, b in spec["when"].items()),
                keep=str(spec.get("keep", label)),
            )
            for label, spec in labels.items()
        }
        for fid, labels in yaml.safe_load(text).items()
    }


@cache
def value_aliases() -> dict[str, dict[str, str]]:
    """Field id → {old label: current value}, from ``publishers/value-aliases.yaml``."""
    text = (resources.files("publishers") / "value-aliases.yaml").read_text("utf-8")
    return {k: {str(a): str(b) for a, b in v.items()} for k, v in yaml.safe_load(text).items()}


def _scalar_text(value: Any) -> Any:
    """Spreadsheet cells arrive typed; text fields want text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def text(value: Any) -> Any:
    """Strip text; empty means absent (None)."""
    if value.__class__ is str:
        return value.strip() or None
    return _scalar_text(value)


def code(value: Any) -> Any:
    """Identifier cells: NFKC (full-width → ASCII), no inner blanks, upper case."""
    if value.__class__ is not str:
        value = _scalar_text(value)
        if value.__class__ is not str:
            return value
    value = value.strip()
    if not value:
        return None
    if value.isascii():
        return value.upper()
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def date(value: Any) -> Any:
    """Dates to ISO ``YYYY-MM-DD``; impossible dates stay as they are for the schema to reject."""
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return value
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)
        m = _DATE.match(value) or _COMPACT.match(value)
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        m = _DATE_TIME.match(value)
        return m.group(1) if m else value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def amount(value: Any) -> Any:
    """Amounts in 万元 to plain decimal strings (numbers from JSON or spreadsheets included)."""
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        return value if value.isascii() else unicodedata.normalize("NFKC", value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return value
        text_value = format(dec, "f")
        if "." in text_value:
            text_value = text_value.rstrip("0").rstrip(".")
        return text_value
    return value


def multi(value: Any) -> Any:
    """Multi-valued cells: split on ``;``, ``；`` and ``、``; JSON arrays keep their items."""
    if value.__class__ is str:
        parts = [p for p in _MULTI.split(value.strip()) if p]
        return parts or None
    if isinstance(value, list):
        return [item.strip() if isinstance(item, str) else item for item in value] or None
    return value


def splitter(separators: Sequence[str], known: Collection[str] = ()) -> Normaliser:
    """A multi-valued normaliser splitting on ``separators``.

    A part that is not a ``known`` value and follows a ``其他-…`` item is glued back to it
    with its separator ("其他-责令改正，限期整改" stays one item).
    """
    alternatives = "|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True))
    pattern = re.compile(r"\s*(" + alternatives + r")\s*")
    known_set = frozenset(known)

    def split(value: Any) -> Any:
        if value.__class__ is not str:
            return multi(value)
        pieces = pattern.split(value.strip())
        if len(pieces) == 1:
            return [pieces[0]] if pieces[0] else None
        if "其他" not in value:  # the common case: every other piece is a value
            return [p for p in pieces[::2] if p] or None
        out: list[str] = []
        for i in range(0, len(pieces), 2):
            part = pieces[i]
            if not part:
                continue
            if out and out[-1].startswith("其他") and part not in known_set:
                out[-1] = out[-1] + pieces[i - 1] + part
            else:
                out.append(part)
        return out or None

    return split


def lines(value: Any) -> Any:
    """Multi-valued cells whose items contain ``;`` or ``、`` themselves: one item per line."""
    if value.__class__ is str:
        parts = [p.strip() for p in value.splitlines() if p.strip()]
        return parts or None
    return multi(value)


def json_cell(value: Any) -> Any:
    """Cells that hold a list of objects carry it as JSON text; left as text when malformed."""
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_TRUE = frozenset({"true", "1", "是", "yes", "y"})
_FALSE = frozenset({"false", "0", "否", "no", "n"})


def integer(value: Any) -> Any:
    """Integer fields: digits in a cell become an int; anything else is left for the schema."""
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        text_value = unicodedata.normalize("NFKC", value)
        if text_value.lstrip("-").isdigit() and text_value.isascii():
            return int(text_value)
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def boolean(value: Any) -> Any:
    """Boolean fields: true/false, 1/0, 是/否 in a cell; JSON booleans stay as they are."""
    if value.__class__ is str:
        lowered = value.strip().lower()
        if not lowered:
            return None
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return value
    return value


NORMALISERS: dict[str, Normaliser] = {
    "integer": integer,
    "boolean": boolean,
    "lines": lines,
    "json": json_cell,
    "text": text,
    "code": code,
    "date": date,
    "amount": amount,
    "multi": multi,
}
