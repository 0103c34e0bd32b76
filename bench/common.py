"""What every benchmark shares: generated input files, timing, peak memory and the result table.

Inputs are generated 行政处罚 (administrative penalty) files, deterministic for a row count and
seed, cached under ``bench/out/data`` (gitignored) so a second run does not pay for them again.
Results are printed as a rich table and written to ``bench/out/<name>.json``. Absolute figures
depend on the machine; ratios measured in the same run are what count (performance.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import resource
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from demo import Entities, penalties
from schemas import USCC_CHARSET, fields

DATASET = "administrative-penalty"
"""The dataset every benchmark uses: the widest record of the catalogue (34 fields)."""

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
GENERATOR_VERSION = 2
"""Bump when the generated files change, so cached inputs are rebuilt."""

BROKEN_EVERY = 50
"""Every 50th row of a validation input is broken: 2 %."""

console = Console(stderr=True, highlight=False)


# -- generated inputs ----------------------------------------------------------------------


def _other(preferred: str, exclude: str) -> str:
    """``preferred``, or the first code character that is not ``exclude``."""
    if preferred != exclude:
        return preferred
    return USCC_CHARSET[1] if exclude == USCC_CHARSET[0] else USCC_CHARSET[0]


def _break_check_char(r: dict[str, Any], n: int) -> None:
    code = r["authority_uscc"]
    r["authority_uscc"] = code[:-1] + _other(USCC_CHARSET[n % len(USCC_CHARSET)], code[-1])


def _impossible_date(r: dict[str, Any], n: int) -> None:
    r["decision_date"] = ("2024-02-30", "2023-13-01", "2022-06-31")[n % 3]


def _bad_amount(r: dict[str, Any], n: int) -> None:
    r["fine_amount_wan"] = ("-1", "1.1234567", "十万")[n % 3]


def _drop_mandatory(r: dict[str, Any], n: int) -> None:
    r[("counterpart_name", "legal_basis", "authority_name")[n % 3]] = ""


def _unknown_choice(r: dict[str, Any], n: int) -> None:
    r["counterpart_category"] = ("企业", "个人", "其他组织")[n % 3]


def _unknown_category(r: dict[str, Any], n: int) -> None:
    r["penalty_categories"] = [*r["penalty_categories"], ("乱写", "通报", "训诫")[n % 3]]


BREAKAGES: tuple[Callable[[dict[str, Any], int], None], ...] = (
    _break_check_char,
    _impossible_date,
    _bad_amount,
    _drop_mandatory,
    _unknown_choice,
    _unknown_category,
)
"""Schema-level breakage only (check character, impossible date, amount pattern, missing
mandatory value, unknown choice), so that creditgate's and jsonschema's verdicts can be held
equal; every one survives creditgate's cell normalisation."""


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """A generated CSV: its path, data row count, broken rows (1-based) and size."""

    path: Path
    rows: int
    broken: frozenset[int]
    bytes: int


