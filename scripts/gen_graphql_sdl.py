"""Regenerate gateway/graphql/schema.graphql from the strawberry types (the single source)."""

from __future__ import annotations

import sys
from pathlib import Path

from gateway.graphql import schema


def render() -> str:
    return str(schema) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "gateway" / "graphql" / "schema.graphql"
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
