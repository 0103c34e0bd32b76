"""One dataset's DataStore table (数据表) in CKAN: create it, write rows, read them back.

Writes go in batches, one ``datastore_upsert`` or ``datastore_records_delete`` call each; a
batch is one transaction in CKAN, so it is in the table completely or not at all. When CKAN
rejects a batch because of one row (CKAN names it in ``records_row``; without that the batch
is split in halves until the row is found), that row is reported as a
:class:`portal.RejectedRow` and the rest of the batch is sent again — one bad row never
blocks the others.

Every write passes ``force=True``: the publisher owns the table even if somebody changed the
resource's ``url_type`` by hand (CKAN calls other tables read-only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from ckanapi import ValidationError  # type: ignore[import-untyped]

from portal.client import CkanClient
from portal.summary import RejectedRow
from portal.table import RECORD_ID, PublicTable, row_hash

Method = Literal["insert", "upsert"]
Row = dict[str, str | None]

SEARCH_PAGE = 32_000
"""CKAN's default ``ckan.datastore.search.rows_max``."""


class DataStoreTable:
    """The DataStore table behind one resource, described by a :class:`PublicTable`."""

    def __init__(
        self,
        ckan: CkanClient,
        resource_id: str,
        table: PublicTable,
        *,
        on_reject: Callable[[RejectedRow], None],
    ) -> None:
        self.ckan = ckan
        self.resource_id = resource_id
        self.table = table
        self._on_reject = on_reject
        self._indexed: set[str] = set()

    # -- structure ----------------------------------------------------------------------------
    def ensure(self) -> tuple[int, bool]:
        """Create the table (primary key only), or update its columns and data dictionary
        when they differ. Answers ``(rows in the table, whether a write was needed)``.

        The indexes on the natural-key columns come later (:meth:`ensure_indexes`): building
        them once over a loaded table is cheaper than keeping them up to date row by row.
        """
        info = self.ckan.show("datastore_info", id=self.resource_id)
        desired = self.table.datastore_fields()
        fields = (info or {}).get("fields") or []
        self._indexed = {f["id"] for f in fields if (f.get("schema") or {}).get("is_index")}
        rows = int(((info or {}).get("meta") or {}).get("count") or 0)
        if info is not None and _fields_match(fields, desired):
            return rows, False
        self._create(indexes=sorted(self._indexed & set(self.table.key_columns)))
        return rows, True

    def ensure_indexes(self) -> bool:
        """Index every public natural-key column; answers whether a write was needed."""
        if set(self.table.key_columns) <= self._indexed:
            return False
        self._create(indexes=list(self.table.key_columns))
        self._indexed |= set(self.table.key_columns)
        return True

    def _create(self, *, indexes: list[str]) -> None:
        self.ckan.call(
            "datastore_create",
            {
                "resource_id": self.resource_id,
                "fields": self.table.datastore_fields(),
                "primary_key": [RECORD_ID],
                "indexes": indexes,
                "force": True,
            },
        )

    # -- writes -------------------------------------------------------------------------------
    def upsert(self, rows: Sequence[Row], *, method: Method = "upsert") -> int:
        """Write rows (``insert`` only into rows known to be absent); answers how many CKAN
        accepted. Rejected rows go to ``on_reject``."""
        if not rows:
            return 0
        try:
            self._write(rows, method)
            return len(rows)
        except ValidationError as exc:
            if method == "insert":
                # a row already present (a resumed first load) also fails an insert: upsert
                return self.upsert(rows, method="upsert")
            return self._isolate(list(rows), exc)

    def _write(self, rows: Sequence[Row], method: Method) -> None:
        self.ckan.call(
            "datastore_upsert",
            {
                "resource_id": self.resource_id,
                "records": list(rows),
                "method": method,
                "force": True,
                "calculate_record_count": False,
            },
            validation_errors=True,
        )

    def _isolate(self, rows: list[Row], exc: ValidationError) -> int:
        """Find and report the rejected rows of a failed batch; write the others."""
        accepted = 0
        while rows:
            index = exc.error_dict.get("records_row") if exc.error_dict else None
            if isinstance(index, int) and 0 <= index < len(rows):
                self._reject(rows.pop(index), exc)
            elif len(rows) == 1:
                self._reject(rows.pop(), exc)
            else:
                middle = len(rows) // 2
                return accepted + self.upsert(rows[:middle]) + self.upsert(rows[middle:])
            if not rows:
                break
            try:
                self._write(rows, "upsert")
                return accepted + len(rows)
            except ValidationError as again:
                exc = again
        return accepted

    def _reject(self, row: Row, exc: ValidationError) -> None:
        details = exc.error_dict or {}
        messages = details.get("records") or [
            f"{k}: {v}" for k, v in details.items() if k not in ("__type", "records_row")
        ]
        message = (
            "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        )
        key = {f: str(row[f]) for f in self.table.key_columns if row.get(f)}
        self._on_reject(
            RejectedRow(
                dataset=self.table.entry.id,
                record_id=str(row[RECORD_ID]),
                key=key,
                message=message or "rejected by CKAN",
            )
        )

    def delete(self, record_ids: Sequence[str]) -> int:
        """Delete rows by record id (absent ones are fine); answers how many were asked."""
        if not record_ids:
            return 0
        self.ckan.call(
            "datastore_records_delete",
            {
                "resource_id": self.resource_id,
                "filters": {RECORD_ID: list(record_ids)},
                "force": True,
            },
        )
        return len(record_ids)

    # -- reads --------------------------------------------------------------------------------
    def rows(self, *, page: int = SEARCH_PAGE) -> Iterator[Row]:
        """Every row of the table (without ``_id``), in ``_id`` order."""
        offset = 0
        ids = list(self.table.ids)
        while True:
            result = self.ckan.call(
                "datastore_search",
                {
                    "resource_id": self.resource_id,
                    "limit": page,
                    "offset": offset,
                    "sort": "_id",
                    "fields": ids,
                    "include_total": False,
                },
            )
            records = result.get("records") or []
            for record in records:
                yield {i: record.get(i) for i in ids}
            if len(records) < page:
                return
            offset += page

    def row_hashes(self) -> dict[str, str]:
        """``record_id -> row hash`` of every row (see :func:`portal.table.row_hash`)."""
        return {str(r[RECORD_ID]): row_hash(r) for r in self.rows()}

    def last_record_id(self) -> str | None:
        """The largest ``record_id`` in the table (where an interrupted first load resumes).

        Record ids of one dataset share their prefix and then use only ``[a-z2-7]``, so the
        DataStore's text order and the store's agree.
        """
        result = self.ckan.call(
            "datastore_search",
            {
                "resource_id": self.resource_id,
                "limit": 1,
                "sort": f"{RECORD_ID} desc",
                "fields": [RECORD_ID],
                "include_total": False,
            },
        )
        records = result.get("records") or []
        return str(records[0][RECORD_ID]) if records else None


def _fields_match(
    existing: Sequence[Mapping[str, Any]], desired: Sequence[Mapping[str, Any]]
) -> bool:
    have = []
    for f in existing:
        if f.get("id") != "_id":
            info = f.get("info") or {}
            have.append((f["id"], f.get("type"), info.get("label"), info.get("notes")))
    want = [(f["id"], f["type"], f["info"]["label"], f["info"]["notes"]) for f in desired]
    return have == want
