"""The department workspace (部门工作台, ``/workspace``): sign in with the department's key,
upload a spreadsheet, read the receipt by row and Chinese column, take the same spreadsheet back
annotated, see batch history, a record's versions, correct or withdraw a record, and the
department's objections, repair cases and timeliness.

A department sees and touches only its own: batches sent by its keys and records whose 数据来源单位
(``source_org_uscc``) is the department. An admin signed in here sees every department's.
Uploads go through the same receipt path as the API (:func:`store.submit_table`).
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import schemas
from catalog import load_catalog
from gateway.errors import ApiError
from gateway.routes.depends import store_of, today
from gateway.templating import render
from gateway.uploads import check_archive, check_table
from gateway.web.session import WebSession, check_csrf, current, sign_in, sign_out
from gateway.web.workspace_alerts import workspace_alerts
from publishers import HeaderIndex, ReadError, map_columns, open_bytes
from publishers.annotate import annotate
from store import (
    Role,
    StoredRecord,
    UnknownRecordError,
    WithdrawalReason,
    authenticate,
    submit_records,
    submit_table,
)
from store.figures import batch_quality, timeliness_by
from store.uploads import batch_history, department_actors, get_upload, keep_upload
from workflows import list_objections, list_repairs

router = APIRouter(
    prefix="/workspace", include_in_schema=False, default_response_class=HTMLResponse
)

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".ndjson": "ndjson"}
DEPARTMENT_REASONS = (WithdrawalReason.REVOKED, WithdrawalReason.CORRECTED)
"""Take-down reasons a department gives itself (repair and objections have their workflows)."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _signed_in(request: Request) -> WebSession | Response:
    session = current(request)
    if session is None:
        return RedirectResponse("/workspace/login", status_code=303)
    return session


def _forbidden(request: Request, zh: str, en: str, status: int = 403) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "message_zh": zh, "message_en": en},
        status=status,
        page="workspace",
    )


def _department(session: WebSession) -> str | None:
    """The department the session acts for (None: an admin, who sees every department)."""
    return session.key.department_uscc if session.key.role is Role.DEPARTMENT else None


def _owns(session: WebSession, stored: StoredRecord) -> bool:
    dept = _department(session)
    return dept is None or stored.payload.get("source_org_uscc") == dept


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "workspace_login.html", {"error": None}, page="workspace-login")


@router.post("/login")
def login(request: Request, key: str = Form("", max_length=200)) -> Response:
    found = authenticate(store_of(request).engine, key.strip()) if key.strip() else None
    if found is None or found.role not in (Role.DEPARTMENT, Role.ADMIN):
        return render(
            request, "workspace_login.html", {"error": True}, status=401, page="workspace-login"
        )
    response = RedirectResponse("/workspace", status_code=303)
    sign_in(request, response, found)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    session = current(request)
    if session is not None and not check_csrf(request, session, csrf):
        return _expired(request)
    response = RedirectResponse("/workspace/login", status_code=303)
    sign_out(response)
    return response


@router.get("")
def dashboard(request: Request, error: str | None = None) -> Response:
    session = _signed_in(request)
    if not isinstance(session, WebSession):
        return session
    return render(request, "workspace.html", _dashboard(request, session, error), page="workspace")


def _dashboard(request: Request, session: WebSession, error: str | None) -> dict[str, Any]:
    store = store_of(request)
    dept = _department(session)
    actors = department_actors(store.engine, dept) if dept else None
    day = today(request)
    objections = [o for o in list_objections(store, provider_uscc=dept) if o.due is not None]
    repairs = [
        r
        for r in list_repairs(store)
        if r.decided_at is None and (dept is None or r.authority_uscc == dept)
    ]
    catalogue = load_catalog()
    seen, rejected = batch_quality(store.engine, actors)
    return {
        "session": session,
        "error": error,
        "datasets": [catalogue[i] for i in catalogue.ids() if i != "catalogue"],
        "batches": batch_history(store.engine, actors=actors, limit=30),
        "objections": objections,
        "repairs": repairs,
        "today": day,
        "timeliness": timeliness_by(store.engine, "department", key=dept) if dept else [],
        "quality": {"rows": seen, "rejected": rejected},
        "alerts": workspace_alerts(store.engine, dept),
    }


