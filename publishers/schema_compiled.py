"""The compiled schemas of record validation and what the validator reads off them.

``jsonschema-rs`` validators (with and without the project's format callables), where each
format may apply (:func:`format_sites`, for the format memo of
:class:`publishers.validation.RecordValidator`), the schema nodes along an error's path and
the issue codes of ``jsonschema-rs`` error kinds. Split from :mod:`publishers.validation`,
which turns verdicts into issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from schemas import (
    FORMATS,
    documents,
    is_valid_uscc,
    schema_document,
    uscc_embedded_org_code_ok,
    uscc_registration_type_known,
)

USCC_FORMATS = frozenset({"uscc", "uscc-or-placeholder"})
MEMO_LIMIT = 16_384
"""Values remembered per field by the format and USCC-structure memos of one validator
(at most ~2 MB a field; a file's recurring codes and dates fit many times over)."""
KIND_CODES = {
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
TYPE_ZH = {
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


def format_sites(schema_id: str) -> tuple[dict[str, frozenset[str]], bool]:
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


def format_holds_fn(check: Any, value: Any) -> bool:
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


def schema_nodes(schema_id: str, path: list[Any]) -> list[dict[str, Any]]:
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


NO_FIELDS: frozenset[str] = frozenset()


def uscc_note(value: str) -> str:
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
class Rule:
    en: str
    zh: str


def rule_of(nodes: list[dict[str, Any]]) -> Rule | None:
    for node in reversed(nodes):
        if "x-rule" in node:
            return Rule(node.get("description", node["x-rule"]), node.get("x-description-zh", ""))
    return None
