"""How hard the fuzz suites try: a small bound in ``make test``, a large one in ``make soak``.

Each fuzz test takes a ``budget`` parameter: ``bounded`` (always) and ``soak`` (marked
``soak``; runs only when ``CREDITGATE_SOAK=1``, which ``make soak`` sets). Environment
variables raise the counts:

- ``CREDITGATE_FUZZ_EXAMPLES`` — examples per operation (or per property) in the bounded run;
- ``CREDITGATE_SOAK_EXAMPLES`` — the same in the soak run (default 300).

Bounded runs are derandomised (the same examples every time, so CI is stable); soak runs are
random, so every soak explores new inputs.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

SOAK = os.environ.get("CREDITGATE_SOAK") == "1"

BUDGETS = [
    pytest.param("bounded", id="bounded"),
    pytest.param(
        "soak",
        id="soak",
        marks=[
            pytest.mark.soak,
            pytest.mark.skipif(not SOAK, reason="soak runs only with CREDITGATE_SOAK=1"),
        ],
    ),
]
"""Parametrise a fuzz test with ``@pytest.mark.parametrize("budget", BUDGETS)``."""


def examples(budget: str, bounded: int) -> int:
    """The number of examples for ``budget`` (``bounded`` is the default of the small run)."""
    if budget == "soak":
        return int(os.environ.get("CREDITGATE_SOAK_EXAMPLES", "300"))
    return int(os.environ.get("CREDITGATE_FUZZ_EXAMPLES", str(bounded)))


def fuzz_settings(budget: str, bounded: int, **overrides: Any) -> settings:
    """Hypothesis settings of a fuzz test under ``budget``."""
    values: dict[str, Any] = {
        "max_examples": examples(budget, bounded),
        "deadline": None,
        "derandomize": budget != "soak",
        "database": None,
        "suppress_health_check": list(HealthCheck),
        "print_blob": False,
    }
    values.update(overrides)
    return settings(**values)
