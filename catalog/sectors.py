"""Sectors (行业领域) and the legal-basis table: which domain a penalty belongs to.

``catalog/sectors.yaml`` is the one list of sector values (systems, domains and the plan's key
areas); the ``sector`` enum of ``schemas/json/common.schema.json`` is kept equal to it (a test
checks; ``python -m catalog.sectors --write-schema`` regenerates the enum).
``catalog/legal-bases.yaml`` maps laws and regulations (and keywords) to domains, so that a record
carrying only the national fields 处罚依据 (CF_YJ) and 违法行为类型 (CF_WFXW) still gets the domain
publication rules key on. Both files are validated when loaded; every problem is reported as
``"<file>: <path>: <message>"`` in an :class:`catalog.InvalidCatalogError`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from catalog.errors import InvalidCatalogError

HERE = Path(__file__).parent
SECTORS_FILE = HERE / "sectors.yaml"
LEGAL_BASES_FILE = HERE / "legal-bases.yaml"
COMMON_SCHEMA = HERE.parent / "schemas" / "json" / "common.schema.json"
KINDS = ("system", "domain", "key_area")


@dataclass(frozen=True, slots=True)
class Sector:
    """One sector value: its id (the Chinese name used on the wire), English name and kinds."""

    id: str
    en: str
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DomainRule:
    """Laws (short titles) and fallback keywords that put a penalty in ``domain``."""

    domain: str
    laws: tuple[str, ...]
    keywords: tuple[str, ...]


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidCatalogError([f"{path.name}: $: {exc}"]) from None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def parse_sectors(data: Any, name: str = SECTORS_FILE.name) -> tuple[Sector, ...]:
    """The sectors of a parsed ``sectors.yaml``; raises :class:`InvalidCatalogError`."""
    problems: list[str] = []
    items = data.get("sectors") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise InvalidCatalogError([f"{name}: $.sectors: must be a non-empty list"])
    out: list[Sector] = []
    for index, item in enumerate(items):
        at = f"{name}: $.sectors[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{at}: needs an id")
            continue
        kinds = item.get("kinds")
        if not _strings(kinds) or not kinds or set(kinds) - set(KINDS):
            problems.append(f"{at}.kinds: must be a non-empty list of {', '.join(KINDS)}")
            continue
        if item["id"] in {s.id for s in out}:
            problems.append(f"{at}.id: duplicate sector {item['id']!r}")
        out.append(Sector(item["id"], str(item.get("en") or ""), tuple(kinds)))
    if problems:
        raise InvalidCatalogError(problems)
    return tuple(out)


@cache
def sectors() -> tuple[Sector, ...]:
    """Every sector of ``catalog/sectors.yaml``, in file order."""
    return parse_sectors(_load(SECTORS_FILE))


def sector_ids(kind: str | None = None) -> tuple[str, ...]:
    """Sector ids, in file order; only those of ``kind`` when given."""
    return tuple(s.id for s in sectors() if kind is None or kind in s.kinds)


def parse_legal_bases(
    data: Any, domains: Iterable[str], name: str = LEGAL_BASES_FILE.name
) -> tuple[DomainRule, ...]:
    """The rules of a parsed ``legal-bases.yaml``; every domain must be a known domain."""
    known = set(domains)
    items = data.get("domains") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise InvalidCatalogError([f"{name}: $.domains: must be a non-empty list"])
    problems: list[str] = []
    out: list[DomainRule] = []
    for index, item in enumerate(items):
        at = f"{name}: $.domains[{index}]"
        if not isinstance(item, Mapping) or item.get("domain") not in known:
            problems.append(f"{at}.domain: not a sector of kind domain in sectors.yaml")
            continue
        laws, words = item.get("laws") or [], item.get("keywords") or []
        if not _strings(laws) or not _strings(words) or not (laws or words):
            problems.append(f"{at}: laws and keywords must be lists of text, not both empty")
            continue
        out.append(DomainRule(item["domain"], tuple(laws), tuple(words)))
    if problems:
        raise InvalidCatalogError(problems)
    return tuple(out)


@cache
def legal_bases() -> tuple[DomainRule, ...]:
    """The law → domain table of ``catalog/legal-bases.yaml``."""
    return parse_legal_bases(_load(LEGAL_BASES_FILE), sector_ids("domain"))


def domains_of(texts: Iterable[str | None]) -> tuple[tuple[str, ...], str | None]:
    """The domains a legal basis / violation type names, and what matched (a law or keyword).

    Every domain whose law occurs in a text is taken; keywords are tried only when no law did.
    """
    joined = "\n".join(t for t in texts if t)
    if not joined:
        return (), None
    for attr in ("laws", "keywords"):
        found: list[str] = []
        hits: list[str] = []
        for rule in legal_bases():
            hit = next((word for word in getattr(rule, attr) if word in joined), None)
            if hit is not None and rule.domain not in found:
                found.append(rule.domain)
                hits.append(hit)
        if found:
            return tuple(found), "、".join(hits)
    return (), None


def schema_enum() -> list[str]:
    """The ``sector`` enum currently in ``common.schema.json``."""
    schema = json.loads(COMMON_SCHEMA.read_text(encoding="utf-8"))
    return list(schema["$defs"]["sector"]["enum"])


def write_schema_enum() -> bool:
    """Rewrite the ``sector`` enum of ``common.schema.json`` from the data; True if it changed."""
    text = COMMON_SCHEMA.read_text(encoding="utf-8")
    schema = json.loads(text)
    wanted = list(sector_ids())
    if schema["$defs"]["sector"]["enum"] == wanted:
        return False
    schema["$defs"]["sector"]["enum"] = wanted
    COMMON_SCHEMA.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return True


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    if "--write-schema" in sys.argv[1:]:
        print("updated" if write_schema_enum() else "unchanged")
    else:
        print("\n".join(sector_ids()))
