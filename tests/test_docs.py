"""The documentation is checked against the code where a test can: every REST operation is in
docs/rest-api.md, every setting in docs/settings.md (with its default) and the other way
round, and every command and option the README shows exists in the command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from gateway.app import create_app
from gateway.cli import app as cli_app
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
METHODS = "GET|POST|PUT|PATCH|DELETE"
DOC_OPERATION = re.compile(rf"`((?:{METHODS})(?:/(?:{METHODS}))*) (/[^`?\s]*)")


def _shape(path: str) -> str:
    """A path with its parameters unnamed: the doc says ``{id}`` where the code has
    ``{dataset}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented_operations(text: str) -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every `` `GET /path` `` (or `` `GET/POST /path` ``) in ``text``."""
    found = set()
    for methods, path in DOC_OPERATION.findall(text):
        for method in methods.split("/"):
            found.add((method, _shape(path)))
    return found


def test_the_doc_pattern_reads_methods_paths_and_queries() -> None:
    text = '| `GET/POST /api/v1/x/{id}?a=` | … `POST /api/v1/y {"cursor": 1}` and /z'
    assert documented_operations(text) == {
        ("GET", "/api/v1/x/{}"),
        ("POST", "/api/v1/x/{}"),
        ("POST", "/api/v1/y"),
    }


def test_every_rest_operation_is_in_the_rest_doc(tmp_path: Path) -> None:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 'docs.db'}", scheduler=False))
    operations = {
        (method.upper(), _shape(path))
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
    documented = documented_operations((ROOT / "docs" / "rest-api.md").read_text("utf-8"))
    assert not operations - documented, (
        f"not in docs/rest-api.md: {sorted(operations - documented)}"
    )
    assert not documented - operations, f"documented, not served: {sorted(documented - operations)}"


def documented_settings() -> dict[str, str]:
    """Setting name → its default cell, from the table of docs/settings.md."""
    text = (ROOT / "docs" / "settings.md").read_text("utf-8")
    table = text.split("\n## ", 1)[0]
    found = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            found[cells[0].strip("`")] = cells[1]
    return found


def _default_text(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_every_setting_is_documented_and_every_documented_setting_exists() -> None:
    documented = documented_settings()
    fields = Settings.model_fields
    assert not set(fields) - set(documented), (
        f"undocumented: {sorted(set(fields) - set(documented))}"
    )
    assert not set(documented) - set(fields), (
        f"not settings: {sorted(set(documented) - set(fields))}"
    )
    for name, cell in documented.items():
        shown = re.match(r"`([^`]*)`|(unset)", cell)
        assert shown, f"{name}: the default cell {cell!r} names no value"
        assert (shown.group(1) or shown.group(2)) == _default_text(fields[name].default), name


def _readme_commands() -> list[str]:
    """Every ``creditgate …`` the README shows (shell blocks and inline code), one command a
    string, without comments."""
    text = (ROOT / "README.md").read_text("utf-8")
    shown = [
        line
        for block in re.findall(r"```sh\n(.*?)```", text, re.S)
        for line in block.splitlines()
        if line.strip().startswith("creditgate ")
    ]
    shown += re.findall(r"`(creditgate [^`]+)`", text)
    commands = []
    for line in shown:
        words: list[str] = []
        for word in [*shlex.split(line, comments=True), ";"]:
            words.append(word.removesuffix(";"))
            if word.endswith(";"):
                if words[0] == "creditgate":
                    commands.append(shlex.join(w for w in words if w))
                words = []
    return commands


def _leaves(words: list[str]) -> tuple[list[Any], list[str]]:
    """The commands a README line names (``a|b`` names several) and its option names."""
    command: Any = typer.main.get_command(cli_app)
    rest = [w.strip("[]") for w in words[1:]]
    leaves = [command]
    while rest and hasattr(command, "commands") and not rest[0].startswith("-"):
        names = rest.pop(0).split("|")
        missing = [n for n in names if n not in command.commands]
        assert not missing, f"creditgate has no command {' / '.join(missing)}"
        leaves = [command.commands[n] for n in names]
        if len(names) > 1:
            break
        command = leaves[0]
    options = [w.split("=")[0] for w in rest if w.startswith("--")]
    return leaves, options


@pytest.mark.parametrize("line", _readme_commands())
def test_every_command_the_readme_shows_exists(line: str) -> None:
    leaves, options = _leaves(shlex.split(line))
    for leaf in leaves:
        known = {o for p in leaf.params for o in getattr(p, "opts", ())} | {"--help"}
        unknown = [o for o in options if o not in known]
        assert not unknown, f"{line!r}: {leaf.name} has no option {unknown}"


def test_the_readme_check_sees_a_missing_command_and_option() -> None:
    with pytest.raises(AssertionError, match="no command"):
        _leaves(["creditgate", "catalog", "burn"])
    leaves, options = _leaves(["creditgate", "alerts", "run|list", "--bogus"])
    assert [c.name for c in leaves] == ["run", "list"] and options == ["--bogus"]
