"""Submissions (数据报送) over HTTP: a department posts records, the gateway answers with the
receipt (回执) that the CLI's ``submit --json`` prints.

The body's ``Content-Type`` says what it is: ``application/json`` (an array of records, or
``{"records": [...]}``), ``application/x-ndjson``, ``text/csv`` (``charset=gbk`` or
``gb18030`` for the national standard's legacy encodings; detected when absent) or an XLSX
workbook. Headers may be field ids, Chinese labels or national codes, as in files.

Only department and admin keys submit. A department key submits only records whose 数据来源单位
(``source_org_uscc``) is its own department; other rows are rejected with ``not-own-record``.

The answer is the receipt — ``batch_id``, ``rows``, ``accepted``, ``unchanged``, ``rejected``,
``stored``, ``issues`` — with ``ok`` and ``status``: 200 when no row was rejected, 422 when some
were (then also ``error`` and ``errors``, the rejecting issues, so a 422 has the one error shape
too). Rows that passed are stored unless ``all_or_nothing=true``.

Before anything is written the upload passes the limits of :mod:`gateway.uploads` (408, 413,
429, 400 for no rows); a refused upload leaves no batch.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from gateway import models
from gateway.auth import Principal, require_role
from gateway.errors import ApiError
from gateway.pages import catalogue_entry
from gateway.responses import OrjsonResponse
from gateway.routes.depends import (
    ERRORS,
    Caller,
    DatasetId,
    require_key,
    store_errors,
    store_of,
)
from gateway.settings import Settings
from gateway.uploads import check_archive, check_rows, check_table, read_body, upload_slot
from publishers import ReadError, open_bytes
from store import Receipt, Role, Store, submit_records, submit_table

router = APIRouter(tags=["submissions 报送"], default_response_class=OrjsonResponse)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "text/csv": "csv",
    XLSX: "xlsx",
}
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}

BODY_DOC: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"type": "array", "items": {"type": "object"}},
                    {
                        "type": "object",
                        "properties": {"records": {"type": "array", "items": {"type": "object"}}},
                        "required": ["records"],
                    },
                ]
            }
        },
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


def _content_type(request: Request) -> tuple[str, str]:
    """(format, encoding) from the Content-Type header; 415 for anything else."""
    raw = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in raw.split(";"))
    fmt = FORMATS.get(media.lower())
    if fmt is None:
        raise ApiError(
            415,
            f"Content-Type {media or '(none)'!r} is not accepted; send " + ", ".join(FORMATS),
        )
    encoding = "auto"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            encoding = CHARSETS.get(value.strip().strip('"').lower(), "auto")
    return fmt, encoding


def _records_object(body: bytes) -> list[Any]:
    try:
        parsed = json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from None
    records = parsed.get("records") if isinstance(parsed, dict) else None
    if not isinstance(records, list):
        raise ApiError(400, 'a JSON body is an array of records or {"records": [...]}')
    return records


def _submit(
    store: Store,
    dataset: str,
    fmt: str,
    encoding: str,
    body: bytes,
    principal: Principal,
    all_or_nothing: bool,
    settings: Settings,
) -> Receipt:
    """Check the upload's limits (:mod:`gateway.uploads`), then submit it."""
    owner = principal.department_uscc if principal.role is Role.DEPARTMENT else None
    common: dict[str, Any] = {
        "actor": principal.actor,
        "source": f"api:{fmt}",
        "all_or_nothing": all_or_nothing,
        "owner_uscc": owner,
    }
    if fmt == "json" and body.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{"):
        records = _records_object(body)
        check_rows(records, settings)
        return submit_records(store, dataset, records, **common)
    if fmt == "xlsx":
        check_archive(body, settings.max_upload_uncompressed_bytes)
    try:
        table = open_bytes(body, format=fmt, encoding=encoding, name=f"upload.{fmt}")  # type: ignore[arg-type]
        check_table(table, settings)
        return submit_table(store, dataset, table, **common)
    except ReadError as exc:
        raise ApiError(400, str(exc), [{"code": exc.code}]) from None


def receipt_body(receipt: Receipt) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of a receipt."""
    status = 200 if receipt.ok else 422
    body: dict[str, Any] = {"ok": receipt.ok, "status": status}
    if not receipt.ok:
        body["error"] = f"{receipt.rejected:,} of {receipt.rows:,} rows were rejected"
        body["errors"] = [i.to_dict() for i in receipt.issues if i.is_error]
    body.update(
        dataset=receipt.dataset,
        rows=receipt.rows,
        stored=receipt.stored and bool(receipt.batch_id),
        **receipt.to_dict(),
    )
    return status, body


@router.post(
    "/datasets/{dataset}/submissions",
    response_model=models.SubmissionReceipt,
    summary="Submit records (JSON, NDJSON, CSV or XLSX) and get the receipt",
    responses={
        **ERRORS,
        408: ERRORS[400] | {"description": "The body took too long to arrive."},
        413: ERRORS[400]
        | {"description": "The body, the inflated workbook, the rows or a cell are too large."},
        415: ERRORS[400] | {"description": "The Content-Type is not accepted."},
        422: {"description": "Some rows were rejected: the receipt, in the error shape."},
    },
    openapi_extra={"requestBody": BODY_DOC},
)
async def submit(
    dataset: DatasetId,
    request: Request,
    principal: Caller,
    all_or_nothing: bool = Query(False, description="Store nothing if any row is rejected."),
) -> OrjsonResponse:
    require_key(principal)
    require_role(principal, Role.DEPARTMENT, Role.ADMIN)
    entry = catalogue_entry(dataset)
    fmt, encoding = _content_type(request)
    settings: Settings = request.app.state.settings
    store = store_of(request)
    async with upload_slot(request, principal):
        body = await read_body(request, settings)
        if not body.strip():
            raise ApiError(400, "the body is empty")
        with store_errors():
            receipt = await run_in_threadpool(
                _submit,
                store,
                entry.id,
                fmt,
                encoding,
                body,
                principal,
                all_or_nothing,
                settings,
            )
    status, payload = receipt_body(receipt)
    return OrjsonResponse(payload, status_code=status)
