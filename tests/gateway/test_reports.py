"""Signed credit reports: issued per audience, signed with Ed25519, verified online and offline,
a changed byte fails, keys rotate without invalidating old reports, every issue is logged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.cli import app as cli
from store import (
    Audience,
    ReportKey,
    issue_report,
    open_store,
    published_keys,
    report_history,
    rotate_key,
    verify_document,
)
from store.signing import sign_document
from store.tables import report_keys

TODAY = date(2026, 6, 1)


def _store_with_entity(db_url: str) -> tuple[str, str]:
    with open_store(db_url) as store:
        records = [r for r in penalties(10, seed=7) if r["counterpart_category"] != "自然人"]
        records = [
            r | {"decision_date": "2026-05-20", "penalty_valid_to": "2027-05-20"} for r in records
        ]
        store.submit(DATASET, rows(records), actor="t")
        stored = next(r for r in store.records(DATASET) if r.uscc)
        return str(stored.uscc), str(stored.payload["legal_rep_id_no"])


def published_keys_of(db_url: str) -> list[ReportKey]:
    with open_store(db_url) as store:
        return published_keys(store.engine)


def _keys(db_url: str) -> list[dict[str, Any]]:
    with open_store(db_url) as store:
        return [k.published() for k in published_keys(store.engine)]


def test_reports_are_signed_and_verify_and_a_changed_byte_fails(db_url: str) -> None:
    code, id_no = _store_with_entity(db_url)
    with open_store(db_url) as store:
        public = issue_report(
            store, code, Audience.PUBLIC, today=TODAY, requested_by="t", purpose="合同签订前核查"
        )
        government = issue_report(store, code, Audience.GOVERNMENT, today=TODAY, requested_by="t")
    keys = _keys(db_url)
    assert verify_document(public, keys).valid and verify_document(government, keys).valid
    assert public["report"]["scope"] == "public" and government["report"]["scope"] == "government"
    assert id_no not in json.dumps(public, ensure_ascii=False)  # public: no personal number
    assert id_no in json.dumps(government, ensure_ascii=False)  # government: in full
    assert public["report"]["log_position"] > 0 and public["report"]["as_of"] == "2026-06-01"
    tampered = json.loads(json.dumps(public))
    tampered["report"]["subject"]["name"] += "X"
    assert not verify_document(tampered, keys).valid
    flipped = json.loads(json.dumps(public))
    flipped["report"]["log_position"] += 1
    assert verify_document(flipped, keys).reason == "the signature does not match the report"
    with open_store(db_url) as store:
        log = report_history(store.engine, uscc=code)
    assert [e.audience for e in log] == ["government", "public"]
    assert log[1].purpose == "合同签订前核查" and log[1].requested_by == "t"


def test_rotation_keeps_old_reports_valid(db_url: str) -> None:
    code, _ = _store_with_entity(db_url)
    with open_store(db_url) as store:
        old = issue_report(
            store,
            code,
            Audience.PUBLIC,
            today=TODAY,
            requested_by="t",
            now=datetime(2026, 6, 1, 9, tzinfo=UTC),
        )
        rotate_key(store.engine, now=datetime(2026, 6, 2, tzinfo=UTC))
        new = issue_report(
            store,
            code,
            Audience.PUBLIC,
            today=TODAY,
            requested_by="t",
            now=datetime(2026, 6, 3, tzinfo=UTC),
        )
    keys = _keys(db_url)
    assert len(keys) == 2 and old["signature"]["kid"] != new["signature"]["kid"]
    assert verify_document(old, keys).valid and verify_document(new, keys).valid
    assert sum(1 for k in keys if k["valid_to"] is None) == 1
    # a report signed with the retired key but dated after its retirement does not verify
    with open_store(db_url) as store, store.engine.connect() as conn:
        seed = conn.execute(
            select(report_keys.c.seed).where(report_keys.c.kid == old["signature"]["kid"])
        ).scalar_one()
    retired = next(k for k in published_keys_of(db_url) if k.kid == old["signature"]["kid"])
    body = {**old["report"], "issued_at": "2026-06-05T00:00:00+00:00"}
    late = sign_document(body, replace(retired, seed=bytes(seed)))
    assert verify_document(late, keys).reason == "the report was issued outside the key's validity"


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_report_over_http_and_verify_endpoint(db_url: str, fmt: str, tmp_path: Path) -> None:
    from gateway.app import create_app
    from gateway.settings import Settings

    code, id_no = _store_with_entity(db_url)
    app = create_app(Settings(db=db_url, today=TODAY.isoformat()))

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(f"/api/v1/entities/{code}/report", params={"format": fmt})
            assert response.status_code == 200, response.text
            assert id_no not in response.text
            if fmt == "html":
                assert '<html lang="zh-CN">' in response.text and "Ed25519" in response.text
                return
            document = response.json()
            keys = (await client.get("/.well-known/creditgate-keys.json")).json()
            assert keys["keys"][0]["kid"] == document["signature"]["kid"]
            ok = await client.post("/api/v1/reports/verify", json=document)
            assert ok.json() == {
                "ok": True,
                "valid": True,
                "kid": document["signature"]["kid"],
                "reason": "valid",
            }
            document["report"]["counts"]["penalties"] = 0
            bad = await client.post("/api/v1/reports/verify", json=document)
            assert bad.json()["valid"] is False
            bad_code = await client.get("/api/v1/entities/123/report")
            assert bad_code.status_code == 400

    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own loop, even beside Playwright's
        pool.submit(asyncio.run, go()).result()
    app.state.store.close()


def test_cli_issues_and_verifies_offline(db_url: str, tmp_path: Path) -> None:
    code, _ = _store_with_entity(db_url)
    runner = CliRunner()
    out = tmp_path / "report.json"
    result = runner.invoke(
        cli,
        [
            "report",
            code,
            "--db",
            db_url,
            "--out",
            str(out),
            "--today",
            "2026-06-01",
            "--purpose",
            "招投标",
        ],
    )
    assert result.exit_code == 0, result.output
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": _keys(db_url)}), "utf-8")
    checked = runner.invoke(cli, ["report", "verify", str(out), "--keys", str(keys)])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["valid"] is True
    data = json.loads(out.read_text("utf-8"))
    data["report"]["subject"]["uscc"] = data["report"]["subject"]["uscc"][::-1]
    out.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    failed = runner.invoke(cli, ["report", "verify", str(out), "--keys", str(keys)])
    assert failed.exit_code == 1 and json.loads(failed.output)["valid"] is False
