"""Intake: a department's file or batch of records, read, normalised and validated row by row.

:class:`Intake` turns a :class:`~publishers.readers.Table` (or an iterable of JSON objects from
the API) into :class:`ValidatedRow` values, streaming, while it fills one :class:`Report`.
The CLI's ``validate`` and ``submit``, and the gateway's submission endpoints, all go through
here, so a department gets the same answer whichever way it sends its data.

Besides the schema (:mod:`publishers.validation`) the intake reads legacy code-list labels
(``value-aliases.yaml``, and ``legacy-values.yaml`` where another field decides), reports XLSX
formula cells without a value on their field, and finds natural keys repeated inside the file
(:mod:`publishers.duplicates`); see ``docs/validation-real-exports.md``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from catalog import CatalogEntry, get_entry
from publishers.duplicates import KeyTracker
from publishers.headers import ColumnMap, HeaderIndex, map_columns
from publishers.normalise import (
    NORMALISERS,
    LegacyRule,
    Normaliser,
    legacy_rules,
    splitter,
    text,
    value_aliases,
)
from publishers.readers import Encoding, Format, FormulaRow, RowProblem, Table, open_table
from publishers.report import Issue, Report, make_issue
from publishers.validation import RecordValidator
from schemas import FieldSpec, fields, resolve

IGNORED_KEYS = frozenset({"record_id", "dataset", "_meta"})
"""Envelope keys a partner may echo back from a download; never reported as unknown."""

_DECIDE = "\x00decide"
"""Alias target of a legacy label whose current value another field decides."""


@dataclass(slots=True)
class ValidatedRow:
    """One data row after validation: the normalised record and its issues."""

    row: int
    record: dict[str, Any] | None
    issues: list[Issue]
    valid: bool


@dataclass(frozen=True, slots=True)
class _Column:
    pos: int
    fid: str
    normalise: Callable[[Any], Any]
    is_code: bool
    is_multi: bool
    aliases: Mapping[str, str] | None
    label: str


_Special = tuple[int, str, Callable[[Any], Any], bool, bool, Mapping[str, str] | None, _Column]
"""A column that needs more than stripping, unpacked once (the loop runs per cell)."""


class Intake:
    """Validates the rows of one dataset; fills :attr:`report` as rows are consumed."""

    def __init__(
        self, dataset_id: str, *, today: dt.date | None = None, key_digests: bool = False
    ) -> None:
        self.entry: CatalogEntry = get_entry(dataset_id)
        self.specs: tuple[FieldSpec, ...] = fields(self.entry.schema_id)
        self.validator = RecordValidator(self.entry.schema_id, today=today)
        self.index = HeaderIndex.build(self.specs)
        self.report = Report(dataset=dataset_id)
        self._aliases = value_aliases()
        self._alias_cache: dict[str, dict[str, str] | None] = {}
        self._legacy = legacy_rules()
        self._undecided: list[tuple[str, str]] = []
        self._normalisers: dict[str, Normaliser] = {}
        self.keys = KeyTracker(self.entry, digests=key_digests)
        """Natural keys met so far (``validate`` finds in-file duplicates, as ``submit``)."""

    # -- tabular files ------------------------------------------------------------------
    def rows(self, table: Table) -> Iterator[ValidatedRow]:
        """Validate every row of a table (CSV/XLSX headers, or JSON/NDJSON objects)."""
        if table.headers is None:
            yield from self.records(table.rows())
            return
        colmap = map_columns(table.headers, self.specs, self.index)
        for issue in colmap.issues:
            self.report.add(issue)
        yield from self._tabular(table.rows(), colmap)
        self._finish()

    def _columns(self, colmap: ColumnMap) -> list[_Column]:
        return [
            _Column(
                pos=pos,
                fid=spec.id,
                normalise=self._normaliser(spec),
                is_code=spec.normalise == "code",
                is_multi=spec.normalise in ("multi", "lines"),
                aliases=self._field_aliases(spec),
                label=spec.title_zh,
            )
            for pos, spec in colmap.columns
        ]

    def _tabular(
        self, rows: Iterable[tuple[int, Any]], colmap: ColumnMap
    ) -> Iterator[ValidatedRow]:
        cols = self._columns(colmap)
        # Plain text columns (most of a 双公示 file) are handled inline: strip, skip if empty.
        plain = [(c.pos, c.fid) for c in cols if c.normalise is text and not c.aliases]
        special = [
            (c.pos, c.fid, c.normalise, c.is_code, c.is_multi, c.aliases, c)
            for c in cols
            if not (c.normalise is text and not c.aliases)
        ]
        width = max((c.pos for c in cols), default=-1) + 1
        padding = [""] * width
        skip = frozenset(colmap.missing)
        by_pos = {c.pos: c for c in cols}
        for rowno, cells in rows:
            formulas: list[Issue] | None = None
            row_skip = skip
            if cells.__class__ is not list:
                if cells.__class__ is RowProblem:
                    yield self._problem(rowno, cells)
                    continue
                if cells.__class__ is FormulaRow:
                    formulas = self._formula_issues(rowno, cells, by_pos)
                    row_skip = skip | {i.field for i in formulas if i.field}
            if len(cells) < width:
                cells = [*cells, *padding[len(cells) :]]
            record = _plain_values(cells, plain)
            warnings = self._special_values(cells, special, record, rowno)
            if formulas:
                warnings = formulas + warnings
            yield self._judge(record, tuple(cells), rowno, warnings, row_skip, fatal=colmap.fatal)

    def _special_values(
        self, cells: list[Any], special: list[_Special], record: dict[str, Any], rowno: int
    ) -> list[Issue]:
        """Normalise the cells of the columns that need it into ``record``; the warnings."""
        warnings: list[Issue] = []
        for pos, fid, normalise, is_code, is_multi, aliases, col in special:
            raw = cells[pos]
            if raw is None or raw == "":
                continue
            value = normalise(raw)
            if value is None:
                continue
            if is_code and value != raw and raw.__class__ is str and value != raw.strip():
                warnings.append(self._warn("full-width-normalised", rowno, fid, raw))
            # most cells hold a current value: skip the call when no alias can apply
            if aliases and (value.__class__ is not str or value in aliases):
                value = self._alias(value, col, rowno, warnings)
            if is_multi and fid in record and isinstance(value, list):
                record[fid] = record[fid] + value
            else:
                record[fid] = value
        return warnings

    def _judge(
        self,
        record: dict[str, Any],
        content: Hashable,
        rowno: int,
        found: list[Issue],
        skip: frozenset[str],
        *,
        fatal: bool,
    ) -> ValidatedRow:
        """Validate a normalised row (``found``: its formula and normalisation issues so
        far), look for an earlier row with the same natural key (``content`` tells a repeated
        row from a conflicting one), count it in the report."""
        if self._undecided:
            self._decide(record, rowno, found)
        issues = self.validator.check(record, row=rowno, skip=skip)
        if found:
            issues = found + issues
        valid = not fatal and not (issues and any(i.severity == "error" for i in issues))
        if valid:
            dup = self.keys.see(record, content, rowno)
            if dup is not None:
                valid = self._duplicate(dup, rowno, issues)
        report = self.report
        report.rows += 1
        if valid:
            report.valid_rows += 1
        else:
            report.invalid_rows += 1
        if issues:
            report.issues.extend(issues)
        return ValidatedRow(rowno, record, issues, valid)

    # -- JSON objects ---------------------------------------------------------------------
    def records(self, items: Iterable[Any]) -> Iterator[ValidatedRow]:
        """Validate JSON objects (``(row, obj)`` pairs or bare objects, numbered from 1)."""
        key_cache: dict[str, FieldSpec | None] = {}
        reported: set[str] = set()
        report = self.report
        for number, item in enumerate(items, start=1):
            rowno, obj = item if isinstance(item, tuple) and len(item) == 2 else (number, item)
            if isinstance(obj, RowProblem):
                yield self._problem(rowno, obj)
                continue
            if not isinstance(obj, Mapping):
                yield self._problem(rowno, RowProblem("not-an-object", "not an object", obj))
                continue
            record: dict[str, Any] = {}
            warnings: list[Issue] = []
            for key, raw in obj.items():
                spec = key_cache.get(key) if key in key_cache else self._key_spec(key, key_cache)
                if spec is None:
                    if key not in reported and key not in IGNORED_KEYS:
                        reported.add(key)
                        report.add(make_issue("unknown-column", row=rowno, value=key))
                    continue
                if raw is None or raw == "" or raw == []:
                    continue
                value = self._normaliser(spec)(raw)
                if value is None:
                    continue
                if spec.normalise == "code" and isinstance(raw, str) and value != raw.strip():
                    warnings.append(self._warn("full-width-normalised", rowno, spec.id, raw))
                aliases = self._field_aliases(spec)
                if aliases:
                    col = _Column(
                        0, spec.id, str, False, spec.normalise == "multi", aliases, spec.title_zh
                    )
                    value = self._alias(value, col, rowno, warnings)
                record[spec.id] = value
            content = repr(sorted(record.items()))
            yield self._judge(record, content, rowno, warnings, frozenset(), fatal=False)
        self._finish()

    def _normaliser(self, spec: FieldSpec) -> Normaliser:
        """The cell normaliser of a field: its kind's, or a splitter on its ``x-separators``."""
        found = self._normalisers.get(spec.id)
        if found is not None:
            return found
        separators = spec.schema.get("x-separators")
        if spec.normalise == "multi" and separators:
            items = resolve(dict(spec.schema.get("items") or {}), self.entry.schema_id)
            known = {*(items.get("enum") or ()), *(items.get("x-choices") or ())}
            for branch in items.get("anyOf") or ():
                known.update(branch.get("enum") or ())
            known.update(self._field_aliases(spec) or {})
            found = splitter(tuple(separators), known)
        else:
            found = NORMALISERS[spec.normalise]
        self._normalisers[spec.id] = found
        return found

    def _field_aliases(self, spec: FieldSpec) -> dict[str, str] | None:
        if spec.id in self._alias_cache:
            return self._alias_cache[spec.id]
        scoped = self._aliases.get(f"{self.entry.schema_id}.{spec.id}", {})
        decided = dict.fromkeys(self._legacy.get(spec.id, {}), _DECIDE)
        merged = {**decided, **self._aliases.get(spec.id, {}), **scoped, **spec.choice_aliases}
        # Aliases are keyed by field id across schemas; one never rewrites a value that is
        # already a valid choice of this schema's field (licence status 有效 → "1", but a
        # list entry's status 有效 stays 有效).
        choices = resolve(dict(spec.schema), self.entry.schema_id).get("enum") or ()
        merged = {old: new for old, new in merged.items() if old not in choices}
        self._alias_cache[spec.id] = merged or None
        return merged or None

    def _key_spec(self, key: str, cache: dict[str, FieldSpec | None]) -> FieldSpec | None:
        hit = self.index.match(key)
        cache[key] = hit[0] if hit else None
        return cache[key]

    # -- helpers --------------------------------------------------------------------------
    def _alias(self, value: Any, col: _Column, rowno: int, warnings: list[Issue]) -> Any:
        aliases = col.aliases or {}
        if isinstance(value, list):
            out = []
            changed = False
            for item in value:
                new = aliases.get(item, item) if isinstance(item, str) else item
                if new == _DECIDE:
                    self._undecided.append((col.fid, item))
                    new = item
                elif new != item:
                    changed = True
                    warnings.append(self._warn("legacy-value", rowno, col.fid, item, expected=new))
                out.append(new)
            # two old labels may name one current category: keep it once
            return list(dict.fromkeys(out)) if changed else out
        if value.__class__ is str and value in aliases:
            new = aliases[value]
            if new == _DECIDE:
                self._undecided.append((col.fid, value))
                return value
            warnings.append(self._warn("legacy-value", rowno, col.fid, value, expected=new))
            return new
        return value

    def _decide(self, record: dict[str, Any], rowno: int, warnings: list[Issue]) -> None:
        """Legacy labels whose current value another field decides (``legacy-values.yaml``)."""
        pending, self._undecided = self._undecided, []
        for fid, label in pending:
            rule: LegacyRule = self._legacy[fid][label]
            new = rule.decide(record)
            if new is not None:
                warnings.append(self._warn("legacy-value", rowno, fid, label, expected=new))
            else:
                new = rule.keep
                options = "、".join(dict.fromkeys(target for _, target in rule.when))
                warnings.append(
                    self._warn("legacy-value-undecided", rowno, fid, label, expected=options)
                )
            current = record.get(fid)
            if isinstance(current, list):
                record[fid] = list(dict.fromkeys(new if v == label else v for v in current))
            elif current == label:
                record[fid] = new

    def _formula_issues(
        self, rowno: int, cells: FormulaRow, by_pos: Mapping[int, _Column]
    ) -> list[Issue]:
        """``formula-without-value`` for each mapped cell that holds a formula and no value."""
        return [
            self._warn("formula-without-value", rowno, by_pos[pos].fid, ref)
            for pos, ref in sorted(cells.formulas.items())
            if pos in by_pos
        ]

    def _duplicate(self, dup: tuple[int, bool], rowno: int, issues: list[Issue]) -> bool:
        """Report a repeated natural key; whether the row stays valid."""
        first, same = dup
        if same:
            issues.append(make_issue("duplicate-row", row=rowno, value=str(first)))
            return True
        issues.append(make_issue("duplicate-key", row=rowno, value=f"row {first}"))
        return False

    def _warn(self, code: str, rowno: int, fid: str, value: Any, **params: Any) -> Issue:
        return self.validator.issue(code, rowno, fid, value, **params)

    def _problem(self, rowno: int, problem: RowProblem) -> ValidatedRow:
        issue = make_issue(problem.code, row=rowno, value=None, detail=problem.message)
        self.report.rows += 1
        self.report.invalid_rows += 1
        self.report.issues.append(issue)
        return ValidatedRow(rowno, None, [issue], False)

    def _finish(self) -> None:
        if self.report.rows == 0 and not any(i.code == "no-rows" for i in self.report.issues):
            self.report.add(make_issue("no-rows"))


def validate_file(
    dataset_id: str,
    path: str | os.PathLike[str],
    *,
    format: Format = "auto",
    encoding: Encoding = "auto",
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate a whole file; raises ``ReadError`` or ``UnknownDatasetError`` when it cannot."""
    intake = Intake(dataset_id, today=today)
    table = open_table(path, format=format, encoding=encoding)
    for count, _ in enumerate(intake.rows(table), start=1):
        if progress is not None and count % 10_000 == 0:
            progress(count)
    return intake.report


def _plain_values(cells: list[Any], plain: list[tuple[int, str]]) -> dict[str, Any]:
    """The record's plain text fields: stripped, empty ones left out."""
    record: dict[str, Any] = {}
    for pos, fid in plain:
        raw = cells[pos]
        if raw.__class__ is str:
            if raw:
                raw = raw.strip()
                if raw:
                    record[fid] = raw
        elif raw is not None:
            value = text(raw)
            if value is not None:
                record[fid] = value
    return record
