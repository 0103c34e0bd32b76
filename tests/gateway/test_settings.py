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
