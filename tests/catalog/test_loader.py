"""Loading and checking the catalogue files (catalog.loader)."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from catalog import (
    Catalog,
    CatalogError,
    InvalidCatalogError,
    UnknownDatasetError,
    dataset_ids,
    get_entry,
    load_catalog,
    meta_schema,
)

# The order the lead's brief fixes for every listing.
EXPECTED_ORDER = (
    "administrative-licensing",
    "administrative-penalty",
    "administrative-enforcement",
    "administrative-confirmation",
    "administrative-levy",
    "administrative-payment",
    "administrative-adjudication",
    "administrative-compensation",
    "administrative-reward",
    "administrative-inspection",
    "serious-dishonesty-list",
    "watch-list",
    "market-ban",
    "consumer-complaint",
    "credit-commitment",
    "commitment-matters",
    "punishment-measures",
    "interview-record",
    "voluntary-registration",
    "credit-evaluation",
    "public-credit-evaluation",
    "catalogue",
)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the package catalogue."""
    root = tmp_path / "catalogue"
    root.mkdir()
    package = resources.files("catalog")
    shutil.copy(str(package / "catalogue.yaml"), root / "catalogue.yaml")
    shutil.copytree(str(package / "entries"), root / "entries")
    return root


def edit(file: Path, change: dict[str, object]) -> None:
    document = yaml.safe_load(file.read_text("utf-8"))
    document.update(change)
    file.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def problems_of(root: Path) -> tuple[str, ...]:
    with pytest.raises(InvalidCatalogError) as caught:
        load_catalog(directory=root)
    assert isinstance(caught.value, CatalogError)
    assert str(caught.value).count("\n") == len(caught.value.problems)
    return caught.value.problems


def test_package_catalogue_loads_in_order_and_is_cached() -> None:
    catalogue = load_catalog()
    assert isinstance(catalogue, Catalog)
    assert tuple(catalogue) == EXPECTED_ORDER
    assert dataset_ids() == EXPECTED_ORDER
    assert load_catalog() is catalogue
    assert get_entry("watch-list") is catalogue["watch-list"]


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(UnknownDatasetError) as caught:
        get_entry("black-list")
    error = caught.value
    assert isinstance(error, CatalogError)
    assert isinstance(error, KeyError)
    assert error.status == 404
    assert error.dataset_id == "black-list"
    assert str(error).startswith("unknown dataset 'black-list'; known datasets: ")
    assert all(i in str(error) for i in EXPECTED_ORDER)
    # Mapping behaviour rests on the KeyError.
    catalogue = load_catalog()
    assert catalogue.get("black-list") is None
    assert "black-list" not in catalogue
    assert "watch-list" in catalogue


def test_a_directory_loads_uncached(copy: Path) -> None:
    first = load_catalog(directory=copy)
    assert tuple(first) == EXPECTED_ORDER
    assert first == load_catalog()  # same entries, compared as mappings
    assert load_catalog(directory=str(copy)) is not first


def test_manifest_order_is_the_catalogue_order(copy: Path) -> None:
    manifest = copy / "catalogue.yaml"
    edit(manifest, {"datasets": list(reversed(EXPECTED_ORDER))})
    assert tuple(load_catalog(directory=copy)) == tuple(reversed(EXPECTED_ORDER))


def test_meta_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(meta_schema())


def test_meta_schema_violation_is_located(copy: Path) -> None:
    file = copy / "entries" / "market-ban.yaml"
    document = yaml.safe_load(file.read_text("utf-8"))
    document["providers"][1]["uscc"] = "11420100mb1320102j"
    document["openness"] = "secret"
    document["colour"] = "red"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    problems = problems_of(copy)
    assert len(problems) == 3, problems
    assert all(p.startswith(f"{file}: $") for p in problems), problems
    assert any("$.providers[1].uscc: '11420100mb1320102j' does not match" in p for p in problems)
    assert any("$.openness: 'secret' is not one of" in p for p in problems)
    assert any("$: Additional properties are not allowed ('colour'" in p for p in problems)


