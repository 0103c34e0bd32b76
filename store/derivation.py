"""Deriving what publication rules need from the national fields alone, and saying how.

Real 双公示 exports have no local ``sector`` / ``procedure`` / ``severity`` column. For a penalty
without them the rules' inputs are derived, each recorded as an :class:`Explained` input with its
source — ``declared`` (a column the department sent), ``derived`` (read off another field by a
table kept as data) or ``inferred`` (a presumption the law allows but does not prove):

* issuing system from 处罚机关 / its USCC (``authority_name`` CF_CFJG, ``authority_uscc``
  CF_CFJGDM) through ``catalog/departments.yaml`` — every 市场监督管理局 is the SAMR system;
* domain from 处罚依据 / 违法行为类型 (``legal_basis`` CF_YJ, ``violation_type`` CF_WFXW) through
  ``catalog/legal-bases.yaml``;
* procedure from 行政处罚法 Art. 51: a warning only, or a fine of at most 200 yuan (citizen) /
  3,000 yuan (organisation), may be decided on the spot → ``简易程序``, *inferred*; any other
  penalty cannot be → ``普通程序``, *derived*.

A declared column always wins. The thresholds and field names come from the ``derive`` section
of the rules file, so they are data too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from catalog.departments import registry
from catalog.sectors import domains_of


class Source(StrEnum):
    """Where an input of a window came from."""

    DECLARED = "declared"
    DERIVED = "derived"
    INFERRED = "inferred"


@dataclass(frozen=True, slots=True)
class Explained:
    """One input of a window: its name, value and source (and a note saying how, if derived)."""

    input: str
    value: Any
    source: Source
    how: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"input", "value", "source"}`` (+ ``"how"`` when known), JSON-ready."""
        out: dict[str, Any] = {
            "input": self.input,
            "value": self.value,
            "source": self.source.value,
        }
        if self.how:
            out["how"] = self.how
        return out


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, list | tuple):
        return None
    text = str(value).strip()
    return text or None


def _items(value: Any, separators: str = ";；、,，") -> list[str]:
    if isinstance(value, list | tuple):
        raw = [str(v) for v in value]
    else:
        raw = [str(value or "")]
        for sep in separators:
            raw = [part for item in raw for part in item.split(sep)]
    return [item.strip() for item in raw if item and item.strip()]


def _yuan(value: Any) -> Decimal | None:
    text = _text(value)
    try:
        return Decimal(text) * 10_000 if text is not None else None
    except InvalidOperation:
        return None


def sectors_of(
    spec: Mapping[str, Any], sector_field: str, record: Mapping[str, Any]
) -> tuple[frozenset[str], list[Explained]]:
    """The sectors the rules see: the declared column, else the derived system and domains."""
    declared = _text(record.get(sector_field))
    if declared is not None:
        return frozenset({declared}), [Explained(sector_field, declared, Source.DECLARED)]
    system, how = registry().system_of(
        _text(record.get(spec["authority_name_field"])),
        _text(record.get(spec["authority_uscc_field"])),
    )
    found: set[str] = set()
    explained: list[Explained] = []
    if system is not None:
        found.add(system)
        explained.append(Explained("system", system, Source.DERIVED, f"authority {how}"))
    texts = [_text(record.get(f)) for f in spec.get("basis_fields", ())]
    domains, hit = domains_of(texts)
    if domains:
        found.update(domains)
        explained.append(Explained("domain", list(domains), Source.DERIVED, f"legal basis {hit}"))
    return frozenset(found), explained


def procedure_of(
    spec: Mapping[str, Any], record: Mapping[str, Any]
) -> tuple[str | None, Explained | None]:
    """The procedure: the declared column, or what 行政处罚法 Art. 51 allows (see module doc)."""
    field = spec["field"]
    declared = _text(record.get(field))
    if declared is not None:
        return declared, Explained(field, declared, Source.DECLARED)
    categories = _items(record.get(spec["categories_field"]))
    if not categories:
        return None, None
    simple, ordinary = spec["simple"], spec["ordinary"]
    on_the_spot = set(spec["warning_categories"]) | {spec["fine_category"]}
    if not set(categories) <= on_the_spot:
        how = "a penalty other than a warning or a fine cannot be decided on the spot (Art. 51)"
        return ordinary, Explained(field, ordinary, Source.DERIVED, how)
    if spec["fine_category"] not in categories:
        how = "a warning only may be decided on the spot (行政处罚法 Art. 51)"
        return simple, Explained(field, simple, Source.INFERRED, how)
    amount = _yuan(record.get(spec["fine_field"]))
    limits = spec["max_yuan"]
    who = _text(record.get(spec["by_field"]))
    limit = Decimal(limits[who] if who in limits else limits["default"])
    if amount is None:
        how = "fine amount unknown: the ordinary procedure is presumed"
        return ordinary, Explained(field, ordinary, Source.INFERRED, how)
    if amount <= limit:
        how = f"fine {amount.normalize():f} yuan <= {limit} yuan (行政处罚法 Art. 51)"
        return simple, Explained(field, simple, Source.INFERRED, how)
    how = f"fine {amount.normalize():f} yuan > {limit} yuan: not on the spot (Art. 51)"
    return ordinary, Explained(field, ordinary, Source.DERIVED, how)
