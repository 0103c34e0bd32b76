"""The incremental publisher against the real CKAN: first publish, republish without changes
(zero write calls, counted on the wire), updates, take-downs and windows, CKAN stopped in the
middle of a publish, and rows CKAN rejects."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import frictionless
import pytest
from portal_helpers import (
    TODAY,
    CkanSite,
    RecordingSession,
    assert_published,
    ckan_script,
    penalties,
    public_rows,
    refuse_rows,
    submit,
)

import schemas
from catalog import get_entry
from portal import CkanClient, PortalConfig, PortalUnavailableError, publish
from store import Audience, Store, open_store, view

pytestmark = pytest.mark.ckan

PENALTY = "administrative-penalty"


def _publish(store: Store, client: CkanClient, config: PortalConfig, **kw: Any) -> Any:
    kw.setdefault("today", TODAY)
    kw.setdefault("datasets", [PENALTY])
    return publish(store, client, config=config, **kw)


def _visible(store: Store, today: Any = TODAY) -> list[Any]:
    records = store.records(PENALTY, limit=10_000)
    return [r for r in records if view(r, Audience.PUBLIC, today=today) is not None]


def test_first_publish_builds_organisations_dataset_table_and_files(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite, tmp_path: Any
) -> None:
    submit(store, PENALTY, penalties(400))
    summary = _publish(store, client, config, datasets=[PENALTY, "catalogue"])
    assert summary.ok and summary.writes > 0
    entry = get_entry(PENALTY)
    name = f"{config.prefix}-{PENALTY}"

    for provider in entry.providers:  # one organisation per providing department
        org = ckan_site.api.action.organization_show(id=config.org_name(provider))
        assert org["title"] == provider.name_zh
        assert {e["key"]: e["value"] for e in org["extras"]}["uscc"] == provider.uscc

    pkg = ckan_site.package(name)
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert pkg["title"] == "行政处罚" and extras["title_en"] == "Administrative penalty"
    assert entry.description_en.split(".")[0] in pkg["notes"]
    assert entry.description_zh[:30] in pkg["notes"]
    assert {t["name"] for t in pkg["tags"]} == set(entry.ckan.tags)
    assert pkg["license_id"] == "cc-by" and not pkg["private"]
    assert extras["update_frequency"] == "daily"
    assert extras["json_schema"] == schemas.schema_uri(entry.schema_id)
    assert pkg["organization"]["name"] == config.org_name(entry.main_provider)

    table = ckan_site.resource(name, "datastore")
    info = ckan_site.api.action.datastore_info(id=table["id"])
    by_id = {f["id"]: f for f in info["fields"]}
    assert by_id["record_id"]["schema"]["is_index"]
    assert by_id["decision_doc_no"]["info"]["label"] == "行政处罚决定书文号"
    assert "Decision document number" in by_id["decision_doc_no"]["info"]["notes"]
    assert by_id["decision_date"]["type"] == "date"
    for key in ("authority_uscc", "decision_doc_no", "uscc"):  # indexed after the load
        assert by_id[key]["schema"]["is_index"], key
    assert "person_id_no" not in by_id and "legal_rep_id_no" not in by_id
    assert_published(ckan_site, name, store, PENALTY, TODAY)
    assert len(public_rows(store, PENALTY, TODAY)) == len(_visible(store)) > 100

    # the catalogue itself is a dataset, one row per catalogue entry
    cat = ckan_site.resource(f"{config.prefix}-catalogue", "datastore")
    assert len(ckan_site.table(cat["id"])) == 22

    # datapackage.json describes the CSV and NDJSON and passes frictionless validate
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_bytes(ckan_site.download(ckan_site.resource(name, "datapackage")["url"]))
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads(descriptor.read_text("utf-8"))
    assert [r["format"] for r in package["resources"]] == ["csv", "ndjson"]


@pytest.mark.parametrize(
    "db", [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_republish_without_changes_makes_no_write_calls(
    request: pytest.FixtureRequest,
    ckan_site: CkanSite,
    session: RecordingSession,
    config: PortalConfig,
    db: str,
    tmp_path: Any,
) -> None:
    url = (
        f"sqlite:///{tmp_path / 's.sqlite'}"
        if db == "sqlite"
        else request.getfixturevalue("pg_store_url")
    )
    with (
        open_store(url) as store,
        CkanClient(ckan_site.url, ckan_site.api_key, session=session) as client,
    ):
        submit(store, PENALTY, penalties(300))
        first = _publish(store, client, config, datasets=[PENALTY, "catalogue"])
        assert first.writes > 0 and session.writes()
        name = f"{config.prefix}-{PENALTY}"
        before = ckan_site.package(name)
        session.actions.clear()

        second = _publish(store, client, config, datasets=[PENALTY, "catalogue"])

        assert session.writes() == [], session.writes()  # counted on the wire
        assert second.writes == 0 and second.reads == len(session.actions) > 0
        assert second.rows == 0 and second.ok
        after = ckan_site.package(name)
        assert after["metadata_modified"] == before["metadata_modified"]
        assert [r["last_modified"] for r in after["resources"]] == [
            r["last_modified"] for r in before["resources"]
        ]


def test_an_update_reaches_the_table_and_the_files(
    store: Store,
    client: CkanClient,
    session: RecordingSession,
    config: PortalConfig,
    ckan_site: CkanSite,
) -> None:
    records = penalties(300)
    submit(store, PENALTY, records)
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    csv_before = ckan_site.resource(name, "csv")["hash"]
    target = _visible(store)[7]
    changed = dict(target.payload, penalty_content="罚款人民币九千元（复议后变更）。")
    session.actions.clear()

    submit(store, PENALTY, [changed])
    summary = _publish(store, client, config)

    assert summary.datasets[0].upserted == 1 and summary.datasets[0].deleted == 0
    assert session.writes().count("datastore_upsert") == 1
    row = ckan_site.table(ckan_site.resource(name, "datastore")["id"])[target.record_id]
    assert row["penalty_content"] == "罚款人民币九千元（复议后变更）。"
    assert row["record_version"] == "2"
    assert ckan_site.resource(name, "csv")["hash"] != csv_before
    assert_published(ckan_site, name, store, PENALTY, TODAY)


def test_take_downs_leave_the_table_and_the_files(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(400))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    visible = _visible(store)
    repaired, revoked = visible[3], visible[5]
    store.withdraw(PENALTY, record_id=repaired.record_id, reason="repaired", actor="test")
    store.withdraw(PENALTY, record_id=revoked.record_id, reason="revoked", actor="test")
    # expiry: sweep on the day after the earliest window end among the published records
    ending = min((r for r in visible if r.window_end), key=lambda r: r.window_end)
    later = ending.window_end + timedelta(days=1)
    swept = store.sweep(later)
    assert swept.expired >= 1

    summary = _publish(store, client, config, today=later)

    # every published row that left: the two take-downs and each published record whose window
    # closed (the sweep also expires natural persons' records, which CKAN never held)
    taken = {repaired.record_id, revoked.record_id}
    closed = [r for r in visible if r.window_end and r.window_end < later]
    assert closed and swept.by_dataset[PENALTY] >= len(closed)
    left = taken | {r.record_id for r in closed}
    assert summary.ok and summary.datasets[0].deleted >= len(left)
    table = ckan_site.table(ckan_site.resource(name, "datastore")["id"])
    for gone in (repaired, revoked, ending):
        assert gone.record_id not in table
    files = b"".join(
        ckan_site.download(ckan_site.resource(name, role)["url"]) for role in ("csv", "ndjson")
    )
    for gone in (repaired, revoked, ending):
        assert gone.record_id.encode() not in files
    assert_published(ckan_site, name, store, PENALTY, later)


def test_a_window_that_opens_later_brings_its_record_in(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(300))
    earlier = TODAY - timedelta(days=120)
    _publish(store, client, config, today=earlier)
    name = f"{config.prefix}-{PENALTY}"
    before = set(ckan_site.table(ckan_site.resource(name, "datastore")["id"]))
    opened = [r for r in _visible(store) if r.record_id not in before]
    assert opened  # decided after the earlier day: not yet published then

    summary = _publish(store, client, config)

    assert summary.datasets[0].upserted >= len(opened)
    assert_published(ckan_site, name, store, PENALTY, TODAY)


def test_a_closed_window_leaves_even_without_a_sweep(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(300))
    _publish(store, client, config)
    ending = min((r for r in _visible(store) if r.window_end), key=lambda r: r.window_end)
    later = ending.window_end + timedelta(days=1)

    summary = _publish(store, client, config, today=later)

    name = f"{config.prefix}-{PENALTY}"
    assert summary.datasets[0].deleted >= 1
    assert ending.record_id not in ckan_site.table(ckan_site.resource(name, "datastore")["id"])
    assert_published(ckan_site, name, store, PENALTY, later)
    assert _publish(store, client, config, today=later).writes == 0


class _StopCkanAfter:
    """A progress receiver that stops the real CKAN once ``rows`` rows were written."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.seen = 0
        self.stopped = False

    def dataset(self, name: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        self.seen += rows
        if not self.stopped and self.seen >= self.rows:
            self.stopped = True
            result = ckan_script("down")
            assert result.returncode == 0, result.stderr


def _restart_ckan() -> None:
    result = ckan_script("up")
    assert result.returncode == 0, result.stderr[-2000:]


def test_ckan_stopped_during_first_load_then_resumed(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(2500))
    total = len(_visible(store))
    name = f"{config.prefix}-{PENALTY}"
    stopper = _StopCkanAfter(300)
    try:
        with pytest.raises(PortalUnavailableError) as failure:
            _publish(store, client, config, batch_rows=100, progress=stopper)
    finally:
        _restart_ckan()
    assert stopper.stopped
    assert "unavailable" in str(failure.value) and "run publish again" in str(failure.value)
    assert failure.value.attempts == 3  # the first try and two retries
    loaded = len(ckan_site.table(ckan_site.resource(name, "datastore")["id"]))
    assert 300 <= loaded < total

    resumed = _publish(store, client, config, batch_rows=100)

    assert resumed.ok
    assert resumed.datasets[0].upserted == total - loaded  # continued, nothing re-sent
    assert_published(ckan_site, name, store, PENALTY, TODAY)


def test_ckan_stopped_during_incremental_publish_then_resumed(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(1500))
    _publish(store, client, config)
    published_head = store.head()
    name = f"{config.prefix}-{PENALTY}"
    visible = _visible(store)
    changed = [
        dict(r.payload, penalty_content=f"变更后的处罚内容 {i}") for i, r in enumerate(visible)
    ]
    submit(store, PENALTY, changed)
    for record in visible[:40]:
        store.withdraw(PENALTY, record_id=record.record_id, reason="repaired", actor="test")
    stopper = _StopCkanAfter(250)
    try:
        with pytest.raises(PortalUnavailableError):
            _publish(store, client, config, batch_rows=50, progress=stopper)
    finally:
        _restart_ckan()
    pkg = ckan_site.package(name)
    confirmed = int({e["key"]: e["value"] for e in pkg["extras"]}["creditgate_seq"])
    assert published_head < confirmed < store.head()  # some batches were confirmed

    resumed = _publish(store, client, config, batch_rows=50)

    assert resumed.ok and resumed.datasets[0].seq == store.head()
    sent = resumed.datasets[0].upserted + resumed.datasets[0].deleted
    assert sent <= len(store.changes(confirmed, limit=50_000))  # only what was unconfirmed
    assert_published(ckan_site, name, store, PENALTY, TODAY)


def test_a_row_ckan_rejects_is_reported_and_does_not_block_the_rest(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(300))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    table_id = ckan_site.resource(name, "datastore")["id"]
    refuse_rows(ckan_site, table_id, f"{config.prefix.split('-')[0]}_refuse", "拒收")
    visible = _visible(store)
    good = [
        dict(r.payload, penalty_content=f"更正后的处罚内容 {i}") for i, r in enumerate(visible[:6])
    ]
    bad = dict(visible[6].payload, penalty_content="拒收：测试")
    submit(store, PENALTY, [*good[:3], bad, *good[3:]])

    summary = _publish(store, client, config)

    assert not summary.ok and len(summary.rejected) == 1
    rejected = summary.rejected[0]
    assert rejected.record_id == visible[6].record_id
    assert rejected.key["decision_doc_no"] == bad["decision_doc_no"]
    assert "门户拒收该记录" in rejected.message
    assert summary.datasets[0].upserted == 6
    table = ckan_site.table(table_id)
    for i, record in enumerate(visible[:6]):
        assert table[record.record_id]["penalty_content"] == f"更正后的处罚内容 {i}"
    assert table[visible[6].record_id]["penalty_content"] != "拒收：测试"


def test_large_tables_are_uploaded_in_parts_that_follow_the_data(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite, tmp_path: Any
) -> None:
    config = dataclasses.replace(config, max_file_bytes=64 * 1024)
    submit(store, PENALTY, penalties(500))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    csv_parts = ckan_site.resources(name, "csv")
    assert len(csv_parts) >= 2 and len(ckan_site.resources(name, "ndjson")) > len(csv_parts)
    assert all(int(p["size"]) <= 64 * 1024 for p in csv_parts)
    assert [p["name"] for p in csv_parts][:2] == [f"{name}.csv", f"{name}-2.csv"]
    assert_published(ckan_site, name, store, PENALTY, TODAY)
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_bytes(ckan_site.download(ckan_site.resource(name, "datapackage")["url"]))
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]

    for record in _visible(store)[40:]:  # most records taken down: fewer parts
        store.withdraw(PENALTY, record_id=record.record_id, reason="revoked", actor="test")
    _publish(store, client, config)

    assert len(ckan_site.resources(name, "csv")) == 1
    assert_published(ckan_site, name, store, PENALTY, TODAY)
    assert _publish(store, client, config).writes == 0


