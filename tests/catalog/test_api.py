"""The public API of the catalog package (ordering and layering: tests/test_architecture.py)."""

from __future__ import annotations

from pathlib import Path

import catalog

PACKAGE = Path(catalog.__file__).parent

# What other packages were told to code against.
PROMISED = (
    "Catalog", "CatalogEntry", "CatalogError", "UnknownDatasetError", "Openness", "KeyPart",
    "load_catalog", "get_entry", "dataset_ids", "USCC_PLACEHOLDER", "record_id_for",
)  # fmt: skip


def test_all_exports_every_public_name() -> None:
    exported = set(catalog.__all__)
    assert len(exported) == len(catalog.__all__)
    public = {n for n in vars(catalog) if not n.startswith("_")}
    submodules = {p.stem for p in PACKAGE.glob("*.py")} | {"annotations"}
    assert public - submodules == exported
    assert set(PROMISED) <= exported


def test_catalog_reads_no_environment() -> None:
    for module in PACKAGE.glob("*.py"):
        assert "environ" not in module.read_text("utf-8"), module.name


def test_package_data_is_inside_the_package() -> None:
    # hatchling ships non-Python files inside packages in the wheel; keep the data there.
    assert (PACKAGE / "meta-schema.json").is_file()
    assert (PACKAGE / "catalogue.yaml").is_file()
    assert len(list((PACKAGE / "entries").glob("*.yaml"))) == len(catalog.dataset_ids())
