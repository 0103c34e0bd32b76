"""The workspace's batches and records (部门工作台 · 批次与记录): a batch's receipt by row and
Chinese column, the same spreadsheet back annotated, a record's versions, and the department
correcting or withdrawing its own record.

Only the department's own batches and records are found (an admin's: any); anything else is a
404, never a hint that it exists.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import schemas
from catalog import load_catalog
from gateway.routes.depends import store_of
from gateway.templating import render
from gateway.web.session import WebSession, check_csrf
from gateway.web.workspace import department_of, expired, refuse, signed_in
from publishers import HeaderIndex, ReadError, map_columns, open_bytes
from publishers.annotate import annotate
from store import StoredRecord, UnknownRecordError, WithdrawalReason, submit_records
from store.uploads import get_upload

router = APIRouter(
    prefix="/workspace", include_in_schema=False, default_response_class=HTMLResponse
)

DEPARTMENT_REASONS = (WithdrawalReason.REVOKED, WithdrawalReason.CORRECTED)
"""Take-down reasons a department gives itself (repair and objections have their workflows)."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _owns(session: WebSession, stored: StoredRecord) -> bool:
    dept = department_of(session)
    return dept is None or stored.payload.get("source_org_uscc") == dept


def _no_batch(request: Request) -> HTMLResponse:
    return refuse(
        request,
        "没有这个批次，或它不属于本部门。",
        "No such batch, or it is not your department's.",
        404,
    )


def _no_record(request: Request) -> HTMLResponse:
    return refuse(
        request,
        "没有这条记录，或它不属于本部门。",
        "No such record, or it is not your department's.",
        404,
    )


def _own_record(request: Request, session: WebSession, record_id: str) -> StoredRecord | None:
    """The record if it exists and is the session's department's (an admin's: any)."""
    try:
        stored = store_of(request).get(record_id)
    except UnknownRecordError:
        return None
    return stored if _owns(session, stored) else None


def _own_upload(request: Request, session: WebSession, batch_id: str) -> Any:
    upload = get_upload(store_of(request).engine, batch_id)
    dept = department_of(session)
    if upload is None or (dept is not None and upload.department_uscc != dept):
        return None
    return upload


@router.get("/batches/{batch_id}")
def batch(request: Request, batch_id: str) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    upload = _own_upload(request, session, batch_id)
    if upload is None:
        return _no_batch(request)
    entry = load_catalog()[upload.dataset]
    labels = {f.id: f.title_zh for f in schemas.fields(entry.schema_id)}
    headers = _file_headers(upload.body, upload.filename, upload.file_format, entry.schema_id)
    return render(
        request,
        "batch.html",
        {
            "session": session,
            "upload": upload,
            "entry": entry,
            "receipt": upload.receipt,
            "labels": labels,
            "headers": headers,
        },
        page="workspace-batch",
    )


def _file_headers(body: bytes, name: str, fmt: str, schema_id: str) -> dict[str, str]:
    """Field id → the column header as written in the file (so a clerk finds the column)."""
    try:
        table = open_bytes(body, format=fmt, name=name)  # type: ignore[arg-type]
    except ReadError:
        return {}
    if table.headers is None:
        return {}
    specs = schemas.fields(schema_id)
    mapped = map_columns(table.headers, specs, HeaderIndex.build(specs))
    return {spec.id: table.headers[pos] for pos, spec in mapped.columns}


@router.get("/batches/{batch_id}/annotated.xlsx")
def annotated(request: Request, batch_id: str) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    upload = _own_upload(request, session, batch_id)
    if upload is None:
        return _no_batch(request)
    entry = load_catalog()[upload.dataset]
    data = annotate(
        upload.body,
        name=upload.filename,
        schema_id=entry.schema_id,
        issues=upload.receipt.get("issues", []),
    )
    stem = PurePath(upload.filename).stem
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="annotated.xlsx"; '
            f"filename*=UTF-8''{quote(stem, safe='')}-%E6%89%B9%E6%B3%A8.xlsx",
        },
    )


@router.get("/records/{record_id}")
def record(request: Request, record_id: str, done: str | None = None) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    store = store_of(request)
    stored = _own_record(request, session, record_id)
    if stored is None:
        return _no_record(request)
    entry = load_catalog()[stored.dataset]
    return render(
        request,
        "record.html",
        {
            "session": session,
            "stored": stored,
            "entry": entry,
            "history": store.history(record_id),
            "fields": schemas.fields(entry.schema_id),
            "reasons": DEPARTMENT_REASONS,
            "done": done,
        },
        page="workspace-record",
    )


@router.post("/records/{record_id}/withdraw")
def withdraw(
    request: Request,
    record_id: str,
    reason: str = Form(...),
    note: str = Form("", max_length=2000),
    csrf: str = Form(""),
) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf):
        return expired(request)
    store = store_of(request)
    stored = _own_record(request, session, record_id)
    if stored is None:
        return _no_record(request)
    if reason not in {r.value for r in DEPARTMENT_REASONS} or not note.strip():
        return refuse(
            request, "请选择撤下原因并填写说明。", "Choose a reason and write a note.", 400
        )
    store.withdraw(
        stored.dataset,
        record_id=record_id,
        reason=reason,
        note=note.strip(),
        actor=session.principal.actor,
    )
    return RedirectResponse(f"/workspace/records/{record_id}?done=withdrawn", status_code=303)


@router.post("/records/{record_id}/correct")
async def correct(request: Request, record_id: str) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    form = await request.form()
    if not check_csrf(request, session, str(form.get("csrf") or "")):
        return expired(request)
    store = store_of(request)
    stored = _own_record(request, session, record_id)
    if stored is None:
        return _no_record(request)
    entry = load_catalog()[stored.dataset]
    fixed = dict(stored.payload)
    for spec in schemas.fields(entry.schema_id):
        value = form.get(f"f:{spec.id}")
        if isinstance(value, str) and spec.normalise not in ("json", "multi", "lines"):
            fixed[spec.id] = value.strip() or None
    fixed = {k: v for k, v in fixed.items() if v is not None}
    receipt = await run_in_threadpool(
        submit_records,
        store,
        stored.dataset,
        [fixed],
        actor=session.principal.actor,
        source="web:correction",
        owner_uscc=department_of(session),
    )
    if not receipt.ok:
        problems = "；".join(f"{i.field}: {i.message_zh}" for i in receipt.issues if i.is_error)
        return refuse(
            request, f"更正未通过校验：{problems}", "The correction did not validate.", 422
        )
    return RedirectResponse(f"/workspace/records/{record_id}?done=corrected", status_code=303)
