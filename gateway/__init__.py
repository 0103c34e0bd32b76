"""Where users meet creditgate: the command line, REST, GraphQL and the web pages.

The gateway is the only package that knows about web frameworks and the terminal; it reads
settings at its edge and passes plain values to the library packages.
"""

from gateway.cli import main
from gateway.clikit import app

__all__ = ["app", "main"]
