"""The credit workflows reach the real CKAN: after an objection mark, a correction, a repair and
a revocation, the published table and files still equal the public view (public data only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from portal_helpers import TODAY, CkanSite, assert_published

from portal import CkanClient, PortalConfig, publish
from store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from wf_factory import AMR, DRC, HRSS, PLATFORM, commitment, dept, list_entry, penalty

from workflows import (
    apply_for_repair,
    decide_repair,
    file_objection,
    record_outcome,
    start_verification,
)

pytestmark = pytest.mark.ckan

LISTS, PENALTIES = "serious-dishonesty-list", "administrative-penalty"


def _ids(store: Store, dataset: str, records: list[dict]) -> list[str]:  # type: ignore[type-arg]
    result = store.submit(dataset, list(enumerate(records, 1)), actor="test")
    return [o.record_id for o in result.outcomes if o.record_id]


def _publish_and_compare(
    store: Store, client: CkanClient, config: PortalConfig, site: CkanSite
) -> None:
    summary = publish(store, client, config=config, today=TODAY, datasets=[LISTS, PENALTIES])
    assert summary.ok, summary
    for dataset in (LISTS, PENALTIES):
        assert_published(site, f"{config.prefix}-{dataset}", store, dataset, TODAY)


def test_workflow_outcomes_reach_ckan(
    store: Store, client: CkanClient, config: PortalConfig, ckan_site: CkanSite
) -> None:
    corrected, repaired = _ids(store, LISTS, [list_entry(1), list_entry(2)])
    (revoked,) = _ids(store, PENALTIES, [penalty(3)])
    _ids(store, "credit-commitment", [commitment(2, unit=DRC)])
    _publish_and_compare(store, client, config, ckan_site)
    table = ckan_site.resource(f"{config.prefix}-{LISTS}", "datastore")

    objection = file_objection(
        store, corrected, applicant_name="x", grounds="金额有误", caller=PLATFORM, today=TODAY
    )
    _publish_and_compare(store, client, config, ckan_site)
    row = ckan_site.table(table["id"])[corrected]
    assert row["record_version"] == "2"  # the mark's version
    assert row["under_objection"] == "true" and row["objection_status"] == "异议处理中"

    start_verification(store, objection.id, caller=dept(HRSS), today=TODAY)
    fixed = {**list_entry(1), "listing_reason": "拖欠工资金额更正为12万元。"}
    assert record_outcome(
        store,
        objection.id,
        outcome="corrected",
        corrected_record=fixed,
        caller=dept(HRSS),
        today=TODAY,
    ).ok
    case = apply_for_repair(
        store,
        repaired,
        applicant_name="y",
        obligations_fulfilled=True,
        evidence=["工资已支付"],
        caller=PLATFORM,
        today=TODAY,
    )
    decide_repair(store, case.id, approve=True, caller=dept(HRSS), today=TODAY)
    other = file_objection(
        store, revoked, applicant_name="z", grounds="非处罚对象", caller=PLATFORM, today=TODAY
    )
    start_verification(store, other.id, caller=dept(AMR), today=TODAY)
    record_outcome(store, other.id, outcome="revoked", caller=dept(AMR), today=TODAY)
    _publish_and_compare(store, client, config, ckan_site)
    rows = ckan_site.table(table["id"])
    assert rows[corrected]["listing_reason"] == "拖欠工资金额更正为12万元。"
    assert rows[corrected]["under_objection"] == "false"  # the correction ended the mark
    assert repaired not in rows
    penalty_table = ckan_site.resource(f"{config.prefix}-{PENALTIES}", "datastore")
    assert revoked not in ckan_site.table(penalty_table["id"])
