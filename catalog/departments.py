"""The registry of Wuhan's deciding authorities: which issuing system an authority belongs to.

Real exports carry the national fields 处罚机关 (CF_CFJG) and its USCC (CF_CFJGDM), not a local
sector column. ``catalog/departments.yaml`` (data, validated on load) maps them to a system —
every 市场监督管理局, city or district, is the SAMR system (市场监管), to which SAMR Order 45
applies. Matching order: the USCC of a listed department, its exact name, then the systems'
name patterns (regular expressions searched in the name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from catalog.errors import InvalidCatalogError
from catalog.sectors import sector_ids

DEPARTMENTS_FILE = Path(__file__).parent / "departments.yaml"
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    system: str
    division: str | None
    uscc: str | None


@dataclass(frozen=True, slots=True)
class Registry:
    """Listed departments and the name patterns of each system."""

    departments: tuple[Department, ...]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def system_of(self, name: str | None, uscc: str | None) -> tuple[str | None, str | None]:
        """``(system, how)``: how names the matched USCC, name or pattern; (None, None) if none."""
        code = (uscc or "").strip().upper()
        text = (name or "").strip()
        for dept in self.departments:
            if code and dept.uscc == code:
                return dept.system, f"uscc {code}"
        for dept in self.departments:
            if text and dept.name == text:
                return dept.system, f"name {text}"
        for system, pattern in self.patterns:
            if text and pattern.search(text):
                return system, f"name pattern {pattern.pattern}"
        return None, None


def parse_registry(data: Any, name: str = DEPARTMENTS_FILE.name) -> Registry:
    """The registry of a parsed ``departments.yaml``; raises :class:`InvalidCatalogError`."""
    systems = set(sector_ids("system"))
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise InvalidCatalogError([f"{name}: $: must be a mapping"])
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for index, item in enumerate(data.get("systems") or []):
        at = f"{name}: $.systems[{index}]"
        if not isinstance(item, Mapping) or item.get("system") not in systems:
            problems.append(f"{at}.system: not a sector of kind system in sectors.yaml")
            continue
        for pindex, text in enumerate(item.get("name_patterns") or []):
            try:
                patterns.append((item["system"], re.compile(str(text))))
            except re.error as exc:
                problems.append(f"{at}.name_patterns[{pindex}]: {exc}")
    departments: list[Department] = []
    for index, item in enumerate(data.get("departments") or []):
        at = f"{name}: $.departments[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.append(f"{at}.name: required")
            continue
        if item.get("system") not in systems:
            problems.append(f"{at}.system: not a sector of kind system in sectors.yaml")
            continue
        uscc = item.get("uscc")
        if uscc is not None and not _USCC.match(str(uscc)):
            problems.append(f"{at}.uscc: not an 18-character USCC")
            continue
        division = item.get("division")
        departments.append(
            Department(item["name"], item["system"], str(division) if division else None, uscc)
        )
    if problems:
        raise InvalidCatalogError(problems)
    return Registry(tuple(departments), tuple(patterns))


@cache
def registry() -> Registry:
    """The registry of ``catalog/departments.yaml``."""
    try:
        data = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidCatalogError([f"{DEPARTMENTS_FILE.name}: $: {exc}"]) from None
    return parse_registry(data)
