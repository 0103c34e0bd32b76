"""The package's data files (``workflows/data``): YAML read and validated against its schema.

Procedures and measures are data, not code (style.md): each YAML file has a Draft 2020-12
JSON Schema next to it, and a file that does not validate stops the work with
:class:`workflows.ProceduresError` listing every problem with its location.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from workflows.errors import ProceduresError

DATA = Path(__file__).resolve().parent / "data"


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    schema = json.loads((DATA / schema_name).read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def read_data_file(path: Path, schema_name: str) -> dict[str, Any]:
    """The YAML document at ``path``, validated by ``data/<schema_name>``.

    Raises :class:`ProceduresError` naming every problem (JSON pointer and message).
    """
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProceduresError(f"cannot read {path.name}: {exc}") from None
    errors = sorted(_validator(schema_name).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        lines = [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]
        raise ProceduresError(f"{path.name} is invalid:\n" + "\n".join(lines))
    return document  # type: ignore[no-any-return]
