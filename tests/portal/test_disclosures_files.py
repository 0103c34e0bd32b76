"""The open-data portal mapping of 消费投诉信息公示 and 信用承诺事项清单, without a live CKAN:
the package metadata, the public table and the files (CSV, NDJSON, datapackage.json) built
from the store's public views, checked with frictionless. No complainant column exists."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import frictionless
import pytest

from catalog import load_catalog
from portal import PortalConfig, PublicTable, Role
from portal.files import datapackage, write_datapackage, write_tables
from portal.metadata import package_dict
from portal.naming import check_organisations, public_entries
from store import Audience, open_store, submit_records, view

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
EXPECTED = {
    # dataset: (CKAN dataset name, organisation, public rows of the three examples on the day)
    "consumer-complaint": ("wuhan-credit-consumer-complaint", "wuhan-amr", 2),
    "commitment-matters": ("wuhan-credit-commitment-matters", "wuhan-drc", 2),
}
DAY = date(2026, 8, 1)


def public_views(dataset: str, tmp_path: Path) -> list[dict[str, Any]]:
    entry = load_catalog()[dataset]
    records = json.loads((FIXTURES / f"{entry.schema_id}.valid.json").read_text("utf-8"))
    st = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        assert submit_records(st, dataset, records, actor="dept").accepted == 3
        views = [view(r, Audience.PUBLIC, today=DAY) for r in st.records(dataset, state="all")]
    finally:
        st.close()
    return [v for v in views if v is not None]


@pytest.mark.parametrize("dataset", sorted(EXPECTED))
def test_both_are_public_open_data_packages(dataset: str) -> None:
    catalog = load_catalog()
    entry = catalog[dataset]
    name, organisation, _ = EXPECTED[dataset]
    assert entry in public_entries(catalog)
    assert not check_organisations(catalog)
    package = package_dict(entry, PortalConfig(), catalog)
    assert (package["name"], package["owner_org"]) == (name, organisation)
    assert package["license_id"] == "cc-by" and package["private"] is False
    assert package["title"] == entry.title_zh


def test_the_complaint_table_has_no_complainant_column() -> None:
    table = PublicTable(load_catalog()["consumer-complaint"])
    assert {"complaint_no", "issue_category", "handling_result", "closing_date"} <= set(table.ids)
    assert not [c for c in table.columns if "complainant" in c.id or "投诉人" in c.label]
    assert "legal_rep_id_no" not in table.ids  # masked fields never reach the public table


@pytest.mark.parametrize("dataset", sorted(EXPECTED))
def test_files_from_the_public_views_validate(dataset: str, tmp_path: Path) -> None:
    views = public_views(dataset, tmp_path)
    name, _, rows = EXPECTED[dataset]
    assert len(views) == rows
    table = PublicTable(load_catalog()[dataset])
    out = tmp_path / "out"
    out.mkdir()
    package = package_dict(load_catalog()[dataset], PortalConfig(), load_catalog())
    with write_tables(table, views, names=lambda role, part: f"{name}-{part}.{role.value}") as fs:
        urls = {role: [g.path.name for g in fs.parts[role]] for role in fs.parts}
        descriptor = datapackage(table, package, fs, urls, homepage="http://x")
        write_datapackage(fs, descriptor)
        for generated in (*fs.parts[Role.CSV], *fs.parts[Role.NDJSON]):
            shutil.copy(generated.path, out / generated.path.name)
        assert fs.datapackage is not None
        shutil.copy(fs.datapackage.path, out / "datapackage.json")
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    csv_file = next(out.glob("*.csv"))
    csv_rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig"), newline="")))
    assert sorted(r["记录标识"] for r in csv_rows) == sorted(v["record_id"] for v in views)
