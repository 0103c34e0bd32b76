"""A thin, counting, retrying wrapper over ``ckanapi.RemoteCKAN`` (CKAN 客户端).

Every call goes through :meth:`CkanClient.call`, which

- counts it as a *read* (``*_show``, ``*_list``, ``*_search``, ``datastore_info`` …) or a
  *write* (everything else) — a republish with nothing new must make no write at all;
- retries with exponential backoff (``backoff``, ``2·backoff``, … capped at ``max_backoff``)
  when CKAN cannot be reached, times out or answers 5xx/429, rewinding uploaded files, and
  then raises :class:`PortalUnavailableError` with a message saying what failed and that the
  next run resumes. Retrying a write is safe here because the publisher only sends
  idempotent writes (upserts by primary key, deletes by key, patches) or creates that fail
  cleanly when repeated (a name already in use);
- turns "not authorised" into :class:`PortalRefusedError` (403) and other refusals —
  ``ckanapi.ValidationError`` included — into :class:`PortalRefusedError` with CKAN's status
  and message; ``ckanapi.NotFound`` passes through, and so does ``ValidationError`` when the
  caller asks for it (``validation_errors=True``: a rejected DataStore row, a name taken).

Errors: see :mod:`portal.errors` (``PortalError`` → ``PortalConfigError`` /
``PortalUnavailableError`` / ``PortalRefusedError``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import IO, Any
from urllib.parse import urlparse

import requests
from ckanapi import (  # type: ignore[import-untyped]
    CKANAPIError,
    NotAuthorized,
    NotFound,
    RemoteCKAN,
    ValidationError,
)

from portal.errors import PortalConfigError, PortalRefusedError, PortalUnavailableError

USER_AGENT = "creditgate-portal/0.1 (+ckanapi)"
READ_SUFFIXES = ("_show", "_list", "_search", "_autocomplete")
READ_ACTIONS = frozenset({"datastore_info", "datastore_search_sql", "status_show"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

FileSpec = tuple[str, IO[bytes], str]
"""An upload: (file name, binary file object, media type)."""


def is_write(action: str) -> bool:
    """Whether an action changes the portal (anything not a show, list, search or info)."""
    return not (action in READ_ACTIONS or action.endswith(READ_SUFFIXES))


class CkanClient:
    """A CKAN action-API client that counts reads and writes and retries transient failures.

    ``retries`` is the number of retries after the first attempt. ``session`` may be a
    caller's ``requests.Session`` (tests count HTTP requests with one); ``sleep`` is
    injectable so that tests need not wait.
    """

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        timeout: float = 300.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise PortalConfigError(f"not a CKAN site URL: {url!r} (expected http(s)://host)")
        self.url = url.rstrip("/")
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.hooks.setdefault("response", []).append(self._remember_status)
        self._status: int | None = None
        self._remote = RemoteCKAN(
            self.url, apikey=api_key or None, user_agent=USER_AGENT, session=self._session
        )
        self.reads = 0
        self.writes = 0
        self.retried = 0
        self.actions: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"CkanClient({self.url!r}, reads={self.reads}, writes={self.writes})"

    def _remember_status(self, response: requests.Response, *_args: Any, **_kw: Any) -> None:
        self._status = response.status_code

    @property
    def session(self) -> requests.Session:
        """The HTTP session (downloads of uploaded files reuse it)."""
        return self._session

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> CkanClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- calls ---------------------------------------------------------------------------------
    def call(
        self,
        action: str,
        data: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, FileSpec] | None = None,
        validation_errors: bool = False,
    ) -> Any:
        """Call one action and return its ``result`` (see the module docstring for errors)."""
        if is_write(action):
            self.writes += 1
        else:
            self.reads += 1
        self.actions[action] += 1
        attempt = 0
        started = time.monotonic()
        while True:
            for spec in (files or {}).values():
                spec[1].seek(0)  # a retried upload must send the whole file again
            try:
                return self._attempt(action, data, files, validation_errors)
            except _TransientError as failure:
                if attempt >= self.retries:
                    elapsed = time.monotonic() - started
                    exc, status = failure.exc, failure.status
                    what = f"HTTP {status}" if status else type(exc).__name__
                    raise PortalUnavailableError(
                        f"CKAN at {self.url} is unavailable: {action} failed {attempt + 1} "
                        f"times in {elapsed:.1f} s ({what}: {_brief(exc)}). Everything up to "
                        "the last confirmed batch is published; run publish again when CKAN "
                        "is back and it continues from there.",
                        action=action,
                        attempts=attempt + 1,
                    ) from exc
                self._sleep(min(self.max_backoff, self.backoff * 2**attempt))
                attempt += 1
                self.retried += 1

    def _attempt(
        self,
        action: str,
        data: Mapping[str, Any] | None,
        files: Mapping[str, FileSpec] | None,
        validation_errors: bool,
    ) -> Any:
        """One try: the result; ``NotFound`` as it is; a refusal as
        :class:`PortalRefusedError`; a failure worth retrying as :class:`_TransientError`."""
        self._status = None
        try:
            return self._remote.call_action(
                action,
                dict(data or {}),
                files=dict(files) if files else None,
                requests_kwargs={"timeout": self.timeout},
            )
        except NotFound:
            raise
        except ValidationError as exc:
            if validation_errors:
                raise
            raise PortalRefusedError(
                f"CKAN at {self.url} refused {action}: {_brief(exc)}", status=409
            ) from exc
        except NotAuthorized as exc:
            raise PortalRefusedError(
                f"CKAN at {self.url} refused {action}: not authorised ({exc}); "
                "check CKAN_API_KEY (a sysadmin or organisation-admin token is needed)",
                status=403,
            ) from exc
        except (requests.RequestException, CKANAPIError) as exc:
            status = self._status
            transient = isinstance(exc, requests.RequestException) or (
                status is None or status in _RETRY_STATUSES
            )
            if not transient:
                raise PortalRefusedError(
                    f"CKAN at {self.url} refused {action} (HTTP {status}): {_brief(exc)}",
                    status=status or 409,
                ) from exc
            raise _TransientError(exc, status) from exc

    def show(self, action: str, **data: Any) -> Any | None:
        """A read that answers None instead of raising ``NotFound``."""
        try:
            return self.call(action, data)
        except NotFound:
            return None


class _TransientError(Exception):
    """A failure of one try that a retry may cure (connection lost, CKAN 5xx or 429)."""

    def __init__(self, exc: BaseException, status: int | None) -> None:
        super().__init__(str(exc))
        self.exc, self.status = exc, status


def _brief(exc: BaseException, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
