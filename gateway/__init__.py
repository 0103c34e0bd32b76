"""Where users meet creditgate: the command line, and (soon) GraphQL and HTTP exchange.

The gateway is the only package that knows about web frameworks and the terminal; it reads
settings at its edge and passes plain values to the library packages.
"""

from gateway.cli import app, main

__all__ = ["app", "main"]
