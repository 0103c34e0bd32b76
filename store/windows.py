"""Publication windows (公示期): the days on which a credit record may be shown publicly.

A window is computed — never taken from the provider's 公示截止期 — from the rules in force at the
record's decision date, its severity class (轻微 / 一般 / 严重) and its sectors. The rules are
data: one YAML file per catalogue rule reference under ``store/rules/``, read and validated by
:mod:`store.rulefiles`. What a record does not declare (issuing system, domain, procedure) is
derived from its national fields by :mod:`store.derivation`; every window carries an
``explanation`` of its inputs and where each came from. The rules, their sources and every
decision taken are listed in ``docs/publication-windows.md``.

Period arithmetic lives in :mod:`store.periods`: a window is the closed interval ``[start, end]``;
a penalty decided on 2024-01-31 with a 3-month period is shown from 2024-01-31 to 2024-04-30.

Bad record data never raises: a record whose window cannot be computed (no decision date, no
penalty category) gets ``publishable=False`` and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from store.derivation import Explained, Source, procedure_of, sectors_of
from store.periods import add_months, add_period, describe
from store.rulefiles import (
    RULES_DIR,
    SCHEMA_FILE,
    RuleProblem,
    RulesError,
    Severity,
    UnknownRuleError,
    WindowError,
    read_rule_files,
)

__all__ = [
    "OPEN_END",
    "RULES_DIR",
    "SCHEMA_FILE",
    "PublicationWindow",
    "RuleBook",
    "RuleProblem",
    "RulesError",
    "Severity",
    "UnknownRuleError",
    "WindowError",
    "add_months",
    "add_period",
    "load_rulebook",
    "publication_window",
    "read_rules",
]

OPEN_END = date(2099, 12, 31)
"""长期: an end date on or after this day means "no end"."""

LOW_FINE_UNSET = "low_fine_threshold_unset"
"""Flag of a window that the unset 较低数额罚款 threshold may have lengthened."""

_DAY = timedelta(days=1)
_OVERRIDABLE = ("publish", "min", "max")
_SEPARATORS = re.compile(r"[;；、,，]")


@dataclass(frozen=True, slots=True)
class PublicationWindow:
    """When a record may be shown on the public channel: the closed interval [start, end].

    ``publishable=False`` means it must never be shown (start and end are then None).
    ``start=None``: no first day; ``end=None``: open-ended. ``min_end`` is the last day of the
    minimum period: credit repair may end publication after it, never before. ``explanation``
    lists the inputs the rules used and their source (declared / derived / inferred); ``flags``
    name doubts a person should look at (e.g. :data:`LOW_FINE_UNSET`).
    """

    def as_json(self) -> dict[str, Any]:
        """The ``rules window`` contract: dates ISO, ``end`` None = open-ended."""

        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "publishable": self.publishable,
            "start": iso(self.start),
            "end": iso(self.end),
            "min_end": iso(self.min_end),
            "rule_set": self.rule_set,
            "explanation": [item.as_dict() for item in self.explanation],
        }

    publishable: bool
    start: date | None
    end: date | None
    min_end: date | None
    severity: Severity | None
    rule_set: str
    reason: str
    reason_zh: str
    explanation: tuple[Explained, ...] = dc_field(default=(), compare=False)
    flags: tuple[str, ...] = ()

    def contains(self, day: date) -> bool:
        """Whether the record may be shown on ``day`` (both ends inclusive)."""
        if not self.publishable:
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


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
    rule_set: Mapping[str, Any], severity: Severity, sectors: frozenset[str], start: date
) -> PublicationWindow:
    mapped = Severity(rule_set.get("severity_map", {}).get(severity, severity))
    rule = dict(rule_set["classes"][mapped])
    notes: list[tuple[str, str]] = []
    for override in rule_set.get("sector_overrides", ()):
        if not sectors.isdisjoint(override["sectors"]) and mapped in override.get(
            "classes", list(Severity)
        ):
            rule.update({key: override[key] for key in _OVERRIDABLE if key in override})
            notes.append((override["reason"], override["reason_zh"]))
    label, label_zh = rule_set["label"], rule_set["label_zh"]
    if not rule.get("publish", True):
        reason, reason_zh = rule.get("reason", "not published"), rule.get("reason_zh", "不予公示")
        return _closed(rule_set["id"], f"{label}: {reason}", f"{label_zh}：{reason_zh}", mapped)
    (least, least_zh), (most, most_zh) = describe(rule["min"]), describe(rule["max"])
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


def _is_low_fine(low: Mapping[str, Any], record: Mapping[str, Any]) -> bool | None:
    """Whether the fine is 较低数额; None when the threshold is unset (unknown)."""
    limit = low["max_wan"]
    if isinstance(limit, Mapping):
        key = _text(record.get(low.get("by_field", "")))
        limit = limit.get(key) if key in limit else limit.get("default")
    if limit is None:
        return None
    amount = _decimal(record.get(low["field"]))
    return amount is not None and amount <= Decimal(limit)


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
    short: Mapping[str, Any] = regime.get("short_period") or {}
    categories = _items(record.get(rules["categories_field"]))
    low = short.get("low_fine") if short else None
    answers: list[bool | None] = []
    for category in categories if short else ():
        if category in short["categories"]:
            answers.append(True)
        elif low is not None and category == low["category"]:
            answers.append(_is_low_fine(low, record))
        else:
            answers.append(False)
    flags = window.flags
    if short and answers and all(answers):
        period, note, note_zh = short["period"], short["reason"], short["reason_zh"]
    else:
        period, note, note_zh = regime["period"], regime["reason"], regime["reason_zh"]
        if answers and None in answers and False not in answers:
            # The fine might be 较低数额, but the province's threshold is unset: the longer
            # period applies and the window is flagged for a person to check.
            flags = (*flags, LOW_FINE_UNSET)
            note = (
                f"{note}; flagged: the 较低数额罚款 threshold is unset, the longer period applies"
            )
            note_zh = f"{note_zh}；存疑：较低数额罚款标准未设定，按较长公示期"
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
        window.explanation,
        flags,
    )


def _penalty_window(
    rules: Mapping[str, Any], record: Mapping[str, Any], sectors: frozenset[str]
) -> PublicationWindow:
    start = _required_date(record, rules["date_field"])
    rule_set = next(rs for rs in rules["rule_sets"] if _in_range(rs, start))
    severities = _severities(rules, record)
    if not severities:
        raise _UnusableError(
            "no penalty category and no declared severity to classify the penalty",
            "缺少处罚类别和失信程度，无法确定公示期",
        )
    # Several penalty types in one decision: the longest period applies (Order 58).
    window = max(
        (_class_window(rule_set, severity, sectors, start) for severity in severities),
        key=_longest,
    )
    if len(severities) > 1 and window.publishable:
        window = replace(
            window,
            reason=f"{window.reason}; several penalty types: the longest period applies",
            reason_zh=f"{window.reason_zh}；多种处罚类型的，按最长公示期",
        )
    for regime in rules.get("sector_regimes", ()):
        if not sectors.isdisjoint(regime["sectors"]) and _in_range(regime, start):
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
        explained = [
            Explained(field, _plain(value), Source.DECLARED)
            for field, value in record.items()
            if _usable(value)
        ]
        try:
            if rules["kind"] == "penalty":
                effective, sectors, derived = _derive(rules, record)
                explained = [e for e in explained if e.input not in {d.input for d in derived}]
                explained.extend(derived)
                window = _penalty_window(rules, effective, sectors)
                declared = rules["severity"]["declared_field"]
                if window.severity is not None and not _usable(record.get(declared)):
                    explained.append(Explained("severity", window.severity.value, Source.DERIVED))
            else:
                window = _record_window(rules, record)
        except _UnusableError as unusable:
            window = _closed(rule_ref, unusable.reason, unusable.reason_zh)
        if LOW_FINE_UNSET in window.flags:
            how = "Hubei's 较低数额罚款 threshold is unset: the longer period applies (flagged)"
            explained.append(Explained("low_fine_threshold", None, Source.INFERRED, how))
        return replace(window, explanation=tuple(explained))


def _usable(value: Any) -> bool:
    return value is not None and value != "" and value != () and value != []


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _derive(
    rules: Mapping[str, Any], record: Mapping[str, Any]
) -> tuple[dict[str, Any], frozenset[str], list[Explained]]:
    """The record as the rules see it (derived procedure filled in), its sectors, and how."""
    spec = rules.get("derive")
    sector_field = rules["sector_field"]
    if spec is None:
        declared = _text(record.get(sector_field))
        return dict(record), frozenset({declared} if declared else ()), []
    sectors, explained = sectors_of(spec, sector_field, record)
    effective = dict(record)
    procedure, how = procedure_of(spec["procedure"], record)
    if procedure is not None and how is not None:
        effective[spec["procedure"]["field"]] = procedure
        explained.append(how)
    return effective, sectors, explained


_FIELD_KEYS = frozenset({"field", "start"})


def _is_field_key(key: str) -> bool:
    return key in _FIELD_KEYS or key.endswith("_field")


def _inputs(node: Any) -> set[str]:
    """Every record field a rules document names (``*field`` keys, ``start``, ``when`` keys)."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            if _is_field_key(key) and isinstance(value, str):
                found.add(value)
            elif key.endswith("_fields") and isinstance(value, list):
                found.update(item for item in value if isinstance(item, str))
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


def read_rules(directory: str | Path | None = None) -> RuleBook:
    """Read and validate every ``*.yaml`` under ``directory`` (default ``store/rules``).

    Raises :class:`RulesError` listing every problem (file, line, JSON path, message).
    """
    folder = Path(directory) if directory is not None else RULES_DIR
    return RuleBook(read_rule_files(folder), folder)


@cache
def load_rulebook(directory: str | Path | None = None) -> RuleBook:
    """:func:`read_rules`, cached per directory (``load_rulebook.cache_clear()`` to reload)."""
    return read_rules(directory)


def publication_window(rule_ref: str, record: Mapping[str, Any]) -> PublicationWindow:
    """The window of ``record`` under the default rule book (``store/rules``)."""
    return load_rulebook().window(rule_ref, record)
