"""One dataset's rows and state in one publishing run (the base of
:class:`portal.dataset_run.DatasetRun`): the first load, the window scan, the replay of the
change log, the reconciliation with what CKAN holds, and the sync state confirmed in the
dataset's extras after each step (:mod:`portal.state`). The steps are those of
:mod:`portal.sync`'s docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import Any

from catalog import Catalog, CatalogEntry
from portal.client import CkanClient
from portal.datastore import DataStoreTable, Row
from portal.files import FileSet, TableWriter, write_tables
from portal.metadata import extras_map, package_dict
from portal.naming import PortalConfig
from portal.prefetch import Prefetch
from portal.source import CATALOGUE, STORE_PAGE, store_views
from portal.state import SyncState
from portal.summary import DatasetSummary, Progress, PublishSummary, RejectedRow
from portal.table import RECORD_ID, PublicTable, row_hash
from store import Audience, Store, view, view_event


class DatasetSync:
    """What one dataset's run holds, and how it writes rows and confirms its state."""

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

    # -- state -------------------------------------------------------------------------------
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
