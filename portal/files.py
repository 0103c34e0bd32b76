"""Downloadable files (下载文件) of a public table: CSV, NDJSON and ``datapackage.json``.

- CSV: UTF-8 with a byte-order mark and CRLF line ends, Chinese headers (so Excel opens it
  correctly), one row per record in record-id order, lists joined with ``;``;
- NDJSON: one public view per line (:meth:`portal.table.PublicTable.json_row`), the same
  bytes as the gateway's public NDJSON download of the same record on the same day;
- ``datapackage.json``: a Frictionless Data Package describing them, with their Table
  Schemas, sizes and SHA-256 hashes, so ``frictionless validate`` checks the files.

A portal refuses uploads above its ``ckan.max_resource_size`` (10 MB by default), so a table
larger than ``max_bytes`` is split by rows into parts ``1..n``, each a complete file of its
own (the CSV parts each with BOM and header, so every part still opens in Excel); the Data
Package lists every part as a resource with the same schema.

Writers take an iterator of public views and stream to temporary files (memory stays flat);
:class:`FileSet` holds the results until they are uploaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from portal.naming import Role
from portal.table import PublicTable
from publishers import SafeWriter

BOM = "\ufeff"
MEDIA_TYPES = {
    Role.CSV: "text/csv",
    Role.NDJSON: "application/x-ndjson",
    Role.DATAPACKAGE: "application/json",
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""CKAN's default ``ckan.max_resource_size`` (10 MB)."""


@dataclass
class GeneratedFile:
    """A generated file on disk: role, part number, path, size in bytes, ``sha256:<hex>``."""

    role: Role
    path: Path
    size: int
    hash: str
    part: int = 1
    rows: int = 0

    def open(self) -> IO[bytes]:
        """The file, opened for reading in binary."""
        return self.path.open("rb")


