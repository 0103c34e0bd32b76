"""Penalty windows memoised on everything but the decision date, the date added by arithmetic.

A penalty's window depends on its decision date in two ways only: the rule set and sector
regimes in force (``from``/``until`` ranges) and ``add_period(start, period)``. So within one
*era* (the days between two range boundaries of the rules file) the window of a record is the
window of any other record with the same non-date inputs, moved by the periods it used. A
file of distinct decisions has few distinct non-date inputs (hundreds per million rows), so
the memo, keyed on those inputs and the era, almost always hits; the full computation runs
once per key.

The move is exact because every period of a rules file that takes this path is a whole number
of months (``P3M``, ``P1Y``, ``P0D`` …): ``add_period(d, p)`` then orders periods the same way
for every ``d`` (more months, a later day, month-end clamping included), so the class that
wins, the regime that narrows and the end that is earlier are the same for every day of an era.
A rules file with a period in days, or a window that cannot be read back as periods, is
computed in full, as before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from store.derivation import Explained, Source
from store.periods import _period_parts, add_period
from store.window_model import PublicationWindow

MEMO_LIMIT = 8_192
"""Templates kept per rule book (cleared when full): a key is the non-date inputs + era."""

_DAY = timedelta(days=1)
_Compute = Callable[[tuple[Any, ...]], PublicationWindow]


@dataclass(frozen=True, slots=True)
class _Template:
    """A window computed at one day, with its dates as periods from the decision date."""

    window: PublicationWindow
    end: str | None
    min_end: str | None
    date_at: int  # index of the decision date's entry in the explanation, -1 if none

    def at(self, day: date, shown: Any) -> PublicationWindow:
        """The window of a record decided on ``day`` (``shown``: its explained date value)."""
        w = self.window
        explanation = w.explanation
        if self.date_at >= 0:
            item = explanation[self.date_at]
            explanation = (
                *explanation[: self.date_at],
                Explained(item.input, shown, Source.DECLARED),
                *explanation[self.date_at + 1 :],
            )
        if not w.publishable:
            return replace(w, explanation=explanation)
        return PublicationWindow(
            True,
            day,
            None if self.end is None else add_period(day, self.end),
            None if self.min_end is None else add_period(day, self.min_end),
            w.severity,
            w.rule_set,
            w.reason,
            w.reason_zh,
            explanation,
            w.flags,
        )


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, Mapping):
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_walk(item))
    return found


def _periods(rules: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Every period the document names, or None when one has days (not exact here)."""
    out: set[str] = set()
    for node in _walk(rules):
        if isinstance(node, str) and node.startswith("P"):
            try:
                days = _period_parts(node)[2]
            except ValueError:
                continue
            if days:
                return None
            out.add(node)
    return tuple(sorted(out))


def _boundaries(rules: Mapping[str, Any]) -> tuple[date, ...]:
    """The first days of every era: each ``from``, and the day after each ``until``."""
    days: set[date] = set()
    for node in _walk(rules):
        if isinstance(node, Mapping) and ("from" in node or "until" in node):
            if node.get("from"):
                days.add(date.fromisoformat(node["from"]))
            if node.get("until"):
                days.add(date.fromisoformat(node["until"]) + _DAY)
    return tuple(sorted(days))


class PenaltyMemo:
    """The memo of one penalty rules document (see the module docstring)."""

    def __init__(
        self, rules: Mapping[str, Any], inputs: tuple[str, ...], compute: _Compute
    ) -> None:
        self.date_field: str = rules["date_field"]
        self.inputs = inputs
        self.at = inputs.index(self.date_field)
        self.periods = _periods(rules) or ()
        self.usable = _periods(rules) is not None
        self.boundaries = _boundaries(rules)
        self.compute = compute
        self.memo: dict[tuple[Any, ...], _Template | None] = {}
        self.days: dict[str, date | None] = {}

    def day_of(self, raw: Any) -> date | None:
        """The decision day as the rules read it, or None (then: the full computation)."""
        if type(raw) is date:
            return raw
        if not isinstance(raw, str):
            return None
        day = self.days.get(raw, date.min)
        if day is date.min:
            try:
                day = date.fromisoformat(raw.strip().replace("/", "-"))
            except ValueError:
                day = None
            if len(self.days) >= MEMO_LIMIT:
                self.days.clear()
            self.days[raw] = day
        return day

    def window(self, values: tuple[Any, ...], shown: Any) -> PublicationWindow | None:
        """The window for the frozen input ``values``, or None when this path cannot say."""
        raw = values[self.at]
        day = self.day_of(raw)
        if day is None or not self.usable:
            return None
        era = bisect_right(self.boundaries, day)
        key = (era, *values[: self.at], *values[self.at + 1 :])
        template = self.memo.get(key, self)
        if template is self:
            template = self._template(self.compute(values), day)
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            self.memo[key] = template
        if template is None or not isinstance(template, _Template):
            return None
        return template.at(day, shown)

    def _template(self, window: PublicationWindow, day: date) -> _Template | None:
        date_at = [i for i, e in enumerate(window.explanation) if e.input == self.date_field]
        if len(date_at) > 1:
            return None
        if not window.publishable:
            return _Template(window, None, None, date_at[0] if date_at else -1)
        if window.start != day:
            return None
        ends = {add_period(day, p): p for p in self.periods}
        end = None if window.end is None else ends.get(window.end)
        min_end = None if window.min_end is None else ends.get(window.min_end)
        if (window.end is not None and end is None) or (
            window.min_end is not None and min_end is None
        ):
            return None
        return _Template(window, end, min_end, date_at[0] if date_at else -1)
