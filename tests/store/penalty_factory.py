"""Penalty-like records for store tests and the kill -9 helper (deterministic by seed).

Identifiers are well-formed (USCC and resident-ID check characters computed), so views can be
scanned for real-looking ID numbers. ``python tests/store/penalty_factory.py URL N SEED`` submits N
records and prints the result as JSON (the kill -9 test runs it in a subprocess).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from schemas import id_check_char, org_code_check_char, uscc_check_char

DATASET = "administrative-penalty"
AUTHORITY = ("武汉市市场监督管理局", "11420100MB1320102J")
CATEGORIES = (["罚款"], ["警告"], ["罚款", "没收违法所得"], ["吊销许可证件"], ["通报批评"])
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def uscc(rng: random.Random) -> str:
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    org = body8 + org_code_check_char(body8)
    first17 = "914201" + rng.choice("0123456") + "0" + org[:9]
    return first17[:17] + uscc_check_char(first17[:17])


def resident_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(15000))
    body = f"420102{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def penalty(i: int, rng: random.Random, *, today: date = date(2026, 6, 1)) -> dict[str, Any]:
    """One administrative-penalty record; every 5th is about a natural person."""
    decided = today - timedelta(days=rng.randrange(1, 900))
    categories = CATEGORIES[i % len(CATEGORIES)]
    record: dict[str, Any] = {
        "decision_doc_no": f"武市监罚〔{decided.year}〕{i}号",
        "violation_type": "违反《中华人民共和国食品安全法》第三十四条",
        "violation_facts": (
            f"经查，当事人于{decided:%Y年%m月%d日}经营超过保质期的食品，货值金额{i % 97}元。"
        ),
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "penalty_categories": categories,
        "penalty_content": "罚款人民币" + str(1000 + i % 5000) + "元",
        "decision_date": decided.isoformat(),
        "penalty_valid_to": (decided + timedelta(days=365)).isoformat(),
        "authority_name": AUTHORITY[0],
        "authority_uscc": AUTHORITY[1],
        "source_org_name": AUTHORITY[0],
        "source_org_uscc": AUTHORITY[1],
        "procedure": "普通程序",
    }
    if "罚款" in categories:
        record["fine_amount_wan"] = f"{(1000 + i % 5000) / 10000:.4f}"
    if i % 5 == 4:
        record.update(
            counterpart_name=f"张{i}",
            counterpart_category="自然人",
            person_id_type="身份证",
            person_id_no=resident_id(rng),
        )
    else:
        record.update(
            counterpart_name=f"武汉测试{i}商贸有限公司",
            counterpart_category="法人及非法人组织",
            uscc=uscc(rng),
            legal_rep_name=f"李{i}",
            legal_rep_id_type="身份证",
            legal_rep_id_no=resident_id(rng),
        )
    return record


def penalties(n: int, seed: int = 1, *, start: int = 0) -> list[dict[str, Any]]:
    """``n`` distinct penalty records (record ``i`` is the same for a given seed)."""
    return [penalty(i, random.Random(seed * 1_000_003 + i)) for i in range(start, start + n)]


def rows(records: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, record)`` pairs as :meth:`store.Store.submit` takes them."""
    return list(enumerate(records, start=1))


def fixture_records(schema_id: str) -> list[dict[str, Any]]:
    """The publishers' valid example records of a schema ([] when there is no file)."""
    path = FIXTURES / f"{schema_id}.valid.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else []


def main(argv: list[str]) -> int:
    """``URL N SEED [CHUNK [REMARK]]``: submit N penalties (each with ``remarks=REMARK``)."""
    from store import open_store

    url, n, seed = argv[0], int(argv[1]), int(argv[2])
    chunk = int(argv[3]) if len(argv) > 3 else 2_000
    records = penalties(n, seed)
    if len(argv) > 4:
        for record in records:
            record["remarks"] = argv[4]
    st = open_store(url)
    result = st.submit(DATASET, rows(records), actor="test:process", chunk_rows=chunk, detail=False)
    print(json.dumps({"accepted": result.accepted, "unchanged": result.unchanged}))
    st.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