def test_problems_of_several_files_are_collected(copy: Path) -> None:
    edit(copy / "entries" / "watch-list.yaml", {"update_frequency": "hourly"})
    edit(copy / "entries" / "catalogue.yaml", {"natural_key": []})
    problems = problems_of(copy)
    assert [p.split(": ")[:2] for p in problems] == [
        [str(copy / "entries" / "catalogue.yaml"), "$.natural_key"],
        [str(copy / "entries" / "watch-list.yaml"), "$.update_frequency"],
    ]


def test_yaml_errors_name_file_and_line(copy: Path) -> None:
    file = copy / "entries" / "watch-list.yaml"
    file.write_text("id: watch-list\ntitle: [unclosed\n", "utf-8")
    (problem,) = problems_of(copy)
    assert problem.startswith(f"{file}: line 3, column 1: "), problem


def test_duplicate_yaml_keys_are_refused(copy: Path) -> None:
    file = copy / "entries" / "watch-list.yaml"
    file.write_text(file.read_text("utf-8") + "openness: government\n", "utf-8")
    (problem,) = problems_of(copy)
    assert problem.startswith(f"{file}: line ") and "duplicate key 'openness'" in problem


def test_id_must_equal_file_stem(copy: Path) -> None:
    file = copy / "entries" / "watch-list.yaml"
    edit(file, {"id": "watchlist"})
    (problem,) = problems_of(copy)
    assert problem == f"{file}: $.id: 'watchlist' differs from the file name 'watch-list'"


def test_a_key_field_may_not_repeat(copy: Path) -> None:
    file = copy / "entries" / "market-ban.yaml"
    edit(file, {"natural_key": ["decision_doc_no", {"coalesce": ["uscc", "decision_doc_no"]}]})
    (problem,) = problems_of(copy)
    assert problem == f"{file}: $.natural_key: a field appears more than once"


def test_manifest_and_files_must_agree(copy: Path) -> None:
    (copy / "entries" / "watch-list.yaml").unlink()
    shutil.copy(copy / "entries" / "market-ban.yaml", copy / "entries" / "market-ban-2.yaml")
    edit(copy / "entries" / "market-ban-2.yaml", {"id": "market-ban-2"})
    problems = problems_of(copy)
    assert problems == (
        f"{copy / 'catalogue.yaml'}: $.datasets: 'watch-list' has no file entries/watch-list.yaml",
        f"{copy / 'entries' / 'market-ban-2.yaml'}: not listed in catalogue.yaml $.datasets",
    )


def test_manifest_is_validated(copy: Path) -> None:
    edit(copy / "catalogue.yaml", {"version": "1.0", "datasets": ["watch-list", "watch-list"]})
    problems = problems_of(copy)
    assert {p.split(": ")[1] for p in problems} == {"$.datasets", "$.version"}, problems


def test_other_file_types_are_refused(copy: Path) -> None:
    (copy / "entries" / "notes.yml").write_text("id: notes\n", "utf-8")
    (problem,) = problems_of(copy)
    assert problem.startswith(f"{copy / 'entries' / 'notes.yml'}: not a .yaml file")


def test_category_names_must_agree(copy: Path) -> None:
    file = copy / "entries" / "watch-list.yaml"
    document = yaml.safe_load(file.read_text("utf-8"))
    document["category"]["zh"] = "其它"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    (problem,) = problems_of(copy)
    assert "$.category: 'other' is named" in problem


def test_a_uscc_names_one_provider(copy: Path) -> None:
    file = copy / "entries" / "watch-list.yaml"
    document = yaml.safe_load(file.read_text("utf-8"))
    document["providers"][0]["name_zh"] = "武汉市信用办"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    problems = problems_of(copy)
    assert problems and all(
        "$.providers[0]: USCC 11420100MB10185288 belongs to" in p for p in problems
    )


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert any("catalogue.yaml" in p for p in problems)
    assert any("no catalogue entries found" in p for p in problems)
