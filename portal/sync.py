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
edited by hand).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import Any

from ckanapi import ValidationError  # type: ignore[import-untyped]

from catalog import Catalog, CatalogEntry, Openness, load_catalog
from portal.client import CkanClient
from portal.datastore import DataStoreTable, Row
from portal.errors import PortalError, PortalRefusedError
from portal.files import FileSet, TableWriter, write_tables
from portal.metadata import (
    extras_map,
    organisation_changes,
    organisation_dict,
    package_changes,
    package_dict,
    resource_dict,
)
from portal.naming import PortalConfig, Role, providers_of, public_entries
from portal.prefetch import Prefetch
from portal.resources import DatasetResources
from portal.source import CATALOGUE, STORE_PAGE, catalogue_views, store_views
from portal.state import SNAPSHOT, SyncState
from portal.summary import DatasetSummary, Progress, PublishSummary, RejectedRow
from portal.table import RECORD_ID, PublicTable, row_hash
from store import Audience, Store, view, view_event

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
            _DatasetRun(
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


class _DatasetRun:
    """Publishing one catalogue dataset in one run (steps 1–5 of the module docstring)."""

    def __init__(
        self,
        store: Store,
        ckan: CkanClient,
        entry: CatalogEntry,
        catalog: Catalog,
        config: PortalConfig,
        today: date,
        summary: PublishSummary,
        progress: Progress | None,
        batch_rows: int,
    ) -> None:
        self.store, self.ckan, self.entry, self.catalog = store, ckan, entry, catalog
        self.config, self.today, self.summary = config, today, summary
        self.progress, self.batch_rows = progress, batch_rows
        self.table = PublicTable(entry, meta=entry.id != CATALOGUE)
        self.name = config.dataset_name(entry)
        self.result = DatasetSummary(entry.id, self.name)
        self.desired = package_dict(entry, config, catalog)
        self.state = SyncState()
        self.package: dict[str, Any] = {}
        self.resources: DatasetResources

    # -- the run ------------------------------------------------------------------------------
    def run(self, *, full: bool) -> None:
        self.summary.datasets.append(self.result)
        if self.progress is not None:
            self.progress.dataset(self.name, None)
        head = self.store.head() if self.entry.id != CATALOGUE else 0
        self._ensure_package(head)
        self.resources = DatasetResources(
            self.ckan, self.entry, self.config, self.package, self.result
        )
        self.resources.ensure()
        datastore = DataStoreTable(
            self.ckan, self.resources.datastore_id, self.table, on_reject=self._rejected
        )
        total, created = datastore.ensure()
        self.result.metadata_written += created
        if self.entry.id == CATALOGUE:
            views = catalogue_views(self.catalog, self.entry)
            self._reconcile(datastore, (self.table.cells(v) for v in views))
            self.result.metadata_written += datastore.ensure_indexes()
            self.resources.publish_files(self._write_files(views), self.table)
            return
        loaded: FileSet | None = None
        try:
            if full or (self.state.fresh and total > 0):
                head = self.store.head()
                self._reconcile(datastore, (self.table.cells(v) for v in self._views()))
                self._confirm(seq=head, phase=None, today=self.today)
                self.result.reconciled = True
            elif self.state.fresh or self.state.loading:
                if self.state.fresh:
                    self._confirm(seq=head, phase=SNAPSHOT, today=self.today)
                loaded = self._first_load(datastore, resume=total > 0)
            written = self.result.upserted + self.result.deleted
            if self.state.today != self.today:
                self._window_scan(datastore)
            self._replay(datastore)
            self.result.metadata_written += datastore.ensure_indexes()
            self.result.seq = self.state.seq
            force = full or self.result.metadata_written > 0
            if force or self.state.files != self.state.marker:
                if loaded is None or self.result.upserted + self.result.deleted > written:
                    # the files of the first load are stale once rows changed after it
                    if loaded is not None:
                        loaded.close()
                    loaded = self._write_files(self._views())
                self.resources.publish_files(loaded, self.table)
                self._confirm(files=self.state.marker)
        finally:
            if loaded is not None:
                loaded.close()

    # -- metadata -----------------------------------------------------------------------------
    def _ensure_package(self, head: int) -> None:
        existing = self.ckan.show("package_show", id=self.name)
        if existing is None:
            # a new dataset starts its first load at once: its state rides on the create call
            state = (
                SyncState()
                if self.entry.id == CATALOGUE
                else SyncState(seq=head, today=self.today, phase=SNAPSHOT)
            )
            create = dict(self.desired)
            create["extras"] = self._extras(state)
            create["resources"] = [resource_dict(self.entry, self.config, r) for r in Role]
            try:
                existing = self.ckan.call("package_create", create, validation_errors=True)
            except ValidationError as exc:
                # a retried create whose first attempt went through: the name is taken now
                existing = self.ckan.show("package_show", id=self.name)
                if existing is None:
                    raise PortalRefusedError(
                        f"CKAN refused package_create {self.name}: {exc}"
                    ) from exc
            self.result.metadata_written += 1
            self.result.first_load = True
        else:
            changes = package_changes(existing, self.desired)
            if changes:
                state = SyncState.from_extras(existing.get("extras") or ())
                if "extras" in changes:
                    changes["extras"] = self._extras(state)
                existing = self.ckan.call("package_patch", {"id": existing["id"], **changes})
                self.result.metadata_written += 1
        self.package = existing
        self.state = SyncState.from_extras(existing.get("extras") or ())

    def _extras(self, state: SyncState) -> list[dict[str, str]]:
        values = extras_map(self.desired["extras"]) | state.extras()
        return [{"key": k, "value": v} for k, v in values.items()]

    def _confirm(self, **changes: Any) -> None:
        """Write the sync state into the dataset's extras (only when it changed)."""
        new = self.state.advanced(**changes)
        if new == self.state:
            return
        self.ckan.call("package_patch", {"id": self.package["id"], "extras": self._extras(new)})
        self.state = new

    # -- rows ---------------------------------------------------------------------------------
    def _first_load(self, datastore: DataStoreTable, *, resume: bool) -> FileSet:
        """Insert the public view in record-id order after what the table already holds.

        The store is read, and the download files written from the same pass, in a
        background thread while CKAN inserts the previous batch; answers those files.
        """
        after = datastore.last_record_id() if resume else None
        writer = TableWriter(
            self.table,
            names=partial(self.config.resource_name, self.entry),
            max_bytes=self.config.max_file_bytes,
        )

        def batches() -> Iterator[list[Row]]:
            batch: list[Row] = []
            for shown in self._views():
                cells = self.table.cells(shown)
                writer.add(shown, cells)
                if after is not None and shown["record_id"] <= after:
                    continue
                batch.append(cells)
                if len(batch) >= self.batch_rows:
                    yield batch
                    batch = []
            if batch:
                yield batch

        try:
            with Prefetch(batches()) as ahead:
                for batch in ahead:
                    self._write(datastore, batch, [], method="insert")
            self._confirm(phase=None)  # may fail too: the files are dropped either way
        except BaseException:
            writer.abort()
            raise
        return writer.finish()

    def _window_scan(self, datastore: DataStoreTable) -> None:
        """Records whose publication window opened or closed since the confirmed day."""
        before = self.state.today
        written = self.result.upserted + self.result.deleted
        upserts: list[Row] = []
        deletes: list[str] = []
        after: str | None = None
        while True:
            page = self.store.records(
                self.entry.id, after_record_id=after, limit=STORE_PAGE, state="active"
            )
            for stored in page:
                if not stored.publishable:
                    continue
                now = stored.in_window(self.today)
                if before is not None and stored.in_window(before) == now:
                    continue
                shown = view(stored, Audience.PUBLIC, today=self.today) if now else None
                if shown is not None:
                    upserts.append(self.table.cells(shown))
                else:
                    deletes.append(stored.record_id)
            if len(upserts) + len(deletes) >= self.batch_rows or len(page) < STORE_PAGE:
                self._write(datastore, upserts, deletes)
                upserts, deletes = [], []
            if len(page) < STORE_PAGE:
                break
            after = page[-1].record_id
        if self.result.upserted + self.result.deleted > written:
            self._confirm(today=self.today)

    def _replay(self, datastore: DataStoreTable) -> None:
        events = self.store.iter_changes(
            self.state.seq or 0, [self.entry.id], batch_size=min(self.batch_rows, 50_000)
        )
        batch: list[Any] = []
        for event in events:
            batch.append(event)
            if len(batch) >= self.batch_rows:
                self._apply(datastore, batch)
                batch = []
        if batch:
            self._apply(datastore, batch)

    def _apply(self, datastore: DataStoreTable, events: list[Any]) -> None:
        latest: dict[str, dict[str, Any]] = {}
        hidden = self.store.hidden(events, Audience.PUBLIC)
        for event in events:
            item = view_event(event, Audience.PUBLIC, today=self.today, hidden=hidden)
            if item is not None:
                latest[event.record_id] = item
        upserts = [self.table.cells(i["record"]) for i in latest.values() if i["op"] == "upsert"]
        deletes = [rid for rid, i in latest.items() if i["op"] != "upsert"]
        self._write(datastore, upserts, deletes)
        self._confirm(seq=events[-1].seq, today=self.today)

    def _reconcile(self, datastore: DataStoreTable, rows: Iterable[Row]) -> None:
        """Make the table equal ``rows``: upsert what differs, delete what is extra."""
        present = datastore.row_hashes()
        batch: list[Row] = []
        for row in rows:
            if present.pop(str(row[RECORD_ID]), None) != row_hash(row):
                batch.append(row)
                if len(batch) >= self.batch_rows:
                    self._write(datastore, batch, [])
                    batch = []
        self._write(datastore, batch, [])
        extra = sorted(present)
        for start in range(0, len(extra), self.batch_rows):
            self._write(datastore, [], extra[start : start + self.batch_rows])

    def _write(
        self,
        datastore: DataStoreTable,
        upserts: Sequence[Row],
        deletes: Sequence[str],
        *,
        method: str = "upsert",
    ) -> None:
        if deletes:
            self.result.deleted += datastore.delete(deletes)
        if upserts:
            self.result.upserted += datastore.upsert(
                upserts, method="insert" if method == "insert" else "upsert"
            )
        if self.progress is not None and (upserts or deletes):
            self.progress.advance(len(upserts) + len(deletes))

    def _rejected(self, row: RejectedRow) -> None:
        self.result.rejected += 1
        self.summary.rejected.append(row)

    def _views(self) -> Iterator[dict[str, Any]]:
        return store_views(self.store, self.entry.id, self.today)

    def _write_files(self, views: Iterable[dict[str, Any]]) -> FileSet:
        return write_tables(
            self.table,
            views,
            names=partial(self.config.resource_name, self.entry),
            max_bytes=self.config.max_file_bytes,
        )
