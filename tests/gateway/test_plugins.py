"""Commands from packages above the gateway (``creditgate.commands`` entry points): the demo
arrives this way, installed or from a checkout whose metadata is stale, and the gateway itself
never imports it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from gateway.plugins import GROUP, command_entry_points, declared, load_commands

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``creditgate ARGS`` in a fresh interpreter with ``tmp_path`` first on the path (where a
    test puts a fake installed distribution)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    code = "import sys; from gateway.cli import main; sys.argv[0] = 'creditgate'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def install_fake(tmp_path: Path, entry_points: str) -> None:
    """A distribution ``cgplugin`` whose metadata declares ``entry_points`` for the group."""
    info = tmp_path / "cgplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cgplugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{entry_points}\n")
    (tmp_path / "cgplugin.py").write_text(
        "import typer\n\n"
        "def hello() -> None:\n"
        '    """Say hello."""\n'
        '    typer.echo("hello from a plugin")\n\n'
        "def register(app: typer.Typer) -> None:\n"
        '    app.command("hello")(hello)\n'
    )


def test_the_checkout_declares_the_demo_command() -> None:
    [demo] = [ep for ep in declared(ROOT / "pyproject.toml") if ep.name == "demo"]
    assert demo.value == "demo.cli:register" and demo.group == GROUP
    assert "demo" in [ep.name for ep in command_entry_points()]


def test_a_missing_broken_or_foreign_pyproject_declares_nothing(tmp_path: Path) -> None:
    assert declared(tmp_path / "absent.toml") == []
    broken = tmp_path / "broken.toml"
    broken.write_text("[project\nname = ")
    assert declared(broken) == []
    foreign = tmp_path / "pyproject.toml"
    foreign.write_text(f'[project]\nname = "other"\n[project.entry-points."{GROUP}"]\nx = "a:b"\n')
    assert declared(foreign) == []


def test_load_commands_registers_each_target_on_the_app() -> None:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """A stand-in for the creditgate app."""

    loaded = load_commands(app, declared(ROOT / "pyproject.toml"))
    assert "demo" in loaded
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    assert "--no-serve" in result.output


def test_an_installed_entry_point_adds_its_command(tmp_path: Path) -> None:
    install_fake(tmp_path, "hello = cgplugin:register")
    result = run_cli(tmp_path, "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from a plugin"
    listed = run_cli(tmp_path, "--help")
    assert "hello" in listed.stdout and "demo" in listed.stdout, listed.stdout


def test_the_checkout_wins_over_stale_installed_metadata(tmp_path: Path) -> None:
    # installed metadata naming a target that no longer exists, as after a refactoring
    install_fake(tmp_path, "demo = gone.module:register")
    result = run_cli(tmp_path, "demo", "--help")
    assert result.returncode == 0, result.stderr
    assert "--no-serve" in result.stdout


def test_the_gateway_and_the_libraries_never_import_the_demo() -> None:
    code = (
        "import sys, gateway.app, gateway.commands, gateway.rest, portal, workflows\n"
        "loaded = sorted(m for m in sys.modules if m == 'demo' or m.startswith('demo.'))\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
