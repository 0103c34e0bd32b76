"""The ``creditgate`` command line: a thin typer layer over the library packages.

The commands live in :mod:`gateway.commands` (one module per area); the shared options and
output helpers in :mod:`gateway.clikit`. Packages above the gateway (the demo) add theirs
through the ``creditgate.commands`` entry point group (:mod:`gateway.plugins`).
"""

from __future__ import annotations

import gateway.commands  # noqa: F401  (registers the commands)
from gateway.clikit import app
from gateway.plugins import load_commands

load_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
