"""Limits of a submission, checked before anything is written.

Order of the checks on ``POST /api/v1/datasets/{id}/submissions``:

1. the key (a route dependency: a wrong key is a 401 before one byte of the body is read);
2. the key's role, the dataset and the ``Content-Type``;
3. :func:`upload_slot` — at most ``max_concurrent_uploads`` submissions per key at once
   (429 with ``Retry-After``), in every worker when ``redis_url`` is set (:mod:`gateway.slots`);
4. :func:`read_body` — ``Content-Length`` and the bytes read against ``max_upload_bytes``
   (413, without reading on), the whole body within ``upload_timeout_seconds`` (408);
5. :func:`check_archive` — an XLSX's members, uncompressed, against
   ``max_upload_uncompressed_bytes`` (413; sizes from the zip's central directory, which
   the reader then cannot exceed: Python's zipfile stops at the declared size);
6. :func:`check_rows` — a first pass over the rows (on a worker thread): no rows (400),
   more than ``max_batch_rows`` (413), a cell longer than ``max_cell_bytes`` (413), or a
   file that cannot be read to its end (400). Only then is the upload submitted, so a
   refused upload writes nothing — no batch, no record.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Request
from starlette.requests import ClientDisconnect

from gateway.auth import Principal
from gateway.errors import ApiError
from gateway.settings import Settings
from gateway.slots import slots_of
from publishers import ReadError, Table


@asynccontextmanager
async def upload_slot(request: Request, principal: Principal) -> AsyncIterator[None]:
    """Hold one of the key's upload slots for the block (shared through Redis when
    ``redis_url`` is set, :mod:`gateway.slots`); 429 when they are all taken."""
    limit = request.app.state.settings.max_concurrent_uploads
    if limit <= 0:
        yield
        return
    slots = slots_of(request.app)
    slot = await slots.take(principal.key_id or "public", limit)
    if slot is None:
        raise ApiError(
            429,
            f"this key already has {limit} submission(s) in progress; retry when one is done",
            headers={"Retry-After": "5"},
        )
    try:
        yield
    finally:
        await slots.give_back(slot)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the body is larger than {limit:,} bytes (max_upload_bytes)")


async def read_body(request: Request, settings: Settings) -> bytes:
    """The request body: 413 beyond ``max_upload_bytes`` (checked while reading), 408 when
    it takes longer than ``upload_timeout_seconds``, 400 when the client hangs up."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(settings.upload_timeout_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(
            408,
            f"the body did not arrive within {settings.upload_timeout_seconds:g} s "
            "(upload_timeout_seconds)",
            headers={"Connection": "close"},
        ) from None
    except ClientDisconnect:
        raise ApiError(400, "the client disconnected before the body was complete") from None
    return b"".join(chunks)


def check_archive(body: bytes, limit: int) -> None:
    """413 when an XLSX (a zip) would inflate beyond ``limit`` bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable zip: the reader says so (invalid-xlsx)
    if inflated > limit:
        raise ApiError(
            413,
            f"the workbook inflates to {inflated:,} bytes, more than {limit:,} "
            "(max_upload_uncompressed_bytes)",
        )


def _longest_text(value: Any, limit: int) -> int:
    """The length in bytes of the first text in ``value`` longer than ``limit`` (else 0)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if len(current) * 4 > limit and len(current.encode("utf-8")) > limit:
                return len(current.encode("utf-8"))
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return 0


def check_rows(rows: Iterable[Any], settings: Settings) -> int:
    """Count the rows and check every cell; answers the number of rows."""
    max_rows, max_cell = settings.max_batch_rows, settings.max_cell_bytes
    count = 0
    try:
        for item in rows:
            count += 1
            if count > max_rows:
                raise ApiError(
                    413, f"more than {max_rows:,} rows in one submission (max_batch_rows); split it"
                )
            size = _longest_text(item, max_cell)
            if size:
                raise ApiError(
                    413,
                    f"row {count} has a value of {size:,} bytes, more than {max_cell:,} "
                    "(max_cell_bytes)",
                )
    except ReadError as exc:
        raise ApiError(400, str(exc), [{"code": exc.code}]) from None
    if count == 0:
        raise ApiError(400, "the body has no rows: nothing to submit")
    return count


def check_table(table: Table, settings: Settings) -> int:
    """:func:`check_rows` over a table's rows (payloads only)."""
    return check_rows((payload for _, payload in table.rows()), settings)
