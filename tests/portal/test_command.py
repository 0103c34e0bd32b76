"""``creditgate publish ckan``'s body: exit codes 0 / 1 / 2 and the one JSON line."""

from __future__ import annotations

import io
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from portal_helpers import TODAY, CkanSite, penalties, refuse_rows, submit
from rich.console import Console

from portal import PortalConfig, publish_command
from store import Audience, list_runs, open_store, view
from store.db import write_transaction
from store.jobs import job_runs

pytestmark = pytest.mark.ckan

PENALTY = "administrative-penalty"


def _db(tmp_path: Path, n: int = 200) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        submit(store, PENALTY, penalties(n))
    return url


def _run(capsys: pytest.CaptureFixture[str], **kw: object) -> tuple[int, dict[str, object]]:
    kw.setdefault("today", TODAY)
    kw.setdefault("as_json", True)
    kw.setdefault("datasets", [PENALTY])
    code = publish_command(err=Console(file=io.StringIO()), **kw)  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines  # exactly one JSON line
    return code, json.loads(lines[0])


def test_publish_prints_one_json_line_and_exits_0(
    tmp_path: Path, ckan_site: CkanSite, config: PortalConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path)
    code, first = _run(
        capsys, db_url=db, ckan_url=ckan_site.url, api_key=ckan_site.api_key, config=config
    )
    assert code == 0 and first["ok"] is True and first["upserted"] > 0
    code, again = _run(
        capsys, db_url=db, ckan_url=ckan_site.url, api_key=ckan_site.api_key, config=config
    )
    assert code == 0 and again["writes"] == 0 and again["rows"] == 0


def test_publish_runs_are_recorded_and_one_runs_at_a_time(
    tmp_path: Path, ckan_site: CkanSite, config: PortalConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path, 20)
    site = {"db_url": db, "ckan_url": ckan_site.url, "api_key": ckan_site.api_key}
    code, first = _run(capsys, config=config, **site)
    assert code == 0, first
    with open_store(db) as store:
        (run,) = list_runs(store.engine, job="publish-ckan")
        assert run.status == "done" and run.counts["upserted"] == first["upserted"]
        with write_transaction(store.engine) as conn:  # another publisher is running
            conn.execute(
                job_runs.insert().values(
                    job="publish-ckan",
                    status="running",
                    today=TODAY,
                    started_at=datetime.now(UTC),
                    runner="other",
                    host=socket.gethostname(),
                    pid=os.getpid(),
                )
            )
    code, refused = _run(capsys, config=config, **site)
    assert code == 2 and refused["ok"] is False and "is running" in refused["error"]


def test_the_human_summary_names_the_dataset(
    tmp_path: Path, ckan_site: CkanSite, config: PortalConfig
) -> None:
    out = Console(file=io.StringIO(), width=200)
    code = publish_command(
        db_url=_db(tmp_path, 50),
        ckan_url=ckan_site.url,
        api_key=ckan_site.api_key,
        today=TODAY,
        datasets=[PENALTY],
        config=config,
        out=out,
        err=Console(file=io.StringIO()),
    )
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert code == 0 and f"{config.prefix}-{PENALTY}" in text and "rows/s" in text


def test_rows_ckan_rejects_exit_1(
    tmp_path: Path, ckan_site: CkanSite, config: PortalConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path)
    code, _ = _run(
        capsys, db_url=db, ckan_url=ckan_site.url, api_key=ckan_site.api_key, config=config
    )
    table = ckan_site.resource(f"{config.prefix}-{PENALTY}", "datastore")
    refuse_rows(ckan_site, table["id"], f"{config.prefix.split('-')[0]}_cmd", "拒收")
    with open_store(db) as store:
        shown = next(
            s for s in store.records(PENALTY, limit=1000) if view(s, Audience.PUBLIC, today=TODAY)
        )
        submit(store, PENALTY, [dict(shown.payload, penalty_content="拒收")])

    code, result = _run(
        capsys, db_url=db, ckan_url=ckan_site.url, api_key=ckan_site.api_key, config=config
    )

    assert code == 1 and result["ok"] is False and result["rejected"] == 1
    rejected = result["rejected_rows"][0]  # type: ignore[index]
    assert rejected["record_id"] == shown.record_id and "门户拒收该记录" in rejected["message"]


def test_no_api_key_cannot_run(
    tmp_path: Path, ckan_site: CkanSite, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _run(capsys, db_url=_db(tmp_path, 5), ckan_url=ckan_site.url, api_key=None)
    assert code == 2 and result["ok"] is False and "CKAN_API_KEY" in str(result["error"])


def test_an_unreachable_ckan_cannot_run_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code, result = _run(capsys, db_url=_db(tmp_path, 5), ckan_url=url, api_key="k", retries=1)
    assert code == 2 and result["status"] == 503
    assert url in str(result["error"]) and "unavailable" in str(result["error"])
