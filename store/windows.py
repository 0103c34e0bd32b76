"""Publication windows (公示期): the days on which a credit record may be shown publicly.

A window is computed — never taken from the provider's 公示截止期 — from the rules in force at the
record's decision date, its severity class (轻微 / 一般 / 严重) and its sector. The rules are data:
one YAML file per catalogue rule reference under ``store/rules/``, validated against
``store/rules/rules.schema.json`` and a few consistency checks when loaded. The rules, their
sources and every decision taken are listed in ``docs/publication-windows.md``.

Period arithmetic: a period P counted from a day S ends on ``add_period(S, P)`` — the
corresponding day P later, or that month's last day when it is shorter (民法典 Art. 202; the start
day is not counted into P, Art. 201). A window is the closed interval ``[start, end]``:
a penalty decided on 2024-01-31 with a 3-month period is shown from 2024-01-31 to 2024-04-30.

Bad record data never raises: a record whose window cannot be computed (no decision date, no
penalty category) gets ``publishable=False`` and the reason. Errors::

    WindowError                           base class
    ├── RulesError (ValueError)           rules files unreadable or invalid; .problems are located
    └── UnknownRuleError (LookupError)    no rules file for the rule reference
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

RULES_DIR = Path(__file__).parent / "rules"
SCHEMA_FILE = "rules.schema.json"
OPEN_END = date(2099, 12, 31)
"""长期: an end date on or after this day means "no end"."""

_DAY = timedelta(days=1)
_OVERRIDABLE = ("publish", "min", "max")
_PERIOD = re.compile(r"^P(?=[0-9])(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?$")
_SEPARATORS = re.compile(r"[;；、,，]")


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


@dataclass(frozen=True, slots=True)
class PublicationWindow:
    """When a record may be shown on the public channel: the closed interval [start, end].

    ``publishable=False`` means it must never be shown (start and end are then None).
    ``start=None``: no first day; ``end=None``: open-ended. ``min_end`` is the last day of the
    minimum period: credit repair may end publication after it, never before.
    """

    publishable: bool
    start: date | None
    end: date | None
    min_end: date | None
    severity: Severity | None
    rule_set: str
    reason: str
    reason_zh: str

    def contains(self, day: date) -> bool:
        """Whether the record may be shown on ``day`` (both ends inclusive)."""
        if not self.publishable:
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (back if negative), clamped to the month end: 01-31 → 02-28."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def _period_parts(period: str) -> tuple[int, int, int]:
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"not an ISO 8601 period of years, months and days: {period!r}")
    years, months, days = (int(part or 0) for part in match.groups())
    return years, months, days


@lru_cache(maxsize=16_384)  # a batch has few decision dates and fewer periods
def add_period(day: date, period: str) -> date:
    """The last day of ``period`` (``P3M``, ``P1Y``, ``P1Y6M``, ``P10D``) counted from ``day``."""
    years, months, days = _period_parts(period)
    return add_months(day, 12 * years + months) + timedelta(days=days)


@cache
def _describe(period: str) -> tuple[str, str]:
    units = (("year", "年"), ("month", "个月"), ("day", "天"))
    en, zh = [], []
    for count, (unit, unit_zh) in zip(_period_parts(period), units, strict=True):
        if count:
            en.append(f"{count} {unit}{'s' if count > 1 else ''}")
            zh.append(f"{count}{unit_zh}")
    return (" ".join(en), "".join(zh)) if en else ("0 days", "0天")


# --- reading record values -------------------------------------------------------------------


class _UnusableError(Exception):
    """The record lacks what its window needs; it becomes a non-publishable window."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, list | tuple):
        return None
    text = str(value).strip()
    return text or None


def _items(value: Any) -> list[str]:
    raw = value if isinstance(value, list | tuple) else _SEPARATORS.split(str(value or ""))
    return [text for item in raw if (text := _text(item))]


