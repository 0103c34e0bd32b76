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
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from publishers.amounts import fine_unit_suspect, worth_checking
from publishers.report import Issue, make_issue
from schemas import (
    FORMATS,
    FieldSpec,
    date_order_rules,
    documents,
    fields,
    is_valid_uscc,
    schema_document,
    uscc_embedded_org_code_ok,
    uscc_registration_type_known,
)

_USCC_FORMATS = frozenset({"uscc", "uscc-or-placeholder"})
_MEMO_LIMIT = 16_384
"""Values remembered per field by the format and USCC-structure memos of one validator
(at most ~2 MB a field; a file's recurring codes and dates fit many times over)."""
_KIND_CODES = {
    "Type": "wrong-type",
    "MaxLength": "too-long",
    "MinLength": "too-short",
    "MinItems": "missing-value",
    "UniqueItems": "duplicate-value",
    "AdditionalProperties": "unknown-field",
    "Enum": "invalid-choice",
    "AnyOf": "invalid-choice",
    "Pattern": "pattern-mismatch",
}
_TYPE_ZH = {
    "string": "文本",
    "array": "列表",
    "object": "对象",
    "number": "数值",
    "integer": "整数",
}


@cache
def _rs_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(doc["$id"], doc) for doc in documents().values()])


@cache
def compiled_validator(schema_id: str) -> Any:
    """The compiled ``jsonschema-rs`` validator of one schema, formats checked."""
    return jsonschema_rs.validator_for(
        schema_document(schema_id),
        validate_formats=True,
        formats=FORMATS,
        registry=_rs_registry(),
    )


_BRANCHING = ("if", "not", "anyOf", "oneOf", "contains", "propertyNames", "dependentSchemas")


def _format_sites(schema_id: str) -> tuple[dict[str, frozenset[str]], bool]:
    """Every format that may apply to each top-level property, and whether the shortcut is safe.

    Walks the whole schema (``$ref``s, ``allOf``/``then``/``else`` branches). The shortcut of
    :class:`RecordValidator` is exact only when no format sits under a keyword whose outcome
    could flip on a format result (``if``, ``not``, ``anyOf`` …); otherwise it is disabled.
    """
    sites: dict[str, set[str]] = {}
    safe = True

    def visit(node: Any, doc: str, prop: str | None, branching: bool, depth: int) -> None:
        nonlocal safe
        if depth > 40 or not isinstance(node, dict):
            return
        if "$ref" in node:
            ref_doc, _, pointer = node["$ref"].partition("#")
            target_doc = ref_doc.removesuffix(".schema.json") if ref_doc else doc
            target: Any = schema_document(target_doc)
            for part in [p for p in pointer.split("/") if p]:
                target = target[part]
            visit(target, target_doc, prop, branching, depth + 1)
        if "format" in node:
            if prop is None or branching:
                safe = False
            else:
                sites.setdefault(prop, set()).add(node["format"])
        for key, value in node.items():
            if key in ("properties", "patternProperties"):
                for name, sub in value.items():
                    visit(sub, doc, name if prop is None else prop, branching, depth + 1)
            elif key in ("allOf", "then", "else", "items", "prefixItems", "$defs"):
                if key == "$defs":
                    continue
                subs = value if isinstance(value, list) else [value]
                for sub in subs:
                    visit(sub, doc, prop, branching, depth + 1)
            elif key in _BRANCHING:
                subs = value if isinstance(value, list) else [value]
                for sub in subs:
                    visit(sub, doc, prop, True, depth + 1)

    visit(schema_document(schema_id), schema_id, None, False, 0)
    return {k: frozenset(v) for k, v in sites.items()}, safe


def _format_holds_fn(check: Any, value: Any) -> bool:
    """Apply one format check to a non-string value; nested structures are left undecided."""
    if isinstance(value, list):
        return all(item.__class__ is str and check(item) for item in value)
    return False


@cache
def structural_validator(schema_id: str) -> Any:
    """The compiled validator without format assertions (no Python callbacks: ~5× faster)."""
    return jsonschema_rs.validator_for(
        schema_document(schema_id), validate_formats=False, registry=_rs_registry()
    )


def _walk(schema_id: str, path: list[Any]) -> list[dict[str, Any]]:
    """The schema nodes along an error's schema path (in the local or the common document)."""
    docs = [schema_document("common"), schema_document(schema_id)]
    if path and path[0] != "$defs":
        docs.reverse()
    for doc in docs:
        nodes: list[dict[str, Any]] = [doc]
        node: Any = doc
        try:
            for part in path:
                node = node[part]
                if isinstance(node, dict):
                    nodes.append(node)
        except (KeyError, IndexError, TypeError):
            continue
        return nodes
    return []


_NONE: frozenset[str] = frozenset()


def _uscc_note(value: str) -> str:
    """What the structure of a code earns: ``invalid`` (no warnings: the format reports it),
    a warning code, or "" when it is sound."""
    if not is_valid_uscc(value):
        return "invalid"
    if not uscc_registration_type_known(value):
        return "uscc-registration-type"
    if not uscc_embedded_org_code_ok(value):
        return "uscc-org-code-mismatch"
    return ""


@dataclass(frozen=True, slots=True)
class _Rule:
    en: str
    zh: str


def _rule_of(nodes: list[dict[str, Any]]) -> _Rule | None:
    for node in reversed(nodes):
        if "x-rule" in node:
            return _Rule(node.get("description", node["x-rule"]), node.get("x-description-zh", ""))
    return None


class RecordValidator:
    """Validates normalised records of one schema; stateless and safe to share."""

    def __init__(self, schema_id: str, *, today: dt.date | None = None) -> None:
        self.schema_id = schema_id
        self.specs: dict[str, FieldSpec] = {spec.id: spec for spec in fields(schema_id)}
        self._rs = compiled_validator(schema_id)
        self._structural = structural_validator(schema_id)
        sites, self._shortcut = _format_sites(schema_id)
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
            s.id for s in self.specs.values() if s.schema.get("format") in _USCC_FORMATS
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
                if len(holds) < _MEMO_LIMIT:
                    holds.add(value)
            elif not all(_format_holds_fn(check, value) for check in checks):
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
        bad = {i.field for i in issues if i.is_error} if issues else _NONE
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
                    note = _uscc_note(value)
                    if len(notes) < _MEMO_LIMIT:
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
        nodes = _walk(self.schema_id, path)
        in_then = "then" in path
        rule = _rule_of(nodes) if in_then else None
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
                code = _KIND_CODES.get(
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
            return _TYPE_ZH.get(str(wanted), str(wanted))
        return ""
