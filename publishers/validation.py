"""Record validation: JSON Schema verdicts from ``jsonschema-rs``, issues in the report's terms.

The compiled validator answers ``is_valid`` for the common case; only invalid records pay for
``iter_errors``, whose errors are mapped onto issue codes through the schema annotations on
the failing path (``x-issue-code``, ``x-rule``). The same format callables are registered with
the reference ``jsonschema`` validator, and a differential test holds the two verdicts equal.
Checks JSON Schema cannot express (dates in the future, date order, the USCC's embedded
organisation code and registration type) run in :meth:`RecordValidator.check` after the schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from publishers.amounts import fine_unit_suspect, worth_checking
from publishers.report import Issue, make_issue
from publishers.schema_compiled import (
    KIND_CODES,
    MEMO_LIMIT,
    NO_FIELDS,
    TYPE_ZH,
    USCC_FORMATS,
    compiled_validator,
    format_holds_fn,
    format_sites,
    rule_of,
    schema_nodes,
    structural_validator,
    uscc_note,
)
from schemas import FORMATS, FieldSpec, date_order_rules, fields

__all__ = ["RecordValidator", "compiled_validator", "structural_validator"]


class RecordValidator:
    """Validates normalised records of one schema; stateless and safe to share."""

    def __init__(self, schema_id: str, *, today: dt.date | None = None) -> None:
        self.schema_id = schema_id
        self.specs: dict[str, FieldSpec] = {spec.id: spec for spec in fields(schema_id)}
        self._rs = compiled_validator(schema_id)
        self._structural = structural_validator(schema_id)
        sites, self._shortcut = format_sites(schema_id)
        self._format_checks = tuple(
            (fid, tuple(FORMATS[f] for f in sorted(fmts) if f in FORMATS), set[str]())
            for fid, fmts in sites.items()
        )
        # USCC value -> the warning code its structure earns ("" when none), see check()
        self._uscc_notes: dict[str, str] = {}
        self._today = (today or dt.date.today()).isoformat()
        self._not_future = tuple(s.id for s in self.specs.values() if s.not_future)
        self._date_order = tuple(
            (a, b) for a, b in date_order_rules(schema_id) if a in self.specs and b in self.specs
        )
        self._uscc_fields = tuple(
            s.id for s in self.specs.values() if s.schema.get("format") in USCC_FORMATS
        )
        self._has_category = "counterpart_category" in self.specs
        self._stated = tuple(
            (s.id, tuple(f for f in s.schema["x-unit-stated-in"] if f in self.specs))
            for s in self.specs.values()
            if s.schema.get("x-unit-stated-in")
        )

    def is_schema_valid(self, record: Mapping[str, Any]) -> bool:
        """The JSON Schema verdict, exactly the reference's (the differential test holds it).

        Shortcut: structure is checked without format callbacks, and every format that could
        apply to a present field is checked directly in Python. When all of them hold, no
        format assertion can fail, so the structural verdict is the full verdict; when one
        does not hold, the full compiled validator decides.
        """
        if not self._shortcut:
            return bool(self._rs.is_valid(record))
        if not self._structural.is_valid(record):
            return False
        for fid, checks, holds in self._format_checks:
            value = record.get(fid)
            if value is None:
                continue
            if value.__class__ is str:
                # Formats are pure functions of the string, and the same codes and dates
                # recur on most rows of a file: remember the values that passed (bounded).
                if value in holds:
                    continue
                for check in checks:
                    if not check(value):
                        return bool(self._rs.is_valid(record))
                if len(holds) < MEMO_LIMIT:
                    holds.add(value)
            elif not all(format_holds_fn(check, value) for check in checks):
                return bool(self._rs.is_valid(record))
        return True

    def check(
        self,
        record: Mapping[str, Any],
        *,
        row: int | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> list[Issue]:
        """Every issue of one record; errors on fields in ``skip`` (missing columns) are dropped."""
        issues: list[Issue] = (
            [] if self.is_schema_valid(record) else self._schema_issues(record, row, skip)
        )
        bad = {i.field for i in issues if i.is_error} if issues else NO_FIELDS
        today = self._today
        for fid in self._not_future:
            value = record.get(fid)
            if value.__class__ is str and value > today and fid not in bad:
                issues.append(self.issue("future-date", row, fid, value))
        for early, late in self._date_order:
            a, b = record.get(early), record.get(late)
            if (
                a.__class__ is str
                and b.__class__ is str
                and a > b
                and early not in bad
                and late not in bad
            ):
                issues.append(
                    self.issue(
                        "date-order",
                        row,
                        late,
                        b,
                        detail=early,
                        detail_zh=self.specs[early].title_zh,
                    )
                )
        notes = self._uscc_notes
        for fid in self._uscc_fields:
            value = record.get(fid)
            if value.__class__ is str and fid not in bad:
                note = notes.get(value)
                if note is None:
                    note = uscc_note(value)
                    if len(notes) < MEMO_LIMIT:
                        notes[value] = note
                if note == "" and (fid != "uscc" or not self._has_category):
                    continue  # the common case: a sound code, nothing to say
                if note != "invalid":
                    issues.extend(self._uscc_warnings(record, fid, value, row, note))
        for fid, texts in self._stated:
            value = record.get(fid)
            # only a figure of 10 or more can be yuan (worth_checking), so most rows stop here
            if value.__class__ is str and value[:2].isdigit() and worth_checking(value):
                if fid in bad:
                    continue
                issue = self._unit_check(record, fid, value, texts, row)
                if issue is not None:
                    issues.append(issue)
        return issues

    def _unit_check(
        self,
        record: Mapping[str, Any],
        fid: str,
        value: str,
        texts: tuple[str, ...],
        row: int | None,
    ) -> Issue | None:
        """``fine-unit-suspect`` when the text states the amount in yuan that the column holds."""
        for tid in texts:
            text = record.get(tid)
            if text.__class__ is str:
                hit = fine_unit_suspect(value, text)
                if hit is not None:
                    likely, words = hit
                    return self.issue(
                        "fine-unit-suspect",
                        row,
                        fid,
                        value,
                        expected=likely,
                        detail=words,
                        detail_zh=words,
                    )
        return None

    def _uscc_warnings(
        self, record: Mapping[str, Any], fid: str, value: str, row: int | None, note: str
    ) -> Iterable[Issue]:
        if note == "uscc-registration-type":
            yield self.issue(note, row, fid, value[:2])
        elif note == "uscc-org-code-mismatch":
            yield self.issue(note, row, fid, value)
        if fid == "uscc" and self._has_category:
            category = record.get("counterpart_category")
            head = value[:2]
            if (head == "92" and category == "法人及非法人组织") or (
                head in ("91", "93") and category == "个体工商户"
            ):
                yield make_issue(
                    "uscc-category-mismatch",
                    row=row,
                    field=fid,
                    value=head,
                    label=self.specs[fid].title_zh,
                    expected=category,
                )

    def issue(self, code: str, row: int | None, fid: str, value: Any, **params: Any) -> Issue:
        spec = self.specs.get(fid)
        return make_issue(
            code,
            row=row,
            field=fid,
            value=value,
            personal=spec is not None and spec.disclosure == "masked",
            label=spec.title_zh if spec else fid,
            **params,
        )

    def _schema_issues(
        self, record: Mapping[str, Any], row: int | None, skip: frozenset[str]
    ) -> list[Issue]:
        out: list[Issue] = []
        seen: set[tuple[str | None, str]] = set()
        for error in self._rs.iter_errors(record):
            issue = self._map_error(error, record, row)
            if issue is None or (issue.field in skip):
                continue
            key = (issue.field, issue.code)
            if key not in seen:
                seen.add(key)
                out.append(issue)
        return out

    def _map_error(self, error: Any, record: Mapping[str, Any], row: int | None) -> Issue | None:
        kind = error.kind
        kind_name = type(kind).__name__
        path = list(error.schema_path)
        nodes = schema_nodes(self.schema_id, path)
        in_then = "then" in path
        rule = rule_of(nodes) if in_then else None
        detail, detail_zh = (rule.en, rule.zh) if rule else (kind_name, kind_name)
        ipath = list(error.instance_path)
        fid: str | None = str(ipath[0]) if ipath else None
        value: Any = record.get(fid) if fid else None
        if len(ipath) > 1:
            value = error.instance
        if kind_name == "Required":
            fid, value = kind.property, None
            code = "conditional-required" if in_then else "missing-value"
        elif kind_name == "FalseSchema":
            code = "must-be-empty"
        elif kind_name == "AdditionalProperties":
            names = list(kind.unexpected)
            fid, value = (str(names[0]) if names else None), None
            code = "unknown-field"
        else:
            annotated = next(
                (n["x-issue-code"] for n in reversed(nodes) if "x-issue-code" in n), None
            )
            if annotated and kind_name in ("Format", "Pattern", "AnyOf", "Enum", "Const", "Not"):
                code = annotated
            elif kind_name == "Constant":
                code = "rule-violation" if in_then else "invalid-choice"
            else:
                code = KIND_CODES.get(
                    kind_name, "rule-violation" if in_then else "schema-violation"
                )
        expected = self._expected(code, nodes, kind)
        return (
            self.issue(
                code, row, fid or "", value, detail=detail, detail_zh=detail_zh, expected=expected
            )
            if fid
            else make_issue(code, row=row, value=value, detail=detail, detail_zh=detail_zh)
        )

    @staticmethod
    def _expected(code: str, nodes: list[dict[str, Any]], kind: Any) -> str:
        node = nodes[-1] if nodes else {}
        if code == "invalid-choice":
            for n in reversed(nodes):
                choices = n.get("x-choices") or n.get("enum")
                if choices:
                    return "、".join(str(c) for c in choices)
            return str(node.get("const", ""))
        if code in ("too-long", "too-short"):
            return str(node.get("maxLength" if code == "too-long" else "minLength", ""))
        if code == "wrong-type":
            wanted = node.get("type", "")
            return TYPE_ZH.get(str(wanted), str(wanted))
        return ""
