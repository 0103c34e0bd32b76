"""Consistency of every record schema, plus valid and invalid records of the non-双公示 kinds.

The generic checks run over ``schemas.schema_names()``; the examples cover the eight other
administrative actions, list entries, market bans, commitments, measures, interviews,
voluntary registrations and evaluations. Valid records live in
``tests/fixtures/records/<name>.valid.json`` so that other suites can reuse them; each invalid
record is a valid one with one change, and must fail on the cross-field rule (``x-rule``),
keyword and field named in its case.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from jsonschema import Draft202012Validator, ValidationError

import schemas

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
DISCLOSURES = {"public", "masked", "restricted"}
OTHER = "其他-<类型>"
PLACEHOLDER = schemas.USCC_PLACEHOLDER

COUNTERPART_FIELDS = (
    "counterpart_name",
    "counterpart_category",
    "uscc",
    "business_reg_no",
    "org_code",
    "tax_reg_no",
    "public_institution_cert_no",
    "social_org_reg_no",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_no",
    "person_id_type",
    "person_id_no",
)
ORGANISATION_FIELDS = COUNTERPART_FIELDS[2:11]
SUBJECT_KEY = ("uscc", "business_reg_no", "person_id_no")  # coalesce(...) in the catalogue

ACTIONS = (
    "administrative-enforcement",
    "administrative-confirmation",
    "administrative-levy",
    "administrative-payment",
    "administrative-adjudication",
    "administrative-compensation",
    "administrative-reward",
    "administrative-inspection",
)
DECISION_BLOCK = (
    "decision_doc_title",
    "decision_doc_no",
    "action_category",
    "content",
    "legal_basis",
    "decision_date",
    "authority_name",
    "authority_uscc",
    "source_org_name",
    "source_org_uscc",
    "remarks",
    "division_code",
)
DECISION_REQUIRED = (
    "decision_doc_no",
    "content",
    "decision_date",
    "authority_name",
    "authority_uscc",
    "source_org_name",
    "source_org_uscc",
)

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    **{name: ("authority_uscc", "decision_doc_no", *SUBJECT_KEY) for name in ACTIONS},
    "list-entry": ("deciding_authority_uscc", "listing_decision_doc_no", *SUBJECT_KEY),
    "market-ban": ("deciding_authority_uscc", "decision_doc_no", *SUBJECT_KEY),
    "credit-commitment": ("code",),
    "punishment-measure": ("measure_id",),
    "interview-record": ("authority_uscc", "record_no"),
    "voluntary-registration": ("registration_no",),
    "credit-evaluation": ("evaluator_uscc", "evaluation_scheme", "uscc", "evaluation_date"),
    "consumer-complaint": ("authority_uscc", "complaint_no"),
    "commitment-matter": ("department_uscc", "matter_code", "commitment_type"),
}
"""Fields the catalogue builds record keys from, for the record kinds of this module."""

EXAMPLE_SCHEMAS = tuple(NATURAL_KEYS)
REFERENCE_SCHEMAS = ("punishment-measure", "commitment-matter")
"""Lists without a subject."""
ENTITY_SCHEMAS = tuple(n for n in EXAMPLE_SCHEMAS if n not in REFERENCE_SCHEMAS)
BUSINESS_ONLY = ("credit-evaluation", "consumer-complaint")
"""Schemas whose subject is never a natural person."""


# --- helpers -----------------------------------------------------------------------------------


def resident_id(body: str) -> str:
    return body + schemas.id_check_char(body)


GOOD_ID = resident_id("42010319880808123")
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


def organisation_uscc(body16: str) -> str:
    """A USCC with a correct embedded organisation code and check character."""
    prefix, org8 = body16[:8], body16[8:]
    body = prefix + org8 + schemas.org_code_check_char(org8)
    return body + schemas.uscc_check_char(body)


def examples(name: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / f"{name}.valid.json").read_text("utf-8"))
    return data if isinstance(data, list) else [data]


def properties_of(name: str) -> dict[str, dict[str, Any]]:
    return schemas.schema_document(name)["properties"]


def walk(node: Any) -> Iterator[Any]:
    """Every dict and list inside a JSON document, depth first."""
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


def deref(ref: str, doc_name: str) -> tuple[Any, str]:
    """The raw target of a ``$ref`` and the name of the document holding it."""
    doc_part, _, pointer = ref.partition("#")
    name = doc_part.removesuffix(".schema.json") if doc_part else doc_name
    node: Any = schemas.schema_document(name)
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return node, name


def locate(name: str, schema_path: Any) -> tuple[Any, str | None]:
    """The schema node at ``schema_path`` and the innermost ``x-rule`` on the way.

    jsonschema leaves ``$ref`` steps out of the path, so a missing key means: follow the ref.
    """
    node: Any = schemas.schema_document(name)
    doc, rule = name, None
    for step in schema_path:
        while isinstance(node, dict) and step not in node and "$ref" in node:
            node, doc = deref(node["$ref"], doc)
        node = node[step]
        if isinstance(node, dict) and "x-rule" in node:
            rule = node["x-rule"]
    return node, rule


def failure(
    name: str, error: ValidationError, record: dict[str, Any]
) -> tuple[str | None, str, str]:
    """(x-rule, keyword, field path) of one validation error of ``record``."""
    node, rule = locate(name, error.absolute_schema_path)
    path = [str(p) for p in error.absolute_path]
    if error.validator is None:
        # A ``false`` subschema: jsonschema reports it at the parent object, with the schema
        # path ending at ``properties`` and no property name, so find the forbidden property
        # by its value.
        parent: Any = record
        for step in error.absolute_path:
            parent = parent[step]
        hits = [k for k, sub in node.items() if sub is False and parent.get(k) == error.instance]
        return rule, "false", "/".join([*path, hits[0] if len(hits) == 1 else "?"])
    if error.validator == "required":
        path.append(error.message.split("'")[1])  # "'x' is a required property"
    return rule, str(error.validator), "/".join(path)


def failures(name: str, record: dict[str, Any]) -> set[tuple[str | None, str, str]]:
    errors = schemas.reference_validator(name).iter_errors(record)
    return {failure(name, error, record) for error in errors}


def rules_reachable(name: str) -> set[str]:
    """Every ``x-rule`` id a record of ``name`` is checked against (following ``$ref``s)."""
    found: set[str] = set()
    seen: set[tuple[str, str]] = set()
    stack: list[tuple[Any, str]] = [(schemas.schema_document(name), name)]
    while stack:
        node, doc = stack.pop()
        for item in walk(node):
            if not isinstance(item, dict):
                continue
            if "x-rule" in item:
                found.add(item["x-rule"])
            ref = item.get("$ref")
            if isinstance(ref, str) and (doc, ref) not in seen:
                seen.add((doc, ref))
                target, target_doc = deref(ref, doc)
                stack.append((target, target_doc))
    return found


Mutation = Callable[[dict[str, Any]], None]


def _parent(record: dict[str, Any], path: str) -> tuple[Any, str | int]:
    *parents, last = path.split("/")
    target: Any = record
    for step in parents:
        target = target[int(step)] if isinstance(target, list) else target[step]
    return target, int(last) if isinstance(target, list) else last


def put(path: str, value: Any) -> Mutation:
    def apply(record: dict[str, Any]) -> None:
        target, key = _parent(record, path)
        target[key] = value

    return apply


def drop(path: str) -> Mutation:
    def apply(record: dict[str, Any]) -> None:
        target, key = _parent(record, path)
        target.pop(key, None)

    return apply


def mutated(record: dict[str, Any], *mutations: Mutation) -> dict[str, Any]:
    out = copy.deepcopy(record)
    for mutation in mutations:
        mutation(out)
    return out


def organisation_example(name: str) -> dict[str, Any]:
    return next(
        r
        for r in examples(name)
        if r["counterpart_category"] == "法人及非法人组织" and r.get("uscc") != PLACEHOLDER
    )


def as_natural_person(record: dict[str, Any], id_no: str = GOOD_ID) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k not in ORGANISATION_FIELDS}
    out |= {"counterpart_category": "自然人", "person_id_type": "身份证", "person_id_no": id_no}
    return out


# --- every schema ------------------------------------------------------------------------------


ALL = schemas.schema_names()


def test_common_definitions_are_valid_draft_2020_12() -> None:
    doc = schemas.schema_document("common")
    Draft202012Validator.check_schema(doc)
    assert doc["$id"] == schemas.schema_uri("common")


@pytest.mark.parametrize("name", ALL)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    doc = schemas.schema_document(name)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)
    assert schemas.reference_validator(name).is_valid({}) is False


@pytest.mark.parametrize("name", ALL)
def test_id_matches_file_name(name: str) -> None:
    doc = schemas.schema_document(name)
    assert doc["$id"] == f"https://creditgate.example/schemas/{name}.schema.json"
    assert (Path(schemas.__file__).parent / "json" / f"{name}.schema.json").is_file()


@pytest.mark.parametrize("name", ALL)
def test_document_header(name: str) -> None:
    doc = schemas.schema_document(name)
    assert doc["type"] == "object"
    assert doc["additionalProperties"] is False
    assert doc["x-version"] == "1.0.0"
    assert doc["title"] and doc["x-title-en"] and doc["description"]


def _annotated(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Top-level properties and the properties of objects nested in arrays."""
    doc = schemas.schema_document(name)
    for fid, prop in doc["properties"].items():
        yield fid, prop
        items = schemas.resolve(prop, name).get("items", {})
        nested = schemas.resolve(items, name) if isinstance(items, dict) else {}
        for sub_id, sub in nested.get("properties", {}).items():
            yield f"{fid}[].{sub_id}", sub


