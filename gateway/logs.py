"""What the service's logs may hold: no personal ID numbers, no traceback for a hang-up.

``GET /api/v1/checks?creditCode=…`` and ``/entities/{code}`` take a resident ID number
(公民身份号码) where the subject is a person, and uvicorn's access log writes every path and
query string. :class:`PersonalNumberFilter` masks any 18-character run that looks like one
(17 digits and a digit or ``X``, not part of a longer word) the way the agency view does —
the division code and the last four characters kept, ``420106********0031`` — in the
message and in every text argument of a record, before any handler sees it.

A client that hangs up while its response is written is its own business: uvicorn and
Starlette log it as an ``Exception in ASGI application`` with a traceback.
:class:`DisconnectFilter` turns such a record (``ClientDisconnect``, ``ConnectionResetError``,
``BrokenPipeError``, ``anyio.BrokenResourceError``/``ClosedResourceError``) into one line.

:func:`install_log_filters` puts both on the uvicorn loggers and the gateway's own
(idempotent; called when the app starts, after uvicorn configured logging).

:func:`uvicorn_log_config` is uvicorn's logging configuration with the request's
``X-Request-ID`` (:mod:`gateway.httpstack`) at the end of every access line and in every
gateway log line — ``creditgate serve`` runs with it.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import anyio
from starlette.requests import ClientDisconnect

PERSONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "creditgate", "fastapi")
DISCONNECTS: tuple[type[BaseException], ...] = (
    ClientDisconnect,
    ConnectionResetError,
    BrokenPipeError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
)


def mask_personal_numbers(text: str) -> str:
    """``text`` with every resident-ID-shaped number masked (``420106********0031``)."""
    return PERSONAL_NUMBER.sub(r"\1********\2", text)


def _masked(value: Any) -> Any:
    return mask_personal_numbers(value) if isinstance(value, str) else value


class PersonalNumberFilter(logging.Filter):
    """Masks personal numbers in a record's message and text arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_personal_numbers(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        return True


def _disconnect(exc: BaseException | None) -> BaseException | None:
    """The disconnect among ``exc``, its causes and the members of its exception groups."""
    seen = 0
    stack = [exc]
    while stack and seen < 50:
        current = stack.pop()
        seen += 1
        if current is None:
            continue
        if isinstance(current, DISCONNECTS):
            return current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend((current.__cause__, current.__context__))
    return None


class DisconnectFilter(logging.Filter):
    """Logs a client's hang-up as one line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            found = _disconnect(record.exc_info[1])
            if found is not None:
                record.msg = "client disconnected before the response was complete (%s)"
                record.args = (type(found).__name__,)
                record.exc_info = None
                record.exc_text = None
                record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _add(target: logging.Filterer) -> None:
    for kind in (DisconnectFilter, PersonalNumberFilter):
        if not any(isinstance(f, kind) for f in target.filters):
            target.addFilter(kind())


def install_log_filters() -> None:
    """Put the filters on the service's loggers and their handlers (once each); a handler's
    filter also sees what child loggers (``creditgate.*``) propagate to it."""
    for name in (*LOGGERS, None):
        logger = logging.getLogger(name)
        if name is not None:
            _add(logger)
        for handler in logger.handlers:
            _add(handler)


ACCESS_FORMAT = (
    '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s rid=%(correlation_id)s'
)
GATEWAY_FORMAT = "%(levelprefix)s %(name)s: %(message)s rid=%(correlation_id)s"


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's ``LOGGING_CONFIG`` with the request id in access lines and gateway lines."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "request_id": {"()": "asgi_correlation_id.CorrelationIdFilter", "default_value": "-"}
    }
    config["formatters"]["access"]["fmt"] = ACCESS_FORMAT
    config["formatters"]["gateway"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": GATEWAY_FORMAT,
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["request_id"]
    config["handlers"]["gateway"] = {
        "formatter": "gateway",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "filters": ["request_id"],
    }
    config["loggers"]["creditgate"] = {"handlers": ["gateway"], "level": "INFO", "propagate": False}
    return config
