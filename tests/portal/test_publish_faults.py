"""Fault injection for publish: CKAN going away mid-run, through a loopback proxy that starts
failing after N calls (:mod:`fault_proxy`) — the shared CKAN itself is never stopped.

Whatever the fault — connection refused, 503, or a call CKAN carried out whose reply was
lost — and wherever it strikes (organisations, the dataset, the first load, the change
batches, the files), the run fails cleanly with a :class:`portal.PortalError`, and the next
run resumes: the DataStore table, the CSV and the NDJSON then equal the store's public view
(nothing lost, no row twice), and a further run writes nothing. Intermittent failures are
absorbed by the client's retries within one run, with the same result.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fault_proxy import FaultProxy, Mode
from portal_helpers import (
    TODAY,
    CkanSite,
    assert_published,
    penalties,
    purge,
    purge_organisations,
    submit,
)

from portal import CkanClient, PortalConfig, PortalError, publish
from store import Store, open_store

pytestmark = pytest.mark.ckan

PENALTY = "administrative-penalty"
ROWS = int(os.environ.get("CREDITGATE_FAULT_ROWS", "600"))


@pytest.fixture
def config(ckan_site: CkanSite) -> Iterator[PortalConfig]:
    """Names of its own, organisations included (so every first run creates them and makes
    the same calls); all purged afterwards."""
    tag = uuid.uuid4().hex[:8]
    chosen = PortalConfig(prefix=f"f{tag}-wuhan-credit", org_prefix=f"f{tag}-")
    yield chosen
    purge(ckan_site, chosen.prefix)
    purge_organisations(ckan_site, chosen.org_prefix)


def _publish(store: Store, url: str, site: CkanSite, config: PortalConfig, **kw: Any) -> Any:
    with CkanClient(
        url, site.api_key, retries=kw.pop("retries", 2), backoff=0.01, max_backoff=0.05
    ) as client:
        return publish(
            store, client, config=config, today=TODAY, datasets=[PENALTY], batch_rows=100, **kw
        )


def _change_some(store: Store) -> None:
    """Updates and take-downs after a first publish, so the next run has batches to send."""
    records = store.records(PENALTY, limit=ROWS)
    submit(
        store,
        PENALTY,
        [
            dict(r.payload, penalty_content=f"变更后的处罚内容 {i}")
            for i, r in enumerate(records[: ROWS // 3])
        ],
    )
    for record in records[-20:]:
        store.withdraw(PENALTY, record_id=record.record_id, reason="repaired", actor="test")


def _fail_then_resume(
    store: Store, site: CkanSite, config: PortalConfig, *, mode: Mode, fail_after: int
) -> None:
    with FaultProxy(site.url, fail_after=fail_after, mode=mode) as proxy:
        try:
            summary = _publish(store, proxy.url, site, config)
        except PortalError as exc:
            assert "CKAN" in str(exc)
        else:  # the run ended before the fault struck
            assert proxy.failed == 0 and summary.ok
    resumed = _publish(store, site.url, site, config)
    assert resumed.ok, resumed
    assert_published(site, f"{config.prefix}-{PENALTY}", store, PENALTY, TODAY)
    assert _publish(store, site.url, site, config).writes == 0


FAULTS = [
    ("refuse", 2),
    ("lost-reply", 11),
    ("unavailable", 20),
    ("lost-reply", 21),
    ("lost-reply", 25),
    ("unavailable", 27),
    ("lost-reply", 29),
    ("refuse", 31),
]
"""(mode, calls let through first). A first run of 600 rows makes about 33 calls: the
organisations (~20: show, create), the dataset (~2), the table (~3), three upserts, the
patches and the files; the faults strike in each part, a lost reply on creates too."""


@pytest.mark.parametrize(("mode", "fail_after"), FAULTS)
def test_ckan_failing_during_the_first_publish(
    store: Store, config: PortalConfig, ckan_site: CkanSite, mode: Mode, fail_after: int
) -> None:
    submit(store, PENALTY, penalties(ROWS))
    _fail_then_resume(store, ckan_site, config, mode=mode, fail_after=fail_after)


@pytest.mark.parametrize(
    ("mode", "fail_after"),
    [("lost-reply", 13), ("unavailable", 15), ("lost-reply", 17), ("lost-reply", 20)],
)
def test_ckan_failing_during_an_incremental_publish(
    store: Store, config: PortalConfig, ckan_site: CkanSite, mode: Mode, fail_after: int
) -> None:
    submit(store, PENALTY, penalties(ROWS))
    assert _publish(store, ckan_site.url, ckan_site, config).ok
    _change_some(store)
    _fail_then_resume(store, ckan_site, config, mode=mode, fail_after=fail_after)


@pytest.mark.parametrize("mode", ["lost-reply", "unavailable", "refuse"])
def test_intermittent_failures_are_absorbed_by_retries(
    store: Store, config: PortalConfig, ckan_site: CkanSite, mode: Mode
) -> None:
    """Every third call fails (a lost reply: CKAN did the write): retrying it is safe."""
    submit(store, PENALTY, penalties(ROWS))
    with FaultProxy(ckan_site.url, fail_after=1, mode=mode, every=3) as proxy:
        first = _publish(store, proxy.url, ckan_site, config, retries=3)
        _change_some(store)
        second = _publish(store, proxy.url, ckan_site, config, retries=3)
    assert first.ok and second.ok and proxy.failed >= 3
    assert_published(ckan_site, f"{config.prefix}-{PENALTY}", store, PENALTY, TODAY)
    assert _publish(store, ckan_site.url, ckan_site, config).writes == 0


def test_ckan_unreachable_fails_cleanly_and_changes_nothing(
    store: Store, config: PortalConfig, ckan_site: CkanSite
) -> None:
    submit(store, PENALTY, penalties(50))
    with FaultProxy(ckan_site.url, fail_after=0, mode="refuse") as proxy:
        closed = proxy.url  # the port is closed once the proxy is gone
    with pytest.raises(PortalError) as failure:
        _publish(store, closed, ckan_site, config)
    assert "unavailable" in str(failure.value)
    assert ckan_site.api.action.package_list().count(f"{config.prefix}-{PENALTY}") == 0


@pytest.mark.postgres
def test_a_postgres_store_resumes_too(
    pg_store_url: str, config: PortalConfig, ckan_site: CkanSite
) -> None:
    with open_store(pg_store_url) as store:
        submit(store, PENALTY, penalties(ROWS))
        _fail_then_resume(store, ckan_site, config, mode="lost-reply", fail_after=14)