@pytest.mark.parametrize("name", ALL)
def test_every_property_is_annotated(name: str) -> None:
    for fid, prop in _annotated(name):
        assert isinstance(prop.get("title"), str) and prop["title"], fid
        assert isinstance(prop.get("x-title-en"), str) and prop["x-title-en"], fid
        assert "x-national-code" in prop, fid
        assert prop["x-national-code"] is None or isinstance(prop["x-national-code"], str), fid
        assert prop.get("x-disclosure") in DISCLOSURES, fid
    for spec in schemas.fields(name):
        assert spec.disclosure == properties_of(name)[spec.id]["x-disclosure"]


@pytest.mark.parametrize("name", ALL)
def test_required_fields_are_properties(name: str) -> None:
    doc = schemas.schema_document(name)
    assert set(doc["required"]) <= set(doc["properties"])
    assert len(doc["required"]) == len(set(doc["required"]))


@pytest.mark.parametrize("name", ALL)
def test_source_org_is_required(name: str) -> None:
    doc = schemas.schema_document(name)
    assert {"source_org_name", "source_org_uscc"} <= set(doc["required"])
    assert doc["properties"]["source_org_uscc"]["$ref"] == "common.schema.json#/$defs/uscc"


@pytest.mark.parametrize(("name", "key"), sorted(NATURAL_KEYS.items()))
def test_natural_key_fields_exist(name: str, key: tuple[str, ...]) -> None:
    assert name in ALL
    missing = [f for f in key if f not in properties_of(name)]
    assert not missing


