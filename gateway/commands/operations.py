"""What the workflow commands share: who acts, the day, running one operation, the answer.

A workflow command (``creditgate repair …``, ``objection …``, ``check``, ``commitment …``,
``listing …``, ``interview …``, ``registration …``, ``timeline``) parses its options and
runs one operation of :mod:`workflows` — the one REST's route and the GraphQL field call —
with a :class:`workflows.Caller`:

* by default an **admin** named ``--actor`` (``cli:$USER``), as every command that writes;
* with ``--key-file FILE`` (or ``CREDITGATE_KEY_FILE``), **the key** whose secret the file
  holds: its role and department, named in the change log and the workflow log exactly as
  over REST (``key:<id>:<name>``) — so a department clerk's steps from the command line are
  the clerk's, and a key may do there only what it may do over HTTP.

The answer is printed as ``--json`` (REST's body, the same keys and codes) or readably.
Exit codes: 0 done; 1 the procedure refused the step (its problems, REST's 422); 2 the step
could not go on (no such case, not allowed, wrong state, bad input — REST's 4xx; the store
unreachable).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape

from gateway.auth import Principal
from gateway.clikit import actor_of, emit_json, err, fail, open_store_or_fail, out
from store import Role, Store, StoreError, authenticate
from workflows import Answer, Caller, CheckIndex, attempt

KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        envvar="CREDITGATE_KEY_FILE",
        help="Act as the API key whose secret this file holds (its role and department, "
        "named in the logs as the key). Default: an admin named by --actor.",
    ),
]
TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        envvar="CREDITGATE_TODAY",
        help="The day windows and deadlines are judged on (YYYY-MM-DD; default today).",
    ),
]
MAX_FILE_BYTES = 1_048_576
"""A record file or a key file: at most 1 MiB (the operation's own limits are smaller)."""


def caller_of(store: Store, key_file: Path | None, actor: str | None) -> Caller:
    """The caller of a command: the key of ``key_file``, or an admin named ``actor``."""
    if key_file is None:
        return Caller(actor_of(actor), Role.ADMIN)
    if actor is not None:
        fail("give --key-file or --actor, not both: a key acts under its own name")
    secret = read_small(key_file).decode("utf-8", "replace").strip()
    key = authenticate(store.engine, secret) if secret else None
    if key is None:
        fail(f"{key_file}: unknown or revoked API key")
    principal = Principal(
        role=key.role, name=key.name, key_id=key.key_id, department_uscc=key.department_uscc
    )
    return principal.caller


def read_small(path: Path) -> bytes:
    """A small file's bytes (``-``: stdin); exits 2 when it cannot be read or is too large."""
    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1) if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        fail(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    return data


def read_record(path: Path) -> dict[str, Any]:
    """A whole record from a JSON file (an object)."""
    try:
        value = orjson.loads(read_small(path))
    except orjson.JSONDecodeError as exc:
        fail(f"{path}: not JSON: {exc}")
    if not isinstance(value, dict):
        fail(f"{path}: a record is a JSON object")
    return value


def day_of(value: str | None, name: str = "--today") -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        fail(f"{name} must be a date YYYY-MM-DD, not {value!r}")


def run(
    operation: Callable[..., Answer],
    *,
    db: str,
    key_file: Path | None,
    actor: str | None,
    as_json: bool,
    today: str | None = None,
    dated: bool = True,
    checks: bool = False,
    **arguments: Any,
) -> None:
    """Run ``operation(store, caller, [today=…,] **arguments)``, print its answer and exit.

    ``checks``: the operation works on a check index of the store (the punishment check).
    """
    if dated:
        arguments["today"] = day_of(today)
    store = open_store_or_fail(db)
    try:
        with store:
            caller = caller_of(store, key_file, actor)
            target: object = CheckIndex(store) if checks else store
            found = attempt(operation, target, caller, **arguments)
    except StoreError as exc:
        fail(str(exc))
    show(found, as_json)


def show(found: Answer, as_json: bool) -> None:
    """Print the answer (``--json``: REST's body) and exit 0, 1 (refused) or 2 (could not go
    on)."""
    code = 0 if found.ok else (1 if found.error_status is None else 2)
    if as_json:
        emit_json(found.to_dict())
    elif found.ok:
        out.print_json(data=dict(found.body), ensure_ascii=False)
    else:
        err.print(f"[bold red]{escape(found.refusal)}[/] ({found.status})", highlight=False)
        for p in found.problems:
            err.print(
                f"  [red]{p.code}[/] {escape(p.message_zh)} / {escape(p.message_en)}",
                highlight=False,
            )
    raise typer.Exit(code)
