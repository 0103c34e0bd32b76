"""The 信用承诺事项清单 names only approval-related commitment types that the workflows know."""

from __future__ import annotations

from schemas import schema_document
from workflows import load_commitment_types


def test_matter_types_are_configured_commitment_types() -> None:
    matter = set(schema_document("commitment-matter")["$defs"]["commitment_type"]["enum"])
    commitment = set(
        schema_document("credit-commitment")["$defs"]["commitment_type"]["anyOf"][0]["enum"]
    )
    assert matter == {"审批替代型", "容缺受理型"}
    assert matter <= commitment
    assert matter <= set(load_commitment_types().types)
