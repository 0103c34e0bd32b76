"""Sectors are data: the schema enum equals catalog/sectors.yaml, and the tables are checked."""

from __future__ import annotations

import pytest

from catalog import InvalidCatalogError
from catalog.departments import parse_registry, registry
from catalog.sectors import (
    legal_bases,
    parse_legal_bases,
    parse_sectors,
    schema_enum,
    sector_ids,
)


def test_schema_enum_equals_the_data() -> None:
    assert schema_enum() == list(sector_ids())


def test_rule_domains_and_plan_key_areas_are_covered() -> None:
    domains = set(sector_ids("domain"))
    assert {"食品", "药品", "特种设备", "安全生产", "消防"} <= domains
    assert "市场监管" in sector_ids("system")
    assert {"养老托幼", "城市运行安全", "食品药品", "生态环境", "安全生产"} <= set(
        sector_ids("key_area")
    )


def test_the_tables_load() -> None:
    assert legal_bases() and registry().patterns


def test_bad_sectors_are_located() -> None:
    with pytest.raises(InvalidCatalogError) as caught:
        parse_sectors(
            {
                "sectors": [
                    {"id": "x", "kinds": ["nope"]},
                    {"id": "y", "kinds": ["domain"]},
                    {"id": "y", "kinds": ["domain"]},
                ]
            }
        )
    text = str(caught.value)
    assert "$.sectors[0].kinds" in text and "$.sectors[2].id" in text


def test_a_law_table_may_name_only_domains() -> None:
    with pytest.raises(InvalidCatalogError, match=r"\$\.domains\[0\]\.domain"):
        parse_legal_bases(
            {"domains": [{"domain": "市场监管", "laws": ["x法"]}]}, sector_ids("domain")
        )


def test_a_registry_may_name_only_systems_and_real_usccs() -> None:
    with pytest.raises(InvalidCatalogError) as caught:
        parse_registry(
            {
                "systems": [{"system": "特种设备", "name_patterns": ["x"]}],
                "departments": [{"name": "武汉市x局", "system": "市场监管", "uscc": "123"}],
            }
        )
    text = str(caught.value)
    assert "$.systems[0].system" in text and "$.departments[0].uscc" in text
