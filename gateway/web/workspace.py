"""The department workspace (部门工作台, ``/workspace``): sign in with the department's key,
upload a spreadsheet, and the dashboard — batch history, the department's objections, repair
cases, timeliness and risk alerts.

A department sees and touches only its own: batches sent by its keys and records whose 数据来源单位
(``source_org_uscc``) is the department. An admin signed in here sees every department's.
Uploads go through the same receipt path as the API (:func:`store.submit_table`). A batch's
receipt and a record's versions, corrections and take-downs are in
:mod:`gateway.web.workspace_records`; alerts in :mod:`gateway.web.workspace_alerts`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from catalog import load_catalog
from gateway.errors import ApiError
from gateway.routes.depends import store_of, today
from gateway.templating import render
from gateway.uploads import check_archive, check_table
from gateway.web.session import WebSession, check_csrf, current, sign_in, sign_out
from gateway.web.workspace_alerts import workspace_alerts
from publishers import ReadError, open_bytes
from store import Role, authenticate, submit_table
from store.figures import batch_quality, timeliness_by
from store.uploads import batch_history, department_actors, keep_upload
from workflows import list_objections, list_repairs

router = APIRouter(
    prefix="/workspace", include_in_schema=False, default_response_class=HTMLResponse
)

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".ndjson": "ndjson"}


def signed_in(request: Request) -> WebSession | Response:
    """The signed-in session, or a redirect to the sign-in page."""
    session = current(request)
    if session is None:
        return RedirectResponse("/workspace/login", status_code=303)
    return session


def refuse(request: Request, zh: str, en: str, status: int = 403) -> HTMLResponse:
    """The error page, in Chinese and English."""
    return render(
        request,
        "error.html",
        {"status": status, "message_zh": zh, "message_en": en},
        status=status,
        page="workspace",
    )


def expired(request: Request) -> HTMLResponse:
    """A form whose CSRF token no longer matches the session."""
    return refuse(request, "表单已过期，请重试。", "The form expired; try again.")


def department_of(session: WebSession) -> str | None:
    """The department the session acts for (None: an admin, who sees every department)."""
    return session.key.department_uscc if session.key.role is Role.DEPARTMENT else None


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
        return expired(request)
    response = RedirectResponse("/workspace/login", status_code=303)
    sign_out(response)
    return response


@router.get("")
def dashboard(request: Request, error: str | None = None) -> Response:
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    return render(request, "workspace.html", _dashboard(request, session, error), page="workspace")


def _dashboard(request: Request, session: WebSession, error: str | None) -> dict[str, Any]:
    store = store_of(request)
    dept = department_of(session)
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
    session = signed_in(request)
    if not isinstance(session, WebSession):
        return session
    if not check_csrf(request, session, csrf):
        return expired(request)
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
        owner_uscc=department_of(session),
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
