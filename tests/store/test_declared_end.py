"""The provider's 公示截止期 is kept but the computed end decides; the receipt and views say so."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from penalty_factory import DATASET, penalty, rows

from store import Audience, open_store, view

SAMR = ("武汉市洪山区市场监督管理局", "《中华人民共和国食品安全法》第一百二十四条第一款")


def samr_fine(i: int, publication_end: str | None) -> dict[str, object]:
    record = penalty(i * 5, random.Random(i))
    record.pop("procedure")
    record.update(
        decision_date="2027-06-10",
        penalty_categories=["罚款"],
        fine_amount_wan="0.5",
        authority_name=SAMR[0],
        legal_basis=SAMR[1],
    )
    if publication_end:
        record["publication_end"] = publication_end
    return record


def test_mismatch_is_a_receipt_warning_and_visible_to_authorities_only(db_url: str) -> None:
    records = [
        samr_fine(1, "2030-06-10"),  # differs from the computed 2028-06-10
        samr_fine(2, "2028-06-10"),  # agrees
        samr_fine(3, None),  # nothing declared
    ]
    with open_store(db_url) as st:
        result = st.submit(
            DATASET, rows(records), actor="dept", now=datetime(2027, 6, 12, tzinfo=UTC)
        )
        assert result.accepted == 3
        mismatches = [i for i in result.issues if i.code == "publication-end-mismatch"]
        assert [(i.row, i.field, i.severity) for i in mismatches] == [
            (1, "publication_end", "warning")
        ]
        assert "2030-06-10" in mismatches[0].message and "2028-06-10" in mismatches[0].message
        stored = {r.payload.get("publication_end"): r for r in st.records(DATASET)}
        first = stored["2030-06-10"]
        assert first.payload["publication_end"] == "2030-06-10"  # kept as declared
        assert first.window_end == date(2028, 6, 10)  # the computed end decides
        assert first.window_reason is not None and "flagged" in first.window_reason
        today = date(2027, 7, 1)
        for audience in (Audience.AGENCY, Audience.GOVERNMENT):
            shown = view(first, audience, today=today)
            assert shown is not None
            assert shown["_meta"]["publication_end_mismatch"] == {
                "declared": "2030-06-10",
                "computed": "2028-06-10",
            }
            agreeing = view(stored["2028-06-10"], audience, today=today)
            assert agreeing is not None and agreeing["_meta"]["publication_end_mismatch"] is None
        public = view(first, Audience.PUBLIC, today=today)
        assert public is not None and "publication_end_mismatch" not in public["_meta"]