def _date(record: Mapping[str, Any], field: str) -> date | None:
    value = record.get(field)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        reason = f"{field} is not a date: {text[:20]!r}"
        raise _UnusableError(reason, f"字段 {field} 不是有效日期") from None


def _required_date(record: Mapping[str, Any], field: str) -> date:
    day = _date(record, field)
    if day is None:
        raise _UnusableError(f"{field} is missing", f"缺少字段 {field}")
    return day


def _decimal(value: Any) -> Decimal | None:
    text = _text(value)
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _matches(when: Mapping[str, Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    for field, test in when.items():
        value = _text(record.get(field))
        if "in" in test and value not in test["in"]:
            return False
        if "not_in" in test and value in test["not_in"]:
            return False
        if "subset_of" in test:
            items = _items(record.get(field))
            if not items or not set(items) <= set(test["subset_of"]):
                return False
    return True


def _in_range(rule: Mapping[str, Any], day: date) -> bool:
    begins, ends = rule["from"], rule["until"]
    return (begins is None or _day(begins) <= day) and (ends is None or day <= _day(ends))


@cache
def _day(text: str) -> date:
    return date.fromisoformat(text)


def _closed(
    rule_set: str, reason: str, reason_zh: str, severity: Severity | None = None
) -> PublicationWindow:
    return PublicationWindow(False, None, None, None, severity, rule_set, reason, reason_zh)


# --- penalties --------------------------------------------------------------------------------


def _severities(rules: Mapping[str, Any], record: Mapping[str, Any]) -> list[Severity]:
    """The declared class, or the simple-procedure class, or one class per penalty category."""
    spec = rules["severity"]
    declared = _text(record.get(spec["declared_field"]))
    if declared in spec["declared"]:
        return [Severity(spec["declared"][declared])]
    procedure = _text(record.get(spec.get("procedure_field", "")))
    if procedure in spec.get("procedure", {}):
        return [Severity(spec["procedure"][procedure])]
    fine = spec.get("fine")
    classes: list[Severity] = []
    for category in _items(record.get(rules["categories_field"])):
        severity = Severity(spec["categories"].get(category, spec["other"]))
        if fine and category == fine["category"]:
            amount = _decimal(record.get(fine["field"]))
            for band in fine["bands"]:
                if amount is not None and amount >= Decimal(band["at_least_wan"]):
                    severity = Severity(band["severity"])
        if severity not in classes:
            classes.append(severity)
    return classes


def _class_window(
    rule_set: Mapping[str, Any], severity: Severity, sector: str | None, start: date
) -> PublicationWindow:
    mapped = Severity(rule_set.get("severity_map", {}).get(severity, severity))
    rule = dict(rule_set["classes"][mapped])
    notes: list[tuple[str, str]] = []
    for override in rule_set.get("sector_overrides", ()):
        if sector in override["sectors"] and mapped in override.get("classes", list(Severity)):
            rule.update({key: override[key] for key in _OVERRIDABLE if key in override})
            notes.append((override["reason"], override["reason_zh"]))
    label, label_zh = rule_set["label"], rule_set["label_zh"]
    if not rule.get("publish", True):
        reason, reason_zh = rule.get("reason", "not published"), rule.get("reason_zh", "不予公示")
        return _closed(rule_set["id"], f"{label}: {reason}", f"{label_zh}：{reason_zh}", mapped)
    (least, least_zh), (most, most_zh) = _describe(rule["min"]), _describe(rule["max"])
    reason = f"{label}: {mapped} penalty, shown from the decision date for {least} to {most}"
    reason_zh = (
        f"{label_zh}：{mapped.zh}失信行政处罚信息，自决定日期起最短公示{least_zh}、最长{most_zh}"
    )
    for note, note_zh in notes:
        reason, reason_zh = f"{reason}; {note}", f"{reason_zh}；{note_zh}"
    return PublicationWindow(
        True,
        start,
        add_period(start, rule["max"]),
        add_period(start, rule["min"]),
        mapped,
        rule_set["id"],
        reason,
        reason_zh,
    )


def _longest(window: PublicationWindow) -> tuple[bool, date, date, int]:
    severities = list(Severity)
    return (
        window.publishable,
        window.end or date.max,
        window.min_end or date.min,
        severities.index(window.severity) if window.severity else -1,
    )


def _is_low_fine(low: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    limit = low["max_wan"]
    if isinstance(limit, Mapping):
        key = _text(record.get(low.get("by_field", "")))
        limit = limit.get(key) if key in limit else limit.get("default")
    amount = _decimal(record.get(low["field"]))
    return limit is not None and amount is not None and amount <= Decimal(limit)


def _narrow(
    window: PublicationWindow,
    regime: Mapping[str, Any],
    rules: Mapping[str, Any],
    record: Mapping[str, Any],
) -> PublicationWindow:
    """Apply a sector regime: its exclusions, then the earlier of the two ends."""
    rule_set = f"{window.rule_set}+{regime['id']}"
    for exclusion in regime.get("exclude", ()):
        if _matches(exclusion["when"], record):
            reason, reason_zh = exclusion["reason"], exclusion["reason_zh"]
            return _closed(rule_set, reason, reason_zh, window.severity)
    if not window.publishable or window.start is None:
        return window
    short = regime.get("short_period")
    categories = _items(record.get(rules["categories_field"]))
    low = short.get("low_fine") if short else None
    if short and all(
        category in short["categories"]
        or (low is not None and category == low["category"] and _is_low_fine(low, record))
        for category in categories
    ):
        period, note, note_zh = short["period"], short["reason"], short["reason_zh"]
    else:
        period, note, note_zh = regime["period"], regime["reason"], regime["reason_zh"]
    regime_end = add_period(window.start, period)
    end = regime_end if window.end is None else min(window.end, regime_end)
    min_end = None if window.min_end is None else min(window.min_end, end)
    return PublicationWindow(
        True,
        window.start,
        end,
        min_end,
        window.severity,
        rule_set,
        f"{window.reason}; {note}",
        f"{window.reason_zh}；{note_zh}",
    )


def _penalty_window(rules: Mapping[str, Any], record: Mapping[str, Any]) -> PublicationWindow:
    start = _required_date(record, rules["date_field"])
    rule_set = next(rs for rs in rules["rule_sets"] if _in_range(rs, start))
    severities = _severities(rules, record)
    if not severities:
        raise _UnusableError(
            "no penalty category and no declared severity to classify the penalty",
            "缺少处罚类别和失信程度，无法确定公示期",
        )
    sector = _text(record.get(rules["sector_field"]))
    # Several penalty types in one decision: the longest period applies (Order 58).
    window = max(
        (_class_window(rule_set, severity, sector, start) for severity in severities),
        key=_longest,
    )
    if len(severities) > 1 and window.publishable:
        window = replace(
            window,
            reason=f"{window.reason}; several penalty types: the longest period applies",
            reason_zh=f"{window.reason_zh}；多种处罚类型的，按最长公示期",
        )
    for regime in rules.get("sector_regimes", ()):
        if sector in regime["sectors"] and _in_range(regime, start):
            window = _narrow(window, regime, rules, record)
    return window


# --- other records ----------------------------------------------------------------------------


def _record_window(rules: Mapping[str, Any], record: Mapping[str, Any]) -> PublicationWindow:
    field = rules.get("date_field")
    day = _required_date(record, field) if field else None
    rule_set = next(rs for rs in rules["rule_sets"] if day is None or _in_range(rs, day))
    rule_id = rule_set["id"]
    if not rule_set.get("publishable", True):
        return _closed(rule_id, rule_set["reason"], rule_set["reason_zh"])
    for exclusion in rule_set.get("exclude", ()):
        if _matches(exclusion["when"], record):
            return _closed(rule_id, exclusion["reason"], exclusion["reason_zh"])
    start = _required_date(record, rule_set["start"]) if rule_set.get("start") else None
    ends: list[date] = []
    for bound in rule_set.get("end", ()):
        last = _date(record, bound["field"])
        if last is not None and last < OPEN_END:
            ends.append(last if bound.get("inclusive", True) else last - _DAY)
    if start is not None and "max_period" in rule_set:
        ends.append(add_period(start, rule_set["max_period"]))
    end = min(ends, default=None)
    if start is not None and end is not None and end < start:
        return _closed(rule_id, "the window ends before it starts", "公示结束日早于开始日")
    return PublicationWindow(
        True, start, end, None, None, rule_id, rule_set["reason"], rule_set["reason_zh"]
    )


# --- the rule book ----------------------------------------------------------------------------


class RuleBook:
    """The publication rules of every rule reference, as loaded from one directory.

    Build it with :func:`load_rulebook`; the rule data is shared and must be treated as read-only.
    Windows are memoised on the record fields the rules read (the inputs), so a batch with few
    distinct decision dates costs little; the computation itself sees only those fields.
    """

    def __init__(self, rules: Mapping[str, Mapping[str, Any]], directory: Path | None = None):
        self._rules = dict(rules)
        self._inputs = {ref: tuple(sorted(_inputs(data))) for ref, data in self._rules.items()}
        self._compute = lru_cache(maxsize=65_536)(self._window)
        self.directory = directory

    @property
    def rule_refs(self) -> tuple[str, ...]:
        """Every rule reference that has a rules file, sorted."""
        return tuple(sorted(self._rules))

    def rules(self, rule_ref: str) -> Mapping[str, Any]:
        """The validated content of ``<rule_ref>.yaml``."""
        try:
            return self._rules[rule_ref]
        except KeyError:
            raise UnknownRuleError(rule_ref) from None

    def inputs(self, rule_ref: str) -> tuple[str, ...]:
        """The record fields the window of ``rule_ref`` depends on, sorted."""
        self.rules(rule_ref)
        return self._inputs[rule_ref]

    def window(self, rule_ref: str, record: Mapping[str, Any]) -> PublicationWindow:
        """The publication window of ``record`` under the rules of ``rule_ref``.

        Raises :class:`UnknownRuleError` for an unknown ``rule_ref``; never raises for bad data.
        """
        values = tuple(_frozen(record.get(field)) for field in self.inputs(rule_ref))
        return self._compute(rule_ref, values)

    def _window(self, rule_ref: str, values: tuple[Any, ...]) -> PublicationWindow:
        rules, record = (
            self._rules[rule_ref],
            dict(zip(self._inputs[rule_ref], values, strict=True)),
        )
        try:
            if rules["kind"] == "penalty":
                return _penalty_window(rules, record)
            return _record_window(rules, record)
        except _UnusableError as unusable:
            return _closed(rule_ref, unusable.reason, unusable.reason_zh)


_FIELD_KEYS = frozenset(
    {"field", "by_field", "start", "date_field", "categories_field", "sector_field"}
    | {"declared_field", "procedure_field"}
)


def _inputs(node: Any) -> set[str]:
    """Every record field a rules document names (``*field`` keys, ``start``, ``when`` keys)."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _FIELD_KEYS and isinstance(value, str):
                found.add(value)
            elif key == "when":
                found.update(value)
            found |= _inputs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _inputs(item)
    return found


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


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


def read_rules(directory: str | Path | None = None) -> RuleBook:
    """Read and validate every ``*.yaml`` under ``directory`` (default ``store/rules``).

    Raises :class:`RulesError` listing every problem (file, line, JSON path, message).
    """
    folder = Path(directory) if directory is not None else RULES_DIR
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
    return RuleBook(rules, folder)


@cache
def load_rulebook(directory: str | Path | None = None) -> RuleBook:
    """:func:`read_rules`, cached per directory (``load_rulebook.cache_clear()`` to reload)."""
    return read_rules(directory)


def publication_window(rule_ref: str, record: Mapping[str, Any]) -> PublicationWindow:
    """The window of ``record`` under the default rule book (``store/rules``)."""
    return load_rulebook().window(rule_ref, record)
