"""One error shape on the wire: every route family answers every failure with
``{"ok": false, "error": str, "errors": list, "status": N}`` and the matching HTTP status."""

from __future__ import annotations

from typing import Any

import pytest
from rest_helpers import Api

from store import Role

SHAPE = {"ok", "error", "errors", "status"}
PENALTY = "administrative-penalty"
BAD_KEY = "cg_admi_000000000000_not-a-real-key"


def assert_error(api: Api, method: str, url: str, status: int, **kwargs: Any) -> dict[str, Any]:
    r = api.request(method, url, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body: dict[str, Any] = r.json()
    assert set(body) >= SHAPE, body
    assert body["ok"] is False and body["status"] == status, body
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["errors"], list), body
    return body


CASES = [
    # (family, method, url, status, request options)
    ("unknown route", "GET", "/api/v1/nothing-here", 404, {}),
    ("method", "DELETE", "/api/v1/datasets", 405, {}),
    ("bad key", "GET", "/api/v1/datasets", 401, {"key": BAD_KEY}),
    ("bad scheme", "GET", "/api/v1/datasets", 401, {"headers": {"authorization": "Basic eA=="}}),
    ("dataset", "GET", "/api/v1/datasets/no-such-dataset", 404, {}),
    ("records unknown", "GET", "/api/v1/datasets/no-such-dataset/records", 404, {}),
    ("records closed", "GET", "/api/v1/datasets/interview-record/records", 403, {}),
    ("records limit", "GET", f"/api/v1/datasets/{PENALTY}/records?limit=0", 400, {}),
    ("records limit max", "GET", f"/api/v1/datasets/{PENALTY}/records?limit=100000", 400, {}),
    ("records filter", "GET", f"/api/v1/datasets/{PENALTY}/records?nope=1", 400, {}),
    (
        "records masked filter",
        "GET",
        f"/api/v1/datasets/{PENALTY}/records?person_id_no=420106198507150031",
        400,
        {},
    ),
    ("records twice", "GET", f"/api/v1/datasets/{PENALTY}/records?sector=a&sector=b", 400, {}),
    ("records token", "GET", f"/api/v1/datasets/{PENALTY}/records?next=garbage", 400, {}),
    ("csv unknown", "GET", "/api/v1/datasets/no-such-dataset/download.csv", 404, {}),
    ("csv closed", "GET", "/api/v1/datasets/voluntary-registration/download.csv", 403, {}),
    ("ndjson filter", "GET", f"/api/v1/datasets/{PENALTY}/download.ndjson?x=1", 400, {}),
    ("entity", "GET", "/api/v1/entities/91420100MA4K0A1B6X", 400, {}),
    ("entity placeholder", "GET", "/api/v1/entities/00000000000000000X", 400, {}),
    ("changes after", "GET", "/api/v1/changes?after=-1", 400, {}),
    ("changes limit", "GET", "/api/v1/changes?limit=50001", 400, {}),
    ("changes dataset", "GET", "/api/v1/changes?dataset=no-such-dataset", 404, {}),
    ("changes closed", "GET", "/api/v1/changes?dataset=interview-record", 403, {}),
    ("ack public", "POST", "/api/v1/changes/ack", 401, {"json": {"cursor": 0}}),
    ("ack body", "POST", "/api/v1/changes/ack", 400, {"json": {}, "role": Role.PLATFORM}),
    (
        "ack beyond head",
        "POST",
        "/api/v1/changes/ack",
        400,
        {"json": {"cursor": 10**9}, "role": Role.PLATFORM},
    ),
    ("submit public", "POST", f"/api/v1/datasets/{PENALTY}/submissions", 401, {"json": []}),
    (
        "submit agency",
        "POST",
        f"/api/v1/datasets/{PENALTY}/submissions",
        403,
        {"json": [], "role": Role.AGENCY},
    ),
    (
        "submit unknown",
        "POST",
        "/api/v1/datasets/nope/submissions",
        404,
        {"json": [], "role": Role.ADMIN},
    ),
    (
        "submit type",
        "POST",
        f"/api/v1/datasets/{PENALTY}/submissions",
        415,
        {"content": b"x", "headers": {"content-type": "text/plain"}, "role": Role.ADMIN},
    ),
    (
        "submit empty",
        "POST",
        f"/api/v1/datasets/{PENALTY}/submissions",
        400,
        {"content": b"  ", "headers": {"content-type": "text/csv"}, "role": Role.ADMIN},
    ),
    (
        "submit json",
        "POST",
        f"/api/v1/datasets/{PENALTY}/submissions",
        400,
        {
            "content": b'{"rows": 1}',
            "headers": {"content-type": "application/json"},
            "role": Role.ADMIN,
        },
    ),
    (
        "submit broken json",
        "POST",
        f"/api/v1/datasets/{PENALTY}/submissions",
        400,
        {"content": b"[{", "headers": {"content-type": "application/json"}, "role": Role.ADMIN},
    ),
    ("admin public", "GET", "/api/v1/admin/audit", 401, {}),
    ("admin agency", "GET", "/api/v1/admin/audit", 403, {"role": Role.AGENCY}),
    ("acks platform", "GET", "/api/v1/admin/acks", 403, {"role": Role.PLATFORM}),
    (
        "keys department",
        "GET",
        "/api/v1/admin/keys",
        403,
        {"role": Role.DEPARTMENT, "department": "11420100MB1234562H"},
    ),
    ("schema", "GET", "/schemas/no-such.schema.json", 404, {}),
]


@pytest.mark.parametrize(
    ("method", "url", "status", "options"),
    [pytest.param(m, u, s, o, id=f) for f, m, u, s, o in CASES],
)
def test_every_failure_has_the_one_shape(
    rest: Api, method: str, url: str, status: int, options: dict[str, Any]
) -> None:
    assert_error(rest, method, url, status, **options)


def test_a_missing_key_is_a_bearer_challenge(rest: Api) -> None:
    r = rest.post("/api/v1/changes/ack", json={"cursor": 0})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="creditgate"'


def test_a_revoked_key_is_refused(rest: Api) -> None:
    from store import list_keys, revoke_key

    secret = rest.key(Role.AGENCY)
    assert rest.get("/api/v1/datasets", key=secret).status_code == 200
    key_id = next(k.key_id for k in list_keys(rest.store.engine) if k.role is Role.AGENCY)
    assert revoke_key(rest.store.engine, key_id)
    assert_error(rest, "GET", "/api/v1/datasets", 401, key=secret)


def test_a_too_large_body_is_413(make_api: Any) -> None:
    with make_api(seed=False, max_upload_bytes=100) as api:
        body = assert_error(
            api,
            "POST",
            f"/api/v1/datasets/{PENALTY}/submissions",
            413,
            content=b"[" + b" " * 200 + b"]",
            headers={"content-type": "application/json"},
            role=Role.ADMIN,
        )
    assert "100" in body["error"]


def test_an_unexpected_exception_is_a_masked_500(rest: Api, monkeypatch: Any) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(rest.store, "by_uscc", broken)
    body = assert_error(rest, "GET", "/api/v1/entities/91420100MA4K0A1B6L", 500)
    assert "secret" not in body["error"]


def test_an_unreachable_store_is_503_on_healthz(rest: Api, monkeypatch: Any) -> None:
    from store import StoreUnavailableError

    def down() -> int:
        raise StoreUnavailableError("cannot open the store")

    assert rest.json("/healthz")["ok"] is True
    monkeypatch.setattr(rest.store, "head", down)
    assert_error(rest, "GET", "/healthz", 503)
