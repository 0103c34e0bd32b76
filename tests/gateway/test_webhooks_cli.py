"""``creditgate webhooks``: an operator registers a partner's webhook with a backfill, delivers
it to a real receiver, reads the dead letters and replays from a cursor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from receiver import receiving

import demo as synthetic
from store import Role, create_key, open_store, submit_records

EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"
PENALTY = "administrative-penalty"


def run(db: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "CREDITGATE_WEBHOOK_ALLOW_HTTP": "true",
        "CREDITGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "CREDITGATE_WEBHOOK_BACKOFF_SECONDS": "0.01",
        "CREDITGATE_WEBHOOK_BACKOFF_MAX_SECONDS": "0.01",
        "CREDITGATE_TODAY": "2026-11-28",
        **env,
    }
    return subprocess.run(
        [EXE, "webhooks", *args, "--db", db], capture_output=True, text=True, env=environ,
        timeout=120,
    )  # fmt: skip


def out(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_create_backfill_deliver_dead_letter_replay(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with open_store(db) as store:
        receipt = submit_records(store, PENALTY, list(synthetic.penalties(4, seed=5)), actor="t")
        assert receipt.rejected == 0
        agency, _ = create_key(store.engine, role=Role.AGENCY, name="征信机构")
        admin, _ = create_key(store.engine, role=Role.ADMIN, name="信用办")
        head = store.head()
    with receiving() as receiver:
        refused = run(db, "create", "--key", admin.key_id, "--url", receiver.url)
        assert refused.returncode == 2 and "agency and platform" in refused.stderr
        made = out(run(db, "create", "--key", agency.key_id, "--url", receiver.url,
                       "--dataset", PENALTY, "--after", "0", "--json"))  # fmt: skip
        sub_id = made["subscription"]["id"]
        assert made["created"] and made["subscription"]["pending"] == head
        assert out(run(db, "deliver", "--json")) == {"delivered": head}
        assert sorted(p.json()["data"]["seq"] for p in receiver.posts) == list(range(1, head + 1))
        # a receiver that fails: one attempt allowed here, so dead at once
        receiver.always = 500
        assert out(run(db, "replay", sub_id, "--after", str(head - 1), "--json"))["owed"] == 1
        assert out(run(db, "deliver", "--json", CREDITGATE_WEBHOOK_MAX_ATTEMPTS="1")) == {"dead": 1}
        dead = out(run(db, "messages", sub_id, "--json"))["messages"]
        assert [(m["seq"], m["status"], m["last_status"]) for m in dead] == [(head, "dead", 500)]
        listed = out(run(db, "list", "--json"))["subscriptions"]
        assert [(s["id"], s["dead"], s["pending"]) for s in listed] == [(sub_id, 1, 0)]
        receiver.always = None
        out(run(db, "replay", sub_id, "--after", str(head - 1), "--json"))
        assert out(run(db, "deliver", "--json")) == {"delivered": 1}
    deleted = run(db, "delete", sub_id)
    assert deleted.returncode == 0 and "deleted" in deleted.stdout
    assert out(run(db, "list", "--json")) == {"subscriptions": []}
