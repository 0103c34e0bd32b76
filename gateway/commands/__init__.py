"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import (
    alerts,
    calendar,
    cases,
    catalogue,
    evaluate,
    exchange,
    files,
    monitor,
    publish,
    record_steps,
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
    "cases",
    "catalogue",
    "evaluate",
    "exchange",
    "files",
    "monitor",
    "publish",
    "record_steps",
    "reports",
    "rules",
    "sampling",
    "service",
    "webhooks",
    "worker",
]
