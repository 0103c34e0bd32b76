"""Streaming readers for what departments upload: CSV, XLSX, JSON arrays and NDJSON.

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
import datetime as dt
import itertools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

from publishers.encoding import (
    Encoding,
    bom_encoding,
    find_decode_failure,
    has_utf8_hanzi,
    resolve_encoding,
)
from publishers.sources import ReadError, RowProblem, _Source
from publishers.xlsx import FormulaRow, xlsx_header, xlsx_rows

Format = Literal["auto", "csv", "xlsx", "json", "ndjson"]
"""What a caller may ask for; ``auto`` decides by extension, then by content."""

Row = tuple[int, Any]

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
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}
_UNSUPPORTED = {
    ".xls": "Excel 97-2003 workbooks (.xls) are not supported: save the sheet as .xlsx or CSV",
    ".et": "WPS workbooks (.et) are not supported: save the sheet as .xlsx or CSV",
    ".ods": "OpenDocument spreadsheets (.ods) are not supported: save the sheet as .xlsx or CSV",
}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
_DELIMITERS = ",\t;|"
_BLANKISH = " \t\r\n\f\v,;|\""  # a line of only these carries no header
_RAW_LIMIT = 1000
_JSON_CHUNK = 16 * 1024  # characters; the buffer holds about two
_JSON_SLACK = 32  # a value ending this close to the buffer end may continue in the next chunk
_JSON_WS = " \t\r\n"
_MIDNIGHT = dt.time()


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
            code="unsupported-encoding", path=source.name,
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
        raise ReadError(f"the file starts with a Unicode byte-order mark, so it is not {encoding}; "
                        "use --encoding auto", code="decode-error", path=source.name)
    codec = resolve_encoding(encoding, sample, complete=complete)
    if codec is None:
        raise _undecidable(source, sample)
    try:
        if resolved == "csv":
            with source.text(codec, newline="") as text:
                delimiter, headers, _ = _csv_records(text)
            if headers is None:
                raise ReadError("no header row: every line is empty", code="empty-file",
                                path=source.name)
            return Table(source.name, "csv", codec, headers, delimiter,
                         _source=source, _requested=encoding)
        first = _first_json_char(source, codec)
    except UnicodeDecodeError:
        raise _decode_error(source, codec, encoding) from None
    except csv.Error as exc:
        raise ReadError(f"the header cannot be parsed: {exc}", code="invalid-csv",
                        path=source.name) from None
    if resolved == "json" and first == "{" and format == "auto":
        resolved = "ndjson"  # a .json file of one object per line
    elif resolved == "json" and first != "[":
        raise ReadError(
            f"a JSON upload must be an array of objects, found {first!r} first; "
            "for one object per line use --format ndjson",
            code="invalid-json", path=source.name,
        )
    return Table(source.name, resolved, codec, None, _source=source, _requested=encoding)


def _resolve_format(name: str, format: str, sample: bytes) -> str:
    if format != "auto":
        if format not in ("csv", "xlsx", "json", "ndjson"):
            raise ReadError(f"unknown format {format!r}: use csv, xlsx, json or ndjson",
                            code="unsupported-format", path=name)
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
            code="unsupported-format", path=name,
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
        code="unsupported-format", path=name,
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
        "gbk or gb18030", code="encoding-undecidable", path=source.name,
    )


def _decode_error(source: _Source, codec: str, requested: str) -> ReadError:
    failure = find_decode_failure(source.chunks(), codec)
    where = failure.describe() if failure else "near the end of the file"
    if requested == "auto":
        hint = (f"the start of the file is {codec} but this part is not; the file mixes "
                "encodings: save it again in one encoding (UTF-8)")
    else:
        hint = "the file is in another encoding: try --encoding auto, utf-8 or gb18030"
    return ReadError(f"not valid {codec} at {where}; {hint}", code="decode-error", path=source.name)


# -- CSV --------------------------------------------------------------------------------------

def _sniff_delimiter(line: str) -> str:
    """The candidate delimiter seen most often outside quotes; ties go to the earlier one."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: (counts[d], -_DELIMITERS.index(d)))
    return best if counts[best] else ","


def _csv_records(text: IO[str]) -> tuple[str, list[str] | None, Iterator[list[str]]]:
    """Delimiter, header and the reader positioned on the first data record."""
    lines = iter(text)
    for line in lines:
        if line.strip(_BLANKISH):
            break
    else:
        return ",", None, iter(())
    delimiter = _sniff_delimiter(line)
    reader = csv.reader(itertools.chain((line,), lines), delimiter=delimiter)
    for record in reader:
        if any(cell.strip() for cell in record):
            return delimiter, [cell.strip().strip("\ufeff") for cell in record], reader
    return delimiter, None, reader


def _csv_rows(table: Table) -> Iterator[Row]:
    source = table._source
    assert table.encoding is not None
    with source.text(table.encoding, newline="") as text:
        number = 0
        try:
            _, _, reader = _csv_records(text)
            for record in reader:
                number += 1
                if any(record):
                    yield number, record
        except UnicodeDecodeError:
            raise _decode_error(source, table.encoding, table._requested) from None
        except csv.Error as exc:
            raise ReadError(f"CSV cannot be parsed after data row {number}: {exc}",
                            code="invalid-csv", path=source.name) from None


