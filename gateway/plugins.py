"""Commands that packages above the gateway add to ``creditgate`` (the ``creditgate.commands``
entry point group).

The demo declares in ``pyproject.toml``::

    [project.entry-points."creditgate.commands"]
    demo = "demo.cli:register"

and the command line calls every such ``register(app)`` with its typer app, so the gateway never
imports the demo (import-linter forbids it) and a deployment without it loses nothing else.

Entry points are written into the installed metadata when the project is installed; an
editable checkout that gained one since (a pull without ``pip install -e .``) would silently
lose the command. So when the gateway runs from a source checkout, the entry points that the
checkout's own ``pyproject.toml`` declares are read too, and win over installed ones of the
same name. In an installed wheel there is no such file and only the metadata counts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import cast

import typer

GROUP = "creditgate.commands"
DISTRIBUTION = "creditgate"
CHECKOUT = Path(__file__).resolve().parents[1] / "pyproject.toml"
"""``pyproject.toml`` beside the packages: present in a source checkout, absent in a wheel."""

Register = Callable[[typer.Typer], None]


def declared(pyproject: Path) -> list[EntryPoint]:
    """The group's entry points that a creditgate ``pyproject.toml`` declares; none when the
    file is absent, unreadable or another project's."""
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    project = data.get("project", {})
    if project.get("name") != DISTRIBUTION:
        return []
    table = project.get("entry-points", {}).get(GROUP, {})
    return [EntryPoint(name=name, value=str(value), group=GROUP) for name, value in table.items()]


def command_entry_points(pyproject: Path = CHECKOUT) -> list[EntryPoint]:
    """Installed entry points of the group, overridden by the checkout's, sorted by name."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    found.update({ep.name: ep for ep in declared(pyproject)})
    return [found[name] for name in sorted(found)]


def load_commands(app: typer.Typer, found: Iterable[EntryPoint] | None = None) -> list[str]:
    """Call every ``register(app)``; the names loaded. A target that cannot be imported is an
    error of the installation and raises (a command must not vanish quietly)."""
    loaded = []
    for ep in command_entry_points() if found is None else found:
        register = cast(Register, ep.load())
        register(app)
        loaded.append(ep.name)
    return loaded
