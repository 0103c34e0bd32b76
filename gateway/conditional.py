"""Conditional GET (条件请求): ETag and Last-Modified from the change log, and 304.

Every answer about records — pages, downloads, entities, the feed — is a function of the
change log's state, the day (publication windows open and close at midnight), the caller's
view (role and department) and the URL. So the validators are computed *before* the answer:

* ``ETag: W/"<head seq>-<hash>"`` — the head of the log (the log position is a natural
  version number), hashed with the time the head event was written (a store restored from a
  backup reuses seqs, never their times), the day, the view, the path and query, and the
  deployment's :func:`build_token` (version, catalogue, settings that shape answers). Weak:
  the bytes may differ (compression, a host name in a link) while the meaning is the same.
  Downloads, whose bytes are fixed, get a strong one (:mod:`gateway.spool`).
* ``Last-Modified`` — when the head event was written, or the start of the day (Beijing time)
  if that is later.

A request with ``If-None-Match`` (or, without it, ``If-Modified-Since``) reads the head fresh
and gets ``304 Not Modified`` when nothing changed — the route's body is never built. Other
requests take the head from a cache of ``etag_head_ttl_seconds``: their ETag can only be
*older* than their body, which costs a client one extra 200 later, never a wrong 304.
Catalogue answers (``log=False``) depend on the deployment only and read no head at all.

:mod:`gateway.httpstack` writes the validators onto the response; answers of other routes
get an ETag from a hash of their body there.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as day_time
from email.utils import format_datetime, parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import schemas
from catalog import load_catalog
from gateway.auth import Principal
from gateway.clock import today_of

VALIDATORS_STATE = "creditgate.validators"
"""Where the validators of a request are left (``scope["state"]``) for the response."""
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
Mark = tuple[int, datetime | None]
"""The head of the change log: its seq and when it was written."""
_MAKING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Validators:
    """The ETag and Last-Modified of one answer."""

    etag: str
    last_modified: datetime | None = None

    @property
    def http_date(self) -> str | None:
        if self.last_modified is None:
            return None
        return format_datetime(self.last_modified.astimezone(UTC), usegmt=True)

    def headers(self) -> dict[str, str]:
        out = {"ETag": self.etag}
        if self.http_date:
            out["Last-Modified"] = self.http_date
        return out


class NotModified(Exception):  # noqa: N818 - it is not an error: the answer is 304
    """The client's copy is current: answer 304 with these validators."""

    def __init__(self, validators: Validators) -> None:
        super().__init__("not modified")
        self.validators = validators


def build_token(app: FastAPI) -> str:
    """What, besides the log, shapes every answer of this deployment (same in every worker)."""
    token: str | None = getattr(app.state, "etag_build", None)
    if token is None:
        settings = app.state.settings
        catalogue = load_catalog().values()
        try:
            release = version("creditgate")
        except PackageNotFoundError:  # pragma: no cover - always installed
            release = "0"
        parts = [
            release,
            *(f"{e.id}:{e.schema_id}:{e.schema_version}:{e.openness.value}" for e in catalogue),
            str(len(schemas.documents())),
            str(settings.max_page_size),
            str(settings.page_scan_budget),
            hashlib.sha256((settings.identity_secret or "").encode()).hexdigest(),
        ]
        token = hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()
        app.state.etag_build = token
    return token


class HeadCache:
    """The head of the log, reused for ``ttl`` seconds (one read per interval per process)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._mark: Mark = (0, None)
        self._read_at = -1e18

    async def mark(self, app: FastAPI, *, fresh: bool) -> Mark:
        now = time.monotonic()
        if fresh or now - self._read_at > self.ttl:
            mark: Mark = await run_in_threadpool(app.state.store.head_mark)
            self._mark, self._read_at = mark, now
        return self._mark


def head_cache(app: FastAPI) -> HeadCache:
    """The app's :class:`HeadCache`."""
    cache: HeadCache | None = getattr(app.state, "head_cache", None)
    if cache is None:
        with _MAKING:
            cache = getattr(app.state, "head_cache", None)
            if cache is None:
                cache = app.state.head_cache = HeadCache(app.state.settings.etag_head_ttl_seconds)
    return cache


def is_conditional(request: Request) -> bool:
    """The request asks for a 304 if its copy is current."""
    headers = request.headers
    return "if-none-match" in headers or "if-modified-since" in headers


def last_modified(mark: Mark | None, day: date) -> datetime | None:
    """When the answer last changed: the head event, or the start of the day if later."""
    if mark is None:
        return None
    midnight = datetime.combine(day, day_time(), BEIJING).astimezone(UTC)
    written = mark[1]
    return midnight if written is None or written < midnight else written


def validators_for(
    request: Request, principal: Principal, mark: Mark | None, *, strong: bool = False
) -> Validators:
    """The validators of ``request``'s answer at log state ``mark`` (None: catalogue)."""
    day = today_of(request.app)
    seq = "c" if mark is None else str(mark[0])
    written = "" if mark is None or mark[1] is None else mark[1].isoformat()
    scope = request.scope  # the path and query as sent (cheaper than building request.url)
    key = "|".join(
        (
            build_token(request.app),
            seq,
            written,
            day.isoformat(),
            principal.role.value,
            principal.department_uscc or "",
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
        )
    )
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    tag = f'"{seq}-{digest}"'
    return Validators(tag if strong else f"W/{tag}", last_modified(mark, day))


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of ``etag`` with the tags of an ``If-None-Match`` (RFC 9110 §13.1.2);
    ``*`` is not taken (the route has not yet said the resource exists)."""
    mine = _opaque(etag)
    return any(_opaque(tag) == mine for tag in if_none_match.split(",") if tag.strip())


def not_modified(request: Request, validators: Validators) -> bool:
    """True when the client's copy (``If-None-Match``, else ``If-Modified-Since``) is current."""
    headers = request.headers
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, validators.etag)
    since = headers.get("if-modified-since")
    changed = validators.last_modified
    if since is None or changed is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if client.tzinfo is None:
        client = client.replace(tzinfo=UTC)
    # a date of this very second may hide a later change in the same second (RFC 9110 §8.8.2.2)
    settled = changed <= datetime.now(UTC) - timedelta(seconds=1)
    return settled and changed.replace(microsecond=0) <= client


def remember(request: Request, validators: Validators) -> None:
    """Leave the validators for :mod:`gateway.httpstack` to put on the response."""
    request.scope.setdefault("state", {})[VALIDATORS_STATE] = validators


def install_conditional(app: FastAPI) -> None:
    """Answer :class:`NotModified` with a bodiless 304 carrying the validators."""

    @app.exception_handler(NotModified)
    async def _not_modified(_: Request, exc: NotModified) -> Response:
        return Response(status_code=304, headers=exc.validators.headers())
