"""The command modules; importing them registers their commands on the typer apps."""

from gateway.commands import catalogue, files, publish, rules, service

__all__ = ["catalogue", "files", "publish", "rules", "service"]