def penalty_records(
    count: int, *, seed: int = 1, broken_every: int = BROKEN_EVERY
) -> Iterator[tuple[dict[str, Any], bool]]:
    """``(record, broken)`` for ``count`` generated penalties; every ``broken_every``-th broken
    (0: none)."""
    entities = Entities(count=5000, seed=seed + 10)
    for n, record in enumerate(penalties(count, seed=seed, entities=entities), start=1):
        # the generator's document numbers repeat every 100,000 rows; a bench wants every
        # natural key once, so that "every row stored" is exact
        head, _, _ = record["decision_doc_no"].rpartition("〕")
        record["decision_doc_no"] = f"{head}〕{n:07d}号"
        broken = bool(broken_every) and n % broken_every == 0
        if broken:
            BREAKAGES[(n // broken_every) % len(BREAKAGES)](record, n // broken_every)
        yield record, broken


def _cell(value: Any, normalise: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if normalise == "json":
            return json.dumps(value, ensure_ascii=False)
        return ("\n" if normalise == "lines" else ";").join(str(v) for v in value)
    return str(value)


def write_penalty_csv(
    path: Path,
    count: int,
    *,
    seed: int = 1,
    broken_every: int = BROKEN_EVERY,
    progress: Callable[[int], None] | None = None,
) -> GeneratedFile:
    """Write a UTF-8 CSV with the national standard's Chinese headers (``title_zh``);
    multi-valued cells joined with ``;``."""
    specs = fields(DATASET)
    broken: set[int] = set()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([s.title_zh for s in specs])
        for n, (record, bad) in enumerate(
            penalty_records(count, seed=seed, broken_every=broken_every), start=1
        ):
            writer.writerow([_cell(record.get(s.id), s.normalise) for s in specs])
            if bad:
                broken.add(n)
            if progress is not None and n % 10_000 == 0:
                progress(n)
    tmp.replace(path)
    return GeneratedFile(path, count, frozenset(broken), path.stat().st_size)


def penalty_csv(
    count: int, *, seed: int = 1, broken_every: int = BROKEN_EVERY, out: Path = OUT
) -> GeneratedFile:
    """The cached generated file for these parameters under ``out/data`` (written on first
    use)."""
    name = f"penalties-v{GENERATOR_VERSION}-{count}-s{seed}-b{broken_every}.csv"
    path = out / "data" / name
    if path.exists():
        broken = (
            frozenset(range(broken_every, count + 1, broken_every)) if broken_every else frozenset()
        )
        return GeneratedFile(path, count, broken, path.stat().st_size)
    with progress_bar(f"generating {count:,} rows", count) as tick:
        return write_penalty_csv(path, count, seed=seed, broken_every=broken_every, progress=tick)


# -- measuring -----------------------------------------------------------------------------


class Stopwatch:
    """Accumulates wall time and this process's CPU time (all threads) over timed sections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start
            self.cpu_seconds += time.process_time() - cpu


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident memory (VmHWM) of a process in MiB; this process by default."""
    status = Path(f"/proc/{pid or 'self'}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid is None:  # no /proc: ru_maxrss is KiB on Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return float("nan")


def children_peak_rss_mb() -> float:
    """The largest peak RSS of any waited-for child process, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        # other work on the machine: 1-, 5- and 15-minute load averages at the end
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


# -- reporting -----------------------------------------------------------------------------


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A ``tick(done)`` callback drawing a bar on a terminal; silent in pipes and CI."""
    if not console.is_terminal:
        yield lambda _done: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}" + ("" if total is None else f"/{total:,}") + " rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


@dataclass(slots=True)
class Results:
    """One benchmark's figures: measured rows (a table) and checks (name → value)."""

    name: str
    params: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, *, rows: int, seconds: float, **extra: Any) -> dict[str, Any]:
        row = {
            "what": what,
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_s": round(rate(rows, seconds)),
            **extra,
        }
        self.rows.append(row)
        return row

    def find(self, what: str) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["what"] == what), None)

    def print(self) -> None:
        table = Table(title=f"bench {self.name}", title_justify="left")
        extras = sorted(
            {k for r in self.rows for k in r} - {"what", "rows", "seconds", "rows_per_s"}
        )
        for column in ("what", "rows", "seconds", "rows/s", *extras):
            table.add_column(column, justify="left" if column == "what" else "right")
        for r in self.rows:
            table.add_row(
                r["what"],
                f"{r['rows']:,}",
                f"{r['seconds']:.2f}",
                f"{r['rows_per_s']:,}",
                *(_show(r.get(k)) for k in extras),
            )
        out = Console(highlight=False)
        if not out.is_terminal:  # pipes and logs: do not fold the table at 80 columns
            out = Console(highlight=False, width=160)
        out.print(table)
        for name, value in self.checks.items():
            out.print(f"{name}: {_show(value)}")
        for note in self.notes:
            out.print(f"note: {note}")

    def save(self, out: Path = OUT) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.name}.json"
        payload = {
            "bench": self.name,
            "machine": machine(),
            "params": self.params,
            "results": self.rows,
            "checks": self.checks,
            "notes": self.notes,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return path


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def python() -> str:
    """The interpreter running the benchmarks (the project's venv)."""
    return sys.executable


PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
"""The local server's maintenance database, for creating and dropping scratch databases."""


def pg_scratch_database() -> str | None:
    """A fresh scratch database's name, or None when PostgreSQL cannot be reached."""
    try:
        import psycopg

        name = f"creditgate_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return name
    except Exception as exc:  # any failure to reach the server: skip the backend
        console.print(f"PostgreSQL not available, skipped: {exc}")
        return None


def drop_pg_database(name: str) -> None:
    """Drop a scratch database made by :func:`pg_scratch_database`."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
