"""CKAN metadata (元数据) from the catalogue: organisations, datasets and their resources,
and the comparisons that let the publisher write only what changed.

A dataset gets its Chinese title as ``title``, the English one as the extra ``title_en``,
both descriptions in ``notes``, the catalogue's tags and licence, the update frequency, the
providing departments and a link to the record JSON Schema (extra ``json_schema``, also in
the notes). The owner is the main provider's organisation. The publisher's own sync state
lives in further extras (:mod:`portal.state`) which metadata comparisons ignore.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import schemas
from catalog import Catalog, CatalogEntry, Provider
from portal.naming import PortalConfig, Role
from portal.state import STATE_KEYS

PACKAGE_FIELDS = ("title", "notes", "license_id", "version", "author", "maintainer", "private")
RESOURCE_FIELDS = ("name", "description", "format", "mimetype")
ROLE_KEY = "creditgate_role"
PART_KEY = "creditgate_part"

_FREQUENCY_ZH = {
    "realtime": "实时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
    "irregular": "不定期",
}


def organisation_dict(provider: Provider, config: PortalConfig) -> dict[str, Any]:
    """The organisation of a providing department (信息提供单位)."""
    return {
        "name": config.org_name(provider),
        "title": provider.name_zh,
        "description": (
            f"{provider.name_zh}，公共信用信息提供单位（统一社会信用代码 {provider.uscc}）。\n\n"
            f"{provider.name_en}, a provider of public credit information "
            f"(unified social credit code {provider.uscc})."
        ),
        "extras": _extras({"name_en": provider.name_en, "uscc": provider.uscc}),
    }


def package_dict(entry: CatalogEntry, config: PortalConfig, catalog: Catalog) -> dict[str, Any]:
    """The dataset of a catalogue entry, without resources and without sync state."""
    uri = schemas.schema_uri(entry.schema_id)
    frequency = _FREQUENCY_ZH.get(entry.update_frequency, entry.update_frequency)
    providers = "、".join(p.name_zh for p in entry.providers)
    notes = (
        f"{entry.description_zh}\n\n"
        f"- 信息提供单位：{providers}\n- 更新频率：{frequency}\n"
        f"- 数据标准（JSON Schema）：{uri}\n\n"
        f"**{entry.title_en}.** {entry.description_en}\n\n"
        f"- Providers: {'; '.join(p.name_en for p in entry.providers)}\n"
        f"- Update frequency: {entry.update_frequency}\n- JSON Schema: {uri}\n\n"
        "仅发布社会公开视图：不含身份证件号码，只含公示期内的记录。"
        " Public view only: no identity numbers, only records inside their publication window."
    )
    extras = {
        "title_en": entry.title_en,
        "catalogue_id": entry.id,
        "catalogue_version": catalog.version,
        "category": entry.category_zh,
        "category_en": entry.category_en,
        "openness": f"{entry.openness.zh} ({entry.openness.value})",
        "update_frequency": entry.update_frequency,
        "json_schema": uri,
        "schema_version": entry.schema_version,
        "publication_rule": entry.publication_rule,
        "providers": providers,
        "provider_usccs": ";".join(p.uscc for p in entry.providers),
    }
    return {
        "name": config.dataset_name(entry),
        "title": entry.title_zh,
        "notes": notes,
        "owner_org": config.org_name(entry.main_provider),
        "license_id": entry.ckan.licence_id,
        "version": entry.schema_version,
        "author": entry.main_provider.name_zh,
        "maintainer": catalog.publisher.name_zh,
        "private": False,
        "tags": [{"name": tag} for tag in entry.ckan.tags],
        "extras": _extras(extras),
    }


def resource_dict(
    entry: CatalogEntry, config: PortalConfig, role: Role, part: int = 1
) -> dict[str, Any]:
    """The metadata of one resource (a file: one part of it) of a dataset, without content."""
    name = config.resource_name(entry, role, part)
    split = (
        f"数据量大时按行拆分为多个文件（每个不超过 {config.max_file_bytes // 2**20} MB，"
        "各带表头）。"
        f" Large tables are split by rows into parts of at most "
        f"{config.max_file_bytes // 2**20} MB, each complete with its header."
    )
    title = entry.title_zh
    described = {
        Role.DATASTORE: (
            f"{title}：数据表（DataStore），可按字段查询；主键为记录标识。"
            f" {entry.title_en}: DataStore table, queryable by field; primary key record_id.",
            "",
            "",
        ),
        Role.CSV: (
            f"{title}：CSV 文件（UTF-8 带 BOM，中文表头，可直接用 Excel 打开；多值以“;”分隔）。"
            f" {entry.title_en}: CSV, UTF-8 with BOM and Chinese headers (opens in Excel);"
            f" several values in one cell are separated by ';'. {split}",
            "CSV",
            "text/csv",
        ),
        Role.NDJSON: (
            f"{title}：NDJSON 文件，每行一条记录，字段名为英文标识。"
            f" {entry.title_en}: NDJSON, one record per line, keyed by field id. {split}",
            "NDJSON",
            "application/x-ndjson",
        ),
        Role.DATAPACKAGE: (
            f"{title}：Frictionless 数据包描述（datapackage.json），说明 CSV 与 NDJSON 的结构。"
            f" {entry.title_en}: Frictionless Data Package describing the CSV and NDJSON.",
            "JSON",
            "application/json",
        ),
    }
    description, fmt, mimetype = described[role]
    out: dict[str, Any] = {
        "name": name,
        "description": description,
        "format": fmt or "",
        ROLE_KEY: role.value,
    }
    if mimetype:
        out["mimetype"] = mimetype
    if role in (Role.CSV, Role.NDJSON):
        out[PART_KEY] = str(part)
    if role is Role.DATASTORE:
        out["url_type"] = "datastore"  # DataStore writes then need no force; url = dump
        out["url"] = ""
    else:
        out["url"] = ""
    return out


def _extras(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in values.items()]


def extras_map(extras: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``key -> value`` of an extras list."""
    return {str(e["key"]): str(e.get("value") or "") for e in extras or ()}


def _same(a: Any, b: Any) -> bool:
    return (a or "") == (b or "") if not isinstance(a, bool) else a == bool(b)


def organisation_changes(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """Whether an organisation's title, description or extras differ from ``desired``."""
    return (
        not _same(desired["title"], existing.get("title"))
        or not _same(desired["description"], existing.get("description"))
        or extras_map(desired["extras"]) != extras_map(existing.get("extras"))
        or existing.get("state", "active") != "active"
    )


def package_changes(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``desired`` that differ in ``existing`` (sync-state extras ignored);
    ``extras`` in the answer are the desired metadata extras only."""
    changed: dict[str, Any] = {}
    for key in PACKAGE_FIELDS:
        if not _same(desired[key], existing.get(key)):
            changed[key] = desired[key]
    org = (existing.get("organization") or {}).get("name")
    if org != desired["owner_org"]:
        changed["owner_org"] = desired["owner_org"]
    if {t["name"] for t in desired["tags"]} != {t["name"] for t in existing.get("tags") or ()}:
        changed["tags"] = desired["tags"]
    have = {k: v for k, v in extras_map(existing.get("extras")).items() if k not in STATE_KEYS}
    if have != extras_map(desired["extras"]):
        changed["extras"] = desired["extras"]
    if existing.get("state", "active") != "active":
        changed["state"] = "active"
    return changed


def resource_changes(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata fields of ``desired`` that differ in an existing resource."""
    return {
        key: desired[key]
        for key in (*RESOURCE_FIELDS, ROLE_KEY, PART_KEY)
        if key in desired and not _same(desired[key], existing.get(key))
    }