def test_a_table_edited_by_hand_is_repaired_by_a_full_run(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(300))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    table_id = ckan_site.resource(name, "datastore")["id"]
    visible = _visible(store)
    api = ckan_site.api.action
    api.datastore_records_delete(
        resource_id=table_id, force=True, filters={"record_id": visible[0].record_id}
    )
    api.datastore_upsert(
        resource_id=table_id,
        force=True,
        method="upsert",
        records=[
            {"record_id": visible[1].record_id, "penalty_content": "被人改过"},
            {
                "record_id": "administrative-penalty:zzzzzzzzzzzzzzzzzzzzzzzzzz",
                "counterpart_name": "x",
            },
        ],
    )
    assert _publish(store, client, config).writes == 0  # the change log saw nothing new

    repaired = _publish(store, client, config, full=True)

    assert repaired.datasets[0].reconciled
    assert (repaired.datasets[0].upserted, repaired.datasets[0].deleted) == (2, 1)
    assert_published(ckan_site, name, store, PENALTY, TODAY)


def test_a_table_without_sync_state_is_reconciled_not_duplicated(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(300))
    _publish(store, client, config)
    name = f"{config.prefix}-{PENALTY}"
    pkg = ckan_site.package(name)
    ckan_site.api.action.package_patch(
        id=pkg["id"], extras=[e for e in pkg["extras"] if not e["key"].startswith("creditgate_")]
    )  # the state lost, the rows still there
    revoked = _visible(store)[2]
    store.withdraw(PENALTY, record_id=revoked.record_id, reason="revoked", actor="test")

    summary = _publish(store, client, config)

    assert summary.datasets[0].reconciled and summary.datasets[0].upserted == 0
    assert summary.datasets[0].deleted == 1
    assert_published(ckan_site, name, store, PENALTY, TODAY)
    assert _publish(store, client, config).writes == 0
