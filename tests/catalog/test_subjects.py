"""Openness per subject category (行政相对人类别) in the catalogue, and how a record's subject
is read (catalog.subjects): natural persons are authorised query and government sharing in
every dataset by default (Order 272); classification fails closed."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import (
    InvalidCatalogError,
    Openness,
    SubjectCategory,
    load_catalog,
    read_catalog,
)

COMPANY_USCC = "91420100MA4K0A1B6L"
BUSINESS_USCC = "92420102MA4K0A1B6L"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalogue"
    root.mkdir()
    package = resources.files("catalog")
    shutil.copy(str(package / "catalogue.yaml"), root / "catalogue.yaml")
    shutil.copytree(str(package / "entries"), root / "entries")
    return root


def _edit(file: Path, change: Any) -> None:
    document = yaml.safe_load(file.read_text("utf-8"))
    change(document)
    file.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")


def test_every_dataset_keeps_natural_persons_from_the_public() -> None:
    catalog = load_catalog()
    for entry in catalog.values():
        person = entry.openness_for(SubjectCategory.NATURAL_PERSON)
        assert person is not Openness.PUBLIC, entry.id
        assert entry.subject_openness[SubjectCategory.NATURAL_PERSON].basis_zh
        assert "272" in entry.subject_openness[SubjectCategory.NATURAL_PERSON].basis_zh
        # individual businesses and organisations are as open as the dataset
        for other in (SubjectCategory.INDIVIDUAL_BUSINESS, SubjectCategory.LEGAL_PERSON):
            assert entry.openness_for(other) is entry.openness, entry.id
    assert (
        catalog["administrative-penalty"].openness_for(SubjectCategory.NATURAL_PERSON)
        is Openness.AUTHORISED
    )
    # a narrower dataset stays narrower
    assert (
        catalog["interview-record"].openness_for(SubjectCategory.NATURAL_PERSON)
        is Openness.GOVERNMENT
    )


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"counterpart_category": "自然人", "person_id_no": "x"}, "natural_person"),
        ({"counterpart_category": "01"}, "natural_person"),
        ({"counterpart_category": "个人"}, "natural_person"),
        ({"counterpart_category": "个体工商户", "uscc": BUSINESS_USCC}, "individual_business"),
        ({"counterpart_category": "04", "uscc": "00000000000000000X"}, "individual_business"),
        ({"counterpart_category": "法人及非法人组织", "uscc": COMPANY_USCC}, "legal_person"),
        ({"counterpart_category": " 企业 ", "uscc": COMPANY_USCC}, "legal_person"),
        # fail closed: unknown or missing category, a person's identifiers
        ({"person_id_type": "身份证", "person_id_no": "420102199001011237"}, "natural_person"),
        ({"counterpart_category": "其他", "person_id_no": "420102"}, "natural_person"),
        ({"counterpart_category": "", "counterpart_name": "张三"}, "natural_person"),
        ({}, "natural_person"),
        # a declared organisation with only a person's ID number is treated as a person
        ({"counterpart_category": "法人及非法人组织", "person_id_no": "42"}, "natural_person"),
        # unknown category, organisation identifiers decide
        ({"uscc": COMPANY_USCC}, "legal_person"),
        ({"uscc": BUSINESS_USCC}, "individual_business"),
        (
            {"uscc": "00000000000000000X", "business_reg_no": "420102600123456"},
            "individual_business",
        ),
        ({"org_code": "MA4K0A1B6", "person_id_no": "42"}, "legal_person"),
    ],
)
def test_classify(record: dict[str, Any], expected: str) -> None:
    rules = load_catalog().subjects
    assert rules is not None
    assert rules.classify(record) is SubjectCategory(expected)


def test_an_entry_overrides_a_category_with_its_own_basis(copy: Path) -> None:
    basis = {"zh": "依据某法律对社会公开。", "en": "Published under some law."}

    def override(doc: dict[str, Any]) -> None:
        doc["subject_openness"] = {"natural_person": {"openness": "government", "basis": basis}}

    _edit(copy / "entries" / "market-ban.yaml", override)
    catalog = read_catalog(copy)
    ban = catalog["market-ban"]
    assert ban.openness_for(SubjectCategory.NATURAL_PERSON) is Openness.GOVERNMENT
    assert ban.subject_openness[SubjectCategory.NATURAL_PERSON].basis_zh == basis["zh"]
    # the other categories keep the manifest's defaults; other datasets are untouched
    assert ban.openness_for(SubjectCategory.LEGAL_PERSON) is Openness.PUBLIC
    assert catalog["watch-list"].openness_for(SubjectCategory.NATURAL_PERSON) is (
        Openness.AUTHORISED
    )


@pytest.mark.parametrize(
    ("where", "change", "message"),
    [
        ("manifest", lambda d: d.pop("subject_openness"), "subject_openness"),
        ("manifest", lambda d: d["subject_openness"].pop("natural_person"), "natural_person"),
        ("manifest", lambda d: d["subject_openness"]["natural_person"].pop("basis"), "basis"),
        (
            "manifest",
            lambda d: d["subject_openness"]["legal_person"].update(openness="open"),
            "open",
        ),
        ("manifest", lambda d: d["subjects"].pop("category_field"), "category_field"),
        (
            "manifest",
            lambda d: d["subjects"]["categories"].pop("individual_business"),
            "individual_business",
        ),
        (
            "entry",
            lambda d: d.update(
                subject_openness={
                    "citizen": {"openness": "public", "basis": {"zh": "x", "en": "x"}}
                }
            ),
            "citizen",
        ),
        (
            "entry",
            lambda d: d.update(subject_openness={"natural_person": {"openness": "public"}}),
            "basis",
        ),
    ],
)
def test_the_meta_schema_checks_the_policy(
    copy: Path, where: str, change: Any, message: str
) -> None:
    file = copy / "catalogue.yaml" if where == "manifest" else copy / "entries" / "watch-list.yaml"
    _edit(file, change)
    with pytest.raises(InvalidCatalogError) as caught:
        read_catalog(copy)
    assert message in str(caught.value)
