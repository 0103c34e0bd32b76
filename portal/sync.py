"""The incremental CKAN publisher (增量发布): :func:`publish`.

For every catalogue dataset open to the public (社会公开) — and the catalogue itself — one
CKAN dataset owned by the main provider's organisation, with a DataStore table of the public
view of the records inside their publication window and three downloadable files. Datasets
that are not public are never created; one found in the portal (say, after the catalogue
changed a dataset's openness) is purged, table included.

Per dataset, a run:

1. makes the organisation, dataset and resources match the catalogue, writing only what
   differs (:mod:`portal.metadata`);
2. on the first run, loads the current public view in record-id order with
   ``method=insert`` (a snapshot: the current state, not the history) and confirms the
   change-log position taken before it; an interrupted load resumes after the largest
   ``record_id`` already in the table;
3. when the run's day differs from the confirmed one, upserts records whose window opened
   and deletes records whose window closed in between;
4. reads the change log after the confirmed position in batches of ``batch_rows``, turns
   each event into the public feed item (:func:`store.view_event`: invisible versions and
   take-downs become deletes), keeps the last item per record, deletes and upserts, then
   confirms the batch's last seq in the dataset's extras (:mod:`portal.state`);
5. regenerates the files when the confirmed state moved since they were made and uploads
   those whose SHA-256 differs from the resource's ``hash``.

A run with nothing new therefore only reads. CKAN failing mid-run raises
:class:`portal.PortalUnavailableError` (after the client's retries); the next run continues
after the last confirmed batch, and re-applying a batch whose confirmation was lost changes
nothing. ``full=True`` compares every row in CKAN with the store instead (repairs a table
edited by hand); so does the run that changes a loaded table's columns.

Where the code is: this module runs the portal (organisations, datasets to purge, one
:class:`portal.dataset_run.DatasetRun` per dataset); :mod:`portal.dataset_run` makes one
dataset's metadata and resources match and drives the steps; :mod:`portal.rows` writes the
rows and confirms the state.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date

from ckanapi import ValidationError  # type: ignore[import-untyped]

from catalog import Catalog, CatalogEntry, Openness, load_catalog
from portal.client import CkanClient
from portal.dataset_run import DatasetRun
from portal.errors import PortalError, PortalRefusedError
from portal.metadata import (
    organisation_changes,
    organisation_dict,
)
from portal.naming import PortalConfig, providers_of, public_entries
from portal.summary import Progress, PublishSummary
from store import Store

DEFAULT_BATCH_ROWS = 5_000


def publish(
    store: Store,
    ckan: CkanClient,
    *,
    today: date,
    config: PortalConfig | None = None,
    progress: Progress | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    datasets: Sequence[str] | None = None,
    full: bool = False,
) -> PublishSummary:
    """Publish the public view of ``store`` as of ``today`` to ``ckan`` (see the module doc).

    ``datasets`` limits the run to some catalogue ids (default: all). Raises
    :class:`portal.PortalUnavailableError` / :class:`portal.PortalRefusedError` when CKAN
    cannot be used (the partial summary is on the exception's ``summary``) and
    ``catalog.UnknownDatasetError`` for an unknown id. Rows CKAN rejects are in
    ``summary.rejected``.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    config = config or PortalConfig()
    catalog = load_catalog()
    ids = catalog.ids()
    wanted = {catalog[d].id for d in datasets} if datasets is not None else set(ids)
    chosen = [catalog[i] for i in ids if i in wanted]
    public = public_entries(catalog)
    summary = PublishSummary(ckan.url, today)
    reads, writes, retried = ckan.reads, ckan.writes, ckan.retried
    started = time.monotonic()
    try:
        targets = [e for e in chosen if e in public]
        summary.organisations_written = _ensure_organisations(ckan, targets, catalog, config)
        for entry in chosen:
            if entry.openness is not Openness.PUBLIC and _remove_dataset(ckan, entry, config):
                summary.removed.append(config.dataset_name(entry))
        for entry in targets:
            DatasetRun(
                store, ckan, entry, catalog, config, today, summary, progress, batch_rows
            ).run(full=full)
    except PortalError as exc:
        exc.summary = summary
        raise
    finally:
        summary.reads = ckan.reads - reads
        summary.writes = ckan.writes - writes
        summary.retried = ckan.retried - retried
        summary.seconds = time.monotonic() - started
    return summary


def _ensure_organisations(
    ckan: CkanClient, entries: list[CatalogEntry], catalog: Catalog, config: PortalConfig
) -> int:
    """One organisation per providing department of ``entries``; answers the writes made."""
    written = 0
    for provider in providers_of(entries, catalog) if entries else []:
        desired = organisation_dict(provider, config)
        existing = ckan.show(
            "organization_show",
            id=desired["name"],
            include_datasets=False,
            include_extras=True,
            include_users=False,
            include_followers=False,
        )
        if existing is None:
            try:
                ckan.call("organization_create", desired, validation_errors=True)
            except ValidationError as exc:
                # a retried create whose first attempt went through: the name is taken now
                if ckan.show("organization_show", id=desired["name"]) is None:
                    raise PortalRefusedError(
                        f"CKAN refused organization_create {desired['name']}: {exc}"
                    ) from exc
            written += 1
        elif organisation_changes(existing, desired):
            ckan.call("organization_patch", {"id": existing["id"], **desired, "state": "active"})
            written += 1
    return written


def _remove_dataset(ckan: CkanClient, entry: CatalogEntry, config: PortalConfig) -> bool:
    """Purge the dataset of a catalogue entry that is not public, if the portal has one."""
    existing = ckan.show("package_show", id=config.dataset_name(entry))
    if existing is None:
        return False
    for resource in existing.get("resources") or ():
        if resource.get("datastore_active"):
            ckan.call("datastore_delete", {"resource_id": resource["id"], "force": True})
    try:
        ckan.call("dataset_purge", {"id": existing["id"]})
    except PortalRefusedError:
        if existing.get("state") == "deleted":
            return False
        ckan.call("package_delete", {"id": existing["id"]})  # not a sysadmin: hide it
    return True
