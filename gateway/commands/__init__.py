"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import (
    alerts,
    calendar,
    catalogue,
    contracts,
    evaluate,
    exchange,
    files,
    monitor,
    publish,
    reports,
    rules,
    sampling,
    service,
    worker,
)

__all__ = [
    "alerts",
    "calendar",
    "catalogue",
    "contracts",
    "evaluate",
    "exchange",
    "files",
    "monitor",
    "publish",
    "reports",
    "rules",
    "sampling",
    "service",
    "worker",
]
