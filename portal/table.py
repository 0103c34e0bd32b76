"""The public table (公开数据表) of one catalogue dataset: its columns and how a view becomes
a row — the one shape shared by the DataStore, the CSV and the NDJSON files.

Columns, in order: ``record_id``, every field the schema discloses to the public (in schema
order; ``masked`` and ``restricted`` fields never get a column, so an ID number has nowhere to
go), then, for store datasets, the objection mark ``under_objection`` (``true``/``false``) and
``objection_status`` (异议处理中 or empty) — a record under objection is marked in CKAN as
in every view — then ``record_version``, ``record_updated_at``, ``window_start`` and
``window_end`` (the record's 公示期). The REST CSV download has the same columns.

``record_id`` is the primary key: the stable id the catalogue derives from the dataset's
natural key (:func:`catalog.record_id_for`), so one natural key is one row, across versions.
The natural-key fields the public may see are ordinary columns (indexed in the DataStore).

Cell values: DataStore type ``date`` for date fields and the window, ``text`` for everything
else (amounts keep the provider's decimal text, no float rounding). Multi-valued fields are
joined with ``;`` (:data:`schemas.tableschema.MULTI_SEPARATOR`, as the CSV Table Schema
says) in the DataStore and the CSV; fields holding JSON objects are compact JSON text there.

The NDJSON file is not a table of these cells: each line is the public view itself
(:func:`store.view`: ``record_id``, ``dataset``, the fields, ``_meta``), byte for byte the
line the REST download ``/api/v1/datasets/{id}/download.ndjson`` gives the public, so a
partner reads CKAN's file and the gateway's with the same code and the same JSON Schema
(``/schemas/<schema>.public.schema.json``).
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
from store import Audience, view_schema_uri

Shape = Literal["scalar", "multi", "json"]

RECORD_ID = "record_id"
MARK_COLUMNS = ("under_objection", "objection_status")
"""The objection mark (异议标注) of ``_meta``, as columns."""
META_COLUMNS = (*MARK_COLUMNS, "record_version", "record_updated_at", "window_start", "window_end")
NDJSON_META = "_meta"


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
        "under_objection",
        "异议处理中",
        "Under objection",
        "异议处理中：该版本正在异议处理（true/false），处理期间照常公示并加注标记。"
        " true while an objection against this version is being handled (the record stays "
        "published, marked).",
        "text",
        schema={"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]},
    ),
    Column(
        "objection_status",
        "异议状态",
        "Objection status",
        "异议状态：异议处理中时为“异议处理中”，否则为空。"
        " 异议处理中 while under objection, else empty.",
        "text",
        schema={"type": "string"},
    ),
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
            row["under_objection"] = _scalar(bool(meta.get("under_objection")))
            row["objection_status"] = _scalar(meta.get("objection_status"))
            row["record_version"] = _scalar(meta.get("version"))
            row["record_updated_at"] = _scalar(meta.get("updated_at"))
            row["window_start"] = _scalar(meta.get("window_start"))
            row["window_end"] = _scalar(meta.get("window_end"))
        return row

    def json_row(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """The NDJSON object of a public view: the view itself (module docstring)."""
        return dict(view)

    def ndjson_keys(self) -> list[str]:
        """The keys of an NDJSON line, in the order of the view (the file's ``dialect``)."""
        return [f["name"] for f in self._ndjson_fields()]

    # -- descriptions ----------------------------------------------------------------------------
    def datastore_fields(self) -> list[dict[str, Any]]:
        """``fields`` for ``datastore_create``: id, type and the data dictionary ``info``."""
        return [
            {"id": c.id, "type": c.type, "info": {"label": c.label, "notes": c.notes}}
            for c in self.columns
        ]

    def table_schema(self, *, labels: Literal["zh", "id"] = "zh") -> dict[str, Any]:
        """The Frictionless Table Schema of the CSV (``zh``: Chinese headers, lists joined)
        or of the NDJSON (``id``: the view's keys, lists as arrays, ``_meta`` an object; its
        ``x-json-schema`` is the public view's JSON Schema)."""
        if labels == "id":
            return {
                "fields": self._ndjson_fields(),
                "missingValues": [""],
                "primaryKey": [RECORD_ID],
                "x-json-schema": view_schema_uri(self.entry.schema_id, Audience.PUBLIC),
            }
        fields: list[dict[str, Any]] = []
        for c in self.columns:
            out: dict[str, Any] = {"name": c.label, "title": c.title}
            out.update(c.schema)
            out["x-field-id"] = c.id
            fields.append(out)
        return {
            "fields": fields,
            "missingValues": [""],
            "primaryKey": [_RECORD_ID_COLUMN.label],
            "x-json-schema": schemas.schema_uri(self.entry.schema_id),
        }

    def _ndjson_fields(self) -> list[dict[str, Any]]:
        """The fields of an NDJSON line: ``record_id``, ``dataset``, the public fields and
        (store datasets) ``_meta``."""
        fields: list[dict[str, Any]] = []
        kinds = {spec.id: spec.normalise for spec in schemas.fields(self.entry.schema_id)}
        for c in self.columns:
            if c.id in META_COLUMNS:
                continue
            out: dict[str, Any] = {"name": c.id, "title": c.title, **c.schema}
            kind = kinds.get(c.id)
            if kind in ("integer", "boolean"):  # a JSON number or boolean, not text
                out["type"] = kind
                required = out.get("constraints", {}).get("required")
                out.pop("constraints", None)
                if required:
                    out["constraints"] = {"required": True}
            elif c.shape != "scalar":
                out["type"] = "array"
                required = out.get("constraints", {}).get("required")
                out["constraints"] = {"required": True} if required else {}
                if not out["constraints"]:
                    del out["constraints"]
            fields.append(out)
            if c.id == RECORD_ID:  # the view's second key
                fields.append(
                    {
                        "name": "dataset",
                        "title": "Dataset",
                        "type": "string",
                        "constraints": {"required": True, "enum": [self.entry.id]},
                    }
                )
        if self.meta:
            fields.append(
                {
                    "name": NDJSON_META,
                    "title": "Record metadata",
                    "description": "version, updated_at, window_start, window_end, "
                    "under_objection, objection_status, self_declared",
                    "type": "object",
                    "constraints": {"required": True},
                }
            )
        for field_ in fields:
            field_["x-field-id"] = field_["name"]
        return fields


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
