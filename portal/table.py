"""The public table (公开数据表) of one catalogue dataset: its columns and how a view becomes
a row — the one shape shared by the DataStore, the CSV and the NDJSON files.

Columns, in order: ``record_id``, every field the schema discloses to the public (in schema
order; ``masked`` and ``restricted`` fields never get a column, so an ID number has nowhere to
go), then, for store datasets, ``record_version``, ``record_updated_at``, ``window_start`` and
``window_end`` (the record's 公示期).

``record_id`` is the primary key: the stable id the catalogue derives from the dataset's
natural key (:func:`catalog.record_id_for`), so one natural key is one row, across versions.
The natural-key fields the public may see are ordinary columns (indexed in the DataStore).

Cell values: DataStore type ``date`` for date fields and the window, ``text`` for everything
else (amounts keep the provider's decimal text, no float rounding). Multi-valued fields are
joined with ``;`` (:data:`schemas.tableschema.MULTI_SEPARATOR`, as the CSV Table Schema
says) in the DataStore and the CSV, and stay JSON arrays in the NDJSON; fields holding JSON
objects are compact JSON text in the DataStore and the CSV.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

import schemas
from catalog import CatalogEntry
from schemas.tableschema import MULTI_SEPARATOR, table_schema

Shape = Literal["scalar", "multi", "json"]

RECORD_ID = "record_id"
META_COLUMNS = ("record_version", "record_updated_at", "window_start", "window_end")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``id`` (DataStore column, NDJSON key), ``label`` (Chinese: CSV header and
    DataStore label), ``title`` (English), ``notes``, DataStore ``type``, value ``shape``."""

    id: str
    label: str
    title: str
    notes: str
    type: Literal["text", "date"]
    shape: Shape = "scalar"
    schema: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


_RECORD_ID_COLUMN = Column(
    RECORD_ID,
    "记录标识",
    "Record id",
    "记录标识：由数据集的自然键派生的稳定标识（数据集标识:哈希），同一自然键的各版本共用一行。"
    " Record id: the stable identity derived from the dataset's natural key "
    "(<dataset id>:<hash>); every version of one natural key is this one row.",
    "text",
    schema={"type": "string", "constraints": {"required": True, "unique": True}},
)
_META = (
    Column(
        "record_version",
        "版本号",
        "Record version",
        "版本号：该记录在交换库中的版本，每次内容变化加一。"
        " Version of the record in the exchange store, +1 on every change.",
        "text",
        schema={"type": "string", "constraints": {"pattern": "[1-9][0-9]*"}},
    ),
    Column(
        "record_updated_at",
        "更新时间",
        "Updated at",
        "更新时间：该版本存入交换库的时间（ISO 8601，UTC）。"
        " When this version was stored (ISO 8601, UTC).",
        "text",
        schema={"type": "string"},
    ),
    Column(
        "window_start",
        "公示起始日期",
        "Publication window start",
        "公示起始日期：按公示期限规则计算的公示开始日。"
        " First day of the publication window, computed from the publication rules.",
        "date",
        schema={"type": "date"},
    ),
    Column(
        "window_end",
        "公示截止日期（计算）",
        "Publication window end",
        "公示截止日期：按公示期限规则计算的公示结束日（含当日），为空表示长期。"
        " Last day of the publication window (inclusive), computed; empty means open-ended.",
        "date",
        schema={"type": "date"},
    ),
)


def _notes(spec: schemas.FieldSpec) -> str:
    text = f"{spec.title_zh}。{spec.title_en}."
    return f"{text} {spec.description}" if spec.description else text


