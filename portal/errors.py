"""Exceptions of the CKAN publisher, raised only when publishing cannot go on.

A row CKAN rejects is not an exception: it becomes a :class:`portal.RejectedRow` in the
summary and the run goes on. The tree::

    PortalError                      base class; ``status`` is the HTTP status to report
    ├── PortalConfigError            a name, prefix, URL or the organisations file is unusable
    │                                (ValueError; status 400)
    ├── PortalUnavailableError       CKAN unreachable, timing out or answering 5xx after every
    │                                retry (status 503); the next run resumes from the last
    │                                confirmed batch
    └── PortalRefusedError           CKAN refused a call that is not about one row: bad API key
                                     or missing rights (403), metadata it does not accept (409)
"""

from __future__ import annotations


class PortalError(Exception):
    """Base class of every exception raised by :mod:`portal`; ``summary`` is what the run
    had done when it stopped (a :class:`portal.PublishSummary`, when raised by ``publish``)."""

    status = 500
    summary: object | None = None

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status


class PortalConfigError(PortalError, ValueError):
    """A setting cannot be used (dataset or organisation name, CKAN URL, organisations file)."""

    status = 400


class PortalUnavailableError(PortalError):
    """CKAN could not be reached or kept failing; ``action`` and ``attempts`` say where."""

    status = 503

    def __init__(self, detail: str, *, action: str = "", attempts: int = 0) -> None:
        super().__init__(detail)
        self.action = action
        self.attempts = attempts


class PortalRefusedError(PortalError):
    """CKAN answered but refused the call (not authorised, or invalid metadata)."""

    status = 409
