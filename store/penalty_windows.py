"""Penalty windows (行政处罚): severity classes, sector overrides and sector regimes.

The rule set is chosen by decision date; each penalty category is classed (or the declared /
procedure class is used) and the longest window wins (Order 58); a sector regime (SAMR Order
45) then narrows it. ``sectors`` are the declared sector or the derived system and domains
(:mod:`store.derivation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from store.periods import add_period, describe
from store.rulefiles import Severity
from store.window_model import (
    LOW_FINE_UNSET,
    PublicationWindow,
    _closed,
    _decimal,
    _in_range,
    _items,
    _matches,
    _required_date,
    _text,
    _UnusableError,
)

_OVERRIDABLE = ("publish", "min", "max")


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