@dataclass
class FileSet:
    """The CSV and NDJSON parts of one table (and later its datapackage), in a temporary
    directory removed by :meth:`close`."""

    directory: Path
    rows: int = 0
    parts: dict[Role, list[GeneratedFile]] = field(default_factory=dict)
    datapackage: GeneratedFile | None = None

    def close(self) -> None:
        """Delete the files."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FileSet:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _PartWriter:
    """Writes lines of one format into parts of at most ``max_bytes`` (each part starting
    with ``head``); a single line larger than that gets a part of its own."""

    def __init__(
        self,
        directory: Path,
        role: Role,
        names: Callable[[Role, int], str],
        head: bytes,
        max_bytes: int,
    ) -> None:
        self.directory, self.role, self.names = directory, role, names
        self.head, self.max_bytes = head, max_bytes
        self.done: list[GeneratedFile] = []
        self._open()

    def _open(self) -> None:
        part = len(self.done) + 1
        self.path = self.directory / self.names(self.role, part)
        self.file = self.path.open("wb", buffering=1 << 16)
        self.sha = hashlib.sha256(self.head)
        self.file.write(self.head)
        self.size, self.rows = len(self.head), 0

    def add(self, line: bytes) -> None:
        if self.rows and self.size + len(line) > self.max_bytes:
            self._finish()
            self._open()
        self.file.write(line)
        self.sha.update(line)
        self.size += len(line)
        self.rows += 1

    def _finish(self) -> None:
        self.file.close()
        self.done.append(
            GeneratedFile(
                self.role,
                self.path,
                self.size,
                f"sha256:{self.sha.hexdigest()}",
                len(self.done) + 1,
                self.rows,
            )
        )

    def close(self) -> list[GeneratedFile]:
        self._finish()
        return self.done

    def abort(self) -> None:
        self.file.close()


class TableWriter:
    """Pushes views into CSV and NDJSON parts; :meth:`finish` answers the :class:`FileSet`.

    ``names(role, part)`` names each file.
    """

    def __init__(
        self,
        table: PublicTable,
        *,
        names: Callable[[Role, int], str],
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.table = table
        self.files = FileSet(Path(tempfile.mkdtemp(prefix="creditgate-portal-")))
        header = io.StringIO()
        csv.writer(header, lineterminator="\r\n").writerow([c.label for c in table.columns])
        directory = self.files.directory
        self._csv = _PartWriter(
            directory, Role.CSV, names, (BOM + header.getvalue()).encode(), max_bytes
        )
        self._ndjson = _PartWriter(directory, Role.NDJSON, names, b"", max_bytes)
        self._buffer = io.StringIO()
        self._writer = SafeWriter(csv.writer(self._buffer, lineterminator="\r\n"))

    def add(self, view: Mapping[str, Any], cells: Mapping[str, str | None] | None = None) -> None:
        """Append one public view to both formats (``cells``: its row, if already made)."""
        cells = cells if cells is not None else self.table.cells(view)
        self._writer.writerow(["" if cells[i] is None else cells[i] for i in self.table.ids])
        self._csv.add(self._buffer.getvalue().encode())
        self._buffer.seek(0)
        self._buffer.truncate()
        self._ndjson.add(orjson.dumps(self.table.json_row(view)) + b"\n")
        self.files.rows += 1

    def finish(self) -> FileSet:
        """Close the last parts; the files written."""
        self.files.parts[Role.CSV] = self._csv.close()
        self.files.parts[Role.NDJSON] = self._ndjson.close()
        return self.files

    def abort(self) -> None:
        """Give up: close and delete everything written."""
        self._csv.abort()
        self._ndjson.abort()
        self.files.close()


def write_tables(
    table: PublicTable,
    views: Iterable[Mapping[str, Any]],
    *,
    names: Callable[[Role, int], str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileSet:
    """Stream ``views`` into CSV and NDJSON parts (see :class:`TableWriter`)."""
    writer = TableWriter(table, names=names, max_bytes=max_bytes)
    try:
        for view in views:
            writer.add(view)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def _licence(package: Mapping[str, Any]) -> dict[str, Any]:
    """The Data Package licence of a CKAN package."""
    licence: dict[str, Any] = {"name": package.get("license_id") or "notspecified"}
    if package.get("license_url"):
        licence["path"] = package["license_url"]
    if package.get("license_title"):
        licence["title"] = package["license_title"]
    return licence


def datapackage(
    table: PublicTable,
    package: Mapping[str, Any],
    files: FileSet,
    urls: Mapping[Role, Sequence[str]],
    *,
    homepage: str,
) -> dict[str, Any]:
    """The Data Package descriptor of a dataset's CSV and NDJSON parts (paths: their URLs)."""
    name = package["name"]
    extras = {e["key"]: e["value"] for e in package.get("extras") or ()}
    resources = []
    formats: tuple[tuple[Role, Literal["zh", "id"], str], ...] = (
        (Role.CSV, "zh", "csv"),
        (Role.NDJSON, "id", "ndjson"),
    )
    for role, labels, fmt in formats:
        schema = table.table_schema(labels=labels)
        for generated, url in zip(files.parts[role], urls[role], strict=True):
            suffix = "" if generated.part == 1 else f"-{generated.part}"
            resource: dict[str, Any] = {
                "name": f"{name}-{fmt}{suffix}",
                "path": url,
                "profile": "tabular-data-resource",
                "format": fmt,
                "mediatype": MEDIA_TYPES[role],
                "encoding": "utf-8",
                "bytes": generated.size,
                "hash": generated.hash,
                "schema": schema,
            }
            if role is Role.CSV:
                resource["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n", "header": True}
            else:  # a view omits absent fields: read every line by the schema's keys
                resource["dialect"] = {"json": {"keys": table.ndjson_keys()}}
            if len(files.parts[role]) > 1:
                resource["x-part"] = {
                    "part": generated.part,
                    "of": len(files.parts[role]),
                    "rows": generated.rows,
                }
            resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": f"{package.get('title')} / {extras.get('title_en', '')}".rstrip(" /"),
        "description": package.get("notes") or "",
        "version": package.get("version") or "",
        "homepage": homepage,
        "licenses": [_licence(package)],
        "keywords": sorted(t["name"] for t in package.get("tags") or ()),
        "sources": [{"title": p} for p in (extras.get("providers") or "").split("、") if p],
        "x-json-schema": extras.get("json_schema"),
        "x-record-count": files.rows,
        "resources": resources,
    }


def write_datapackage(files: FileSet, descriptor: Mapping[str, Any]) -> GeneratedFile:
    """Write ``datapackage.json`` next to the tables and keep it in ``files``."""
    body = orjson.dumps(descriptor, option=orjson.OPT_INDENT_2) + b"\n"
    path = files.directory / "datapackage.json"
    path.write_bytes(body)
    files.datapackage = GeneratedFile(
        Role.DATAPACKAGE, path, len(body), f"sha256:{hashlib.sha256(body).hexdigest()}"
    )
    return files.datapackage
