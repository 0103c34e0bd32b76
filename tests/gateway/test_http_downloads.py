"""Downloads with validators and byte ranges (:mod:`gateway.spool`): a strong ETag, 304,
Range / If-Range / 206 / 416 from the kept file, the bounded spool, HEAD."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_helpers import Api
from test_http import add_penalty

from store import Role

PENALTY = "administrative-penalty"
NDJSON = f"/api/v1/datasets/{PENALTY}/download.ndjson"
CSV = f"/api/v1/datasets/{PENALTY}/download.csv"
PLAIN = {"accept-encoding": "identity"}


@pytest.fixture
def api(make_api: Callable[..., Any], tmp_path: Path) -> Iterator[Api]:
    with make_api(download_cache_dir=str(tmp_path / "spool")) as made:
        yield made


def kept(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "spool").glob("*.download"))


def test_a_finished_download_is_kept_and_served_by_ranges(api: Api, tmp_path: Path) -> None:
    full = api.get(NDJSON, headers=PLAIN)
    assert full.status_code == 200, full.text
    etag = full.headers["etag"]
    assert etag.startswith('"') and full.headers["accept-ranges"] == "bytes"
    assert "content-length" not in full.headers  # streamed as it was made
    assert len(kept(tmp_path)) == 1
    again = api.get(NDJSON, headers=PLAIN)
    assert again.content == full.content and again.headers["etag"] == etag
    assert again.headers["content-length"] == str(len(full.content))
    part = api.get(NDJSON, headers={**PLAIN, "range": "bytes=100-199", "if-range": etag})
    assert part.status_code == 206, part.text
    assert part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(full.content)}"
    tail = api.get(NDJSON, headers={**PLAIN, "range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == full.content[-10:]
    several = api.get(NDJSON, headers={**PLAIN, "range": "bytes=0-9,20-29"})
    assert several.status_code == 206
    assert several.headers["content-type"].startswith("multipart/byteranges")
    assert api.get(NDJSON, headers={**PLAIN, "if-none-match": etag}).status_code == 304


def test_if_range_with_another_tag_gets_the_whole_file(api: Api) -> None:
    full = api.get(NDJSON, headers=PLAIN)
    stale = {**PLAIN, "range": "bytes=0-9"}
    assert api.get(NDJSON, headers={**stale, "if-range": '"1-old"'}).status_code == 200
    weak = {**stale, "if-range": "W/" + full.headers["etag"]}
    assert api.get(NDJSON, headers=weak).status_code == 200  # never a weak tag
    add_penalty(api, 601)
    moved = api.get(NDJSON, headers={**stale, "if-range": full.headers["etag"]})
    assert moved.status_code == 200 and moved.headers["etag"] != full.headers["etag"]
    position = int(full.headers["x-creditgate-log-position"])
    assert int(moved.headers["x-creditgate-log-position"]) == position + 1


def test_a_range_first_writes_the_file_then_answers(api: Api, tmp_path: Path) -> None:
    part = api.get(CSV, headers={**PLAIN, "range": "bytes=0-2"})
    assert part.status_code == 206, part.text
    assert part.content == "\ufeff".encode()  # the BOM: Excel reads UTF-8
    assert len(kept(tmp_path)) == 1
    whole = api.get(CSV, headers=PLAIN)
    assert whole.headers["content-length"] == part.headers["content-range"].split("/")[1]


def test_bad_ranges(api: Api) -> None:
    size = len(api.get(NDJSON, headers=PLAIN).content)
    beyond = api.get(NDJSON, headers={**PLAIN, "range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.json()["status"] == 416 and beyond.json()["ok"] is False
    malformed = api.get(NDJSON, headers={**PLAIN, "range": "lines=1-2"})
    assert malformed.status_code == 200 and len(malformed.content) == size  # ignored


def test_the_spool_stays_within_its_budget(make_api: Callable[..., Any], tmp_path: Path) -> None:
    spool = tmp_path / "small"
    with make_api(download_cache_dir=str(spool), download_cache_bytes=2000) as api:
        whole = api.get(NDJSON, headers=PLAIN)
        assert len(whole.content) > 2000
        ranged = api.get(NDJSON, headers={**PLAIN, "range": "bytes=0-9"})
        assert ranged.status_code == 200 and ranged.content == whole.content  # too big to keep
        small = f"/api/v1/datasets/{PENALTY}/download.csv?uscc=000000000000000000"
        assert api.get(small, headers={**PLAIN, "range": "bytes=0-2"}).status_code == 206
        assert sum(p.stat().st_size for p in spool.glob("*.download")) <= 2000
        assert not list(spool.glob("*.part"))


def test_head_of_a_download_reads_nothing(api: Api, tmp_path: Path) -> None:
    head = api.request("HEAD", NDJSON, headers=PLAIN)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-disposition"].endswith('.ndjson"')
    assert not kept(tmp_path)
    full = api.get(NDJSON, headers=PLAIN)
    again = api.request("HEAD", NDJSON, headers=PLAIN)
    assert again.headers["content-length"] == str(len(full.content))
    assert again.headers["etag"] == full.headers["etag"] == head.headers["etag"]


def test_each_view_has_its_own_file(api: Api, tmp_path: Path) -> None:
    public = api.get(NDJSON, headers=PLAIN)
    agency = api.get(NDJSON, headers=PLAIN, role=Role.AGENCY)
    assert public.headers["etag"] != agency.headers["etag"]
    assert len(kept(tmp_path)) == 2
    assert api.get(NDJSON, headers=PLAIN, role=Role.AGENCY).content == agency.content


def test_the_national_download_has_ranges_too(api: Api) -> None:
    url = f"/api/v1/datasets/{PENALTY}/download.national.csv"
    full = api.get(url, headers=PLAIN, role=Role.PLATFORM)
    assert full.status_code == 200, full.text
    part = api.get(url, headers={**PLAIN, "range": "bytes=3-9"}, role=Role.PLATFORM)
    assert part.status_code == 206 and part.content == full.content[3:10]
    assert [e.action for e in api.audit()][-2:] == ["download.national", "download.national"]