@pytest.mark.parametrize("name", [n for n in ALL if "uscc" in properties_of(n)])
def test_entity_schemas_share_the_counterpart_block(name: str) -> None:
    reference = properties_of("administrative-penalty")
    props = properties_of(name)
    for fid in COUNTERPART_FIELDS:
        assert fid in props, fid
        assert props[fid]["$ref"] == reference[fid]["$ref"], fid
        assert props[fid]["x-disclosure"] == reference[fid]["x-disclosure"], fid
    doc = schemas.schema_document(name)
    assert {"$ref": "common.schema.json#/$defs/counterpart_rules"} in doc["allOf"]
    assert {"counterpart_name", "counterpart_category"} <= set(doc["required"])


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_share_the_decision_block(name: str) -> None:
    props = properties_of(name)
    reference = properties_of(ACTIONS[0])
    for fid in DECISION_BLOCK:
        assert props[fid]["$ref"] == reference[fid]["$ref"], fid
    assert set(DECISION_REQUIRED) <= set(schemas.schema_document(name)["required"])
    assert props["decision_date"]["x-not-future"] is True
    assert props["division_code"]["x-local"] is True


@pytest.mark.parametrize("name", ALL)
def test_headers_are_unambiguous(name: str) -> None:
    """A column header (title or alias) maps to one field only."""
    owner: dict[str, str] = {}
    for fid, prop in properties_of(name).items():
        for label in [prop["title"], *prop.get("x-aliases", ())]:
            assert owner.setdefault(label, fid) == fid, f"{label!r}: {owner[label]} and {fid}"
    codes = [p["x-national-code"] for p in properties_of(name).values() if p["x-national-code"]]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("name", [*ALL, "common"])
