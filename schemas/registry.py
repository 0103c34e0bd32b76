"""The schema registry: loads the Draft 2020-12 documents under ``schemas/json`` once.

Every record kind has one file ``<name>.schema.json`` whose ``$id`` is
``BASE_URI + <name>.schema.json``; shared definitions live in ``common.schema.json``.
Field metadata (Chinese label, national code, disclosure class, how to normalise a cell)
is read from each property's annotations, so readers, redaction and documentation are
driven by the schema rather than by code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from schemas.formats import format_checker

BASE_URI = "https://creditgate.example/schemas/"
"""Base of every ``$id``; the gateway serves the same files under ``/schemas/``."""

COMMON = "common"

Disclosure = Literal["public", "masked", "restricted"]
Normalise = Literal[
    "text", "code", "date", "amount", "multi", "lines", "json", "integer", "boolean"
]


class UnknownSchemaError(LookupError):
    """No schema file of that name exists."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One property of a record schema, as readers and views need it."""

    id: str
    title_zh: str
    title_en: str
    national_code: str | None
    disclosure: Disclosure
    normalise: Normalise
    required: bool
    legacy_codes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    not_future: bool = False
    local: bool = False
    choice_aliases: dict[str, str] = field(default_factory=dict, compare=False)
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _schema_dir() -> Any:
    return resources.files("schemas") / "json"


@cache
def documents() -> dict[str, dict[str, Any]]:
    """Every schema document by name (file name without ``.schema.json``)."""
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(_schema_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".schema.json"):
            out[entry.name.removesuffix(".schema.json")] = json.loads(entry.read_text("utf-8"))
    return out


def schema_names() -> list[str]:
    """Names of the record schemas (``common`` excluded)."""
    return [name for name in documents() if name != COMMON]


def schema_document(name: str) -> dict[str, Any]:
    """The parsed document of one schema; raises :class:`UnknownSchemaError`."""
    try:
        return documents()[name]
    except KeyError:
        raise UnknownSchemaError(f"no schema named {name!r}") from None


def schema_uri(name: str) -> str:
    """The ``$id`` of a schema."""
    return f"{BASE_URI}{name}.schema.json"


@cache
def registry() -> Registry:
    """A ``referencing`` registry holding every document under its ``$id``."""
    return Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
        for doc in documents().values()
    )


@cache
def reference_validator(name: str) -> Draft202012Validator:
    """The reference ``jsonschema`` validator (with format checking) for one schema."""
    return Draft202012Validator(
        schema_document(name), registry=registry(), format_checker=format_checker()
    )


def resolve(node: dict[str, Any], name: str) -> dict[str, Any]:
    """Follow ``$ref`` chains of a property schema; local refs resolve within ``name``."""
    seen = 0
    while "$ref" in node and seen < 10:
        ref = node["$ref"]
        doc_part, _, pointer = ref.partition("#")
        doc = schema_document(doc_part.removesuffix(".schema.json") if doc_part else name)
        target: Any = doc
        for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
            target = target[part]
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **merged}
        name = doc_part.removesuffix(".schema.json") if doc_part else name
        seen += 1
    return node


def _normalise_kind(prop: dict[str, Any], resolved: dict[str, Any]) -> Normalise:
    if resolved.get("type") == "array":
        if resolved.get("x-flat-format") == "json":
            return "json"
        return "lines" if resolved.get("x-separators") == ["\n"] else "multi"
    if resolved.get("type") in ("integer", "boolean"):
        return resolved["type"]  # type: ignore[no-any-return]
    kind = resolved.get("x-normalise", "text")
    return kind if kind in ("code", "date", "amount") else "text"


@cache
def fields(name: str) -> tuple[FieldSpec, ...]:
    """The fields of a record schema in document order."""
    doc = schema_document(name)
    required = set(doc.get("required", ()))
    out = []
    for fid, prop in doc.get("properties", {}).items():
        resolved = resolve(prop, name)
        out.append(
            FieldSpec(
                id=fid,
                title_zh=prop.get("title") or resolved.get("title") or fid,
                title_en=prop.get("x-title-en") or fid,
                national_code=prop.get("x-national-code"),
                disclosure=prop.get("x-disclosure", "public"),
                normalise=_normalise_kind(prop, resolved),
                required=fid in required,
                legacy_codes=tuple(prop.get("x-legacy-codes", ())),
                aliases=tuple(prop.get("x-aliases", ())),
                not_future=bool(prop.get("x-not-future", False)),
                local=bool(prop.get("x-local", False)),
                description=prop.get("description") or resolved.get("description", ""),
                choice_aliases=dict(
                    resolved.get("x-choice-aliases")
                    or resolved.get("items", {}).get("x-choice-aliases", {})
                ),
                schema=resolved,
            )
        )
    return tuple(out)


def date_order_rules(name: str) -> list[tuple[str, str]]:
    """Pairs ``(earlier, later)`` of date fields that must be in order (``x-date-order``)."""
    return [(a, b) for a, b in schema_document(name).get("x-date-order", [])]
