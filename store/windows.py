"""Publication windows (公示期): the days on which a credit record may be shown publicly.

A window is computed — never taken from the provider's 公示截止期 — from the rules in force at the
record's decision date, its severity class (轻微 / 一般 / 严重) and its sectors. The rules are
data: one YAML file per catalogue rule reference under ``store/rules/``, read and validated by
:mod:`store.rulefiles`; penalties are computed by :mod:`store.penalty_windows`, other kinds here;
the window type and the value readers are in :mod:`store.window_model`. What a record does not
declare (issuing system, domain, procedure) is derived from its national fields by
:mod:`store.derivation`; every window carries an ``explanation`` of its inputs and their source.
The rules, their sources and every decision taken are listed in ``docs/publication-windows.md``.

Period arithmetic lives in :mod:`store.periods`: a window is the closed interval ``[start, end]``;
a penalty decided on 2024-01-31 with a 3-month period is shown from 2024-01-31 to 2024-04-30.

Bad record data never raises: a record whose window cannot be computed (no decision date, no
penalty category) gets ``publishable=False`` and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

from store.derivation import Explained, Source, procedure_of, sectors_of
from store.penalty_windows import _penalty_window
from store.periods import add_months, add_period
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
from store.window_model import (
    _DAY,
    LOW_FINE_UNSET,
    OPEN_END,
    PublicationWindow,
    _closed,
    _date,
    _in_range,
    _matches,
    _required_date,
    _text,
    _UnusableError,
)
from store.window_templates import PenaltyMemo

__all__ = [
    "LOW_FINE_UNSET",
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
    Windows are memoised on the record fields the rules read (the inputs); penalties on those
    inputs but the decision date, the date added by arithmetic (:mod:`store.window_templates`),
    so a file of distinct decisions costs little; the computation itself sees only those fields.
    """

    def __init__(self, rules: Mapping[str, Mapping[str, Any]], directory: Path | None = None):
        self._rules = dict(rules)
        self._inputs = {ref: tuple(sorted(_inputs(data))) for ref, data in self._rules.items()}
        self._compute = lru_cache(maxsize=65_536)(self._window)
        self._memos = {
            ref: PenaltyMemo(data, self._inputs[ref], partial(self._window, ref))
            for ref, data in self._rules.items()
            if data["kind"] == "penalty"
        }
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
        values = self._memo_key(rule_ref, record)
        memo = self._memos.get(rule_ref)
        if memo is not None:  # penalties: memoised without the date (store.window_templates)
            found = memo.window(values, _plain(record.get(memo.date_field)))
            if found is not None:
                return found
        return self._compute(rule_ref, values)

    def _memo_key(self, rule_ref: str, record: Mapping[str, Any]) -> tuple[Any, ...]:
        """The input values of ``record``, hashable (lists become tuples)."""
        raw = [tuple(v) if type(v) is list else v for v in map(record.get, self.inputs(rule_ref))]
        values = tuple(raw)
        try:
            hash(values)
        except TypeError:
            values = tuple(map(_frozen, raw))
        return values

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
