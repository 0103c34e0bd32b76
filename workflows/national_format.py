"""The layout of 信用中国's repair and objection results file, as data (``national-results.yaml``).

The file names a record by its own 2021 双公示 codes (``CF_WSH`` + ``CF_XDR_SHXYM`` …) and the
decision by the ``XF_*`` columns of the data file; this module loads that file and reads a
results file (CSV with a header of codes, a JSON array of objects, or NDJSON) into lines of
``code -> text``, numbered as people count them (CSV: the header is line 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from workflows.datafiles import DATA, read_data_file

FILE = "national-results.yaml"


@dataclass(frozen=True, slots=True)
class ResultRule:
    """One result of one kind: what it does to the record."""

    kind: str
    result: str
    zh: str
    action: str  # take_down | clear_mark | none
    reason: str | None


@dataclass(frozen=True, slots=True)
class NationalFormat:
    """The loaded data file."""

    version: str
    columns: Mapping[str, Mapping[str, Any]]
    document_field: str
    subject_fields: tuple[str, ...]
    authority_field: str
    kinds: Mapping[str, str]  # alias (lower-case) -> kind
    kind_zh: Mapping[str, str]
    results: Mapping[tuple[str, str], ResultRule]  # (kind, alias lower-case) -> rule
    messages: Mapping[str, Mapping[str, str]]

    def kind_of(self, value: str) -> str | None:
        return self.kinds.get(value.strip().lower())

    def rule_of(self, kind: str, value: str) -> ResultRule | None:
        return self.results.get((kind, value.strip().lower()))

    def results_of(self, kind: str) -> list[str]:
        return sorted({r.result for (k, _), r in self.results.items() if k == kind})

    def message(self, code: str, **params: Any) -> tuple[str, str]:
        """``(zh, en)`` of a message of the data file."""
        templates = self.messages[code]
        shown = {k: "" if v is None else str(v) for k, v in params.items()}
        return templates["zh"].format(**shown), templates["en"].format(**shown)


@cache
def load_national_format() -> NationalFormat:
    """The validated layout (raises :class:`workflows.ProceduresError` for a bad data file)."""
    doc = read_data_file(DATA / FILE, "national-results.schema.json")
    kinds: dict[str, str] = {}
    kind_zh: dict[str, str] = {}
    results: dict[tuple[str, str], ResultRule] = {}
    for kind, spec in doc["kinds"].items():
        kind_zh[kind] = spec["zh"]
        for alias in (kind, spec["zh"], *spec["aliases"]):
            kinds[str(alias).lower()] = kind
        for result, rule in spec["results"].items():
            found = ResultRule(kind, result, rule["zh"], rule["action"], rule.get("reason"))
            for alias in (result, rule["zh"], *rule["aliases"]):
                results[(kind, str(alias).lower())] = found
    record = doc["record"]
    return NationalFormat(
        version=doc["version"],
        columns=doc["columns"],
        document_field=record["document"],
        subject_fields=tuple(record["subject"]),
        authority_field=record["authority"],
        kinds=kinds,
        kind_zh=kind_zh,
        results=results,
        messages=doc["messages"],
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_lines(data: bytes | str, kind: str = "auto") -> list[tuple[int, dict[str, str] | None]]:
    """``(line number, code -> text)`` of a results file; None for an item that is not an
    object (JSON). ``kind``: ``csv``, ``json``, ``ndjson`` or ``auto`` (JSON when the text
    starts with ``[`` or ``{``). Header codes are upper-cased; blank lines are skipped.
    Raises ValueError for text that is not JSON when JSON was expected."""
    text = _decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    stripped = text.lstrip()
    if kind == "auto":
        kind = "json" if stripped[:1] in ("[", "{") else "csv"
        if kind == "json" and stripped[:1] == "{" and "\n{" in stripped.strip():
            kind = "ndjson"
    if kind == "csv":
        reader = csv.reader(io.StringIO(text))
        header = [h.strip().upper() for h in next(reader, [])]
        out: list[tuple[int, dict[str, str] | None]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            out.append((number, {h: _text(c) for h, c in zip(header, cells, strict=False) if h}))
        return out
    if kind == "ndjson":
        items = [
            (n, orjson.loads(line))
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    else:
        body = orjson.loads(text)
        if isinstance(body, dict):
            body = body.get("lines", [body])
        if not isinstance(body, list):
            raise ValueError('a JSON results file is an array of objects (or {"lines": […]})')
        items = list(enumerate(body, start=1))
    return [
        (n, {str(k).strip().upper(): _text(v) for k, v in item.items()})
        if isinstance(item, dict)
        else (n, None)
        for n, item in items
    ]
