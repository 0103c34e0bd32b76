"""The one pager (键集分页) of a dataset's records, for REST ``/records``, GraphQL ``records``
and the downloads alike.

Keyset by ``record_id``: a page starts after a record id and reads on in id order. The
caller's view (:func:`store.view`) hides records (not publishable, outside the window, a
natural person's for the public), and a filter may match little, so a page reads until it
holds ``limit`` visible records, the dataset ends — or the **scan budget** is spent: each
request examines at most ``budget`` stored records (any state; with a credit-code filter,
that code's records, found through the ``records.uscc`` index). The store bounds the
filtered query to that window, so a filter that matches nothing costs one window, never the
whole dataset. A page cut by the budget may be short, even empty, and still carries a cursor
to continue from the end of the window (REST ``scan_budget_exhausted``, GraphQL
``scanBudgetExhausted``).

Cursors are signed (HMAC-SHA256, :class:`CursorCodec`) and bound to the dataset, the audience
and the filter set they were given out for: replayed elsewhere they are refused
(:class:`PagingError`, REST 400 / GraphQL ``BAD_USER_INPUT``), as is any tampered cursor.
They are signed, not encrypted: a cursor names the record id it continues after.

Filters are exact matches on fields the audience sees in full: an agency sees ID numbers
masked, so matching on them would reveal the hidden digits one query at a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

import orjson

import schemas
from catalog import RECORD_ID_PATTERN, CatalogEntry
from store import Audience, Store, view

DEFAULT_SCAN_BUDGET = 10_000
"""Stored records one request may examine (the ``page_scan_budget`` setting's default)."""

MAX_BATCH = 5_000
"""Stored records one store read returns while a page looks for visible ones."""

CREDIT_CODE = "uscc"
"""The filter field held in the indexed ``records.uscc`` column."""

RESERVED = frozenset({"limit", "next"})
"""Query parameters of a REST records page that are not field filters."""

FILTERABLE: dict[Audience, frozenset[str]] = {
    Audience.PUBLIC: frozenset({"public"}),
    Audience.AGENCY: frozenset({"public"}),
    Audience.GOVERNMENT: frozenset({"public", "masked", "restricted"}),
}
"""Disclosure classes (``x-disclosure``) each audience may filter on."""

_KEY_LABEL = b"creditgate page cursor v1"
_PROCESS_KEY = secrets.token_bytes(32)


class PagingError(ValueError):
    """A filter or cursor the pager refuses; each face turns it into its 400."""

    def __init__(self, message: str, *, code: str, param: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param


# -- filters -----------------------------------------------------------------------------------


def check_filters(
    entry: CatalogEntry, pairs: Iterable[tuple[str, str]], audience: Audience
) -> dict[str, str]:
    """Exact-match filters ``field -> value`` the audience may use on the dataset.

    The credit code is compared upper-cased; the placeholder code (no code) is refused. A
    field given twice with different values is refused (with the same value it counts once).
    """
    disclosure = {f.id: f.disclosure for f in schemas.fields(entry.schema_id)}
    allowed = FILTERABLE[audience]
    filters: dict[str, str] = {}
    for name, value in pairs:
        if disclosure.get(name) not in allowed:
            raise PagingError(
                f"{entry.id} has no field {name!r} this caller may filter on",
                code="unknown-filter",
                param=name,
            )
        if name == CREDIT_CODE:
            value = value.strip().upper()
            if value == schemas.USCC_PLACEHOLDER:
                raise PagingError(
                    f"{value} is the placeholder for 'no credit code', not a code to filter on",
                    code="placeholder-credit-code",
                    param=name,
                )
        if filters.get(name, value) != value:
            raise PagingError(
                f"filter {name!r} is given twice with different values",
                code="filter-twice",
                param=name,
            )
        filters[name] = value
    return filters


def filters_from_query(
    entry: CatalogEntry, params: Iterable[tuple[str, str]], audience: Audience
) -> dict[str, str]:
    """Filters from REST query parameters (``?field=value``; ``limit`` and ``next`` skipped)."""
    return check_filters(entry, ((n, v) for n, v in params if n not in RESERVED), audience)


# -- cursors -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Binding:
    """What a cursor is valid for: a dataset, an audience, a filter set and a kind of page."""

    dataset: str
    audience: Audience
    filters: Mapping[str, str] = field(default_factory=dict)
    kind: str = "records"

    def filter_digest(self) -> str:
        body = orjson.dumps([self.kind, dict(sorted(self.filters.items()))])
        return hashlib.sha256(body).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    padded = (text + "=" * (-len(text) % 4)).encode("ascii")
    return base64.b64decode(padded, altchars=b"-_", validate=True)


class CursorCodec:
    """Signs and checks cursors with one key (HMAC-SHA256, truncated to 128 bits)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:16]

    def encode(self, after: str, binding: Binding) -> str:
        """The cursor of a page that continues after record ``after``."""
        body = orjson.dumps([after, binding.audience.value, binding.filter_digest()])
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def decode(self, cursor: str | None, binding: Binding, *, param: str) -> str | None:
        """The record id a cursor continues after (None: from the start); :class:`PagingError`
        when it is not one this server signed, or was given out for another binding."""
        if not cursor:
            return None
        try:
            body_text, _, mac_text = cursor.partition(".")
            body, mac = _unb64(body_text), _unb64(mac_text)
            if not hmac.compare_digest(mac, self._mac(body)):
                raise ValueError("bad signature")
            after, audience, digest = orjson.loads(body)
        except (binascii.Error, UnicodeError, ValueError, TypeError, orjson.JSONDecodeError):
            raise PagingError(
                f"{param} is not a cursor this API gave out (or it was altered)",
                code="invalid-cursor",
                param=param,
            ) from None
        if not isinstance(after, str) or not RECORD_ID_PATTERN.match(after):
            raise PagingError(
                f"{param} is not a cursor of a page", code="invalid-cursor", param=param
            )
        if not after.startswith(f"{binding.dataset}:"):
            raise PagingError(
                f"{param} is not a cursor of a {binding.dataset} page",
                code="cursor-other-dataset",
                param=param,
            )
        if audience != binding.audience.value:
            raise PagingError(
                f"{param} is a cursor given out to another audience ({audience}); start over",
                code="cursor-other-audience",
                param=param,
            )
        if digest != binding.filter_digest():
            raise PagingError(
                f"{param} is a cursor given out for other filters; repeat the same filters",
                code="cursor-other-filter",
                param=param,
            )
        return after


class CursorSettings(Protocol):
    """The settings a cursor key is derived from (:class:`gateway.settings.Settings`)."""

    @property
    def cursor_secret(self) -> str | None: ...

    @property
    def identity_secret(self) -> str | None: ...


@lru_cache(maxsize=8)
def _codec(secret: str | None) -> CursorCodec:
    if not secret:
        return CursorCodec(_PROCESS_KEY)
    return CursorCodec(hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest())


def cursor_codec(settings: CursorSettings) -> CursorCodec:
    """The codec of the deployment: keyed by ``cursor_secret``, else derived from
    ``identity_secret``, else a random key of this process (cursors end with it)."""
    return _codec(settings.cursor_secret or settings.identity_secret)


# -- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """Visible records of one page and where the next one starts.

    ``has_next``: more may follow, from after ``next_after`` (None: from the start, only
    for an empty page of ``limit`` 0). ``scan_budget_exhausted``: the page ended because the
    budget was spent, not because it was full.
    """

    head: int
    views: list[dict[str, Any]]
    has_next: bool
    next_after: str | None
    scan_budget_exhausted: bool
    scanned: int


def read_page(
    store: Store,
    entry: CatalogEntry,
    audience: Audience,
    today: date,
    *,
    after: str | None,
    limit: int,
    filters: Mapping[str, str],
    budget: int = DEFAULT_SCAN_BUDGET,
) -> Page:
    """Up to ``limit`` visible records after record id ``after``, examining at most
    ``budget`` stored records (blocking; run it in a thread from async code)."""
    head = store.head()
    end = store.window_end(
        entry.id, after_record_id=after, size=budget, uscc=filters.get(CREDIT_CODE)
    )
    views: list[dict[str, Any]] = []
    cursor = after
    scanned = 0
    batch = min(limit + 1, MAX_BATCH)
    while True:
        stored = store.records(
            entry.id,
            after_record_id=cursor,
            until_record_id=end,
            limit=batch,
            filters=filters or None,
        )
        scanned += len(stored)
        for record in stored:
            seen = view(record, audience, today=today)
            if seen is None:
                continue
            if len(views) == limit:  # a visible record beyond the page: another page follows
                last = views[-1]["record_id"] if views else after
                return Page(head, views, True, last, False, scanned)
            views.append(seen)
        if len(stored) < batch:  # the window is read to its end
            break
        cursor = stored[-1].record_id
        batch = min(batch * 2, MAX_BATCH)
    if end is None:  # the dataset ended inside the window
        return Page(head, views, False, None, False, scanned)
    return Page(head, views, True, end, True, scanned)


def iter_views(
    store: Store,
    entry: CatalogEntry,
    audience: Audience,
    today: date,
    *,
    filters: Mapping[str, str] | None = None,
    batch: int = 1000,
    budget: int = DEFAULT_SCAN_BUDGET,
    keep_empty: bool = False,
) -> Iterator[list[dict[str, Any]]]:
    """Every visible record of a dataset in record-id order, a list per page (each page is
    its own short, budgeted read, so a long download never holds a snapshot open and no
    single query walks the whole dataset). ``keep_empty`` yields pages the budget cut empty
    too, so a caller that reads the first page up front reads one window, not a scan."""
    after: str | None = None
    while True:
        page = read_page(
            store,
            entry,
            audience,
            today,
            after=after,
            limit=batch,
            filters=filters or {},
            budget=budget,
        )
        if page.views or keep_empty:
            yield page.views
        if not page.has_next:
            return
        after = page.next_after
