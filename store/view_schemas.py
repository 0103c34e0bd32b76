"""Per-audience JSON Schemas (受众视图模式): what :func:`store.view` gives each audience.

The schemas under ``schemas/json`` describe a *stored* record — what a department submits.
No audience receives that: every view adds ``record_id``, ``dataset`` and ``_meta``, the
public never gets ``masked`` or ``restricted`` fields, and agencies get ``masked`` fields
masked (``420102********4513``), which no ID-number pattern accepts. So each record schema
``<name>`` has three derived schemas, ``<name>.public``, ``<name>.agency`` and
``<name>.government`` (``$id`` ``…/schemas/<name>.<audience>.schema.json``), made
mechanically from the full one by the same rules :mod:`store.views` applies:

- fields the audience does not see are gone, from ``properties``, from ``required`` and from
  the cross-field rules' ``then``/``else`` branches (a rule that demands a hidden field
  demands nothing of the view); ``if`` conditions stay as they are: a hidden field is absent,
  so a condition that requires it never holds;
- ``masked`` fields (agencies) are strings (or arrays of strings), without the number's
  pattern and format; a rule's constraint on them is dropped, a ban (``false``) kept;
- a visible field whose nested fields are narrowed keeps only its type;
- ``record_id``, ``dataset`` (the catalogue datasets of the schema) and ``_meta`` are added
  and required; ``_meta`` has ``publication_end_mismatch`` for agencies and government only.

Government views carry the stored record as it is, so ``<name>.government`` is the full
schema plus the envelope. Cross-document references keep working because every derived
``$id`` lives next to the full schemas (``common.schema.json`` resolves the same way).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import schemas
from catalog import load_catalog
from store.marks import OBJECTION_STATUS_ZH
from store.views import Audience, disclosure_rules

AUDIENCE_ZH = {
    Audience.PUBLIC: "社会公开视图",
    Audience.AGENCY: "授权查询视图",
    Audience.GOVERNMENT: "政务共享视图",
}
_HIDDEN = {
    Audience.PUBLIC: frozenset({"masked", "restricted"}),
    Audience.AGENCY: frozenset({"restricted"}),
    Audience.GOVERNMENT: frozenset(),
}
_MASKED = {
    Audience.PUBLIC: frozenset(),
    Audience.AGENCY: frozenset({"masked"}),
    Audience.GOVERNMENT: frozenset(),
}
_BRANCHES = ("then", "else")
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_DAY = {"type": ["string", "null"], "format": "date"}


def view_schema_name(name: str, audience: Audience | str) -> str:
    """``<name>.<audience>``: the file name of a derived schema without ``.schema.json``."""
    return f"{name}.{Audience(audience).value}"


def view_schema_uri(name: str, audience: Audience | str) -> str:
    """The ``$id`` of a derived schema (next to the full one)."""
    return f"{schemas.BASE_URI}{view_schema_name(name, audience)}.schema.json"


def _meta_schema(audience: Audience) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "version": {"type": "integer", "minimum": 1, "description": "Version of the record."},
        "updated_at": {
            "type": "string",
            "minLength": 10,
            "description": "When this version was stored (ISO 8601, UTC).",
        },
        "window_start": _DAY | {"description": "First day of the publication window."},
        "window_end": _DAY | {"description": "Last day of the window; null: open-ended."},
        "under_objection": {
            "type": "boolean",
            "description": "An objection (异议) against this version is being handled.",
        },
        "objection_status": {
            "enum": [OBJECTION_STATUS_ZH, None],
            "description": f"{OBJECTION_STATUS_ZH} while under objection, else null.",
        },
        "self_declared": {
            "type": "boolean",
            "description": "Registered by the subject itself and not yet verified.",
        },
    }
    if audience is not Audience.PUBLIC:
        properties["publication_end_mismatch"] = {
            "description": "The declared 公示截止期 when it differs from the computed end.",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["declared", "computed"],
                    "additionalProperties": False,
                    "properties": {
                        "declared": {"type": "string", "format": "date"},
                        "computed": {"type": ["string", "null"]},
                    },
                },
            ],
        }
    return {
        "type": "object",
        "description": "About the record, not of it: version, window and marks.",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _masked(prop: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A masked field's schema: its annotations, a string (or strings), nothing more."""
    kept = {k: v for k, v in prop.items() if k.startswith("x-") or k in ("title", "description")}
    resolved = schemas.resolve(dict(prop), name)
    shape: dict[str, Any] = (
        {"type": "array", "items": {"type": "string"}}
        if resolved.get("type") == "array"
        else {"type": "string"}
    )
    return kept | shape | {"x-masked": True}


