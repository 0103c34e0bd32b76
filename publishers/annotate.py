"""The same spreadsheet back, annotated (批注版回执): a department's upload with every problem
marked where it is.

A clerk fixes a file where they made it — in the spreadsheet — not in a list of row numbers.
:func:`annotate` takes the uploaded file and the receipt's issues and returns an XLSX workbook:

* sheet 数据 (data): the rows as uploaded (an XLSX upload keeps its own sheet and formatting;
  a CSV, JSON or NDJSON upload is laid out under its header), each problem cell filled (red for
  an error, amber for a warning) with a cell comment giving the code and the Chinese and English
  message; a problem of a whole row marks the row's first cell; a header problem its header cell;
* sheet 问题汇总 (summary): one line per issue — row, cell, column, code, severity, messages,
  value — the same list as the receipt.

Row numbers are the receipt's: 1-based data rows after the header (:mod:`publishers.readers`),
so data row *n* is sheet row *header row + n*.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

import schemas
from publishers.headers import HeaderIndex, map_columns
from publishers.readers import open_bytes

ERROR_FILL = PatternFill("solid", fgColor="F8C9C9")
WARNING_FILL = PatternFill("solid", fgColor="FCE8B2")
SUMMARY_HEADER = (
    "数据行 Row",
    "单元格 Cell",
    "列 Column",
    "问题代码 Code",
    "级别 Severity",
    "说明",
    "Message",
    "值 Value",
)
MAX_ANNOTATED = 50_000
"""Issues annotated at most (a summary line says how many more there were)."""


def _columns(headers: Sequence[str], schema_id: str) -> dict[str, int]:
    """Field id → 0-based column position, as the readers matched the header."""
    specs = schemas.fields(schema_id)
    mapped = map_columns(headers, specs, HeaderIndex.build(specs))
    return {spec.id: pos for pos, spec in mapped.columns}


def _data_sheet(body: bytes, name: str) -> tuple[Workbook, Worksheet, list[str], int]:
    """The workbook to annotate, its data sheet, the header and the header's sheet row."""
    table = open_bytes(body, format="auto", name=name)
    if table.format == "xlsx":
        book = load_workbook(io.BytesIO(body))
        sheet = book[table.sheet] if table.sheet else book.worksheets[0]
        headers = table.headers or []
        header_row = 1
        for row in sheet.iter_rows(min_row=1, max_row=50):
            values = [str(c.value).strip() if c.value is not None else "" for c in row]
            if values[: len(headers)] == headers[: len(values)] and any(values):
                header_row = row[0].row or 1
                break
        return book, sheet, headers, header_row
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "数据"
    rows = list(table.rows())
    if table.headers is not None:
        headers = list(table.headers)
        sheet.append(headers)
        last = 0
        for number, values in rows:
            while last + 1 < number:  # keep blank rows so numbers stay the receipt's
                sheet.append([])
                last += 1
            sheet.append([_cell(v) for v in values])
            last = number
    else:  # JSON / NDJSON: the union of keys, in first-seen order
        headers = []
        for _, record in rows:
            for key in record if isinstance(record, Mapping) else ():
                if key not in headers:
                    headers.append(key)
        sheet.append(headers)
        for _, record in rows:
            mapping = record if isinstance(record, Mapping) else {}
            sheet.append([_cell(mapping.get(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return book, sheet, headers, 1


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        import orjson

        return orjson.dumps(value).decode()
    return value


def _summary_sheet(book: Any) -> Any:
    """The 问题汇总 sheet: one line per issue, bold header, readable widths."""
    summary = book.create_sheet("问题汇总")
    summary.append(SUMMARY_HEADER)
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for width_col, width in ((1, 8), (2, 8), (3, 18), (4, 24), (5, 9), (6, 50), (7, 50), (8, 24)):
        summary.column_dimensions[get_column_letter(width_col)].width = width
    return summary


def _place(
    issue: Mapping[str, Any], columns: dict[str, int], headers: list[str], header_row: int
) -> tuple[str, str]:
    """The cell an issue belongs to (its row and field's column; the first column when the
    field is not in the file, the header row when the issue has no row) and its column label."""
    row, field = issue.get("row"), issue.get("field")
    position = columns.get(field) if isinstance(field, str) else None
    sheet_row = header_row + row if isinstance(row, int) else header_row
    column = position if position is not None else 0
    ref = f"{get_column_letter(column + 1)}{sheet_row}"
    label = headers[position] if position is not None and position < len(headers) else field
    return ref, label or ""


def annotate(
    body: bytes, *, name: str, schema_id: str, issues: Iterable[Mapping[str, Any]]
) -> bytes:
    """The annotated workbook (XLSX bytes) of an upload and its receipt's issues."""
    book, sheet, headers, header_row = _data_sheet(body, name)
    columns = _columns(headers, schema_id)
    summary = _summary_sheet(book)
    notes: dict[str, list[str]] = {}
    fills: dict[str, PatternFill] = {}
    count = 0
    for issue in issues:
        count += 1
        if count > MAX_ANNOTATED:
            continue
        ref, label = _place(issue, columns, headers, header_row)
        severity = str(issue.get("severity") or "error")
        notes.setdefault(ref, []).append(
            f"[{issue.get('code')}] {issue.get('message_zh') or ''}\n{issue.get('message') or ''}"
        )
        if severity == "error" or ref not in fills:
            fills[ref] = ERROR_FILL if severity == "error" else WARNING_FILL
        summary.append(
            [issue.get("row"), ref, label, issue.get("code"), severity, issue.get("message_zh"),
             issue.get("message"), issue.get("value")]
        )  # fmt: skip
    if count > MAX_ANNOTATED:
        summary.append(
            [None, None, None, "truncated", "warning",
             f"另有 {count - MAX_ANNOTATED} 个问题未标注", "more issues not annotated"]
        )  # fmt: skip
    for ref, texts in notes.items():
        cell = sheet[ref]
        cell.fill = fills[ref]
        cell.comment = Comment("\n".join(texts)[:30_000], "creditgate")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
