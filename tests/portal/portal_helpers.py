"""Helpers of the CKAN tests: start/stop the real CKAN, read it back independently of the
publisher (plain ``ckanapi`` and HTTP downloads), and compute what it should hold straight
from the store's public view."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import ckanapi
import requests

import demo
from store import Audience, Store, SubmitResult, view

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ckan"
TODAY = date(2026, 11, 28)
READ_ACTIONS = frozenset(
    {
        "package_show",
        "organization_show",
        "resource_show",
        "datastore_search",
        "status_show",
        "datastore_info",
        "package_list",
        "organization_list",
    }
)
META = (
    "under_objection",
    "objection_status",
    "record_version",
    "record_updated_at",
    "window_start",
    "window_end",
)


def ckan_script(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``scripts/ckan`` with arguments."""
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass(frozen=True)
class CkanSite:
    """The test CKAN: its URL and sysadmin key, and a plain ckanapi client for checks."""

    url: str
    api_key: str

    @classmethod
    def from_env_lines(cls, text: str) -> CkanSite:
        env = dict(line.split("=", 1) for line in text.strip().splitlines() if "=" in line)
        return cls(env["CKAN_URL"], env["CKAN_API_KEY"])

    @property
    def api(self) -> ckanapi.RemoteCKAN:
        return ckanapi.RemoteCKAN(self.url, apikey=self.api_key)

    def package(self, name: str) -> dict[str, Any]:
        return self.api.action.package_show(id=name)  # type: ignore[no-any-return]

    def resources(self, name: str, role: str) -> list[dict[str, Any]]:
        """The resources of a role, in part order."""
        found = [r for r in self.package(name)["resources"] if r.get("creditgate_role") == role]
        return sorted(found, key=lambda r: int(r.get("creditgate_part") or 1))

    def resource(self, name: str, role: str) -> dict[str, Any]:
        matches = self.resources(name, role)
        assert len(matches) == 1, matches
        return matches[0]

    def table(self, resource_id: str) -> dict[str, dict[str, Any]]:
        """Every DataStore row by record_id (``_id`` dropped)."""
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self.api.action.datastore_search(
                resource_id=resource_id, limit=10_000, offset=offset, sort="_id"
            )["records"]
            for row in page:
                row.pop("_id", None)
                assert row["record_id"] not in out, f"duplicate row {row['record_id']}"
                out[row["record_id"]] = row
            if len(page) < 10_000:
                return out
            offset += 10_000

    def fields(self, resource_id: str) -> list[dict[str, Any]]:
        result = self.api.action.datastore_search(resource_id=resource_id, limit=0)
        return [f for f in result["fields"] if f["id"] != "_id"]

    def download(self, url: str) -> bytes:
        response = requests.get(url, timeout=120)
        assert response.status_code == 200, (url, response.status_code)
        return response.content


class RecordingSession(requests.Session):
    """A ``requests.Session`` that records the action name of every API call."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> Any:
        path = urlparse(url if isinstance(url, str) else url.decode()).path
        if "/api/action/" in path:
            self.actions.append(path.rsplit("/", 1)[-1])
        return super().request(method, url, *args, **kw)

    def writes(self) -> list[str]:
        return [a for a in self.actions if a not in READ_ACTIONS]


def penalties(n: int, seed: int = 1) -> list[dict[str, Any]]:
    return list(demo.penalties(n, seed=seed))


def submit(store: Store, dataset: str, records: Iterable[Mapping[str, Any]]) -> SubmitResult:
    result = store.submit(dataset, enumerate(records, 1), actor="test")
    assert result.accepted > 0, result
    return result


def flatten(shown: Mapping[str, Any]) -> dict[str, str | None]:
    """A public view as the table row it must become (lists joined with ';')."""
    row: dict[str, str | None] = {}
    for key, value in shown.items():
        if key in ("dataset", "_meta") or value is None:
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            row[key] = ";".join(value)
        elif isinstance(value, (list, dict)):
            row[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            row[key] = str(value)
    meta = shown["_meta"]
    row["under_objection"] = "true" if meta["under_objection"] else "false"
    row["objection_status"] = meta["objection_status"]
    row["record_version"] = str(meta["version"])
    row["record_updated_at"] = meta["updated_at"]
    row["window_start"] = meta["window_start"]
    row["window_end"] = meta["window_end"]
    return row


def public_views(store: Store, dataset: str, today: date) -> dict[str, dict[str, Any]]:
    """What the public may see of a dataset today, as views by record_id."""
    out: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = store.records(dataset, after_record_id=after, limit=1000, state="all")
        for stored in page:
            shown = view(stored, Audience.PUBLIC, today=today)
            if shown is not None:
                out[stored.record_id] = shown
        if len(page) < 1000:
            return out
        after = page[-1].record_id


def public_rows(store: Store, dataset: str, today: date) -> dict[str, dict[str, str | None]]:
    """What the public may see of a dataset today, as rows by record_id."""
    out: dict[str, dict[str, str | None]] = {}
    after = None
    while True:
        page = store.records(dataset, after_record_id=after, limit=1000, state="all")
        for stored in page:
            shown = view(stored, Audience.PUBLIC, today=today)
            if shown is not None:
                out[stored.record_id] = flatten(shown)
        if len(page) < 1000:
            return out
        after = page[-1].record_id


def csv_rows(data: bytes, labels: Mapping[str, str]) -> dict[str, dict[str, str | None]]:
    """A published CSV's rows by record_id, keyed by column id (``labels``: header -> id)."""
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a UTF-8 byte-order mark"
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    out: dict[str, dict[str, str | None]] = {}
    for record in reader:
        row = {labels[k]: (v if v != "" else None) for k, v in record.items()}
        out[str(row["record_id"])] = row
    return out


