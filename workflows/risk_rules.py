"""Risk early-warning rules (风险预警规则), as data.

``workflows/data/risk-rules.yaml`` lists the rules the alert evaluator (:mod:`workflows.risk`)
applies: each has an id, a kind (what is checked), bilingual titles, a severity, the kind's
parameters and who is responsible (the route). The file also names the city credit office and
the department owning each 行业领域, for routing. It is validated by
``risk-rules.schema.json`` (per-kind parameters included); a file that does not validate stops
the work with :class:`workflows.ProceduresError` listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from workflows.datafiles import DATA, read_data_file
from workflows.errors import ProceduresError

RISK_RULES_FILE = DATA / "risk-rules.yaml"


class RuleKind(StrEnum):
    """What a rule checks (docs/alerts.md)."""

    PENALTY_COUNT = "penalty-count"
    PENALTY_DISTRICTS = "penalty-districts"
    GRADE_FALL = "grade-fall"
    LISTED_REP_ELSEWHERE = "listed-rep-elsewhere"
    COMMITMENT_BREACH = "commitment-breach"


class Route(StrEnum):
    """Who an alert goes to."""

    RECORD_AUTHORITIES = "record-authorities"
    SECTOR_DEPARTMENT = "sector-department"
    CREDIT_OFFICE = "credit-office"


@dataclass(frozen=True, slots=True)
class RiskRule:
    """One rule: ``params`` are the kind's parameters as the file gives them."""

    id: str
    kind: RuleKind
    title_zh: str
    title_en: str
    severity: str
    params: Mapping[str, Any]
    route: tuple[Route, ...]
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "severity": self.severity,
            "params": dict(self.params),
            "route": [r.value for r in self.route],
            "enabled": self.enabled,
        }


@dataclass(frozen=True, slots=True)
class RiskRules:
    """The rule set: the rules, the credit office and the sector departments."""

    version: str
    credit_office: str
    credit_office_name: str
    sector_departments: Mapping[str, str]
    rules: tuple[RiskRule, ...] = field(default=())

    @property
    def enabled(self) -> tuple[RiskRule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)

    def rule(self, rule_id: str) -> RiskRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def parse_risk_rules(raw: Mapping[str, Any], *, source: str = "risk-rules.yaml") -> RiskRules:
    """Build the rule set from a validated document; duplicate rule ids are an error."""
    seen: set[str] = set()
    rules = []
    for entry in raw["rules"]:
        if entry["id"] in seen:
            raise ProceduresError(f"{source} is invalid:\n/rules: duplicate rule id {entry['id']}")
        seen.add(entry["id"])
        rules.append(
            RiskRule(
                id=entry["id"],
                kind=RuleKind(entry["kind"]),
                title_zh=entry["title_zh"],
                title_en=entry["title_en"],
                severity=entry["severity"],
                params=dict(entry["params"]),
                route=tuple(Route(r) for r in entry["route"]),
                enabled=entry.get("enabled", True),
            )
        )
    office = raw["credit_office"]
    return RiskRules(
        version=raw["version"],
        credit_office=office["uscc"],
        credit_office_name=office["name"],
        sector_departments=dict(raw["sector_departments"]),
        rules=tuple(rules),
    )


def read_risk_rules(path: Path = RISK_RULES_FILE) -> RiskRules:
    """Read and validate a rules file (raises :class:`workflows.ProceduresError`)."""
    return parse_risk_rules(read_data_file(path, "risk-rules.schema.json"), source=path.name)


@cache
def load_risk_rules() -> RiskRules:
    """The package's own rules (read once)."""
    return read_risk_rules()
