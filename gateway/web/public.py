"""The public face (公众查询): search, entity pages and dataset pages, as HTML.

Every page reads through the same library functions as the JSON API, for the public audience
(whatever key a browser might send, these pages never show more than the public view), and
each has a JSON twin one link away (``/api/v1/...``).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

import schemas
from catalog import USCC_PLACEHOLDER, CatalogEntry, UnknownDatasetError, load_catalog
from gateway.routes.depends import store_of, today
from gateway.templating import render
from store import Audience, EntityIndex, dataset_updated_at, entity_profile, may_see_dataset

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MAX_QUERY = 100
"""Longest search text accepted (longer input is cut, never an error page)."""

_index_lock = threading.Lock()


def entity_index(request: Request) -> EntityIndex:
    """The app's public entity index, refreshed to the store's head."""
    app = request.app
    with _index_lock:
        index: EntityIndex | None = getattr(app.state, "entity_index", None)
        if index is None:
            index = app.state.entity_index = EntityIndex(store_of(request))
    index.refresh(today(request))
    return index


@router.get("/")
def home(request: Request) -> HTMLResponse:
    public = [e for e in _entries() if may_see_dataset(e.id, Audience.PUBLIC)]
    return render(request, "index.html", {"datasets": public, "q": ""}, page="home")


@router.get("/search")
def search(request: Request, q: str = Query("", max_length=1000)) -> HTMLResponse:
    text = q.strip()[:MAX_QUERY]
    hits = entity_index(request).search(text, limit=30) if text else []
    return render(request, "search.html", {"q": text, "hits": hits}, page="search")


@router.get("/entities/{uscc}")
def entity(request: Request, uscc: str) -> HTMLResponse:
    code = uscc.strip().upper()
    if code == USCC_PLACEHOLDER or not schemas.is_valid_uscc(code):
        return render(
            request,
            "error.html",
            {
                "status": 400,
                "message_zh": "这不是有效的统一社会信用代码。",
                "message_en": "This is not a valid unified social credit code.",
            },
            status=400,
            page="error",
        )
    profile = entity_profile(store_of(request), code, Audience.PUBLIC, today=today(request))
    context = {
        "profile": profile,
        "titles": _titles(),
        "labels": field_label,
        "grade": _public_grade(request, code),
    }
    return render(request, "entity.html", context, page="entity")


def _public_grade(request: Request, code: str) -> dict[str, Any] | None:
    """The entity's grade, only where the catalogue publishes grades (never the score)."""
    from gateway.routes.evaluation import public_sees_grade
    from store.evaluation import current_evaluation

    if not public_sees_grade():
        return None
    return current_evaluation(store_of(request).engine, code, explain=False)


@router.get("/datasets")
def datasets(request: Request) -> HTMLResponse:
    return render(request, "datasets.html", {"entries": _entries()}, page="datasets")


@router.get("/datasets/{dataset}")
def dataset(request: Request, dataset: str) -> HTMLResponse:
    try:
        entry = load_catalog()[dataset]
    except (KeyError, UnknownDatasetError):
        return render(
            request,
            "error.html",
            {
                "status": 404,
                "message_zh": "目录中没有这个数据集。",
                "message_en": "The catalogue has no such dataset.",
            },
            status=404,
            page="error",
        )
    fields = schemas.fields(entry.schema_id)
    readable = may_see_dataset(entry.id, Audience.PUBLIC)
    context: dict[str, Any] = {
        "entry": entry,
        "fields": fields,
        "readable": readable,
        "ckan_url": _ckan_url(request, entry.ckan_dataset_name()),
        "last_update": _last_update(request, entry.id) if readable else None,
    }
    return render(request, "dataset.html", context, page="dataset")


@lru_cache(maxsize=64)
def _labels(dataset: str) -> dict[str, str]:
    entry = load_catalog()[dataset]
    return {f.id: f.title_zh for f in schemas.fields(entry.schema_id)}


def field_label(dataset: str, field_id: str) -> str:
    """The Chinese title of a field (the id when the schema has none)."""
    return _labels(dataset).get(field_id, field_id)


def _entries() -> list[CatalogEntry]:
    catalogue = load_catalog()
    return [catalogue[i] for i in catalogue.ids()]


def _titles() -> dict[str, tuple[str, str]]:
    return {e.id: (e.title_zh, e.title_en) for e in _entries()}


def _ckan_url(request: Request, name: str) -> str | None:
    base = getattr(request.app.state.settings, "ckan_public_url", None)
    return f"{base.rstrip('/')}/dataset/{name}" if base else None


def _last_update(request: Request, dataset: str) -> str | None:
    newest = dataset_updated_at(store_of(request), dataset)
    return newest.isoformat() if newest else None
