"""Public bodies (政务诚信主体) as data: who is one, and who is told of its dishonesty.

``public-bodies.yaml`` (validated by ``public-bodies.schema.json``) lists the USCC
registration codes of public bodies (机关, 事业单位 …: the first two characters of the code,
credit-domain.md §2.2), the state-owned enterprises the city registered, and the recipients of
a 通报 for a body and for a staff member. The evaluation model never grades a public body;
:mod:`store.public_dishonesty` records and reports their dishonesty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent
BODIES_FILE = HERE / "public-bodies.yaml"
SOE = "国有企业"


class BodiesError(ValueError):
    """The public-bodies file is unreadable or invalid."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a 通报 goes to: a role, its labels and, for a city department, its name."""

    role: str
    zh: str
    en: str
    name: str | None


@dataclass(frozen=True, slots=True)
class PublicBodies:
    version: str
    registration_codes: dict[str, str]
    soes: dict[str, str]
    body_recipients: tuple[Recipient, ...]
    staff_recipients: tuple[Recipient, ...]

    def body_type(self, uscc: str) -> str | None:
        """机关 / 事业单位 / … by registration code, 国有企业 when registered, else None."""
        code = uscc.strip().upper()
        if code[:2] in self.registration_codes:
            return self.registration_codes[code[:2]]
        return SOE if code in self.soes else None


def _recipients(raw: list[dict[str, Any]]) -> tuple[Recipient, ...]:
    return tuple(Recipient(r["role"], r["zh"], r["en"], r.get("name")) for r in raw)


def read_public_bodies(path: Path = BODIES_FILE) -> PublicBodies:
    """Read and validate the file (raises :class:`BodiesError` listing every problem)."""
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BodiesError(f"cannot read {path.name}: {exc}") from None
    schema = json.loads((HERE / "public-bodies.schema.json").read_text("utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        lines = [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]
        raise BodiesError(f"{path.name} is invalid:\n" + "\n".join(lines))
    return PublicBodies(
        version=document["version"],
        registration_codes=dict(document["registration_codes"]),
        soes={s["uscc"]: s["name"] for s in document["state_owned_enterprises"]},
        body_recipients=_recipients(document["notices"]["body"]),
        staff_recipients=_recipients(document["notices"]["staff"]),
    )


@cache
def load_public_bodies() -> PublicBodies:
    """The package's file (read once)."""
    return read_public_bodies()


def is_public_body(uscc: str) -> bool:
    """Whether the USCC's registration code makes it a public body (never graded)."""
    return uscc[:2].upper() in load_public_bodies().registration_codes
