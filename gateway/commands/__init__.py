"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import (
    calendar,
    catalogue,
    evaluate,
    exchange,
    files,
    publish,
    reports,
    service,
)

__all__ = [
    "calendar",
    "catalogue",
    "evaluate",
    "exchange",
    "files",
    "publish",
    "reports",
    "service",
]