def test_rules_are_documented(name: str) -> None:
    nodes = walk(schemas.schema_document(name))
    for rule in (n for n in nodes if isinstance(n, dict) and "x-rule" in n):
        assert rule["description"] and rule["x-description-zh"], rule["x-rule"]
        assert "if" in rule and "then" in rule, rule["x-rule"]


@pytest.mark.parametrize("name", [*ALL, "common"])
def test_patterns_use_explicit_digit_classes(name: str) -> None:
    for node in walk(schemas.schema_document(name)):
        if isinstance(node, dict) and isinstance(node.get("pattern"), str):
            assert "\\d" not in node["pattern"], node["pattern"]


def _choice_lists() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in [*ALL, "common"]:
        for node in walk(schemas.schema_document(name)):
            if isinstance(node, dict) and "x-choices" in node and "pattern" not in node:
                yield name, node


@pytest.mark.parametrize(("name", "node"), list(_choice_lists()))
def test_choice_lists_match_the_enums(name: str, node: dict[str, Any]) -> None:
    assert node["x-issue-code"] == "invalid-choice"
    check = Draft202012Validator(node)
    if "anyOf" in node:
        enum = node["anyOf"][0]["enum"]
        assert node["x-choices"] == [*enum, OTHER]
        assert node["anyOf"][1] == {"pattern": "^其他-.+$"}
        assert check.is_valid("其他-测试类型")
        assert not check.is_valid("其他")
        assert not check.is_valid("其他-")
    else:
        enum = node["enum"] if "enum" in node else [node["const"]]
        assert node["x-choices"] == enum
    assert all(check.is_valid(value) for value in enum)
    assert not check.is_valid("不存在的选项")
    for alias, canonical in node.get("x-choice-aliases", {}).items():
        assert canonical in enum and alias not in enum


@pytest.mark.parametrize("name", ALL)
def test_date_annotations_name_date_fields(name: str) -> None:
    specs = {spec.id: spec for spec in schemas.fields(name)}
    for earlier, later in schemas.date_order_rules(name):
        assert specs[earlier].normalise == "date" and specs[later].normalise == "date"
    for spec in specs.values():
        if spec.not_future:
            assert spec.schema.get("format") == "date", spec.id


# --- valid examples ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_SCHEMAS)
def test_valid_examples_are_accepted(name: str) -> None:
    records = examples(name)
    assert records
    validator = schemas.reference_validator(name)
    today = dt.date.today().isoformat()
    not_future = [spec.id for spec in schemas.fields(name) if spec.not_future]
    for index, record in enumerate(records):
        messages = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]
        assert not messages, (index, messages)
        for earlier, later in schemas.date_order_rules(name):
            if earlier in record and later in record:
                assert record[earlier] <= record[later], (index, earlier, later)
        assert all(record[f] <= today for f in not_future if f in record), index


@pytest.mark.parametrize("name", ENTITY_SCHEMAS)
def test_examples_identify_their_subjects(name: str) -> None:
    """Every example has a subject key, and the organisation codes are genuine."""
    for record in examples(name):
        assert any(record.get(f) for f in SUBJECT_KEY)
        for field in ("uscc", "authority_uscc", "deciding_authority_uscc", "source_org_uscc"):
            code = record.get(field)
            if code and code != PLACEHOLDER:
                assert schemas.is_valid_uscc(code), (field, code)
                assert schemas.uscc_embedded_org_code_ok(code), (field, code)
                assert schemas.uscc_registration_type_known(code), (field, code)


@pytest.mark.parametrize("name", [n for n in ENTITY_SCHEMAS if n not in BUSINESS_ONLY])
def test_the_counterpart_may_be_a_natural_person(name: str) -> None:
    record = as_natural_person(organisation_example(name))
    assert failures(name, record) == set()


# --- invalid examples: the counterpart block ---------------------------------------------------


class CounterpartCase(NamedTuple):
    mutations: tuple[Mutation, ...]
    expected: tuple[str, str, str]


def _to_person(record: dict[str, Any]) -> None:
    for field in ORGANISATION_FIELDS:
        record.pop(field, None)
    record |= {
        "counterpart_category": "自然人",
        "person_id_type": "身份证",
        "person_id_no": GOOD_ID,
    }


