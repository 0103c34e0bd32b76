"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import (
    alerts,
    calendar,
    catalogue,
    evaluate,
    exchange,
    files,
    monitor,
    publish,
    reports,
    rules,
    sampling,
    service,
    webhooks,
    worker,
)

__all__ = [
    "alerts",
    "calendar",
    "catalogue",
    "evaluate",
    "exchange",
    "files",
    "monitor",
    "publish",
    "reports",
    "rules",
    "sampling",
    "service",
    "webhooks",
    "worker",
]
