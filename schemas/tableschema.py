"""Frictionless Table Schema descriptors derived from the JSON Schemas.

The CSV files creditgate publishes carry Chinese headers (so that Excel users read them) and
one value per cell; their Table Schema says so: field ``name`` is the Chinese label, ``title``
the English one, and the JSON Schema's single-field constraints (required, enum, pattern,
maxLength, date type) are carried over. Cross-field rules and check digits cannot be expressed
in a Table Schema; the JSON Schema stays the reference.
"""

from __future__ import annotations

from typing import Any

from schemas.registry import FieldSpec, fields, resolve, schema_uri

MULTI_SEPARATOR = ";"


def _constraints(spec: FieldSpec, node: dict[str, Any], schema_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.required:
        out["required"] = True
    if "enum" in node:
        out["enum"] = [str(v) for v in node["enum"]]
    if "pattern" in node and spec.normalise not in ("date",):
        out["pattern"] = node["pattern"].lstrip("^").rstrip("$")
    if "maxLength" in node:
        out["maxLength"] = node["maxLength"]
    return out


def table_schema(
    schema_id: str, *, labels: str = "zh", public_only: bool = False
) -> dict[str, Any]:
    """The Table Schema of a dataset's CSV (``labels``: ``zh`` Chinese headers or ``id``)."""
    out_fields: list[dict[str, Any]] = []
    for spec in fields(schema_id):
        if public_only and spec.disclosure != "public":
            continue
        node = spec.schema
        field: dict[str, Any] = {
            "name": spec.title_zh if labels == "zh" else spec.id,
            "title": spec.title_en,
            "description": spec.description or spec.title_zh,
            "type": "date" if spec.normalise == "date" else "string",
        }
        if spec.normalise in ("multi", "lines"):
            items = resolve(node.get("items", {}), schema_id)
            field["description"] = (
                f"{field['description']} Several values are separated by '{MULTI_SEPARATOR}'."
            )
            constraints: dict[str, Any] = {"required": True} if spec.required else {}
            if "enum" in items:
                choices = "|".join(str(v) for v in items["enum"])
                constraints["pattern"] = f"({choices})(;({choices}))*"
        elif spec.normalise == "json":
            field["type"] = "string"
            field["description"] = f"{field['description']} A JSON array in one cell."
            constraints = {"required": True} if spec.required else {}
        else:
            constraints = _constraints(spec, node, schema_id)
        if constraints:
            field["constraints"] = constraints
        field["x-field-id"] = spec.id
        out_fields.append(field)
    return {
        "fields": out_fields,
        "missingValues": [""],
        "x-json-schema": schema_uri(schema_id),
    }
