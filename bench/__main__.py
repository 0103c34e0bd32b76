"""Run the benchmarks: ``python -m bench [NAME ...] [--rows N] [--quick]``.

Each benchmark prints a table, its checks and ratios, and writes ``bench/out/<name>.json``.
Without names every benchmark runs. ``--rows`` overrides each benchmark's default row count;
``--quick`` uses small defaults (a smoke run, figures not meaningful).
Exit status: 0, or 1 when a benchmark's correctness check fails (never for speed).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from bench.common import OUT, Results, console

FIRST = ("validate", "ingest")
"""Run first, in this order; any other module of ``bench`` with ``run`` and ``check`` follows."""


def _names() -> list[str]:
    """The benchmark modules of this package (found, not imported: each imports only when
    it runs, so one bench's missing service cannot stop another)."""
    import bench

    found = {
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_") and m.name != "common"
    }
    return [n for n in FIRST if n in found] + sorted(found - set(FIRST))


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name}")


def main(argv: list[str] | None = None) -> int:
    benches = _names()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(benches)}")
    parser.add_argument("--rows", type=int, default=None, help="rows per benchmark")
    parser.add_argument("--quick", action="store_true", help="small row counts (smoke run)")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"results and generated inputs (default {OUT})"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in benches]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(benches)}")
    failed = False
    for name in args.names or list(benches):
        module = _load(name)
        run: Callable[..., Results] = module.run
        console.print(f"[bold]bench {name}[/]")
        results = run(args.rows, quick=args.quick, out=args.out)
        results.print()
        path = results.save(args.out)
        console.print(f"saved {path}")
        try:
            module.check(results)
        except AssertionError as exc:
            console.print(f"[red]check failed:[/] {exc}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
