"""Consistency of the schema files: valid Draft 2020-12, $id matching the file, annotations."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

import schemas

ALL = list(schemas.documents())


@pytest.mark.parametrize("name", ALL)
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    doc = schemas.schema_document(name)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == schemas.schema_uri(name)


@pytest.mark.parametrize("name", schemas.schema_names())
def test_every_property_is_annotated(name: str) -> None:
    for spec in schemas.fields(name):
        prop = schemas.schema_document(name)["properties"][spec.id]
        assert prop.get("title"), (name, spec.id)
        assert "x-national-code" in prop, (name, spec.id)
        assert spec.disclosure in ("public", "masked", "restricted"), (name, spec.id)


def test_no_pattern_uses_backslash_d() -> None:
    # Python's re lets full-width digits through \\d; patterns must say [0-9].
    for name, doc in schemas.documents().items():
        assert "\\d" not in str(doc), name


@pytest.mark.parametrize("name", schemas.schema_names())
def test_personal_id_fields_are_never_public(name: str) -> None:
    for spec in schemas.fields(name):
        if spec.id in ("person_id_no", "legal_rep_id_no"):
            assert spec.disclosure != "public", (name, spec.id)