class PublicTable:
    """The columns of a dataset's public table and the conversion of views into rows.

    ``meta`` adds the version and window columns (store datasets); the catalogue's own
    dataset, built from the catalogue files, has none.
    """

    def __init__(self, entry: CatalogEntry, *, meta: bool = True) -> None:
        self.entry = entry
        self.meta = meta
        specs = {s.id: s for s in schemas.fields(entry.schema_id)}
        zh = table_schema(entry.schema_id, labels="zh", public_only=True)["fields"]
        columns = [_RECORD_ID_COLUMN]
        for ts_field in zh:
            spec = specs[ts_field["x-field-id"]]
            shape: Shape = (
                "json"
                if spec.normalise == "json"
                else "multi"
                if spec.normalise in ("multi", "lines")
                else "scalar"
            )
            schema = {k: v for k, v in ts_field.items() if k not in ("name", "title")}
            columns.append(
                Column(
                    spec.id,
                    spec.title_zh,
                    spec.title_en,
                    _notes(spec),
                    "date" if spec.normalise == "date" else "text",
                    shape,
                    schema=schema,
                )
            )
        if meta:
            columns.extend(_META)
        ids = [c.id for c in columns]
        labels = [c.label for c in columns]
        if len(set(ids)) != len(ids) or len(set(labels)) != len(labels):
            raise ValueError(f"{entry.id}: column ids or labels repeat: {ids} / {labels}")
        if any(i.startswith("_") for i in ids):
            raise ValueError(f"{entry.id}: DataStore column ids may not start with '_'")
        self.columns: tuple[Column, ...] = tuple(columns)
        self.ids: tuple[str, ...] = tuple(ids)
        self.key_columns: tuple[str, ...] = tuple(f for f in entry.key_fields() if f in self.ids)

    def __repr__(self) -> str:
        return f"<PublicTable {self.entry.id}: {len(self.columns)} columns>"

    # -- rows ----------------------------------------------------------------------------------
    def cells(self, view: Mapping[str, Any]) -> dict[str, str | None]:
        """The DataStore/CSV row of a public view: every column, text or None."""
        row: dict[str, str | None] = {}
        for column in self.columns:
            row[column.id] = _cell(view.get(column.id), column.shape)
        if self.meta:
            meta = view.get("_meta") or {}
            row["record_version"] = _scalar(meta.get("version"))
            row["record_updated_at"] = _scalar(meta.get("updated_at"))
            row["window_start"] = _scalar(meta.get("window_start"))
            row["window_end"] = _scalar(meta.get("window_end"))
        return row

    def json_row(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """The NDJSON object of a public view: like :meth:`cells`, lists kept as arrays."""
        row: dict[str, Any] = self.cells(view)
        for column in self.columns:
            if column.shape != "scalar":
                value = view.get(column.id)
                row[column.id] = None if value is None else list(_as_list(value))
        return row

    # -- descriptions ----------------------------------------------------------------------------
    def datastore_fields(self) -> list[dict[str, Any]]:
        """``fields`` for ``datastore_create``: id, type and the data dictionary ``info``."""
        return [
            {"id": c.id, "type": c.type, "info": {"label": c.label, "notes": c.notes}}
            for c in self.columns
        ]

    def table_schema(self, *, labels: Literal["zh", "id"] = "zh") -> dict[str, Any]:
        """The Frictionless Table Schema of the CSV (``zh``: Chinese headers, lists joined)
        or of the NDJSON (``id``: field ids, lists as arrays)."""
        fields: list[dict[str, Any]] = []
        for c in self.columns:
            out: dict[str, Any] = {"name": c.label if labels == "zh" else c.id, "title": c.title}
            out.update(c.schema)
            if labels == "id" and c.shape != "scalar":
                out["type"] = "array"
                required = out.get("constraints", {}).get("required")
                out["constraints"] = {"required": True} if required else {}
                if not out["constraints"]:
                    del out["constraints"]
            out["x-field-id"] = c.id
            fields.append(out)
        key = _RECORD_ID_COLUMN.label if labels == "zh" else RECORD_ID
        return {
            "fields": fields,
            "missingValues": [""],
            "primaryKey": [key],
            "x-json-schema": schemas.schema_uri(self.entry.schema_id),
        }


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _cell(value: Any, shape: Shape) -> str | None:
    if value is None:
        return None
    if (
        shape == "json"
        or isinstance(value, dict)
        or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))
    ):
        return orjson.dumps(value).decode()
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(_scalar(v) or "" for v in value)
    return _scalar(value)


def row_hash(cells: Mapping[str, Any]) -> str:
    """A short content hash of a row (for comparing CKAN with the store)."""
    return hashlib.sha256(orjson.dumps(cells, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
