"""The monitoring's data: the 15 district units and the ranking settings (监测配置).

``workflows/data/district-units.yaml`` maps division codes to the units the city ranks (12
districts, 武汉经济技术开发区（汉南区） and two functional zones; credit-domain §5) by longest
prefix; ``workflows/data/monitor.yaml`` holds the withdrawal limit and the ranking weights.
Both are validated by their JSON Schemas (:func:`workflows.datafiles.read_data_file`) and by
the cross-checks here (unique ids and prefixes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from workflows.datafiles import DATA, read_data_file
from workflows.errors import ProceduresError

UNITS_FILE = DATA / "district-units.yaml"
SETTINGS_FILE = DATA / "monitor.yaml"


@dataclass(frozen=True, slots=True)
class DistrictUnit:
    """One ranked 区（功能区） unit."""

    id: str
    name_zh: str
    name_en: str
    kind: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DistrictUnits:
    """The units and the prefix map (longest prefix wins)."""

    version: str
    units: tuple[DistrictUnit, ...]

    def unit_of(self, division_code: object) -> str | None:
        """The unit id of a division code; None for the city (420100), others and junk."""
        if not isinstance(division_code, str):
            return None
        best: tuple[int, str] | None = None
        for unit in self.units:
            for prefix in unit.prefixes:
                if division_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), unit.id)
        return None if best is None else best[1]

    def name(self, unit_id: str) -> str | None:
        return next((u.name_zh for u in self.units if u.id == unit_id), None)


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """Limits and ranking weights (see docs/monitoring.md)."""

    withdrawal_working_days: int
    correction_republish_working_days: int
    min_judged: int
    weights: tuple[tuple[str, float], ...]
    national_indicators: tuple[dict[str, Any], ...] = ()


def read_units(path: Path = UNITS_FILE) -> DistrictUnits:
    """Read and check a district-units file (:class:`ProceduresError` when invalid)."""
    doc = read_data_file(path, "district-units.schema.json")
    units = tuple(
        DistrictUnit(u["id"], u["name_zh"], u["name_en"], u["kind"], tuple(u["prefixes"]))
        for u in doc["units"]
    )
    ids = [u.id for u in units]
    prefixes = [p for u in units for p in u.prefixes]
    problems = [f"unit {i} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [
        f"prefix {p} appears twice" for p in sorted({p for p in prefixes if prefixes.count(p) > 1})
    ]
    if problems:
        raise ProceduresError(f"{path.name} is invalid:\n" + "\n".join(problems))
    return DistrictUnits(str(doc["version"]), units)


def read_settings(path: Path = SETTINGS_FILE) -> MonitorSettings:
    """Read a monitor settings file (:class:`ProceduresError` when invalid)."""
    doc = read_data_file(path, "monitor.schema.json")
    return MonitorSettings(
        withdrawal_working_days=doc["withdrawal_working_days"],
        correction_republish_working_days=doc["correction_republish_working_days"],
        min_judged=doc["min_judged"],
        weights=tuple((k, float(v)) for k, v in doc["weights"].items()),
        national_indicators=tuple(doc.get("national_indicators", ())),
    )


@cache
def load_units() -> DistrictUnits:
    """The packaged district units (read once)."""
    return read_units()


@cache
def load_settings() -> MonitorSettings:
    """The packaged monitor settings (read once)."""
    return read_settings()