@router.post("/upload")
async def upload(
    request: Request, file: UploadFile, dataset: str = Form(...), csrf: str = Form("")
) -> Response:
    session = _signed_in(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf):
        return _expired(request)
    limit = int(request.app.state.settings.max_upload_bytes)
    body = await file.read(limit + 1)
    name = PurePath(file.filename or "upload.csv").name
    fmt = FORMATS.get(PurePath(name).suffix.lower())
    problem = None
    if len(body) > limit:
        problem = f"文件超过 {limit:,} 字节上限 / the file is larger than {limit:,} bytes"
    elif not body.strip():
        problem = "文件是空的 / the file is empty"
    elif fmt is None:
        problem = "请上传 CSV、XLSX、JSON 或 NDJSON 文件 / upload a CSV, XLSX, JSON or NDJSON file"
    elif dataset not in load_catalog().ids():
        problem = "未知的数据集 / unknown dataset"
    if problem:
        context = _dashboard(request, session, problem)
        return render(request, "workspace.html", context, status=400, page="workspace")
    try:
        batch_id = await run_in_threadpool(
            _submit_upload, request, session, dataset, name, fmt or "csv", body
        )
    except ReadError as exc:
        context = _dashboard(request, session, f"{name}: {exc}")
        return render(request, "workspace.html", context, status=400, page="workspace")
    except ApiError as exc:  # the upload limits of gateway.uploads: nothing was written
        context = _dashboard(request, session, f"{name}: {exc.error}")
        return render(request, "workspace.html", context, status=exc.status, page="workspace")
    return RedirectResponse(f"/workspace/batches/{batch_id}", status_code=303)


def _submit_upload(
    request: Request, session: WebSession, dataset: str, name: str, fmt: str, body: bytes
) -> str:
    store = store_of(request)
    settings = request.app.state.settings
    if fmt == "xlsx":
        check_archive(body, settings.max_upload_uncompressed_bytes)
    table = open_bytes(body, format=fmt, name=name)  # type: ignore[arg-type]
    check_table(table, settings)  # rows, cells, no rows; before anything is written
    receipt = submit_table(
        store,
        dataset,
        table,
        actor=session.principal.actor,
        source=f"web:{name}",
        owner_uscc=_department(session),
    )
    kept = {"rows": receipt.rows, **receipt.to_dict()}
    keep_upload(
        store.engine,
        batch_id=receipt.batch_id,
        dataset=dataset,
        department_uscc=session.key.department_uscc,
        filename=name,
        file_format=fmt,
        body=body,
        receipt=kept,
    )
    return receipt.batch_id


def _expired(request: Request) -> HTMLResponse:
    return _forbidden(request, "表单已过期，请重试。", "The form expired; try again.")


def _no_batch(request: Request) -> HTMLResponse:
    return _forbidden(
        request,
        "没有这个批次，或它不属于本部门。",
        "No such batch, or it is not your department's.",
        404,
    )


def _no_record(request: Request) -> HTMLResponse:
    return _forbidden(
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
    dept = _department(session)
    if upload is None or (dept is not None and upload.department_uscc != dept):
        return None
    return upload


@router.get("/batches/{batch_id}")
def batch(request: Request, batch_id: str) -> Response:
    session = _signed_in(request)
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
    session = _signed_in(request)
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
            f"filename*=UTF-8''{_quote(stem)}-%E6%89%B9%E6%B3%A8.xlsx",
        },
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@router.get("/records/{record_id}")
def record(request: Request, record_id: str, done: str | None = None) -> Response:
    session = _signed_in(request)
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
    session = _signed_in(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf):
        return _expired(request)
    store = store_of(request)
    stored = _own_record(request, session, record_id)
    if stored is None:
        return _no_record(request)
    if reason not in {r.value for r in DEPARTMENT_REASONS} or not note.strip():
        return _forbidden(
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
    session = _signed_in(request)
    if not isinstance(session, WebSession):
        return session
    form = await request.form()
    if not check_csrf(request, session, str(form.get("csrf") or "")):
        return _expired(request)
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
        owner_uscc=_department(session),
    )
    if not receipt.ok:
        problems = "；".join(f"{i.field}: {i.message_zh}" for i in receipt.issues if i.is_error)
        return _forbidden(
            request, f"更正未通过校验：{problems}", "The correction did not validate.", 422
        )
    return RedirectResponse(f"/workspace/records/{record_id}?done=corrected", status_code=303)


def due_class(due: date | None, day: date) -> str:
    """CSS class of a due date: overdue, due within three days, or fine."""
    if due is None:
        return ""
    return "bad" if due < day else ("warn" if (due - day).days <= 3 else "ok")
