"""A dataset's records: keyset pages (``/records``) and whole-dataset downloads.

Filters are query parameters naming a field: ``?uscc=9142…&sector=税务`` (exact match; for a
multi-valued field, one of its values). ``limit`` (default 100, at most ``max_page_size``) and
``next`` (the signed cursor of the previous page) page through the result; a page may be
short when the scan budget ran out (``scan_budget_exhausted``), see :mod:`gateway.paging`.
Every response names the change-log position it reflects (``log_position`` /
``X-Creditgate-Log-Position``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from catalog import CatalogEntry
from gateway import models
from gateway.audit import audit_of
from gateway.downloads import columns, csv_chunks, ndjson_chunks
from gateway.errors import ApiError
from gateway.pages import readable_entry
from gateway.paging import (
    Binding,
    PagingError,
    cursor_codec,
    filters_from_query,
    iter_views,
    read_page,
)
from gateway.responses import CSV, NDJSON, OrjsonResponse
from gateway.routes.depends import (
    ERRORS,
    MAX_INT,
    Caller,
    DatasetId,
    store_errors,
    store_of,
    today,
    versioned,
)
from gateway.spool import RANGE_RESPONSES, Download, serve_download
from portal.table import PublicTable
from store import Audience, view_schema_uri

router = APIRouter(tags=["records 记录"], default_response_class=OrjsonResponse)

POSITION = "X-Creditgate-Log-Position"
FILTER_HELP = (
    " Filter with `?<field id>=<value>` (exact match, AND-ed; a multi-valued field matches "
    "one of its values) on fields the caller sees in full — see `filterable` in "
    "`/api/v1/datasets/{dataset}`."
)


def _filters(entry: CatalogEntry, request: Request, audience: Audience) -> dict[str, str]:
    try:
        return filters_from_query(entry, request.query_params.multi_items(), audience)
    except PagingError as exc:
        raise _refusal(exc) from None


def _refusal(exc: PagingError) -> ApiError:
    return ApiError(400, exc.message, [{"param": exc.param, "code": exc.code}])


@router.get(
    "/datasets/{dataset}/records",
    response_model=models.RecordPage,
    summary="A page of a dataset's records (keyset paging)",
    description="Records in `record_id` order; follow `next` until it is null. A request "
    "examines at most `page_scan_budget` stored records, so a page may be short (even empty) "
    "with `scan_budget_exhausted: true` and a `next` to continue. `next` is signed and bound "
    "to the dataset, the filters and the caller's audience: with anything else it is a 400."
    + FILTER_HELP,
    responses=ERRORS,
    dependencies=[versioned("records")],
)
def list_records(
    dataset: DatasetId,
    request: Request,
    principal: Caller,
    limit: int = Query(
        100, ge=1, le=MAX_INT, description="Records per page (at most max_page_size)."
    ),
    next: str | None = Query(None, description="The `next` cursor of the previous page."),
) -> OrjsonResponse:
    settings = request.app.state.settings
    maximum = settings.max_page_size
    if limit > maximum:
        raise ApiError(400, f"limit must be at most {maximum}", [{"param": "limit"}])
    audience = principal.audience
    entry = readable_entry(dataset, audience)
    filters = _filters(entry, request, audience)
    binding = Binding(entry.id, audience, filters)
    codec = cursor_codec(settings)
    try:
        after = codec.decode(next, binding, param="next")
    except PagingError as exc:
        raise _refusal(exc) from None
    store = store_of(request)
    with store_errors():
        page = read_page(
            store,
            entry,
            audience,
            today(request),
            after=after,
            limit=limit,
            filters=filters,
            budget=settings.page_scan_budget,
        )
    head = page.head
    audit_of(request.app).note(principal, "records", entry.id, head)
    token = (
        codec.encode(page.next_after, binding)
        if page.has_next and page.next_after is not None
        else None
    )
    next_url = None if token is None else str(request.url.include_query_params(next=token))
    headers = {POSITION: str(head)}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    body: dict[str, Any] = {
        "ok": True,
        "dataset": entry.id,
        "audience": audience.value,
        "schema": view_schema_uri(entry.schema_id, audience),
        "log_position": head,
        "count": len(page.views),
        "records": page.views,
        "next": token,
        "next_url": next_url,
        "scan_budget_exhausted": page.scan_budget_exhausted,
    }
    return OrjsonResponse(body, headers=headers)


def _download(dataset: str, request: Request, principal: Caller, kind: str) -> Response:
    audience = principal.audience
    entry = readable_entry(dataset, audience)
    filters = _filters(entry, request, audience)
    store = store_of(request)
    with store_errors():
        mark = store.head_mark()  # read first: every event up to it is in the file

    def chunks() -> Iterator[bytes]:
        with store_errors():
            pages = iter_views(
                store,
                entry,
                audience,
                today(request),
                filters=filters,
                budget=request.app.state.settings.page_scan_budget,
                keep_empty=True,
            )
            # read the first page (one window) now, so a store error is an error response,
            # not a broken stream
            first = next(pages, None)

        def all_pages() -> Iterator[list[dict[str, Any]]]:
            if first:
                yield first
            yield from (views for views in pages if views)

        if kind == "csv":
            return csv_chunks(all_pages(), columns(entry, audience))
        return ndjson_chunks(all_pages())

    download = Download(
        kind=kind,
        media_type=CSV if kind == "csv" else NDJSON,
        filename=f"{entry.id}.{kind}",
        action=f"download.{kind}",
        target=entry.id,
        chunks=chunks,
    )
    return serve_download(request, principal, download, mark)


@router.get(
    "/datasets/{dataset}/download.csv",
    summary="The whole dataset as CSV (UTF-8 with BOM, Chinese headers), streamed",
    description="Columns: 记录标识 (record_id), the fields the caller sees, version and window."
    + FILTER_HELP,
    responses={
        **ERRORS,
        **RANGE_RESPONSES,
        200: {"content": {"text/csv": {}}, "description": "CSV file"},
    },
    response_class=StreamingResponse,
)
def download_csv(dataset: DatasetId, request: Request, principal: Caller) -> Response:
    return _download(dataset, request, principal, "csv")


@router.get(
    "/datasets/{dataset}/download.ndjson",
    summary="The whole dataset as NDJSON (one view per line), streamed",
    description="Each line is a record view, as `/records` pages carry." + FILTER_HELP,
    responses={
        **ERRORS,
        **RANGE_RESPONSES,
        200: {"content": {NDJSON: {}}, "description": "NDJSON file"},
    },
    response_class=StreamingResponse,
)
def download_ndjson(dataset: DatasetId, request: Request, principal: Caller) -> Response:
    return _download(dataset, request, principal, "ndjson")


@router.get(
    "/datasets/{dataset}/datapackage.json",
    response_model=models.DataPackage,
    summary="A Frictionless Data Package describing the public CSV and NDJSON downloads",
    responses=ERRORS,
)
def datapackage(dataset: DatasetId, request: Request) -> OrjsonResponse:
    """The descriptor of the public files (``frictionless validate`` reads the downloads
    through it); only datasets open to the public have one."""
    entry = readable_entry(dataset, Audience.PUBLIC)
    table = PublicTable(entry)
    base = str(request.base_url).rstrip("/") + f"/api/v1/datasets/{entry.id}"
    return OrjsonResponse(
        {
            "profile": "tabular-data-package",
            "name": entry.ckan_dataset_name(),
            "title": f"{entry.title_zh} {entry.title_en}",
            "description": entry.description_zh,
            "licenses": [{"name": entry.ckan.licence_id}],
            "resources": [
                {
                    "name": f"{entry.id}-csv",
                    "path": f"{base}/download.csv",
                    "format": "csv",
                    "mediatype": CSV,
                    "encoding": "utf-8-sig",
                    "profile": "tabular-data-resource",
                    "schema": table.table_schema(labels="zh"),
                },
                {
                    "name": f"{entry.id}-ndjson",
                    "path": f"{base}/download.ndjson",
                    "format": "ndjson",
                    "mediatype": NDJSON,
                    "encoding": "utf-8",
                    "profile": "tabular-data-resource",
                    "dialect": {"json": {"keys": table.ndjson_keys()}},
                    "schema": table.table_schema(labels="id"),
                },
            ],
        }
    )
