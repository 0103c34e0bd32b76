"""Streaming readers for what departments upload: CSV, XLSX, JSON arrays and NDJSON.

This module opens an upload and decides its format and encoding; one module per format reads
the rows (:mod:`publishers.csvfiles`, :mod:`publishers.xlsx`, :mod:`publishers.jsonfiles`),
over the byte sources and errors of :mod:`publishers.sources`.

:func:`open_table` (a path) and :func:`open_bytes` (an HTTP upload) resolve the format and,
for text, the encoding (see :mod:`publishers.encoding`), read the header, and return a
:class:`Table`. :meth:`Table.rows` streams ``(row_number, payload)`` pairs and opens the
source afresh on every call, so a table can be read twice and holds no open file between
calls. Memory stays flat as files grow; only an XLSX shared-strings table is loaded whole
(openpyxl's read-only mode).

Row numbers are 1-based over data rows: the first row after the header is 1. Rows that are
entirely empty are *counted but not yielded*, so a number is the row's position after the
header and a department can find it (in a spreadsheet whose header is on line 1, data row
``n`` is on line ``n + 1``). For CSV a number counts records, so a quoted cell spanning
several lines is still one row. NDJSON numbers are line numbers; JSON array numbers count
elements.

Payloads:

- CSV: the record's cells as ``str`` ("" stays ""), position ``i`` under ``headers[i]``. A
  record is yielded as parsed, so it may be shorter or longer than the header (the caller
  reports missing or extra cells).
- XLSX (first worksheet only): cell values as openpyxl reads them (str, int, float, bool,
  datetime, time, None), padded with None to the header width; cells beyond the header are
  kept only if one has a value. A cell with a date-only number format arrives as a
  ``datetime.date`` (openpyxl reads it as a midnight datetime); a cell formatted with a
  time of day stays a ``datetime``. Date cells never arrive as text. A row with a formula
  cell that has no cached value arrives as a :class:`~publishers.xlsx.FormulaRow` (a list
  naming those cells); see :mod:`publishers.xlsx`, which reads workbooks.
- JSON array / NDJSON: the parsed object (``dict``, numbers with a fraction as ``Decimal``).
  An element that is not an object, or an NDJSON line that is not JSON, arrives as a
  :class:`RowProblem` so the caller reports it on that row. Blank NDJSON lines are skipped.

Errors (the file cannot be read at all → CLI exit 2)::

    ReadError(code=...)   file-not-found, not-a-file, permission-denied, io-error,
                          empty-file, unsupported-format, unsupported-encoding,
                          encoding-undecidable, decode-error, invalid-csv,
                          invalid-json, invalid-xlsx

A decode or syntax error deep in a stream is raised by ``rows()`` when it is reached, after
the rows before it have been yielded.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from publishers.csvfiles import csv_records, csv_rows
from publishers.encoding import (
    Encoding,
    bom_encoding,
    find_decode_failure,
    has_utf8_hanzi,
    resolve_encoding,
)
from publishers.jsonfiles import JSON_CHUNK, first_json_char, json_rows, ndjson_rows
from publishers.sources import ReadError, RowProblem, _Source, decode_error
from publishers.xlsx import FormulaRow, xlsx_header, xlsx_rows

Format = Literal["auto", "csv", "xlsx", "json", "ndjson"]
"""What a caller may ask for; ``auto`` decides by extension, then by content."""

Row = tuple[int, Any]

_JSON_CHUNK = JSON_CHUNK
"""Characters a JSON array is read by (tests set it small so elements straddle chunks)."""
_csv_records = csv_records  # the parallel validator and older callers import it from here

__all__ = [
    "Encoding",
    "Format",
    "FormulaRow",
    "ReadError",
    "Row",
    "RowProblem",
    "Table",
    "open_bytes",
    "open_table",
]

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
_UNSUPPORTED = {
    ".xls": "Excel 97-2003 workbooks (.xls) are not supported: save the sheet as .xlsx or CSV",
    ".et": "WPS workbooks (.et) are not supported: save the sheet as .xlsx or CSV",
    ".ods": "OpenDocument spreadsheets (.ods) are not supported: save the sheet as .xlsx or CSV",
}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx


@dataclass(frozen=True, slots=True)
class Table:
    """A readable upload: resolved ``format`` and ``encoding`` (text formats), the header.

    ``headers`` is the header row as stripped text for CSV/XLSX and None for JSON/NDJSON;
    ``delimiter`` (CSV) and ``sheet`` (XLSX) say what was chosen.
    """

    path: str
    format: str
    encoding: str | None
    headers: list[str] | None
    delimiter: str | None = None
    sheet: str | None = None
    _source: _Source = field(kw_only=True, repr=False, compare=False)
    _requested: str = field(kw_only=True, default="auto", repr=False, compare=False)

    def rows(self) -> Iterator[Row]:
        """Stream ``(row_number, payload)``; see the module docstring for both."""
        return _ROWS[self.format](self)


def open_table(
    path: str | os.PathLike[str], *, format: Format = "auto", encoding: Encoding = "auto"
) -> Table:
    """Open a file for reading; raises :class:`ReadError` if it cannot be read."""
    source = _Source(name=os.fspath(path), path=Path(path))
    return _open(source, format, encoding)


def open_bytes(
    data: bytes, *, format: Format, encoding: Encoding = "auto", name: str = "<upload>"
) -> Table:
    """Open an upload held in memory; ``auto`` uses the extension of ``name``, then the content."""
    return _open(_Source(name=name, data=bytes(data)), format, encoding)


def _open(source: _Source, format: str, encoding: str) -> Table:
    if encoding not in ("auto", "utf-8", "gbk", "gb18030"):
        raise ReadError(
            f"unknown encoding {encoding!r}: use auto, utf-8, gbk or gb18030",
            code="unsupported-encoding",
            path=source.name,
        )
    sample, complete = source.head()
    if not sample:
        raise ReadError("the file is empty (0 bytes)", code="empty-file", path=source.name)
    resolved = _resolve_format(source.name, format, sample)
    if resolved == "xlsx":
        return _open_xlsx(source)
    if complete and not sample.strip() and bom_encoding(sample) is None:
        raise ReadError("the file contains only whitespace", code="empty-file", path=source.name)
    if encoding in ("gbk", "gb18030") and bom_encoding(sample) is not None:
        raise ReadError(
            f"the file starts with a Unicode byte-order mark, so it is not {encoding}; "
            "use --encoding auto",
            code="decode-error",
            path=source.name,
        )
    codec = resolve_encoding(encoding, sample, complete=complete)
    if codec is None:
        raise _undecidable(source, sample)
    try:
        if resolved == "csv":
            with source.text(codec, newline="") as text:
                delimiter, headers, _ = csv_records(text)
            if headers is None:
                raise ReadError(
                    "no header row: every line is empty", code="empty-file", path=source.name
                )
            return Table(
                source.name, "csv", codec, headers, delimiter, _source=source, _requested=encoding
            )
        first = first_json_char(source, codec)
    except UnicodeDecodeError:
        raise decode_error(source, codec, encoding) from None
    except csv.Error as exc:
        raise ReadError(
            f"the header cannot be parsed: {exc}", code="invalid-csv", path=source.name
        ) from None
    if resolved == "json" and first == "{" and format == "auto":
        resolved = "ndjson"  # a .json file of one object per line
    elif resolved == "json" and first != "[":
        raise ReadError(
            f"a JSON upload must be an array of objects, found {first!r} first; "
            "for one object per line use --format ndjson",
            code="invalid-json",
            path=source.name,
        )
    return Table(source.name, resolved, codec, None, _source=source, _requested=encoding)


def _resolve_format(name: str, format: str, sample: bytes) -> str:
    if format != "auto":
        if format not in ("csv", "xlsx", "json", "ndjson"):
            raise ReadError(
                f"unknown format {format!r}: use csv, xlsx, json or ndjson",
                code="unsupported-format",
                path=name,
            )
        return format
    suffix = Path(name).suffix.lower()
    if suffix in _UNSUPPORTED:
        raise ReadError(_UNSUPPORTED[suffix], code="unsupported-format", path=name)
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if sample.startswith(_ZIP_MAGIC):
        return "xlsx"
    if sample.startswith(_OLE_MAGIC):
        raise ReadError(
            "an Excel 97-2003 (.xls) or password-protected workbook: save it as .xlsx or CSV",
            code="unsupported-format",
            path=name,
        )
    start = sample.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if start == b"[":
        return "json"
    if start == b"{":
        return "ndjson"
    if b"\x00" not in sample or bom_encoding(sample) == "utf-16":
        return "csv"
    raise ReadError(
        "unknown file type: expected CSV, XLSX, JSON or NDJSON (name the file .csv, .xlsx, "
        ".json or .ndjson, or pass --format)",
        code="unsupported-format",
        path=name,
    )


def _undecidable(source: _Source, sample: bytes) -> ReadError:
    failure = find_decode_failure((sample,), "utf-8")
    if failure and not sample[: failure.offset].isascii() and failure.offset < len(sample) - 4:
        what = f"it starts as UTF-8 but is not UTF-8 at {failure.describe()}"
    elif failure and has_utf8_hanzi(sample):
        what = f"it mixes GBK and UTF-8 text (not UTF-8 at {failure.describe()})"
    else:
        what = "it is neither UTF-8 nor Chinese GB18030/GBK text"
    return ReadError(
        f"cannot tell the encoding: {what}; save the file as UTF-8 or pass --encoding utf-8, "
        "gbk or gb18030",
        code="encoding-undecidable",
        path=source.name,
    )


# -- the format readers ------------------------------------------------------------------------


def _csv_rows(table: Table) -> Iterator[Row]:
    assert table.encoding is not None
    return csv_rows(table._source, table.encoding, table._requested)


def _open_xlsx(source: _Source) -> Table:
    title, headers = xlsx_header(source)
    return Table(source.name, "xlsx", None, headers, sheet=title, _source=source)


def _xlsx_rows(table: Table) -> Iterator[Row]:
    assert table.headers is not None
    return xlsx_rows(table._source, len(table.headers))


def _json_rows(table: Table) -> Iterator[Row]:
    assert table.encoding is not None
    return json_rows(table._source, table.encoding, table._requested, chunk=_JSON_CHUNK)


def _ndjson_rows(table: Table) -> Iterator[Row]:
    assert table.encoding is not None
    return ndjson_rows(table._source, table.encoding, table._requested)


_ROWS: dict[str, Callable[[Table], Iterator[Row]]] = {
    "csv": _csv_rows,
    "xlsx": _xlsx_rows,
    "json": _json_rows,
    "ndjson": _ndjson_rows,
}
