"""Publishing one catalogue dataset in one run: :class:`DatasetRun` (steps 1–5 of
:mod:`portal.sync`'s docstring): the CKAN dataset and its resources made to match the
catalogue, then the rows (:class:`portal.rows.DatasetSync`) and the files.

A table whose columns changed (a new column, say the objection mark) is reconciled row by
row on the run that changes it, so the rows already loaded get the new cells.
"""

from __future__ import annotations

from ckanapi import ValidationError  # type: ignore[import-untyped]

from portal.datastore import DataStoreTable
from portal.errors import PortalRefusedError
from portal.files import FileSet
from portal.metadata import package_changes, resource_dict
from portal.naming import Role
from portal.resources import DatasetResources
from portal.rows import DatasetSync
from portal.source import CATALOGUE, catalogue_views
from portal.state import SNAPSHOT, SyncState


class DatasetRun(DatasetSync):
    """Publishing one catalogue dataset in one run."""

    resources: DatasetResources

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
            reshaped = created and total > 0  # the rows in CKAN lack the new columns
            if full or reshaped or (self.state.fresh and total > 0):
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