def _loose(prop: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A field whose nested fields are narrowed: its annotations and its type only."""
    kept = {k: v for k, v in prop.items() if k.startswith("x-") or k in ("title", "description")}
    resolved = schemas.resolve(dict(prop), name)
    return kept | ({"type": resolved["type"]} if "type" in resolved else {})


def _branch(node: Any, hidden: frozenset[str], masked: frozenset[str]) -> Any:
    """A ``then``/``else`` branch without demands on what the audience does not see."""
    if not isinstance(node, dict):
        return node
    out = {k: _rule(v, hidden, masked) if k in _COMBINATORS else v for k, v in node.items()}
    if "required" in out:
        out["required"] = [f for f in out["required"] if f not in hidden]
    if isinstance(out.get("properties"), dict):
        out["properties"] = {
            f: (s if s is False or f not in masked else True)
            for f, s in out["properties"].items()
            if f not in hidden
        }
    return out


def _rule(node: Any, hidden: frozenset[str], masked: frozenset[str]) -> Any:
    """A cross-field rule (or a list of them) narrowed for the audience."""
    if isinstance(node, list):
        return [_rule(n, hidden, masked) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _BRANCHES:
            out[key] = _branch(value, hidden, masked)
        elif key in _COMBINATORS:
            out[key] = _rule(value, hidden, masked)
        else:
            out[key] = value
    return out


def _inline(rule: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A rule that is a ``$ref`` to another document's rules, copied in, with that
    document's local references made absolute (they must not resolve in the view's)."""
    ref = rule.get("$ref")
    if not isinstance(ref, str) or ref.startswith("#"):
        return dict(rule)
    document, _, pointer = ref.partition("#")
    target: Any = schemas.schema_document(document.removesuffix(".schema.json"))
    for part in pointer.strip("/").split("/"):
        target = target[part]

    def absolute(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: f"{document}{v}" if k == "$ref" and str(v).startswith("#") else absolute(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [absolute(n) for n in node]
        return node

    inlined: dict[str, Any] = absolute(copy.deepcopy(target))
    return inlined


def _narrowed(nested: Mapping[str, Any], audience: Audience) -> bool:
    return any(
        rule.disclosure in _HIDDEN[audience] | _MASKED[audience] or _narrowed_rule(rule, audience)
        for rule in nested.values()
    )


def _narrowed_rule(rule: Any, audience: Audience) -> bool:
    return rule is not None and rule.nested is not None and _narrowed(rule.nested, audience)


@cache
def view_schema(name: str, audience: Audience | str) -> dict[str, Any]:
    """The JSON Schema of ``audience``'s views of records of schema ``name`` (module doc).

    Raises :class:`schemas.UnknownSchemaError` for an unknown name."""
    who = Audience(audience)
    full = copy.deepcopy(schemas.schema_document(name))
    rules = disclosure_rules(name)
    hidden = frozenset(f for f, r in rules.items() if r.disclosure in _HIDDEN[who])
    masked = frozenset(f for f, r in rules.items() if r.disclosure in _MASKED[who])
    properties: dict[str, Any] = {
        "record_id": {"type": "string", "minLength": 1, "description": "The stable record id."},
        "dataset": {"enum": _datasets_of(name), "description": "The catalogue dataset."},
    }
    for field_id, prop in full.get("properties", {}).items():
        if field_id in hidden:
            continue
        if field_id in masked:
            properties[field_id] = _masked(prop, name)
        elif who is not Audience.GOVERNMENT and _narrowed_rule(rules.get(field_id), who):
            properties[field_id] = _loose(prop, name)
        else:
            properties[field_id] = prop
    properties["_meta"] = {"$ref": "#/$defs/view_meta"}
    full["properties"] = properties
    full["required"] = [
        "record_id",
        "dataset",
        *(f for f in full.get("required", ()) if f not in hidden),
        "_meta",
    ]
    if "allOf" in full:
        full["allOf"] = [_rule(_inline(r, name), hidden, masked) for r in full["allOf"]]
    full.setdefault("$defs", {})["view_meta"] = _meta_schema(who)
    full["$id"] = view_schema_uri(name, who)
    full["title"] = f"{full.get('title', name)}（{AUDIENCE_ZH[who]}）"
    full["x-audience"] = who.value
    full["x-view-of"] = schemas.schema_uri(name)
    full["description"] = (
        f"What the {who.value} audience receives of a record of {schemas.schema_uri(name)}: "
        "store.view's shape (record_id, dataset, the fields it may see, _meta)."
    )
    full.pop("x-date-order", None)
    return full


def _datasets_of(name: str) -> list[str]:
    return [e.id for e in load_catalog().values() if e.schema_id == name]


@cache
def view_registry() -> Registry:
    """The schema registry with every derived schema added (for validating views)."""
    return schemas.registry().with_resources(
        (
            view_schema_uri(name, audience),
            Resource.from_contents(view_schema(name, audience), default_specification=DRAFT202012),
        )
        for name in schemas.schema_names()
        for audience in Audience
    )


@cache
def view_validator(name: str, audience: Audience | str) -> Draft202012Validator:
    """A validator (formats checked) of ``audience``'s views of schema ``name``."""
    return Draft202012Validator(
        view_schema(name, Audience(audience)),
        registry=view_registry(),
        format_checker=schemas.format_checker(),
    )
