"""Incentives for the trustworthy (守信激励措施清单), as data like the punishment measures.

``workflows/data/incentives.yaml`` (validated by ``incentives.schema.json``) lists the measures
— 绿色通道, 容缺受理, fewer inspections … — each with its legal basis, implementer, scenarios
and validity, and which grades qualify. :meth:`IncentiveList.granted` answers the check's
question: an entity with a qualifying 公共信用综合评价 grade that is not dishonest (no list
entry or ban in force, no serious penalty in force) gets the measures in force for the
scenario. An ungraded entity gets none: an incentive needs a positive finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from workflows.datafiles import DATA, read_data_file

INCENTIVES_FILE = DATA / "incentives.yaml"
IN_FORCE = "有效"


@dataclass(frozen=True, slots=True)
class Incentive:
    """One incentive measure."""

    measure_id: str
    name: str
    legal_basis: tuple[str, ...]
    implementer: str
    scenarios: frozenset[str]
    valid_from: date
    valid_to: date | None
    status: str

    def in_force(self, day: date) -> bool:
        return (
            self.status == IN_FORCE
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id,
            "name": self.name,
            "legal_basis": list(self.legal_basis),
            "implementer": self.implementer,
            "scenarios": sorted(self.scenarios),
        }


@dataclass(frozen=True, slots=True)
class IncentiveList:
    """The whole list: version, qualifying grades, measures."""

    version: str
    scheme: str
    grades: frozenset[str]
    measures: tuple[Incentive, ...]

    @property
    def known_scenarios(self) -> frozenset[str]:
        return frozenset(s for m in self.measures for s in m.scenarios)

    def qualifies(self, grade: str | None, *, dishonest: bool, listed: bool) -> bool:
        """Grade in the qualifying grades, and neither dishonest nor listed."""
        return grade in self.grades and not dishonest and not listed

    def granted(
        self, *, grade: str | None, dishonest: bool, listed: bool, scenario: str | None, day: date
    ) -> list[Incentive]:
        """The measures an entity gets on ``day`` for ``scenario`` (None: every scenario)."""
        if not self.qualifies(grade, dishonest=dishonest, listed=listed):
            return []
        return [
            m
            for m in self.measures
            if m.in_force(day) and (scenario is None or scenario in m.scenarios)
        ]


def _incentive(raw: Mapping[str, Any]) -> Incentive:
    return Incentive(
        measure_id=raw["measure_id"],
        name=raw["name"],
        legal_basis=tuple(raw["legal_basis"]),
        implementer=raw["implementer"],
        scenarios=frozenset(raw["scenarios"]),
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_to=date.fromisoformat(raw["valid_to"]) if raw.get("valid_to") else None,
        status=raw["status"],
    )


def read_incentives(path: Path = INCENTIVES_FILE) -> IncentiveList:
    """Read and validate an incentive file (raises :class:`workflows.ProceduresError`)."""
    raw = read_data_file(path, "incentives.schema.json")
    return IncentiveList(
        version=raw["version"],
        scheme=raw["qualifying"]["scheme"],
        grades=frozenset(raw["qualifying"]["grades"]),
        measures=tuple(_incentive(m) for m in raw["measures"]),
    )


@cache
def load_incentives() -> IncentiveList:
    """The package's incentive list (read and validated once)."""
    return read_incentives()
