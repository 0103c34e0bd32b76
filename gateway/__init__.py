"""Where users meet creditgate: the command line, REST, GraphQL and the web pages.

The gateway is the only package that knows about web frameworks and the terminal; it reads
settings at its edge and passes plain values to the library packages.
"""

from gateway.clikit import app


def main() -> None:
    """The ``creditgate`` command line; :mod:`gateway.cli` (and the commands other packages
    add through entry points) is loaded only when it runs, not when the gateway is imported."""
    from gateway.cli import main as run

    run()


__all__ = ["app", "main"]
