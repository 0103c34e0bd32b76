"""The catalogue over HTTP: which datasets the caller may read, and what one dataset is.

``GET /api/v1/datasets`` lists the entries open to the caller's audience (社会公开 for the
public; 授权查询 too for agencies; everything for government keys). ``GET
/api/v1/datasets/{id}`` describes any entry — the catalogue itself is public — with its
fields, which of them the caller sees (and how), and ``readable`` saying whether its records
are open to the caller.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import schemas
from catalog import CatalogEntry
from catalog.keys import format_key_part
from gateway import models
from gateway.downloads import SHOWN
from gateway.pages import FILTERABLE, catalogue_entry, visible_datasets
from gateway.responses import OrjsonResponse
from gateway.routes.depends import ERRORS, Caller, DatasetId, versioned
from store import Audience, may_see_dataset, view_schema_uri
from store.subjects import OPENNESS_FOR, subject_rules

router = APIRouter(tags=["catalogue 目录"], default_response_class=OrjsonResponse)

API = "/api/v1"
READABLE = {a: OPENNESS_FOR[a.value] for a in Audience}


def schema_path(schema_id: str) -> str:
    """Where the gateway serves a schema (its ``$id`` names the canonical address)."""
    return f"/schemas/{schema_id}.schema.json"


def links(entry: CatalogEntry) -> dict[str, str]:
    base = f"{API}/datasets/{entry.id}"
    return {
        "self": base,
        "records": f"{base}/records",
        "csv": f"{base}/download.csv",
        "ndjson": f"{base}/download.ndjson",
        "submissions": f"{base}/submissions",
        "schema": schema_path(entry.schema_id),
    }


def summary(entry: CatalogEntry) -> dict[str, Any]:
    """What the dataset list says about one entry."""
    return {
        "id": entry.id,
        "title_zh": entry.title_zh,
        "title_en": entry.title_en,
        "category": entry.category,
        "category_zh": entry.category_zh,
        "openness": entry.openness.value,
        "openness_zh": entry.openness.zh,
        "schema_id": entry.schema_id,
        "schema_version": entry.schema_version,
        "schema_uri": schemas.schema_uri(entry.schema_id),
        "view_schema_uris": {a.value: view_schema_uri(entry.schema_id, a) for a in Audience},
        "natural_key": [format_key_part(p) for p in entry.natural_key],
        "publication_rule": entry.publication_rule,
        "update_frequency": entry.update_frequency,
        "providers": [
            {"name_zh": p.name_zh, "name_en": p.name_en, "uscc": p.uscc} for p in entry.providers
        ],
        "links": links(entry),
    }


def _field(spec: schemas.FieldSpec, audience: Audience) -> dict[str, Any]:
    shown = spec.disclosure in SHOWN[audience]
    return {
        "id": spec.id,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "national_code": spec.national_code,
        "required": spec.required,
        "disclosure": spec.disclosure,
        "shown": shown,
        "masked": shown and spec.disclosure == "masked" and audience is not Audience.GOVERNMENT,
        "filterable": spec.disclosure in FILTERABLE[audience],
    }


@router.get(
    "/datasets",
    response_model=models.DatasetList,
    summary="Datasets open to the caller (可读数据集)",
    responses=ERRORS,
    dependencies=[versioned("catalogue", log=False)],
)
def list_datasets(principal: Caller) -> OrjsonResponse:
    """Catalogue entries whose records the caller's audience may read, in catalogue order."""
    audience = principal.audience
    return OrjsonResponse(
        {
            "ok": True,
            "audience": audience.value,
            "datasets": [summary(e) for e in visible_datasets(audience)],
        }
    )


@router.get(
    "/datasets/{dataset}",
    response_model=models.DatasetDetail,
    summary="One catalogue entry and its fields",
    responses=ERRORS,
    dependencies=[versioned("catalogue", log=False)],
)
def get_dataset(dataset: DatasetId, principal: Caller) -> OrjsonResponse:
    """The entry, its fields as the caller sees them, and whether its records are readable."""
    entry = catalogue_entry(dataset)
    audience = principal.audience
    return OrjsonResponse(
        {
            "ok": True,
            "audience": audience.value,
            "readable": may_see_dataset(entry.id, audience),
            **summary(entry),
            "description_zh": entry.description_zh,
            "description_en": entry.description_en,
            "fields": [_field(spec, audience) for spec in schemas.fields(entry.schema_id)],
            "subject_openness": _subject_openness(entry, audience),
        }
    )


def _subject_openness(entry: CatalogEntry, audience: Audience) -> dict[str, Any]:
    """How open the entry's records are per subject category (自然人 …), with the basis;
    empty for reference data, whose records have no subject."""
    out: dict[str, Any] = {}
    if subject_rules(entry.id) is None:
        return out
    for category, policy in entry.subject_openness.items():
        openness = entry.openness_for(category)
        out[category.value] = {
            "openness": openness.value,
            "openness_zh": openness.zh,
            "readable": openness in READABLE[audience],
            "basis_zh": policy.basis_zh,
            "basis_en": policy.basis_en,
        }
    return out
