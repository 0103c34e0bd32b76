"""Access: API keys (hashed, roles, revocation), the audit trail and feed acknowledgements,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import delete, select

from store import (
    Audience,
    InvalidQueryError,
    Role,
    Store,
    acknowledge,
    acknowledgements,
    authenticate,
    create_key,
    list_keys,
    open_store,
    read_audit,
    record_reads,
    revoke_key,
)
from store.access import ACCESS_TABLES, api_keys, hash_secret

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DEPARTMENT = "11420100MB1320102J"


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    with store.engine.begin() as conn:  # the shared PostgreSQL database keeps these tables
        for table in ACCESS_TABLES:
            conn.execute(delete(table))
    yield store
    store.close()


def entry(key_id: str | None, n: int, *, action: str = "entity") -> dict[str, object]:
    return {
        "key_id": key_id,
        "actor": f"key:{key_id}:x",
        "role": "agency",
        "action": action,
        "target": f"target-{n}",
        "log_position": n,
        "occurred_at": T0 + timedelta(seconds=n),
    }


def test_roles_pick_audiences() -> None:
    assert {r: r.audience for r in Role} == {
        Role.PUBLIC: Audience.PUBLIC,
        Role.AGENCY: Audience.AGENCY,
        Role.PLATFORM: Audience.GOVERNMENT,
        Role.DEPARTMENT: Audience.GOVERNMENT,
        Role.ADMIN: Audience.GOVERNMENT,
    }


def test_a_key_is_stored_only_as_its_hash(st: Store) -> None:
    key, secret = create_key(st.engine, role="agency", name="征信机构甲", now=T0)
    assert key.role is Role.AGENCY and key.active and key.created_at == T0
    assert secret.startswith("cg_agen_") and key.key_id in secret
    with st.engine.connect() as conn:
        stored = conn.execute(select(api_keys)).mappings().one()
    assert secret not in {str(v) for v in stored.values()}
    assert stored["key_hash"] == hash_secret(secret)
    found = authenticate(st.engine, secret)
    assert found == key
    assert authenticate(st.engine, secret + "x") is None
    assert authenticate(st.engine, "") is None


def test_every_key_is_different(st: Store) -> None:
    secrets = {create_key(st.engine, role="platform", name=f"p{n}")[1] for n in range(20)}
    assert len(secrets) == 20
    assert len({k.key_id for k in list_keys(st.engine)}) == 20


def test_department_keys_carry_their_department(st: Store) -> None:
    key, secret = create_key(
        st.engine, role=Role.DEPARTMENT, name="市场监管局", department_uscc=DEPARTMENT
    )
    assert key.department_uscc == DEPARTMENT
    assert authenticate(st.engine, secret) == key
    with pytest.raises(InvalidQueryError, match="department"):
        create_key(st.engine, role=Role.DEPARTMENT, name="no department")
    with pytest.raises(InvalidQueryError):
        create_key(st.engine, role=Role.AGENCY, name="x", department_uscc=DEPARTMENT)
    with pytest.raises(ValueError):
        create_key(st.engine, role="root", name="x")


def test_revoking_a_key(st: Store) -> None:
    first, secret = create_key(st.engine, role="agency", name="a", now=T0)
    second, _ = create_key(st.engine, role="admin", name="b", now=T0 + timedelta(hours=1))
    assert revoke_key(st.engine, first.key_id, now=T0 + timedelta(days=1))
    assert not revoke_key(st.engine, first.key_id)  # already revoked
    assert not revoke_key(st.engine, "nope")
    assert authenticate(st.engine, secret) is None
    keys = list_keys(st.engine)
    assert [k.key_id for k in keys] == [first.key_id, second.key_id]
    assert keys[0].revoked_at == T0 + timedelta(days=1) and not keys[0].active
    assert keys[1].active


def test_audit_entries_read_back_in_order(st: Store) -> None:
    record_reads(st.engine, [entry("k1", n) for n in range(5)] + [entry("k2", 9)])
    record_reads(st.engine, [])
    everything = read_audit(st.engine)
    assert [e.target for e in everything] == [f"target-{n}" for n in (0, 1, 2, 3, 4, 9)]
    assert everything[0].occurred_at == T0 and everything[0].occurred_at.tzinfo is not None
    assert [e.log_position for e in read_audit(st.engine, key_id="k2")] == [9]
    after = read_audit(st.engine, after=everything[1].id, limit=2)
    assert after == everything[2:4]
    for limit in (0, 10_001):
        with pytest.raises(InvalidQueryError):
            read_audit(st.engine, limit=limit)


def test_acknowledgements_never_move_back_and_report_lag(st: Store) -> None:
    platform, _ = create_key(st.engine, role="platform", name="省平台")
    agency, _ = create_key(st.engine, role="agency", name="征信机构")
    assert acknowledge(st.engine, platform.key_id, 0) == 0  # an empty log
    st.submit(DATASET, rows(penalties(10)), actor="dept")
    assert acknowledge(st.engine, platform.key_id, 6, now=T0) == 6
    assert acknowledge(st.engine, platform.key_id, 3) == 6
    assert acknowledge(st.engine, agency.key_id, 10) == 10
    with pytest.raises(InvalidQueryError, match="head is 10"):
        acknowledge(st.engine, platform.key_id, 11)
    with pytest.raises(InvalidQueryError):
        acknowledge(st.engine, platform.key_id, -1)
    lag = {a.key_id: a for a in acknowledgements(st.engine)}
    assert (lag[platform.key_id].seq, lag[platform.key_id].lag) == (6, 4)
    assert lag[platform.key_id].name == "省平台" and lag[platform.key_id].role == "platform"
    assert lag[platform.key_id].acknowledged_at == T0
    assert (lag[agency.key_id].seq, lag[agency.key_id].lag) == (10, 0)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cursors=st_.lists(st_.integers(min_value=0, max_value=8), min_size=1, max_size=12))
def test_the_acknowledged_position_is_the_running_maximum(
    tmp_path_factory: pytest.TempPathFactory, cursors: list[int]
) -> None:
    path = tmp_path_factory.mktemp("acks") / "acks.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        store.submit(DATASET, rows(penalties(8)), actor="dept")
        key, _ = create_key(store.engine, role="platform", name="p")
        answers = [acknowledge(store.engine, key.key_id, c) for c in cursors]
        assert answers == [max(cursors[: n + 1]) for n in range(len(cursors))]
        assert acknowledgements(store.engine)[0].lag == 8 - max(cursors)
