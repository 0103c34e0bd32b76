"""The import graph is the data flow, and each package's ``__all__`` is its public API."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["catalog", "schemas", "publishers", "store", "workflows", "portal", "gateway"]


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_layers_contract_holds() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.__all__ names a missing {symbol}"


@pytest.mark.parametrize(
    "name", ["catalog", "schemas", "publishers", "store", "workflows", "portal"]
)
def test_library_packages_do_not_import_web_frameworks(name: str) -> None:
    for path in (ROOT / name).rglob("*.py"):
        text = path.read_text("utf-8")
        for framework in ("fastapi", "strawberry", "typer", "starlette"):
            assert f"import {framework}" not in text and f"from {framework}" not in text, path


def _store_imports(path: Path) -> set[str]:
    """The ``store`` modules a file imports (``from store.x import y``, ``import store.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {n for n in names if n == "store" or n.startswith("store.")}
    return found


def test_packages_above_the_store_import_only_its_public_interface() -> None:
    """``store``'s docstring lists its public modules; nothing above it imports another."""
    doc = importlib.import_module("store").__doc__ or ""
    listed = doc.split("Public modules:", 1)[1].split("\n\n", 1)[0]
    public = {"store", *re.findall(r"store(?:\.\w+)+", listed)}
    assert "store.schema" in public and "store.tables" not in public
    for name in public - {"store"}:
        importlib.import_module(name)  # every listed module exists
    for package in ("workflows", "portal", "gateway"):
        for path in (ROOT / package).rglob("*.py"):
            reached = _store_imports(path) - public
            assert not reached, f"{path.relative_to(ROOT)} imports store internals {reached}"
