"""Downloads with validators and byte ranges (断点续传): a bounded cache of finished files.

A download (CSV, NDJSON, the national CSV) is generated page by page from the store and
streamed as it is made. Its ETag (:func:`gateway.conditional.validators_for`) is *strong* —
the bytes of a download are fixed by the log's state, the day, the view and the URL — unless
the client asked for a compressed answer, whose bytes are not the ones the tag names (then it
is weak, and a weak tag never satisfies ``If-Range``).

While a download streams, its bytes are also written to a spool file; when it ends and the
head of the log has not moved meanwhile, the file is kept under its ETag. So:

* a request whose ETag has a kept file is served from it: ``Content-Length``,
  ``Accept-Ranges: bytes``, and ``Range`` / ``If-Range`` answered by Starlette's
  ``FileResponse`` (206, one range or several as ``multipart/byteranges``; an unsatisfiable
  range is a 416 in the one error shape, a malformed one is ignored);
* a ``Range`` request without a kept file first writes the whole file (the client waits for
  it), then is served as above — if the head moved meanwhile, the whole file comes back (200);
* a download larger than ``download_cache_bytes`` is never kept: its ``Range`` requests get
  the whole download (200), which RFC 9110 allows.

Files live in ``download_cache_dir`` (unset: a temporary directory of this process, removed at
shutdown); their total stays within ``download_cache_bytes``, the least recently served going
first. Several workers may share one directory: files appear by atomic rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson
from fastapi import FastAPI, Request
from starlette.background import BackgroundTask
from starlette.datastructures import Headers
from starlette.responses import (
    FileResponse,
    MalformedRangeHeader,
    RangeNotSatisfiable,
    Response,
    StreamingResponse,
)
from starlette.types import Receive, Scope, Send

from gateway.audit import audit_of
from gateway.auth import Principal
from gateway.conditional import Mark, NotModified, is_conditional, not_modified, validators_for
from gateway.errors import error_body
from gateway.httpstack import is_head

POSITION = "X-Creditgate-Log-Position"
RANGE_RESPONSES: dict[int | str, dict[str, object]] = {
    206: {"description": "The byte range(s) asked for with Range (a kept file)."},
    416: {"description": "The range lies beyond the end of the file (Content-Range: bytes */N)."},
}
"""What a download may answer besides 200 (for the OpenAPI description)."""
READ_CHUNK = 256 * 1024
_MAKING = threading.Lock()


class Spool:
    """The kept files, by ETag, within a byte budget."""

    def __init__(self, directory: str | None, max_bytes: int) -> None:
        self._temporary = (
            tempfile.TemporaryDirectory(prefix="creditgate-downloads-")
            if directory is None
            else None
        )
        self.directory = Path(self._temporary.name if self._temporary else str(directory))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def _path(self, etag: str) -> Path:
        name = hashlib.sha256(etag.removeprefix("W/").encode()).hexdigest()[:40]
        return self.directory / f"{name}.download"

    def find(self, etag: str) -> tuple[Path, os.stat_result] | None:
        """The kept file of ``etag`` (marked as just served), or None."""
        path = self._path(etag)
        try:
            os.utime(path)
            return path, path.stat()
        except FileNotFoundError:
            return None

    def writer(self) -> SpoolWriter | None:
        """A new spool file, or None when nothing may be kept."""
        if self.max_bytes <= 0:
            return None
        handle, name = tempfile.mkstemp(dir=self.directory, suffix=".part")
        return SpoolWriter(self, Path(name), os.fdopen(handle, "wb"))

    def keep(self, part: Path, etag: str) -> tuple[Path, os.stat_result]:
        """Keep a finished spool file under ``etag``; older files go beyond the budget."""
        final = self._path(etag)
        os.replace(part, final)
        with self._lock:
            self._evict(final)
        return final, final.stat()

    def _evict(self, keep: Path) -> None:
        files = []
        for path in self.directory.glob("*.download"):
            with contextlib.suppress(FileNotFoundError):
                files.append((path.stat().st_mtime, path.stat().st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            if path != keep:
                path.unlink(missing_ok=True)
                total -= size

    def close(self) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()


class SpoolWriter:
    """One spool file being written; gives up (and deletes itself) beyond the budget."""

    def __init__(self, spool: Spool, path: Path, file: IO[bytes]) -> None:
        self.spool = spool
        self.path = path
        self.file = file
        self.size = 0

    def write(self, chunk: bytes) -> bool:
        """Append ``chunk``; False (nothing written) when it would exceed the budget."""
        if self.size + len(chunk) > self.spool.max_bytes:
            return False
        self.size += len(chunk)
        self.file.write(chunk)
        return True

    def finish(self) -> Path:
        self.file.close()
        return self.path

    def abort(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


def spool_of(app: FastAPI) -> Spool:
    """The app's spool, made on first use from its settings."""
    spool: Spool | None = getattr(app.state, "spool", None)
    if spool is None:
        with _MAKING:
            spool = getattr(app.state, "spool", None)
            if spool is None:
                settings = app.state.settings
                spool = Spool(settings.download_cache_dir, settings.download_cache_bytes)
                app.state.spool = spool
    return spool


