"""Exchange with the provincial and national platforms over HTTP (国家平台交换), platform keys only.

* ``GET /api/v1/datasets/{id}/download.national.csv`` — the dataset in the 2021 双公示 national
  field codes (:mod:`store.national`): the government view, header of codes, dates
  ``YYYY/MM/DD``, ``DFBM`` and ``SJC`` filled; UTF-8 with BOM, CRLF; streamed page by page.
* ``POST /api/v1/national/repairs`` — 信用中国's repair and objection results (CSV with a
  header of codes, a JSON array, or NDJSON; :mod:`workflows.national`): the receipt, 200 when
  every line was accepted or unchanged, 422 (the one error shape, ``errors`` = the located
  line issues) when a line was rejected; the other lines are applied all the same.

Both are for platform and admin keys (403 otherwise, 401 without a key).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from gateway import models
from gateway.auth import require_role
from gateway.errors import ApiError
from gateway.pages import catalogue_entry
from gateway.responses import CSV, OrjsonResponse
from gateway.routes.answers import workflow_errors
from gateway.routes.depends import (
    ERRORS,
    Caller,
    DatasetId,
    require_key,
    store_errors,
    store_of,
    today,
)
from gateway.spool import RANGE_RESPONSES, Download, serve_download
from gateway.uploads import read_body
from publishers import SafeWriter
from store import Role, national_header, national_pages
from workflows import import_national_results, read_results

router = APIRouter(tags=["national exchange 国家平台交换"], default_response_class=OrjsonResponse)

POSITION = "X-Creditgate-Log-Position"
PLATFORM_ROLES = (Role.PLATFORM, Role.ADMIN)


def national_csv(header: list[str], pages: Iterator[list[dict[str, str]]]) -> Iterator[bytes]:
    """The national CSV as byte chunks: BOM and header first, then one chunk per page."""
    buffer = io.StringIO()
    writer = SafeWriter(csv.writer(buffer, lineterminator="\r\n"))  # formulas neutralised
    buffer.write("\ufeff")
    writer.writerow(header)
    yield buffer.getvalue().encode("utf-8")
    for rows in pages:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([row[code] for code in header] for row in rows)
        yield buffer.getvalue().encode("utf-8")


@router.get(
    "/datasets/{dataset}/download.national.csv",
    summary="The dataset in the national 双公示 field codes (platform keys), streamed",
    description="Columns are the 2021 双公示 codes of the dataset's schema (`CF_*`, `XK_*`), "
    "then `DFBM` and `SJC`; dates `YYYY/MM/DD`; the government view. Platform and admin keys.",
    responses={
        **ERRORS,
        **RANGE_RESPONSES,
        200: {"content": {"text/csv": {}}, "description": "CSV file"},
    },
    response_class=StreamingResponse,
)
def download_national(dataset: DatasetId, request: Request, principal: Caller) -> Response:
    require_key(principal)
    require_role(principal, *PLATFORM_ROLES)
    entry = catalogue_entry(dataset)
    store = store_of(request)
    with store_errors():
        header = national_header(entry.id)
        mark = store.head_mark()

    def chunks() -> Iterator[bytes]:
        with store_errors():
            pages = national_pages(store, entry.id, today=today(request))
            first = next(pages, None)

        def all_pages() -> Iterator[list[dict[str, str]]]:
            if first is not None:
                yield first
                yield from pages

        return national_csv(header, all_pages())

    download = Download(
        kind="national.csv",
        media_type=CSV,
        filename=f"{entry.id}.national.csv",
        action="download.national",
        target=entry.id,
        chunks=chunks,
    )
    return serve_download(request, principal, download, mark)


@router.post(
    "/national/repairs",
    response_model=models.NationalReceipt,
    summary="Import repair and objection results decided by 信用中国 (platform keys)",
    description="Body: CSV (`text/csv`, header of codes), a JSON array of objects or NDJSON; "
    "layout in docs/national-exchange.md. Answers the receipt (200), or 422 with the located "
    "line issues as `errors` when a line was rejected (the other lines are applied).",
    responses={
        **ERRORS,
        413: ERRORS[400] | {"description": "The body is too large."},
        422: {"description": "Some lines were rejected: the receipt, in the error shape."},
    },
)
async def import_repairs(request: Request, principal: Caller) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, *PLATFORM_ROLES)
    body = await read_body(request, request.app.state.settings)  # 413, 408
    if not body.strip():
        raise ApiError(400, "the body is empty")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = {"text/csv": "csv", "application/json": "json"}.get(media, "auto")
    if media in ("application/x-ndjson", "application/ndjson"):
        kind = "ndjson"
    try:
        lines = read_results(body, kind)
    except ValueError as exc:
        raise ApiError(400, f"the body is not a results file: {exc}") from None
    store = store_of(request)
    with workflow_errors():
        receipt = await run_in_threadpool(
            lambda: import_national_results(
                store, lines, caller=principal.caller, source=f"api:{kind}"
            )
        )
    payload = receipt.to_dict()
    status = 200 if receipt.ok else 422
    payload["status"] = status
    if not receipt.ok:
        rejected, read = receipt.count("rejected"), len(receipt.lines)
        payload["error"] = f"{rejected:,} of {read:,} lines were rejected"
        payload["errors"] = payload["issues"]
    return OrjsonResponse(payload, status_code=status)
