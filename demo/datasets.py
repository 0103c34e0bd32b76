"""Synthetic records for every dataset of the catalogue (合成数据), dispatched per dataset.

:func:`generate` yields valid records of one catalogue dataset, deterministic for a seed;
:func:`sizes` says how many per dataset for a population size. The shapes follow the valid
examples of each schema (``tests/fixtures/records/*.valid.json``); a test validates every
generator's output against its schema, so a schema change that the generators miss fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from catalog import load_catalog
from demo.actions import ACTIONS, actions
from demo.decisions import licences, penalties
from demo.declarations import commitments, evaluations, public_evaluations, registrations
from demo.disclosures import complaints, matters
from demo.population import Population, Record
from demo.sanctions import LISTS, interviews, list_entries, market_bans, measures

SHARE: dict[str, float] = {
    "administrative-penalty": 2.0,
    "administrative-licensing": 1.5,
    "administrative-inspection": 0.5,
    "credit-commitment": 0.4,
    "consumer-complaint": 0.3,
}
"""Records per entity by dataset (default :data:`DEFAULT_SHARE`)."""
DEFAULT_SHARE = 0.1
FIXED = ("catalogue", "punishment-measures", "commitment-matters")
"""Reference datasets with fixed contents (no size)."""


def sizes(entities: int) -> dict[str, int]:
    """How many records :func:`generate` makes per dataset for a population size."""
    out: dict[str, int] = {}
    for dataset in load_catalog().ids():
        if dataset in FIXED:
            continue
        out[dataset] = max(3, int(entities * SHARE.get(dataset, DEFAULT_SHARE)))
    return out


def generate(dataset: str, count: int, *, pop: Population, seed: int = 1) -> Iterator[Record]:
    """Valid records of a catalogue dataset (``count`` is ignored for the catalogue, the
    measure list and the commitment matter list, which have fixed contents)."""
    if dataset == "catalogue":
        return load_catalog().as_records()
    if dataset == "punishment-measures":
        return measures(pop)
    if dataset == "commitment-matters":
        return matters(pop)
    if dataset == "administrative-penalty":
        return penalties(count, seed=seed, entities=pop.entities, agencies=pop.agencies)
    if dataset == "administrative-licensing":
        return licences(count, seed=seed, entities=pop.entities, agencies=pop.agencies)
    if dataset in ACTIONS:
        return actions(dataset, count, seed=seed, pop=pop)
    if dataset in LISTS:
        return list_entries(dataset, count, seed=seed, pop=pop)
    makers: dict[str, Callable[..., Iterator[Record]]] = {
        "market-ban": market_bans,
        "credit-commitment": commitments,
        "interview-record": interviews,
        "voluntary-registration": registrations,
        "credit-evaluation": evaluations,
        "consumer-complaint": complaints,
        "public-credit-evaluation": public_evaluations,
    }
    if dataset not in makers:
        raise KeyError(f"no generator for dataset {dataset!r}")
    return makers[dataset](count, seed=seed, pop=pop)
