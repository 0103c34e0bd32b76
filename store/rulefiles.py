"""Publication-rule files: reading ``store/rules/*.yaml`` and refusing bad ones with located errors.

Each file is validated against ``rules.schema.json`` (all errors, format checking) and then
checked for what a schema cannot express (names, contiguous rule sets, classes covered,
min <= max). Every problem is reported with its file, line and JSON path. Errors::

    WindowError                           base class
    ├── RulesError (ValueError)           rules files unreadable or invalid; .problems are located
    └── UnknownRuleError (LookupError)    no rules file for the rule reference
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from store.periods import add_period

RULES_DIR = Path(__file__).parent / "rules"
SCHEMA_FILE = "rules.schema.json"
_DAY = timedelta(days=1)


class WindowError(Exception):
    """Base class of publication-window errors."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One defect in a rules file: the file, its 1-based line if known, a JSON path, a message."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class RulesError(WindowError, ValueError):
    """The rules directory cannot be used; ``problems`` lists every defect found."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"invalid publication rules:\n{lines}")


class UnknownRuleError(WindowError, LookupError):
    """No rules file exists for ``rule_ref``."""

    def __init__(self, rule_ref: str) -> None:
        self.rule_ref = rule_ref
        super().__init__(f"no publication rules for {rule_ref!r}")


class Severity(StrEnum):
    """失信程度: the class that selects a penalty's period (轻微 / 一般 / 严重)."""

    LIGHT = "light"
    GENERAL = "general"
    SERIOUS = "serious"

    @property
    def zh(self) -> str:
        return {"light": "轻微", "general": "一般", "serious": "严重"}[self.value]


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps ISO dates as strings, as the rules schema expects."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(node: yaml.Node | None, path: Iterable[str | int]) -> int | None:
    """The 1-based line of the deepest YAML node on ``path`` that exists."""
    for key in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for name, value in node.value if name.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1 if node is not None else None


_Path = list[str | int]
_PROBES = (date(2001, 1, 31), date(2004, 2, 29), date(2005, 7, 1))
"""Days on which min and max periods are compared (month ends make P1M and P30D differ)."""


def _pointer(path: Iterable[str | int]) -> str:
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)


def _consistency(data: Mapping[str, Any], stem: str) -> list[tuple[_Path, str]]:
    """Checks the schema cannot express: names, date order, min <= max, classes covered."""
    found: list[tuple[_Path, str]] = []
    if data["rule_ref"] != stem:
        found.append((["rule_ref"], f"must equal the file name {stem!r}"))
    previous_until: date | None = None
    for index, rule_set in enumerate(data["rule_sets"]):
        at: _Path = ["rule_sets", index]
        if not rule_set["id"].startswith(f"{data['rule_ref']}/"):
            found.append(([*at, "id"], f"must start with {data['rule_ref']!r}/"))
        begins, ends = rule_set["from"], rule_set["until"]
        expected = None if index == 0 else previous_until
        if index == 0 and begins is not None:
            found.append(([*at, "from"], "the first rule set must start with from: null"))
        if index > 0 and (begins is None or date.fromisoformat(begins) != expected):
            found.append(([*at, "from"], f"must be the day after the previous until ({expected})"))
        if begins and ends and date.fromisoformat(ends) < date.fromisoformat(begins):
            found.append(([*at, "until"], "must not be before from"))
        previous_until = date.fromisoformat(ends) + _DAY if ends else None
        if index == len(data["rule_sets"]) - 1 and ends is not None:
            found.append(([*at, "until"], "the last rule set must end with until: null"))
        if data["kind"] == "penalty":
            found.extend(_class_checks(rule_set, at))
    if data["kind"] == "record" and len(data["rule_sets"]) > 1 and not data.get("date_field"):
        found.append((["date_field"], "several rule sets need a date_field to choose between them"))
    return found


def _class_checks(rule_set: Mapping[str, Any], at: _Path) -> list[tuple[_Path, str]]:
    found: list[tuple[_Path, str]] = []
    classes, mapping = rule_set["classes"], rule_set.get("severity_map", {})
    for severity in Severity:
        if mapping.get(severity, severity) not in classes:
            found.append(([*at, "classes"], f"no rule for the {severity} class"))
    rules = [([*at, "classes", name], dict(rule)) for name, rule in classes.items()]
    for index, override in enumerate(rule_set.get("sector_overrides", ())):
        for name in override.get("classes", classes):
            if name in classes:
                merged = {**classes[name], **override}
                rules.append(([*at, "sector_overrides", index], merged))
    for where, rule in rules:
        if not rule.get("publish", True):
            continue
        if "min" not in rule or "max" not in rule:
            found.append((where, "a published class needs min and max"))
        elif any(add_period(d, rule["min"]) > add_period(d, rule["max"]) for d in _PROBES):
            found.append((where, f"min {rule['min']} is longer than max {rule['max']}"))
    return found


def _where(error: ValidationError) -> _Path:
    """The error's path, down to the offending key for an unexpected property."""
    where: _Path = list(error.path)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        error.instance, Mapping
    ):
        unexpected = [key for key in error.instance if f"{key!r}" in error.message]
        where.extend(unexpected[:1])
    return where


def _explain(error: ValidationError) -> str:
    """The message, with the reasons of each alternative when an ``anyOf`` failed."""
    reasons = sorted({sub.message for sub in error.context or ()})
    return f"{error.message} ({'; '.join(reasons)})" if reasons else error.message


def _read(path: Path, validator: Draft202012Validator) -> tuple[Any, list[RuleProblem]]:
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [RuleProblem(path.name, line, "$", str(exc).replace("\n", " "))]
    errors = sorted(validator.iter_errors(data), key=lambda error: list(map(str, error.path)))
    if errors:
        located = [(_where(error), _explain(error)) for error in errors]
        return data, [
            RuleProblem(path.name, _line(root, where), _pointer(where), message)
            for where, message in located
        ]
    return data, [
        RuleProblem(path.name, _line(root, where), _pointer(where), message)
        for where, message in _consistency(data, path.stem)
    ]


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((RULES_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


def read_rule_files(folder: Path) -> dict[str, Mapping[str, Any]]:
    """The validated rules of every ``*.yaml`` in ``folder`` by rule reference.

    Raises :class:`RulesError` listing every problem (file, line, JSON path, message).
    """
    validator = Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    rules: dict[str, Mapping[str, Any]] = {}
    problems: list[RuleProblem] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        problems.append(RuleProblem(str(folder), None, "$", "no rules files (*.yaml)"))
    for path in files:
        data, found = _read(path, validator)
        problems.extend(found)
        if not found:
            rules[data["rule_ref"]] = data
    if problems:
        raise RulesError(problems)
    return rules
