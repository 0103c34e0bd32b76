"""HTTP as clients and caches expect it (issue 13 item 5), through the in-process app:
validators and 304, Cache-Control and Vary, HEAD, compression, CORS, request ids, rate-limit
headers, WWW-Authenticate, /metrics. Ranged downloads: ``test_http_downloads``; a real
server and curl: ``test_http_live``; the Redis-shared throttles: ``test_http_shared``."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_helpers import REST_ENTITIES, Api

import demo as synthetic
from gateway.clock import today_of
from gateway.metrics import route_template
from store import Role, acknowledge, submit_records
from workflows.expiry import run_expiry_job

PENALTY = "administrative-penalty"
RECORDS = f"/api/v1/datasets/{PENALTY}/records?limit=5"
SHAPE = {"ok", "error", "errors", "status"}


def add_penalty(api: Api, seed: int) -> None:
    """Move the head of the log, as another process would."""
    records = list(synthetic.penalties(1, seed=seed, entities=REST_ENTITIES))
    receipt = submit_records(api.store, PENALTY, records, actor=f"test:http:{seed}")
    assert receipt.accepted == 1, receipt.issues


def a_uscc(api: Api) -> str:
    body = api.json(RECORDS)
    return next(r["uscc"] for r in body["records"] if r.get("uscc"))


# -- validators and 304 ---------------------------------------------------------------------


def test_the_catalogue_revalidates_without_reading_the_log(rest: Api) -> None:
    first = rest.get("/api/v1/datasets")
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"c-[0-9a-f]{20}"', etag), etag
    assert first.headers["cache-control"] == "public, no-cache"
    assert "Authorization" in first.headers["vary"]
    again = rest.get("/api/v1/datasets", headers={"if-none-match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, no-cache"
    # another view is another representation: another tag, and private
    keyed = rest.get("/api/v1/datasets", role=Role.AGENCY)
    assert keyed.headers["etag"] != etag
    assert keyed.headers["cache-control"] == "private, no-cache"
    assert rest.get("/api/v1/datasets", headers={"if-none-match": '"other"'}).status_code == 200


def test_record_pages_follow_the_head_of_the_log(rest: Api) -> None:
    first = rest.get(RECORDS)
    etag, position = first.headers["etag"], first.headers["x-creditgate-log-position"]
    assert etag.startswith(f'W/"{position}-')
    assert first.headers["last-modified"]
    assert rest.get(RECORDS, headers={"if-none-match": etag}).status_code == 304
    other_page = RECORDS.replace("limit=5", "limit=6")
    assert rest.get(other_page, headers={"if-none-match": etag}).status_code == 200
    add_penalty(rest, 501)
    moved = rest.get(RECORDS, headers={"if-none-match": etag})
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] != etag
    assert moved.headers["etag"].startswith(f'W/"{int(position) + 1}-')
    assert rest.get(RECORDS, headers={"if-none-match": moved.headers["etag"]}).status_code == 304


def test_if_modified_since_is_honoured_once_the_second_has_passed(rest: Api) -> None:
    first = rest.get(RECORDS)
    changed = parsedate_to_datetime(first.headers["last-modified"])
    wait = changed.timestamp() + 1.5 - time.time()
    if wait > 0:  # a date of this very second may hide a later change (RFC 9110 §8.8.2.2)
        time.sleep(wait)
    same = {"if-modified-since": first.headers["last-modified"]}
    assert rest.get(RECORDS, headers=same).status_code == 304
    older = {"if-modified-since": format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)}
    assert rest.get(RECORDS, headers=older).status_code == 200
    assert rest.get(RECORDS, headers={"if-modified-since": "not a date"}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    assert rest.get(RECORDS, headers={**same, "if-none-match": '"x"'}).status_code == 200


def test_a_keyed_304_is_audited_and_counted(make_api: Callable[..., Any]) -> None:
    with make_api(rate_limit_per_minute=50) as api:
        code = a_uscc(api)
        url = f"/api/v1/entities/{code}"
        first = api.get(url, role=Role.AGENCY)
        assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
        again = api.get(url, role=Role.AGENCY, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304
        assert int(again.headers["ratelimit-remaining"]) < int(first.headers["ratelimit-remaining"])
        actions = [e.action for e in api.audit()]
        assert actions[-2:] == ["entity", "entity.not-modified"]


def test_the_feed_revalidates_and_answers_head_without_reading(rest: Api) -> None:
    url = "/api/v1/changes?after=0&limit=10"
    first = rest.get(url, role=Role.PLATFORM)
    assert first.status_code == 200 and first.text.count("\n") == 10
    etag = first.headers["etag"]
    assert rest.get(url, role=Role.PLATFORM, headers={"if-none-match": etag}).status_code == 304
    head = rest.request("HEAD", url, role=Role.PLATFORM)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["x-creditgate-head"] == first.headers["x-creditgate-head"]
    assert head.headers["etag"] == etag


def test_answers_without_log_validators_get_a_body_hash(rest: Api) -> None:
    for url in ("/openapi.json", "/api/v1/calendar/status", f"/schemas/{PENALTY}.schema.json"):
        first = rest.get(url)
        assert first.status_code == 200, (url, first.text)
        etag = first.headers["etag"]
        assert re.fullmatch(r'W/"b-[0-9a-f]{24}"', etag), (url, etag)
        again = rest.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"", url
        assert "content-type" not in again.headers
    page = rest.get("/")  # web pages too, private (they depend on the language cookie)
    assert page.headers["etag"].startswith('W/"b-')
    assert page.headers["cache-control"] == "private, no-cache"
    assert "Cookie" in page.headers["vary"]


def test_cache_control_keeps_private_and_failed_answers_out_of_caches(rest: Api) -> None:
    assert rest.get("/api/v1/admin/keys", role=Role.ADMIN).headers["cache-control"] == "no-store"
    missing = rest.get("/api/v1/datasets/no-such-dataset")
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
    assert "etag" not in missing.headers
    assert rest.get("/static/site.css").headers["cache-control"] == "public, max-age=3600"
    posted = rest.post("/api/v1/changes/ack", json={"cursor": 1}, role=Role.PLATFORM)
    assert posted.status_code == 200 and posted.headers["cache-control"] == "no-store"
    assert "etag" not in posted.headers


def test_max_age_is_a_setting(make_api: Callable[..., Any]) -> None:
    with make_api(cache_max_age_seconds=30) as api:
        assert api.get("/api/v1/datasets").headers["cache-control"] == "public, max-age=30"


# -- HEAD -------------------------------------------------------------------------------------


def sample_path(path: str, api: Api) -> str:
    values = {
        "dataset": PENALTY,
        "uscc": a_uscc(api),
        "name": PENALTY,
        "record_id": "r" * 16,
        "batch_id": "b" * 16,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x1"), path)


def test_every_get_route_answers_head_with_the_get_headers(rest: Api) -> None:
    paths = rest.app.openapi()["paths"]
    # not the event stream: it never ends (tests/gateway/test_streams.py covers it)
    gets = [p for p, ops in paths.items() if "get" in ops and p != "/graphql"]
    gets = [p for p in gets if not p.endswith("/stream")]
    assert len(gets) > 30
    for path in gets:
        url = sample_path(path, rest)
        got = rest.get(url, role=Role.ADMIN, headers={"accept-encoding": "identity"})
        head = rest.request("HEAD", url, role=Role.ADMIN, headers={"accept-encoding": "identity"})
        assert head.status_code == got.status_code, (url, got.text[:200])
        assert head.content == b"", url
        assert head.headers.get("content-type") == got.headers.get("content-type"), url
        if got.status_code == 200 and not got.headers.get("etag", 'W/"b-').startswith('W/"b-'):
            assert head.headers["etag"] == got.headers["etag"], url  # (a body hash may vary)
    assert rest.request("HEAD", "/").status_code == 200  # pages too


# -- compression ------------------------------------------------------------------------------


def test_answers_are_compressed_as_accept_encoding_asks(rest: Api) -> None:
    plain = rest.get(RECORDS, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for coding in ("gzip", "br", "zstd"):
        packed = rest.get(RECORDS, headers={"accept-encoding": coding})
        assert packed.headers["content-encoding"] == coding, coding
        assert packed.json() == plain.json()
        assert "Accept-Encoding" in packed.headers["vary"]
    assert (
        "content-encoding" not in rest.get(RECORDS, headers={"accept-encoding": "gzip;q=0"}).headers
    )


def test_the_ndjson_download_streams_compressed(rest: Api) -> None:
    url = f"/api/v1/datasets/{PENALTY}/download.ndjson"
    plain = rest.get(url, headers={"accept-encoding": "identity"})

    async def raw() -> tuple[httpx.Headers, bytes, int]:
        chunks: list[bytes] = []
        async with rest.client.stream("GET", url, headers={"accept-encoding": "gzip"}) as r:
            async for chunk in r.aiter_raw():
                chunks.append(chunk)
            return r.headers, b"".join(chunks), len(chunks)

    headers, body, pieces = rest.portal.call(raw)
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert gzip.decompress(body) == plain.content
    assert len(body) * 4 < len(plain.content), (len(body), len(plain.content))
    assert headers["etag"].startswith('W/"') and not plain.headers["etag"].startswith("W/")
    assert pieces >= 1


# -- CORS ---------------------------------------------------------------------------------------

ORIGIN = {"origin": "https://partner.example"}


def test_public_gets_are_open_to_other_origins(rest: Api) -> None:
    r = rest.get("/api/v1/datasets", headers=ORIGIN)
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = r.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "ratelimit-remaining" in exposed and "x-request-id" in exposed
    preflight = {**ORIGIN, "access-control-request-method": "GET"}
    ok = rest.request("OPTIONS", "/api/v1/datasets", headers=preflight)
    assert ok.status_code == 200 and "GET" in ok.headers["access-control-allow-methods"]
    with_match = {**preflight, "access-control-request-headers": "if-none-match"}
    assert rest.request("OPTIONS", "/api/v1/datasets", headers=with_match).status_code == 200


def test_cors_stops_at_writes_keys_and_pages(rest: Api) -> None:
    write = {**ORIGIN, "access-control-request-method": "POST"}
    assert rest.request("OPTIONS", "/api/v1/changes/ack", headers=write).status_code == 400
    keyed = {**ORIGIN, "access-control-request-method": "GET"}
    keyed["access-control-request-headers"] = "authorization"
    assert rest.request("OPTIONS", "/api/v1/datasets", headers=keyed).status_code == 400
    posted = rest.post(
        "/api/v1/changes/ack", json={"cursor": 1}, role=Role.PLATFORM, headers=ORIGIN
    )
    assert "access-control-allow-origin" not in posted.headers
    assert "access-control-allow-origin" not in rest.get("/", headers=ORIGIN).headers
    assert "access-control-allow-origin" not in rest.get("/graphql", headers=ORIGIN).headers


def test_cors_origins_is_a_setting(make_api: Callable[..., Any]) -> None:
    with make_api(cors_origins="https://partner.example") as api:
        good = api.get("/api/v1/datasets", headers=ORIGIN)
        assert good.headers["access-control-allow-origin"] == "https://partner.example"
        other = api.get("/api/v1/datasets", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with make_api(cors_origins="") as api:
        assert (
            "access-control-allow-origin" not in api.get("/api/v1/datasets", headers=ORIGIN).headers
        )


# -- request ids ----------------------------------------------------------------------------------


def test_a_request_id_is_echoed_or_made(rest: Api) -> None:
    mine = rest.get("/healthz", headers={"x-request-id": "partner-42.a:b"})
    assert mine.headers["x-request-id"] == "partner-42.a:b"
    made = rest.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for bad in ("x" * 129, "has space", "420106199001010031", "id=420106199001010031;"):
        echoed = rest.get("/healthz", headers={"x-request-id": bad}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed), bad
    failed = rest.get("/api/v1/datasets/no-such", headers={"x-request-id": "r-404"})
    assert failed.headers["x-request-id"] == "r-404"


# -- rate limits and authentication ------------------------------------------------------------


def test_rate_limit_headers_count_down_to_429(make_api: Callable[..., Any]) -> None:
    with make_api(public_rate_limit_per_minute=3) as api:
        answers = [api.get("/api/v1/datasets") for _ in range(3)]
        assert [r.headers["ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
        for r in answers:
            assert r.headers["ratelimit-limit"] == "3"
            assert r.headers["ratelimit-policy"] == "3;w=60"
            assert 1 <= int(r.headers["ratelimit-reset"]) <= 60
        refused = api.get("/api/v1/datasets")
        assert refused.status_code == 429
        assert refused.headers["ratelimit-remaining"] == "0"
        assert refused.headers["retry-after"] == refused.headers["ratelimit-reset"]
        query = {"query": "{ datasets { id } }"}
        graphql = api.post("/graphql", json=query)
        assert graphql.status_code == 429 and "retry-after" in graphql.headers
        assert graphql.headers["ratelimit-limit"] == "3"


def test_graphql_answers_carry_rate_limit_headers(make_api: Callable[..., Any]) -> None:
    with make_api(rate_limit_per_minute=10) as api:
        r = api.post("/graphql", json={"query": "{ datasets { id } }"}, role=Role.AGENCY)
        assert r.status_code == 200, r.text
        assert r.headers["ratelimit-limit"] == "10" and r.headers["ratelimit-remaining"] == "9"


def test_every_401_names_its_scheme(rest: Api) -> None:
    unknown = rest.get("/api/v1/datasets", key="cg_no_such_key")
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"] == 'Bearer realm="creditgate", error="invalid_token"'
    malformed = rest.get("/api/v1/datasets", headers={"authorization": "Basic abc"})
    assert 'error="invalid_request"' in malformed.headers["www-authenticate"]
    needed = rest.get("/api/v1/admin/keys")
    assert needed.status_code == 401
    assert needed.headers["www-authenticate"] == 'Bearer realm="creditgate"'
    body = rest.post("/api/v1/changes/ack", json={"cursor": 1}, key="cg_no_such_key")
    assert body.status_code == 401 and body.headers["www-authenticate"].startswith("Bearer ")
    assert set(body.json()) == SHAPE


# -- metrics ----------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample ``name`` with ``labels`` in an exposition."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def test_metrics_are_for_admins_and_allowed_networks(make_api: Callable[..., Any]) -> None:
    with make_api() as api:
        closed = api.get("/metrics")
        assert closed.status_code == 401 and closed.headers["www-authenticate"].startswith("Bearer")
        assert api.get("/metrics", role=Role.AGENCY).status_code == 403
        opened = api.get("/metrics", role=Role.ADMIN)
        assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/plain")
        assert opened.headers["cache-control"] == "no-store"
    with make_api(metrics_networks="127.0.0.0/8") as api:  # the test client is 127.0.0.9
        assert api.get("/metrics").status_code == 200
    with make_api(metrics_networks="10.0.0.0/8") as api:
        assert api.get("/metrics").status_code == 401


def test_metrics_show_routes_lag_and_job_runs(rest: Api) -> None:
    code = a_uscc(rest)
    assert rest.get(f"/api/v1/entities/{code}").status_code == 200
    key = rest.key(Role.PLATFORM)
    from store import authenticate

    found = authenticate(rest.store.engine, key or "")
    assert found is not None
    acknowledge(rest.store.engine, found.key_id, 100)
    run_expiry_job(rest.store, today_of(rest.app), runner="test")
    text = rest.get("/metrics", role=Role.ADMIN).text
    assert code not in text  # templates, never paths
    count = metric(
        text,
        "creditgate_http_request_duration_seconds_count",
        route="/api/v1/entities/{uscc}",
        method="GET",
        status="200",
    )
    assert count is not None and count >= 1
    head = metric(text, "creditgate_log_head")
    assert head is not None and head > 100
    lag = metric(text, "creditgate_feed_lag_events", key_id=found.key_id, role="platform")
    assert lag == head - 100
    assert metric(text, "creditgate_job_runs_total", job="expiries", status="done") == 1
    assert metric(text, "creditgate_job_last_success_timestamp_seconds", job="expiries")


def test_route_templates_keep_the_prefix(rest: Api) -> None:
    class Route:
        path_format = "/entities/{uscc}"

    scope = {"route": Route(), "path": "/api/v1/entities/X1", "path_params": {"uscc": "X1"}}
    assert route_template(scope) == "/api/v1/entities/{uscc}"
    assert route_template({"path": "/nope"}) == "unmatched"


@pytest.mark.parametrize("url", ["/api/v1/datasets", "/healthz"])
def test_head_of_a_small_answer_keeps_its_length(rest: Api, url: str) -> None:
    got = rest.get(url, headers={"accept-encoding": "identity"})
    head = rest.request("HEAD", url, headers={"accept-encoding": "identity"})
    assert head.headers["content-length"] == got.headers["content-length"]
