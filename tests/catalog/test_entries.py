"""Consistency of the catalogue data (catalog/catalogue.yaml, catalog/entries/*.yaml)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import schemas
from catalog import CatalogEntry, Openness, load_catalog, meta_schema

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalog()
ENTRIES = list(CATALOGUE.values())
ACTIONS = [i for i in CATALOGUE if i.startswith("administrative-")]

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_ok(code: str) -> bool:
    """GB 32100 check character and embedded GB 11714 organisation code, from first principles."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    if CHARSET[(31 - total % 31) % 31] != code[17]:
        return False
    # GB 11714 values letters A=10 … Z=35, not by their USCC index.
    org = sum(int(c, 36) * w for c, w in zip(code[8:16], (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - org % 11
    return code[16] == ("X" if check == 10 else "0" if check == 11 else str(check))


def test_the_checksum_helper_agrees_with_the_reference_examples() -> None:
    assert uscc_ok("11420000MB15291767")
    assert uscc_ok("914403001922038216")
    assert not uscc_ok("91420100MA4KL8QH5N")  # passes GB 32100, fails the embedded org code
    assert not uscc_ok("92420300MA49KUFW0H")
    assert not uscc_ok("00000000000000000X")


def test_there_is_one_file_per_listed_dataset() -> None:
    files = sorted(f.name for f in (resources.files("catalog") / "entries").iterdir())
    assert files == sorted(f"{i}.yaml" for i in CATALOGUE)
    assert len(set(CATALOGUE)) == len(files) == 22


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_validates_against_the_meta_schema(entry: CatalogEntry) -> None:
    file = resources.files("catalog") / "entries" / f"{entry.id}.yaml"
    document = yaml.safe_load(file.read_text("utf-8"))
    assert document["id"] == entry.id
    errors = [e.message for e in Draft202012Validator(meta_schema()).iter_errors(document)]
    assert not errors, errors


def test_every_provider_uscc_is_a_valid_wuhan_government_code() -> None:
    codes = {p.uscc: p.name_zh for e in ENTRIES for p in e.providers}
    codes[CATALOGUE.publisher.uscc] = CATALOGUE.publisher.name_zh
    for code, name in codes.items():
        assert code.startswith("11420100"), (name, code)  # 机构编制 / 机关, registered in 420100
        assert uscc_ok(code), (name, code)
        assert schemas.is_valid_uscc(code) and schemas.uscc_embedded_org_code_ok(code), code
    assert len(set(codes.values())) == len(codes), "one code per provider"


def test_the_publisher_is_the_city_credit_office() -> None:
    assert CATALOGUE.publisher.name_zh == "武汉市发展和改革委员会"
    assert CATALOGUE["catalogue"].main_provider == CATALOGUE.publisher


def test_ckan_organisation_follows_the_main_provider() -> None:
    owner: dict[str, str] = {}
    for entry in ENTRIES:
        seen = owner.setdefault(entry.ckan.organisation, entry.main_provider.uscc)
        assert seen == entry.main_provider.uscc, entry.id
        assert entry.ckan.organisation.startswith("wuhan-")
        assert any(any("\u4e00" <= c <= "\u9fff" for c in t) for t in entry.ckan.tags), entry.id
        assert any(t.isascii() for t in entry.ckan.tags), entry.id


OPENNESS = {
    **dict.fromkeys(ACTIONS, Openness.PUBLIC),
    "serious-dishonesty-list": Openness.PUBLIC,
    "watch-list": Openness.PUBLIC,
    "market-ban": Openness.PUBLIC,
    "consumer-complaint": Openness.PUBLIC,
    "credit-commitment": Openness.PUBLIC,
    "commitment-matters": Openness.PUBLIC,
    "punishment-measures": Openness.PUBLIC,
    "interview-record": Openness.GOVERNMENT,
    "voluntary-registration": Openness.AUTHORISED,
    "credit-evaluation": Openness.AUTHORISED,
    "public-credit-evaluation": Openness.GOVERNMENT,
    "catalogue": Openness.PUBLIC,
}


def test_openness_and_licence() -> None:
    assert {e.id: e.openness for e in ENTRIES} == OPENNESS
    for entry in ENTRIES:
        # Open data is CC BY (attribution to the providing authority); the rest is not open.
        expected = "cc-by" if entry.openness is Openness.PUBLIC else "other-closed"
        assert entry.ckan.licence_id == expected, entry.id


def test_the_ten_administrative_actions() -> None:
    assert len(ACTIONS) == 10
    for entry in ENTRIES:
        is_action = entry.id in ACTIONS
        assert entry.disclosure_deadline_working_days == (7 if is_action else None), entry.id
        assert (entry.category == "administrative-management") >= is_action, entry.id
    rules = {e.id: e.publication_rule for e in ENTRIES if e.id in ACTIONS}
    assert rules.pop("administrative-licensing") == "licence"
    assert rules.pop("administrative-penalty") == "penalty"
    assert set(rules.values()) == {"administrative-action"}


def test_publication_rules_of_the_other_datasets() -> None:
    assert {e.id: e.publication_rule for e in ENTRIES if e.id not in ACTIONS} == {
        "serious-dishonesty-list": "list-entry",
        "watch-list": "list-entry",
        "market-ban": "market-ban",
        "consumer-complaint": "consumer-complaint",
        "credit-commitment": "credit-commitment",
        "commitment-matters": "commitment-matter",
        "punishment-measures": "none",
        "interview-record": "interview",
        "voluntary-registration": "voluntary-registration",
        "credit-evaluation": "evaluation",
        "public-credit-evaluation": "evaluation",
        "catalogue": "none",
    }


def test_descriptions_are_informative() -> None:
    for entry in ENTRIES:
        assert len(entry.description_zh) >= 150, entry.id
        assert len(entry.description_en) >= 400, entry.id
        assert entry.title_zh in entry.description_zh or entry.record_kind_zh, entry.id


# --- agreement with schemas/json (written by the schema engineer) -------------------------

SCHEMA_DIR = REPO / "schemas" / "json"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_schema_file_exists_with_the_key_fields(entry: CatalogEntry) -> None:
    file = SCHEMA_DIR / f"{entry.schema_id}.schema.json"
    assert file.is_file(), f"{entry.id}: no schema file {file.name}"
    document = json.loads(file.read_text("utf-8"))
    assert document["$id"].endswith(f"/{entry.schema_id}.schema.json")
    assert document.get("x-version") == entry.schema_version, entry.id
    missing = [f for f in entry.key_fields() if f not in document.get("properties", {})]
    assert not missing, f"{entry.id}: key fields {missing} are not properties of {file.name}"
