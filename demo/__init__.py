"""The demo (演示): realistic synthetic data for every dataset and the demo store built from it.

Nothing in the production packages imports this package (an import-linter layer puts it on
top); ``creditgate demo`` reaches the command line through the ``creditgate.commands`` entry
point (:mod:`demo.cli`). Tests and benchmarks use the generators directly:

- :mod:`demo.entities` — Wuhan entities and authorities with valid codes;
- :mod:`demo.decisions` — 行政处罚 and 行政许可 records;
- :mod:`demo.population`, :mod:`demo.datasets` — one population, every catalogue dataset
  (:mod:`demo.actions`, :mod:`demo.sanctions`, :mod:`demo.declarations`,
  :mod:`demo.disclosures`);
- :mod:`demo.build` — the demo store, with :mod:`demo.dated` (monitoring) and
  :mod:`demo.inspections` (a published draw).
"""

from demo.build import DemoStore, build_demo, fill_demo
from demo.datasets import generate, sizes
from demo.decisions import licences, penalties
from demo.entities import DISTRICTS, Agencies, Entities, make_resident_id, make_uscc
from demo.population import Population, population

__all__ = [
    "DISTRICTS",
    "Agencies",
    "DemoStore",
    "Entities",
    "Population",
    "build_demo",
    "fill_demo",
    "generate",
    "licences",
    "make_resident_id",
    "make_uscc",
    "penalties",
    "population",
    "sizes",
]
