"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import catalogue, exchange, files, publish, service

__all__ = ["catalogue", "exchange", "files", "publish", "service"]
