"""XLSX workbooks: the first worksheet, streamed (openpyxl read-only), cached values only.

Cells arrive as openpyxl reads them with ``data_only``: a formula cell carries its cached
value, the one the spreadsheet program computed when it saved the file. A workbook written by
a program that does not compute formulas (openpyxl itself, many export scripts) has formula
cells *without* a cached value; openpyxl reads them as empty. So before the rows are read,
one lightweight pass scans the worksheet XML for ``<f>`` elements (a plain byte search, which
costs next to nothing when there is none) and, only when there is one, records every formula
cell without a value with expat. A row holding such a cell arrives as a :class:`FormulaRow`,
whose ``formulas`` name the cell (``D7``) by position, so that the caller reports
``formula-without-value`` there instead of a missing value.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any
from xml.parsers import expat

from publishers.sources import ReadError, _Source

__all__ = ["FORMULA_CELLS_LIMIT", "FormulaRow", "xlsx_header", "xlsx_rows"]

FORMULA_CELLS_LIMIT = 200_000
"""Formula cells without a value remembered per sheet (memory stays bounded); beyond, such
cells read as empty."""

_MIDNIGHT = dt.time()
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CHUNK = 1 << 20
_CELL_REF = re.compile(r"^([A-Z]+)([0-9]+)$")


class FormulaRow(list[Any]):
    """A row of cell values that holds formula cells without a cached value.

    ``formulas`` maps a cell's position in the row (0-based) to its reference (``"D7"``); the
    value at that position is None.
    """

    __slots__ = ("formulas",)

    def __init__(self, values: list[Any], formulas: dict[int, str]) -> None:
        super().__init__(values)
        self.formulas = formulas


def _load_workbook(source: _Source, raw: IO[bytes]) -> Any:
    from openpyxl import load_workbook  # only for workbooks

    try:
        # A file object, not a path: openpyxl refuses paths whose extension is not .xlsx.
        return load_workbook(raw, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise ReadError(
            "not an XLSX workbook (not a ZIP package)", code="invalid-xlsx", path=source.name
        ) from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged package
        raise ReadError(
            f"the workbook cannot be opened: {exc}", code="invalid-xlsx", path=source.name
        ) from exc


@contextmanager
def _first_sheet(source: _Source) -> Iterator[tuple[Any, Iterator[tuple[Any, ...]]]]:
    """The first worksheet and its rows of cells; the workbook is closed on leaving."""
    with source.open() as raw:
        workbook = _load_workbook(source, raw)
        try:
            if not workbook.worksheets:
                raise ReadError(
                    "the workbook has no worksheet", code="empty-file", path=source.name
                )
            sheet = workbook.worksheets[0]
            # Some writers declare a wrong <dimension>; openpyxl would then stop early.
            sheet.reset_dimensions()
            yield sheet, sheet.iter_rows()
        except ReadError:
            raise
        except Exception as exc:  # a damaged sheet surfaces while iterating
            raise ReadError(
                f"the worksheet cannot be read: {exc}", code="invalid-xlsx", path=source.name
            ) from exc
        finally:
            workbook.close()


def _header(rows: Iterator[tuple[Any, ...]]) -> tuple[list[str] | None, int]:
    """The header (first row with a value) and its 1-based sheet row number."""
    for number, row in enumerate(rows, start=1):
        values = [cell.value for cell in row]
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
            headers = ["" if v is None else str(v).strip() for v in values]
            while headers and not headers[-1]:
                headers.pop()
            return headers, number
    return None, 0


def xlsx_header(source: _Source) -> tuple[str, list[str]]:
    """The first worksheet's title and header; raises ReadError when there is none."""
    with _first_sheet(source) as (sheet, rows):
        headers, _ = _header(rows)
        title = sheet.title
    if headers is None:
        raise ReadError(
            f"the first worksheet {title!r} is empty", code="empty-file", path=source.name
        )
    return title, headers


@lru_cache(maxsize=256)
def _date_only(number_format: str) -> bool:
    from openpyxl.styles.numbers import is_datetime

    return bool(is_datetime(number_format) == "date")


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def _formula_cells(source: _Source, sheet: Any) -> dict[int, dict[int, str]]:
    """Sheet row → {0-based column: reference} of formula cells without a cached value."""
    path = str(getattr(sheet, "_worksheet_path", "") or "").lstrip("/")
    if not path:
        return {}
    with source.open() as raw, zipfile.ZipFile(raw) as package:
        try:
            member = package.open(path)
        except KeyError:
            return {}
        with member:
            tail = b""
            while chunk := member.read(_CHUNK):
                if _FORMULA_TAG.search(tail + chunk):
                    break
                tail = chunk[-64:]
            else:
                return {}
        with package.open(path) as member:
            return _FormulaScan().run(member)


class _FormulaScan:
    """Expat handlers collecting ``<c>`` elements with an ``<f>`` and no cached ``<v>``."""

    def __init__(self) -> None:
        self.found: dict[int, dict[int, str]] = {}
        self.count = 0
        self.ref = ""
        self.kind = ""
        self.formula = False
        self.value = False
        self.in_value = False

    def run(self, member: IO[bytes]) -> dict[int, dict[int, str]]:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        try:
            while chunk := member.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # openpyxl reports a damaged sheet; what was found so far stands
        return self.found

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            self.ref, self.kind = attrs.get("r", ""), attrs.get("t", "")
            self.formula = self.value = False
        elif local == "f":
            self.formula = True
        elif local == "v":
            self.in_value = True

    def chars(self, data: str) -> None:
        if self.in_value and data:
            self.value = True

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            self.in_value = False
        elif local == "c" and self.formula and not self.value and self.kind != "str":
            # t="str" with an empty <v/> is a formula whose result is "" (Excel writes that)
            m = _CELL_REF.match(self.ref)
            if m and self.count < FORMULA_CELLS_LIMIT:
                self.count += 1
                row = int(m.group(2))
                self.found.setdefault(row, {})[_column_index(m.group(1)) - 1] = self.ref


def xlsx_rows(source: _Source, width: int) -> Iterator[tuple[int, list[Any]]]:
    """Stream the data rows, numbered from 1 after the header (see publishers.readers)."""
    with _first_sheet(source) as (sheet, rows):
        formulas = _formula_cells(source, sheet)
        _, header_row = _header(rows)
        for number, row in enumerate(rows, start=1):
            values = [cell.value for cell in row]
            missing = formulas.get(header_row + number) if formulas else None
            if not any(v is not None and v != "" for v in values) and not missing:
                continue
            for i, v in enumerate(values):
                # openpyxl reads every date-formatted cell as a datetime; a date cell is a date.
                if (
                    type(v) is dt.datetime
                    and v.time() == _MIDNIGHT
                    and _date_only(row[i].number_format)
                ):
                    values[i] = v.date()
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            while len(values) > width and values[-1] is None:
                values.pop()
            if missing:
                yield number, FormulaRow(values, missing)
            else:
                yield number, values