# -- XLSX (publishers.xlsx) -------------------------------------------------------------------

def _open_xlsx(source: _Source) -> Table:
    title, headers = xlsx_header(source)
    return Table(source.name, "xlsx", None, headers, sheet=title, _source=source)


def _xlsx_rows(table: Table) -> Iterator[Row]:
    assert table.headers is not None
    return xlsx_rows(table._source, len(table.headers))


# -- JSON and NDJSON --------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)
_JSON_TYPES: dict[type, str] = {
    list: "an array", str: "a string", int: "a number", Decimal: "a number",
    bool: "true/false", type(None): "null",
}


def _first_json_char(source: _Source, codec: str) -> str:
    with source.text(codec, newline="") as text:
        while chunk := text.read(4096):
            stripped = chunk.lstrip(_JSON_WS + "\ufeff")
            if stripped:
                return stripped[0]
    return ""


def _ndjson_rows(table: Table) -> Iterator[Row]:
    source = table._source
    assert table.encoding is not None
    with source.text(table.encoding, newline=None) as text:
        try:
            for number, line in enumerate(text, start=1):
                content = line.strip(_JSON_WS + "\ufeff")
                if not content:
                    continue
                try:
                    value = _DECODER.decode(content)
                except json.JSONDecodeError as exc:
                    yield number, RowProblem("invalid-json", f"not valid JSON: {exc.msg} at column "
                                             f"{exc.colno}", content[:_RAW_LIMIT])
                    continue
                except (ValueError, RecursionError) as exc:
                    yield number, RowProblem("invalid-json", f"not valid JSON: {exc}",
                                             content[:_RAW_LIMIT])
                    continue
                yield number, value if type(value) is dict else _not_an_object(value, content)
        except UnicodeDecodeError:
            raise _decode_error(source, table.encoding, table._requested) from None


def _not_an_object(value: Any, raw: str) -> RowProblem:
    kind = _JSON_TYPES.get(type(value), "not an object")
    return RowProblem("not-an-object", f"expected a JSON object, found {kind}", raw[:_RAW_LIMIT])


def _json_rows(table: Table) -> Iterator[Row]:
    source = table._source
    assert table.encoding is not None
    with source.text(table.encoding, newline="") as text:
        try:
            yield from enumerate(_ArrayStream(text, source.name).elements(), start=1)
        except UnicodeDecodeError:
            raise _decode_error(source, table.encoding, table._requested) from None


class _ArrayStream:
    """The elements of one top-level JSON array, read from a text stream a chunk at a time.

    Each element is parsed by :meth:`json.JSONDecoder.raw_decode` on a buffer that keeps at
    least one chunk of look-ahead; a parse that fails or ends near the buffer's end is retried
    with more text, since the value may continue in the next chunk.
    """

    def __init__(self, text: IO[str], name: str) -> None:
        self.text = text
        self.name = name
        self.chunk = _JSON_CHUNK
        self.buf = ""
        self.pos = 0
        self.line = 1  # line number of buf[0]
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        more = self.text.read(self.chunk)
        if not more:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        return True

    def _peek(self) -> str:
        """The next non-whitespace character ('' at the end), consuming the whitespace."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _JSON_WS:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def _error(self, message: str, pos: int | None = None) -> ReadError:
        pos = self.pos if pos is None else pos
        line = self.line + self.buf.count("\n", 0, pos)
        column = pos - self.buf.rfind("\n", 0, pos)
        return ReadError(f"invalid JSON at line {line} column {column}: {message}",
                         code="invalid-json", path=self.name)

    def elements(self) -> Iterator[Any]:
        """Yield each element: an object as a dict, anything else as a RowProblem."""
        if self._peek() == "\ufeff":  # a BOM the codec kept (gb18030 has one too)
            self.pos += 1
        if self._peek() != "[":
            raise self._error("expected '[' to start the array")
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
        else:
            yield from self._values()
        if self._peek():
            raise self._error("unexpected data after the array")

    def _values(self) -> Iterator[Any]:
        scan = _DECODER.raw_decode
        while True:
            if len(self.buf) - self.pos < self.chunk:
                self._more()
            start = self.pos
            try:
                value, end = scan(self.buf, start)
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - _JSON_SLACK
                if (near_end or exc.msg.startswith("Unterminated string")) and self._more():
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except (ValueError, RecursionError) as exc:
                raise self._error(str(exc) or "nested too deeply", start) from None
            if end >= len(self.buf) - _JSON_SLACK and self._more():
                continue  # a number may go on in the next chunk: parse again with look-ahead
            self.pos = end
            yield value if type(value) is dict else _not_an_object(value, self.buf[start:end])
            separator = self._peek()
            if separator == "]":
                self.pos += 1
                return
            if separator != ",":
                raise self._error("expected ',' or ']' after an element" if separator
                                  else "the array is not closed with ']'")
            self.pos += 1
            if self._peek() == "]":
                raise self._error("a trailing comma before ']'")


_ROWS: dict[str, Callable[[Table], Iterator[Row]]] = {
    "csv": _csv_rows,
    "xlsx": _xlsx_rows,
    "json": _json_rows,
    "ndjson": _ndjson_rows,
}
