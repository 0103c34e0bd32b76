"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import calendar, catalogue, files, monitor, publish, reports, service

__all__ = ["calendar", "catalogue", "files", "monitor", "publish", "reports", "service"]
