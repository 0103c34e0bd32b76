"""Deterministic names: datasets, organisations, resources (no CKAN needed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import Openness, load_catalog
from portal import PortalConfig, PortalConfigError, Role
from portal.naming import check_organisations, org_slug, organisation_slugs, providers_of


def test_default_dataset_names_are_the_catalogue_ones() -> None:
    config = PortalConfig()
    for entry in load_catalog().values():
        assert config.dataset_name(entry) == entry.ckan_dataset_name()
    assert config.dataset_name(load_catalog()["administrative-penalty"]) == (
        "wuhan-credit-administrative-penalty"
    )


def test_organisations_file_agrees_with_the_catalogue() -> None:
    catalog = load_catalog()
    assert check_organisations(catalog) == []
    config = PortalConfig()
    for entry in catalog.values():
        assert config.org_name(entry.main_provider) == entry.ckan.organisation


def test_every_providing_department_has_its_own_organisation() -> None:
    catalog = load_catalog()
    public = [e for e in catalog.values() if e.openness is Openness.PUBLIC]
    providers = providers_of(public, catalog)
    names = [PortalConfig().org_name(p) for p in providers]
    assert len(set(names)) == len(names) == len({p.uscc for p in providers})
    assert set(organisation_slugs()) >= {p.uscc for p in providers}


def test_an_unknown_department_still_gets_a_deterministic_name() -> None:
    assert org_slug("11420100MB0000000X") == "wuhan-org-11420100mb0000000x"


def test_resource_names_are_distinct_and_stable() -> None:
    entry = load_catalog()["administrative-penalty"]
    config = PortalConfig(prefix="t1-wuhan-credit", org_prefix="t1-")
    names = [config.resource_name(entry, role) for role in Role]
    assert names == [
        "t1-wuhan-credit-administrative-penalty",
        "t1-wuhan-credit-administrative-penalty.csv",
        "t1-wuhan-credit-administrative-penalty.ndjson",
        "datapackage.json",
    ]
    assert config.org_name(entry.main_provider) == "t1-wuhan-amr"


@pytest.mark.parametrize("prefix", ["", "Wuhan", "wuhan credit", "-x", "x" * 61, "武汉"])
def test_unusable_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(PortalConfigError):
        PortalConfig(prefix=prefix)


def test_unusable_organisation_prefixes_are_refused() -> None:
    with pytest.raises(PortalConfigError):
        PortalConfig(org_prefix="Test-")


@given(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,59}", fullmatch=True))
def test_any_accepted_prefix_gives_valid_ckan_names(prefix: str) -> None:
    config = PortalConfig(prefix=prefix)
    for entry in load_catalog().values():
        name = config.dataset_name(entry)
        assert len(name) <= 100 and name == name.lower()