class RangedFile(FileResponse):
    """``FileResponse`` whose unsatisfiable range is a 416 in the one error shape, and whose
    malformed ``Range`` is ignored (RFC 9110 §14.2) rather than a plain-text 400."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = Headers(scope=scope).get("range")
        if wanted is not None and self.stat_result is not None:
            size = self.stat_result.st_size
            try:
                self._parse_range_header(wanted, size)
            except RangeNotSatisfiable:
                body = orjson.dumps(error_body(416, f"the file has {size:,} bytes"))
                refusal = Response(
                    body,
                    416,
                    headers={"Content-Range": f"bytes */{size}"},
                    media_type="application/json",
                )
                await refusal(scope, receive, send)
                return
            except MalformedRangeHeader:
                scope = {**scope, "headers": [h for h in scope["headers"] if h[0] != b"range"]}
        await super().__call__(scope, receive, send)


@dataclass(frozen=True, slots=True)
class Download:
    """What a download route knows: how to name and make the file, and how to audit it."""

    kind: str
    media_type: str
    filename: str
    action: str
    target: str
    chunks: Callable[[], Iterator[bytes]]
    """Starts the generation (the first store read happens here, so it fails as an answer)."""


def _compressed(request: Request) -> bool:
    """Whether the answer will be compressed (then its ETag is weak)."""
    if not request.app.state.settings.compression:
        return False
    asked = request.headers.get("accept-encoding", "").lower()
    return any(
        coding.split(";")[0].strip() in ("gzip", "br", "zstd", "*")
        and "q=0" not in coding.replace(" ", "")
        for coding in asked.split(",")
    )


def serve_download(
    request: Request, principal: Principal, download: Download, mark: Mark
) -> Response:
    """The download's answer at log state ``mark`` (see the module docstring)."""
    validators = validators_for(request, principal, mark, strong=not _compressed(request))
    headers = {
        POSITION: str(mark[0]),
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        "Accept-Ranges": "bytes",
        **validators.headers(),
    }
    trail = audit_of(request.app)
    if is_conditional(request) and not_modified(request, validators):
        trail.note(principal, f"{download.action}.not-modified", download.target, mark[0])
        raise NotModified(validators)
    spool = spool_of(request.app)
    kept = spool.find(validators.etag)
    if is_head(request):
        if kept is not None:
            headers["Content-Length"] = str(kept[1].st_size)
        return StreamingResponse(iter(()), media_type=download.media_type, headers=headers)
    chunks = download.chunks()
    trail.note(principal, download.action, download.target, mark[0])
    if kept is None and "range" in request.headers:
        return _spooled(request, spool, validators.etag, mark, chunks, download, headers)
    if kept is not None:
        return RangedFile(
            kept[0], headers=headers, media_type=download.media_type, stat_result=kept[1]
        )
    store = request.app.state.store
    return StreamingResponse(
        _tee(chunks, spool.writer(), lambda: store.head_mark() == mark, spool, validators.etag),
        media_type=download.media_type,
        headers=headers,
    )


def _tee(
    chunks: Iterator[bytes],
    writer: SpoolWriter | None,
    still_current: Callable[[], bool],
    spool: Spool,
    etag: str,
) -> Iterator[bytes]:
    """``chunks``, also written to a spool file that is kept if the download ends with the
    log where it was."""
    complete = False
    try:
        for chunk in chunks:
            if writer is not None and not writer.write(chunk):
                writer.abort()
                writer = None
            yield chunk
        complete = True
    finally:
        if writer is not None:
            if complete and still_current():
                spool.keep(writer.finish(), etag)
            else:
                writer.abort()


def _spooled(
    request: Request,
    spool: Spool,
    etag: str,
    mark: Mark,
    chunks: Iterator[bytes],
    download: Download,
    headers: dict[str, str],
) -> Response:
    """A ``Range`` request without a kept file: write the whole file, then serve the range."""
    writer = spool.writer()
    if writer is None:  # nothing may be kept: the whole download
        return StreamingResponse(chunks, media_type=download.media_type, headers=headers)
    for chunk in chunks:
        if not writer.write(chunk):  # too large to keep: the whole download, streamed
            return StreamingResponse(
                _rest(writer.finish(), chunk, chunks),
                media_type=download.media_type,
                headers=headers,
            )
    part = writer.finish()
    if request.app.state.store.head_mark() != mark:  # moved meanwhile: not the tagged bytes
        headers = {k: v for k, v in headers.items() if k not in ("ETag", "Last-Modified")}
        return FileResponse(
            part, headers=headers, media_type=download.media_type, background=_unlink(part)
        )
    path, stat = spool.keep(part, etag)
    return RangedFile(path, headers=headers, media_type=download.media_type, stat_result=stat)


def _rest(part: Path, chunk: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """What was spooled so far (then deleted), ``chunk``, and the rest of ``chunks``."""
    try:
        with part.open("rb") as file:
            while block := file.read(READ_CHUNK):
                yield block
    finally:
        part.unlink(missing_ok=True)
    yield chunk
    yield from chunks


def _unlink(path: Path) -> BackgroundTask:
    return BackgroundTask(path.unlink, missing_ok=True)
