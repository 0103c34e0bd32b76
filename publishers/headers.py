"""Header matching: which column of a department's file holds which schema field.

Departments head their exports with the English field id, the national standard's Chinese
label (full-width or ASCII parentheses or brackets, with or without the parenthetical part,
with or without ``、``, with blanks of any width, sometimes with a ``*`` or ``(必填)`` marking
mandatory columns), the national field code (``CF_XDR_MC``) or a legacy
2016 code (``CF_XDR_SFZ``). All of them are indexed from the schema annotations. A label
that two fields could claim at the same tier is dropped, so a header is never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from publishers.report import Issue, make_issue
from schemas import FieldSpec

_PAREN = re.compile(r"\(([^()]*)\)")
_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_MARKS = re.compile(r"\((?:必填|选填|可选|必填项|非必填)\)|\(\)")
_STRIP = re.compile(r"[\s*、,，:：/_\-]+|的")


def header_key(text: str) -> str:
    """Canonical form of a header, so that the ways departments write one label meet.

    NFKC (full-width → ASCII, NBSP and U+3000 → space); brackets 【】〔〕[] read as
    parentheses; no blanks (of any width), ``*``, ``、``, commas, colons, ``/``, ``_``, ``-``
    or ``的``; marks such as ``(必填)`` and ``单位:`` dropped; upper case (codes match
    case-insensitively).
    """
    norm = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    norm = _MARKS.sub("", _STRIP.sub("", norm)).replace("(单位", "(")
    if norm.startswith("(") and norm.endswith(")") and _balanced(norm[1:-1]):
        norm = norm[1:-1]  # 【罚款金额（万元）】
    return norm.upper()


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


@dataclass(frozen=True, slots=True)
class _Candidate:
    spec: FieldSpec
    tier: int
    legacy: bool


def _candidates(spec: FieldSpec) -> list[tuple[str, int, bool]]:
    out: list[tuple[str, int, bool]] = [(spec.id, 0, False)]
    if spec.national_code:
        out.append((spec.national_code, 0, False))
    title = spec.title_zh
    out.append((title, 0, False))
    norm = unicodedata.normalize("NFKC", title)
    bare = _PAREN.sub("", norm)
    if bare != norm:
        out.append((bare, 1, False))
        for inner in _PAREN.findall(norm):
            out.append((inner, 3, False))
    out.extend((alias, 1, False) for alias in spec.aliases)
    out.append((spec.title_en, 2, False))
    out.extend((code, 2, True) for code in spec.legacy_codes)
    return out


@dataclass(frozen=True, slots=True)
class HeaderIndex:
    """Header key → field, for one schema."""

    by_key: dict[str, _Candidate]

    @classmethod
    def build(cls, specs: Sequence[FieldSpec]) -> HeaderIndex:
        claims: dict[str, list[_Candidate]] = {}
        for spec in specs:
            for text, tier, legacy in _candidates(spec):
                claims.setdefault(header_key(text), []).append(_Candidate(spec, tier, legacy))
        by_key: dict[str, _Candidate] = {}
        for key, cands in claims.items():
            best = min(c.tier for c in cands)
            top = {c.spec.id: c for c in cands if c.tier == best}
            if len(top) == 1:
                by_key[key] = next(iter(top.values()))
        return cls(by_key)

    def match(self, header: str) -> tuple[FieldSpec, bool] | None:
        """The field a header names and whether it is a legacy code, or None."""
        cand = self.by_key.get(header_key(header))
        return (cand.spec, cand.legacy) if cand else None


@dataclass(slots=True)
class ColumnMap:
    """The resolved header row of a tabular file."""

    columns: list[tuple[int, FieldSpec]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        """True when a header error makes every row invalid."""
        return any(issue.is_error for issue in self.issues)


def map_columns(
    headers: Sequence[str], specs: Sequence[FieldSpec], index: HeaderIndex
) -> ColumnMap:
    """Map a header row onto fields and report unknown, duplicate, legacy and missing columns."""
    result = ColumnMap()
    seen: dict[str, list[str]] = {}
    for pos, raw in enumerate(headers):
        header = (raw or "").strip().lstrip("\ufeff")
        if not header:
            result.issues.append(make_issue("blank-header", value=str(pos + 1)))
            continue
        hit = index.match(header)
        if hit is None:
            result.issues.append(make_issue("unknown-column", value=header))
            continue
        spec, legacy = hit
        if legacy:
            result.issues.append(
                make_issue("legacy-column", field=spec.id, value=header, label=spec.title_zh)
            )
        seen.setdefault(spec.id, []).append(header)
        result.columns.append((pos, spec))
    for spec in specs:
        names = seen.get(spec.id, [])
        if len(names) > 1 and spec.normalise != "multi":
            result.issues.append(
                make_issue(
                    "duplicate-column",
                    field=spec.id,
                    value=", ".join(names),
                    label=spec.title_zh,
                )
            )
        if spec.required and not names:
            result.missing.add(spec.id)
            result.issues.append(make_issue("missing-column", field=spec.id, label=spec.title_zh))
    return result