COUNTERPART_CASES: dict[str, CounterpartCase] = {
    "natural-person-with-uscc": CounterpartCase(
        (
            put("counterpart_category", "自然人"),
            put("person_id_type", "身份证"),
            put("person_id_no", GOOD_ID),
        ),
        ("natural-person-identity", "false", "uscc"),
    ),
    "natural-person-without-id": CounterpartCase(
        (put("counterpart_category", "自然人"), *(drop(f) for f in ORGANISATION_FIELDS)),
        ("natural-person-identity", "required", "person_id_no"),
    ),
    "organisation-without-uscc": CounterpartCase(
        (drop("uscc"),), ("organisation-identity", "required", "uscc")
    ),
    "organisation-with-person-id": CounterpartCase(
        (put("person_id_type", "身份证"), put("person_id_no", GOOD_ID)),
        ("organisation-identity", "false", "person_id_no"),
    ),
    "legal-rep-type-without-number": CounterpartCase(
        (put("legal_rep_id_type", "身份证"), drop("legal_rep_id_no")),
        ("legal-rep-id-pair", "required", "legal_rep_id_no"),
    ),
    "legal-rep-number-without-type": CounterpartCase(
        (put("legal_rep_id_no", GOOD_ID), drop("legal_rep_id_type")),
        ("legal-rep-id-pair", "required", "legal_rep_id_type"),
    ),
    "legal-rep-bad-resident-id": CounterpartCase(
        (put("legal_rep_id_type", "身份证"), put("legal_rep_id_no", BAD_ID)),
        ("resident-id-check", "format", "legal_rep_id_no"),
    ),
    "person-bad-resident-id": CounterpartCase(
        (_to_person, put("person_id_no", BAD_ID)),
        ("resident-id-check", "format", "person_id_no"),
    ),
    "placeholder-for-organisation": CounterpartCase(
        (put("uscc", PLACEHOLDER), put("business_reg_no", "420100000123456")),
        # the code is what is wrong (a legal person has a real USCC), not the category
        ("uscc-placeholder", "not", "uscc"),
    ),
    "placeholder-without-business-reg-no": CounterpartCase(
        (
            put("counterpart_category", "个体工商户"),
            put("uscc", PLACEHOLDER),
            drop("business_reg_no"),
        ),
        ("uscc-placeholder", "required", "business_reg_no"),
    ),
}


@pytest.mark.parametrize("case", sorted(COUNTERPART_CASES))
@pytest.mark.parametrize("name", ENTITY_SCHEMAS)
def test_counterpart_rules_reject(name: str, case: str) -> None:
    mutations, expected = COUNTERPART_CASES[case]
    record = mutated(organisation_example(name), *mutations)
    found = failures(name, record)
    assert expected in found, found
    # Schema-specific requirements may join in (an evaluation needs a real USCC), other rules not.
    allowed = {expected[0], None}
    if name == "credit-evaluation" and record.get("uscc") == PLACEHOLDER:
        allowed.add("evaluation-real-uscc")
    if name == "consumer-complaint" and record.get("counterpart_category") == "自然人":
        allowed.add("complaint-against-business")  # a complaint is against a business
    assert {rule for rule, _, _ in found} <= allowed, found


# --- invalid examples: rules and fields of each record kind ------------------------------------


class Case(NamedTuple):
    name: str
    index: int
    mutations: tuple[Mutation, ...]
    expected: tuple[str | None, str, str]


