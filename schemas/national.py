"""The national 双公示 exchange format (2021 field set), read from the schemas' annotations.

A record schema that the provincial and national platforms exchange declares its standard at
the top level (``"x-national-standard": "sgs-xzcf-2021"``) and the national field code of each
property (``"x-national-code": "CF_WSH"``). Nothing here names a field: the columns of the
national format, their order and how each cell is written all come from those annotations, so
adding a dataset or a field is a change to a schema file, not to code.

How cells are written (credit-domain §1.4, §1.6): dates as the standard writes them,
``YYYY/MM/DD`` (``2099/12/31`` = 长期); code lists as their codes (the Chinese text the
standard transmits); several values (处罚类别) joined with ``;``; ``DFBM`` the GB/T 2260 code
of the record's district, else Wuhan's ``420100``; ``SJC`` the time of the record's version in
China Standard Time, ``YYYY/MM/DD HH:MM:SS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from schemas.registry import fields, schema_document, schema_names

DIVISION_CODE = "DFBM"
"""地方编码: the GB/T 2260 code of the division the record belongs to."""
TIMESTAMP_CODE = "SJC"
"""数据更新时间戳: when this version of the record was stored."""
WUHAN = "420100"
"""DFBM of a record that names no district."""
CHINA_TIME = timezone(timedelta(hours=8), "CST")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class NationalColumn:
    """One column of the national format: its code, the field it comes from (None for a
    column the gateway fills: ``SJC``) and how its cells are written."""

    code: str
    field: str | None
    title_zh: str
    normalise: str


def national_standard(schema_id: str) -> str | None:
    """The national standard a schema is exchanged under (``x-national-standard``), if any."""
    value = schema_document(schema_id).get("x-national-standard")
    return value if isinstance(value, str) else None


def national_schemas() -> list[str]:
    """Schemas that declare a national standard."""
    return [name for name in schema_names() if national_standard(name)]


def national_columns(schema_id: str) -> list[NationalColumn]:
    """The national columns of a schema in schema order, ``DFBM`` and ``SJC`` included (added
    at the end when the schema does not annotate them)."""
    out = [
        NationalColumn(f.national_code, f.id, f.title_zh, f.normalise)
        for f in fields(schema_id)
        if f.national_code
    ]
    codes = {c.code for c in out}
    if DIVISION_CODE not in codes:
        out.append(NationalColumn(DIVISION_CODE, None, "地方编码", "code"))
    if TIMESTAMP_CODE not in codes:
        out.append(NationalColumn(TIMESTAMP_CODE, None, "数据更新时间戳", "text"))
    return out


def field_for_code(schema_id: str) -> dict[str, str]:
    """``national code -> field id`` of a schema (legacy codes included, current ones win)."""
    out: dict[str, str] = {}
    for spec in fields(schema_id):
        for legacy in spec.legacy_codes:
            out.setdefault(legacy, spec.id)
    for spec in fields(schema_id):
        if spec.national_code:
            out[spec.national_code] = spec.id
    return out


def national_date(value: Any) -> str:
    """An ISO date (or a date) as the standard writes it: ``YYYY/MM/DD``; other text as is."""
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    text = str(value)
    try:
        return date.fromisoformat(text).strftime(DATE_FORMAT)
    except ValueError:
        return text


def national_timestamp(value: datetime | str | None) -> str:
    """A timestamp in China Standard Time, ``YYYY/MM/DD HH:MM:SS`` ('' for None)."""
    if value is None:
        return ""
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(CHINA_TIME).strftime(TIMESTAMP_FORMAT)


def national_cell(value: Any, normalise: str) -> str:
    """One cell of the national format ('' for an absent value)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return SEPARATOR.join(national_cell(v, normalise) for v in value if v is not None)
    if isinstance(value, bool):
        return "1" if value else "0"
    if normalise == "date":
        return national_date(value)
    return value if isinstance(value, str) else str(value)


def national_row(
    schema_id: str, record: Mapping[str, Any], *, updated_at: datetime | str | None
) -> dict[str, str]:
    """A record (a view's fields) as a national row: ``code -> cell`` for every column of
    :func:`national_columns`, ``DFBM`` and ``SJC`` filled."""
    row: dict[str, str] = {}
    for column in national_columns(schema_id):
        if column.code == TIMESTAMP_CODE and column.field is None:
            row[column.code] = national_timestamp(updated_at)
            continue
        value = record.get(column.field) if column.field else None
        if column.code == DIVISION_CODE and not value:
            value = WUHAN
        row[column.code] = national_cell(value, column.normalise)
    return row
