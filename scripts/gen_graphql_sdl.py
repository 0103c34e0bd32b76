"""Regenerate gateway/graphql/schema.graphql from the strawberry types (the single source).

The same as ``creditgate graphql sdl --write`` (which refuses a change that breaks clients
unless ``--allow-breaking``); kept for muscle memory.
"""

from __future__ import annotations

import sys

from gateway.cli import main

if __name__ == "__main__":
    sys.argv = ["creditgate", "graphql", "sdl", "--write", *sys.argv[1:]]
    main()