CASES: dict[str, Case] = {
    "enforcement-term": Case(
        "administrative-enforcement",
        0,
        (drop("term_to"),),
        ("enforcement-term", "required", "term_to"),
    ),
    "enforcement-amount": Case(
        "administrative-enforcement",
        1,
        (drop("amount_wan"),),
        ("enforcement-amount", "required", "amount_wan"),
    ),
    "enforcement-personal-liberty": Case(
        "administrative-enforcement",
        0,
        (put("enforcement_kind", "限制公民人身自由"),),
        ("enforcement-personal-liberty", "const", "counterpart_category"),
    ),
    "enforcement-kind-other-needs-text": Case(
        "administrative-enforcement",
        2,
        (put("enforcement_kind", "其他"),),
        (None, "anyOf", "enforcement_kind"),
    ),
    "confirmation-certificate-pair": Case(
        "administrative-confirmation",
        0,
        (drop("certificate_name"),),
        ("certificate-pair", "required", "certificate_name"),
    ),
    "levy-period-pair": Case(
        "administrative-levy",
        1,
        (drop("levy_period_to"),),
        ("levy-period-pair", "required", "levy_period_to"),
    ),
    "levy-amount-format": Case(
        "administrative-levy",
        0,
        (put("amount_wan", "3564000元"),),
        (None, "pattern", "amount_wan"),
    ),
    "payment-amount": Case(
        "administrative-payment",
        0,
        (drop("amount_wan"),),
        ("payment-amount", "required", "amount_wan"),
    ),
    "adjudication-result-required": Case(
        "administrative-adjudication",
        0,
        (drop("adjudication_result"),),
        (None, "required", "adjudication_result"),
    ),
    "compensation-amount": Case(
        "administrative-compensation",
        0,
        (drop("amount_wan"),),
        ("compensation-amount", "required", "amount_wan"),
    ),
    "reward-authority-placeholder": Case(
        "administrative-reward",
        0,
        (put("authority_uscc", PLACEHOLDER),),
        (None, "format", "authority_uscc"),
    ),
    "inspection-rectification-deadline": Case(
        "administrative-inspection",
        1,
        (drop("rectification_deadline"),),
        ("rectification-deadline", "required", "rectification_deadline"),
    ),
    "inspection-no-rectification-without-problem": Case(
        "administrative-inspection",
        0,
        (put("rectification_deadline", "2026-04-01"),),
        ("no-rectification-without-problem", "false", "rectification_deadline"),
    ),
    "list-removal-required": Case(
        "list-entry",
        1,
        (drop("removal_reason"),),
        ("removal-required", "required", "removal_reason"),
    ),
    "list-removal-empty-while-active": Case(
        "list-entry",
        0,
        (put("removal_date", "2026-05-01"),),
        ("removal-empty-while-active", "false", "removal_date"),
    ),
    "list-measure-id-format": Case(
        "list-entry",
        0,
        (put("measures", ["gj 1 001"]),),
        (None, "pattern", "measures/0"),
    ),
    "ban-removal-required": Case(
        "market-ban",
        0,
        (put("status", "已移出"),),
        ("removal-required", "required", "removal_date"),
    ),
    "ban-removal-empty-while-active": Case(
        "market-ban",
        1,
        (put("removal_reason", "决定撤销"),),
        ("removal-empty-while-active", "false", "removal_reason"),
    ),
    "ban-person-id-pair": Case(
        "market-ban",
        0,
        (drop("responsible_persons/0/id_no"),),
        ("responsible-person-id-pair", "required", "responsible_persons/0/id_no"),
    ),
    "ban-person-bad-resident-id": Case(
        "market-ban",
        0,
        (put("responsible_persons/0/id_no", BAD_ID),),
        ("resident-id-check", "format", "responsible_persons/0/id_no"),
    ),
    "commitment-unfulfilled": Case(
        "credit-commitment",
        2,
        (drop("liability_pursued"),),
        ("unfulfilled-commitment", "required", "liability_pursued"),
    ),
    "commitment-status-needed": Case(
        "credit-commitment",
        0,
        (put("unperformed_content", "未按期提交核查材料。"),),
        ("fulfilment-status-needed", "required", "fulfilment_status"),
    ),
    "commitment-confirm-unit-pair": Case(
        "credit-commitment",
        1,
        (drop("confirm_unit_uscc"),),
        ("confirm-unit-pair", "required", "confirm_unit_uscc"),
    ),
    "commitment-code-date": Case(
        "credit-commitment",
        0,
        (put("code", "42010620261315000123"),),
        (None, "pattern", "code"),
    ),
    "commitment-type-alias-is-normalised-by-readers": Case(
        "credit-commitment",
        0,
        (put("commitment_type", "主动承诺型"),),
        (None, "anyOf", "commitment_type"),
    ),
    "measure-repealed-end": Case(
        "punishment-measure",
        0,
        (put("status", "已废止"),),
        ("repealed-measure-end", "required", "valid_to"),
    ),
    "measure-class": Case(
        "punishment-measure",
        0,
        (put("measure_class", "4"),),
        (None, "enum", "measure_class"),
    ),
    "interview-rectification-requirements": Case(
        "interview-record",
        0,
        (drop("rectification_requirements"),),
        ("rectification-requirements", "required", "rectification_requirements"),
    ),
    "registration-verified-needs-identity": Case(
        "voluntary-registration",
        0,
        (put("identity_verified", "核验未通过"),),
        ("verified-needs-identity", "const", "verification_status"),
    ),
    "registration-source-tag": Case(
        "voluntary-registration",
        1,
        (put("information_source", "行政机关"),),
        (None, "const", "information_source"),
    ),
    "registration-authenticity": Case(
        "voluntary-registration",
        1,
        (put("authenticity_commitment", "否"),),
        (None, "const", "authenticity_commitment"),
    ),
    "evaluation-real-uscc": Case(
        "credit-evaluation",
        2,
        (put("uscc", PLACEHOLDER), put("business_reg_no", "420106600765432")),
        ("evaluation-real-uscc", "format", "uscc"),
    ),
    "evaluation-grade-scale": Case(
        "credit-evaluation",
        0,
        (put("grade", "M"),),
        ("evaluation-grade-scale", "enum", "grade"),
    ),
    "evaluation-natural-person": Case(
        "credit-evaluation",
        0,
        (_to_person,),
        (None, "required", "uscc"),
    ),
    "complaint-against-a-person": Case(
        "consumer-complaint",
        0,
        (_to_person,),
        ("complaint-against-business", "enum", "counterpart_category"),
    ),
    "complaint-mediated-without-acceptance": Case(
        "consumer-complaint",
        1,
        (drop("acceptance_date"),),
        ("mediated-complaint-accepted", "required", "acceptance_date"),
    ),
    "complaint-not-accepted-with-acceptance-date": Case(
        "consumer-complaint",
        2,
        (put("acceptance_date", "2026-07-02"),),
        ("not-accepted-no-acceptance-date", "false", "acceptance_date"),
    ),
    "complaint-with-complainant": Case(
        "consumer-complaint",
        0,
        (put("complainant_name", "张三"),),
        (None, "additionalProperties", ""),  # no complainant field exists at all
    ),
    "complaint-unknown-result": Case(
        "consumer-complaint",
        0,
        (put("handling_result", "已处理"),),
        (None, "anyOf", "handling_result"),
    ),
    "matter-without-letter": Case(
        "commitment-matter",
        0,
        (drop("commitment_letter_text"),),
        ("commitment-letter", "required", "commitment_letter_url"),
    ),
    "matter-deferred-without-materials": Case(
        "commitment-matter",
        1,
        (drop("deferred_materials"),),
        ("deferred-acceptance-materials", "required", "deferred_materials"),
    ),
    "matter-deferred-without-deadline": Case(
        "commitment-matter",
        1,
        (drop("supplement_deadline_working_days"),),
        ("deferred-acceptance-materials", "required", "supplement_deadline_working_days"),
    ),
    "matter-substitute-with-materials": Case(
        "commitment-matter",
        0,
        (put("deferred_materials", "营业执照"),),
        ("approval-substitute-no-deferral", "false", "deferred_materials"),
    ),
    "matter-repealed-without-date": Case(
        "commitment-matter",
        2,
        (drop("repeal_date"),),
        ("repealed-matter-date", "required", "repeal_date"),
    ),
    "matter-other-commitment-type": Case(
        "commitment-matter",
        0,
        (put("commitment_type", "信用修复型"),),
        (None, "enum", "commitment_type"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_examples_are_rejected(case: str) -> None:
    name, index, mutations, expected = CASES[case]
    record = mutated(examples(name)[index], *mutations)
    found = failures(name, record)
    assert expected in found, found
    assert {rule for rule, _, _ in found} == {expected[0]}, found


@pytest.mark.parametrize("name", EXAMPLE_SCHEMAS)
def test_every_rule_has_an_invalid_example(name: str) -> None:
    covered = {c.expected[0] for c in CASES.values() if c.name == name}
    if name in ENTITY_SCHEMAS:
        covered |= {c.expected[0] for c in COUNTERPART_CASES.values()}
    assert rules_reachable(name) <= covered


def test_rule_attribution_sees_through_refs() -> None:
    """The helper above must not pass vacuously: an organisation-code rule error is named."""
    record = mutated(organisation_example("list-entry"), drop("uscc"))
    assert failures("list-entry", record) == {("organisation-identity", "required", "uscc")}
    other = organisation_uscc("91420100MA4KXXXX")
    assert failures("list-entry", mutated(record, put("uscc", other))) == set()