def ndjson_views(data: bytes) -> dict[str, dict[str, Any]]:
    """A published NDJSON's lines (views) by record_id."""
    out: dict[str, dict[str, Any]] = {}
    for line in data.decode("utf-8").splitlines():
        obj = json.loads(line)
        assert obj["record_id"] not in out, f"a view twice: {obj['record_id']}"
        out[str(obj["record_id"])] = obj
    return out


def assert_same_rows(
    actual: Mapping[str, Mapping[str, Any]], expected: Mapping[str, Mapping[str, Any]], where: str
) -> None:
    """Row-by-row equality: same record ids, and each expected value in each row; columns the
    view does not have must be empty."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, f"{where}: missing {missing[:5]}, extra {extra[:5]}"
    for record_id, want in expected.items():
        have = actual[record_id]
        assert set(want) <= set(have), f"{where}: {record_id} lacks {set(want) - set(have)}"
        diff = {k: (have.get(k), want.get(k)) for k in have if have.get(k) != want.get(k)}
        assert not diff, f"{where}: {record_id} differs: {diff}"


def assert_published(site: CkanSite, name: str, store: Store, dataset: str, today: date) -> None:
    """The DataStore table, the CSV and the NDJSON of ``name`` all equal the public view."""
    expected = public_rows(store, dataset, today)
    table = site.resource(name, "datastore")
    assert_same_rows(site.table(table["id"]), expected, f"{name} DataStore")
    labels = {f["info"]["label"]: f["id"] for f in site.fields(table["id"])}
    from_csv: dict[str, dict[str, str | None]] = {}
    for part in site.resources(name, "csv"):  # every part is a complete CSV
        rows = csv_rows(site.download(part["url"]), labels)
        assert not set(rows) & set(from_csv), "a row in two parts"
        from_csv |= rows
    assert_same_rows(from_csv, expected, f"{name}.csv")
    from_ndjson: dict[str, dict[str, Any]] = {}
    for part in site.resources(name, "ndjson"):
        from_ndjson |= ndjson_views(site.download(part["url"]))
    views = public_views(store, dataset, today)  # the NDJSON holds the views themselves
    assert sorted(from_ndjson) == sorted(views), f"{name}.ndjson: other records"
    for record_id, shown in views.items():
        assert from_ndjson[record_id] == shown, f"{name}.ndjson: {record_id} differs"


def refuse_rows(site: CkanSite, table_id: str, function: str, marker: str) -> None:
    """Make the portal itself refuse rows whose ``penalty_content`` contains ``marker``
    (a DataStore trigger, as a portal-side validation would)."""
    site.api.action.datastore_function_create(
        name=function,
        rettype="trigger",
        or_replace=True,
        definition=f"BEGIN IF NEW.penalty_content LIKE '%{marker}%' THEN "
        "RAISE EXCEPTION '门户拒收该记录 %', NEW.decision_doc_no; END IF; RETURN NEW; END;",
    )
    site.api.action.datastore_create(
        resource_id=table_id, force=True, triggers=[{"function": function}]
    )


def purge(site: CkanSite, prefix: str) -> None:
    """Remove every dataset whose name starts with ``prefix`` (best effort: CKAN may be down
    after a failed test)."""
    try:
        names = [n for n in site.api.action.package_list() if n.startswith(prefix)]
        for name in names:
            site.api.action.dataset_purge(id=name)
    except (ckanapi.CKANAPIError, requests.RequestException):
        pass


def purge_organisations(site: CkanSite, prefix: str) -> None:
    """Remove every organisation whose name starts with ``prefix`` (best effort)."""
    try:
        for name in site.api.action.organization_list():
            if name.startswith(prefix):
                site.api.action.organization_purge(id=name)
    except (ckanapi.CKANAPIError, requests.RequestException):
        pass
