"""Every setting of the service is documented in docs/settings.md, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \|", re.MULTILINE)


def test_every_setting_is_documented_once_with_its_default() -> None:
    rows = ROW.findall(DOC.read_text("utf-8"))
    documented = [name for name, _ in rows]
    assert sorted(documented) == sorted(Settings.model_fields), "docs/settings.md is stale"
    assert len(documented) == len(set(documented))
    defaults = Settings.model_construct()
    for name, default in rows:
        value = getattr(defaults, name)
        text = default.strip().strip("`")
        if value is None:
            assert text == "unset", name
        elif isinstance(value, bool):
            assert text == str(value).lower(), name
        else:
            assert text.split()[0].strip("`") == str(value), name


def test_production_refuses_the_development_identity_secret(tmp_path: Path) -> None:
    import pytest

    import catalog
    from gateway.app import create_app
    from gateway.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="IDENTITY_SECRET"):
        create_app(Settings(db=f"sqlite:///{tmp_path / 's.db'}", env="production"))
    assert catalog.identity_secret_is_default()


def test_the_cli_refuses_it_too() -> None:
    import os
    import subprocess
    import sys

    exe = str(Path(sys.executable).with_name("creditgate"))
    env = {**os.environ, "CREDITGATE_ENV": "production"}
    env.pop("CREDITGATE_IDENTITY_SECRET", None)
    result = subprocess.run([exe, "catalog", "list"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "CREDITGATE_IDENTITY_SECRET" in result.stderr and "Traceback" not in result.stderr
