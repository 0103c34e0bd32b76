"""Who the synthetic records are about and who decides them (合成数据的主体与机关).

:func:`population` builds the shared entities and authorities so that one entity collects
records across datasets (what an entity lookup shows); the small helpers below give every
generator the same subject, decision date, authority and document number.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from demo.entities import Agencies, Entities, date_between, make_uscc

Record = dict[str, Any]
TODAY = dt.date(2026, 11, 20)
"""The latest decision date generated (records are about the past)."""

OTHER_AUTHORITIES = [
    ("武汉市发展和改革委员会", "发改"),
    ("武汉市人力资源和社会保障局", "人社"),
    ("武汉市民政局", "民政"),
    ("武汉市科学技术局", "科技"),
    ("武汉市知识产权局", "知识产权"),
    ("武汉市水务局", "水务"),
    ("武汉市城乡建设局", "城建"),
    ("武汉市洪山区人民政府", "区政府"),
]


@dataclass(frozen=True, slots=True)
class Population:
    """Who the records are about (entities) and who decides (authorities)."""

    entities: Entities
    agencies: Agencies
    others: list[tuple[str, str, str]]

    def other(self, rng: random.Random, sector: str | None = None) -> tuple[str, str, str]:
        """One of the non-enforcement authorities (by sector when given)."""
        if sector is not None:
            return next(a for a in self.others if a[1] == sector)
        return rng.choice(self.others)

    def organisation(self, rng: random.Random) -> Record:
        """An entity with a USCC (a company or an individual business)."""
        while True:
            subject = self.entities.pick(rng)
            if "uscc" in subject:
                return subject


def population(entities: int = 2000, *, seed: int = 11) -> Population:
    """Entities across Wuhan's districts and every authority, deterministic for a seed."""
    rng = random.Random(seed + 1)
    others = [(name, sector, make_uscc(rng, prefix="11")) for name, sector in OTHER_AUTHORITIES]
    return Population(Entities(entities, seed=seed), Agencies(), others)


def subject(rng: random.Random, pop: Population, *, division: bool = True) -> Record:
    """A fresh copy of one entity's subject fields (without the division code if asked)."""
    picked = pop.entities.pick(rng)
    if not division:
        picked.pop("division_code", None)
    return picked


def decided(rng: random.Random, since: dt.date = dt.date(2020, 1, 1)) -> dt.date:
    """A decision date between ``since`` and :data:`TODAY`."""
    return date_between(rng, since, TODAY)


def authority_of(record: Record, authority: tuple[str, str, str]) -> None:
    """The deciding authority is also the data-source unit (数据来源单位)."""
    name, _sector, code = authority
    record.update(
        authority_name=name, authority_uscc=code, source_org_name=name, source_org_uscc=code
    )


def doc_no(authority: tuple[str, str, str], kind: str, day: dt.date, n: int) -> str:
    """A decision document number in Wuhan's style (武市监强〔2025〕00012号)."""
    return f"武{authority[1][:2]}{kind}〔{day.year}〕{n + 1:05d}号"
