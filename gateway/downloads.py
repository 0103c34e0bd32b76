"""Downloads (下载): a whole dataset as CSV or NDJSON, streamed, in the caller's view.

* CSV: UTF-8 with a byte-order mark and CRLF line ends (Excel opens it as UTF-8), Chinese
  headers (each field's ``title_zh``), first column 记录标识 (``record_id``), then the fields
  the audience may see in schema order, then 异议处理中 and 异议状态 (the objection mark),
  版本号, 更新时间, 公示起始日期 and 公示截止日期（计算）— the same columns, labels and cell
  rules as the CKAN files
  (:mod:`portal.table`), with the masked fields added for agencies and every field for
  government. Multi-valued fields are joined with ``;``; fields holding objects are compact
  JSON text.
* NDJSON: one view per line, exactly what ``/records`` pages and the change feed's
  ``record`` carry (``record_id``, ``dataset``, the fields, ``_meta``) — and, for the
  public, what the CKAN NDJSON file holds (:mod:`portal.table`).

Both are generated page by page from the store (flat memory, no snapshot held open); the
response's ``X-Creditgate-Log-Position`` is the change-log head read before the first page, so
a partner that then follows ``/changes?after=<it>`` misses nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

import schemas
from catalog import CatalogEntry
from publishers import SafeWriter
from schemas.tableschema import MULTI_SEPARATOR
from store import Audience

BOM = "\ufeff"
Shape = Literal["scalar", "multi", "json"]

SHOWN: dict[Audience, frozenset[str]] = {
    Audience.PUBLIC: frozenset({"public"}),
    Audience.AGENCY: frozenset({"public", "masked"}),
    Audience.GOVERNMENT: frozenset({"public", "masked", "restricted"}),
}
"""Disclosure classes that get a column in each audience's file."""

RECORD_ID_LABEL = "记录标识"
META_LABELS = (
    ("under_objection", "异议处理中"),
    ("objection_status", "异议状态"),
    ("version", "版本号"),
    ("updated_at", "更新时间"),
    ("window_start", "公示起始日期"),
    ("window_end", "公示截止日期（计算）"),
)


@dataclass(frozen=True, slots=True)
class Column:
    """A field column: its id in the view, its Chinese header and how its cells are written."""

    id: str
    label: str
    shape: Shape


def columns(entry: CatalogEntry, audience: Audience) -> list[Column]:
    """The field columns of a dataset's file for one audience, in schema order."""
    shown = SHOWN[audience]
    out: list[Column] = []
    for spec in schemas.fields(entry.schema_id):
        if spec.disclosure not in shown:
            continue
        shape: Shape = (
            "json"
            if spec.normalise == "json"
            else "multi"
            if spec.normalise in ("multi", "lines")
            else "scalar"
        )
        out.append(Column(spec.id, spec.title_zh, shape))
    return out


def header(cols: list[Column]) -> list[str]:
    """The CSV header row."""
    return [RECORD_ID_LABEL, *(c.label for c in cols), *(label for _, label in META_LABELS)]


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def cell(value: Any, shape: Shape) -> str:
    """One CSV cell: '' for absent, lists joined with ';', objects as compact JSON."""
    if value is None:
        return ""
    if (
        shape == "json"
        or isinstance(value, dict)
        or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))
    ):
        return orjson.dumps(value).decode()
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(_scalar(v) for v in value)
    return _scalar(value)


def row(view: Mapping[str, Any], cols: list[Column]) -> list[str]:
    """The CSV row of a view."""
    meta = view.get("_meta") or {}
    return [
        view["record_id"],
        *(cell(view.get(c.id), c.shape) for c in cols),
        *(_scalar(meta.get(key)) for key, _ in META_LABELS),
    ]


def csv_chunks(pages: Iterable[list[dict[str, Any]]], cols: list[Column]) -> Iterator[bytes]:
    """The CSV file as byte chunks: BOM and header first, then one chunk per page."""
    buffer = io.StringIO()
    writer = SafeWriter(csv.writer(buffer, lineterminator="\r\n"))  # formulas neutralised
    buffer.write(BOM)
    writer.writerow(header(cols))
    yield buffer.getvalue().encode("utf-8")
    for views in pages:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(row(v, cols) for v in views)
        yield buffer.getvalue().encode("utf-8")


def ndjson_chunks(pages: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The NDJSON file as byte chunks, one per page."""
    dumps = orjson.dumps
    for views in pages:
        yield b"".join([dumps(v) + b"\n" for v in views])
