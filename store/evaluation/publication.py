"""Publishing the grades as the ``public-credit-evaluation`` dataset (公共信用综合评价结果).

One record per entity (natural key: the USCC), written through :meth:`store.Store.submit` like
any dataset, so every channel (views, CKAN, feeds, reports) shows it with the catalogue's
openness — ``government`` by default; the score is ``restricted`` in the schema, so a public
catalogue entry would publish the grade only. ``evaluation_date`` is the day the grade took
its current value (``entity_grades.graded_since``), so re-publishing an unchanged grade is
``unchanged`` in the store: no new version, no change event.

The evaluation never reads this dataset back (``grading.NOT_EVALUATED``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog import record_id_for
from store.errors import StoreError
from store.evaluation.scoring import Evaluation
from store.exchange import Store

DATASET = "public-credit-evaluation"
ACTOR = "system:evaluation"
EVALUATOR = ("武汉市发展和改革委员会", "11420100MB10185288")
"""The city credit office (市信用办) evaluates and publishes."""


def _score(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def grade_record(evaluation: Evaluation, since: date) -> dict[str, Any]:
    """The published record of an evaluation (the grade as of ``since``)."""
    subject = evaluation.subject or {}
    return {
        "counterpart_name": subject.get("counterpart_name") or evaluation.uscc,
        "counterpart_category": subject.get("counterpart_category") or "法人及非法人组织",
        "uscc": evaluation.uscc,
        "legal_rep_name": subject.get("legal_rep_name") or "（未登记）",
        "evaluation_scheme": evaluation.explanation.get("scheme", "公共信用综合评价"),
        "model_version": evaluation.model_version,
        "grade": evaluation.grade,
        "grade_label": evaluation.grade_label,
        "score": _score(evaluation.score),
        "evaluation_date": since.isoformat(),
        "evaluator_name": EVALUATOR[0],
        "evaluator_uscc": EVALUATOR[1],
        "source_org_name": EVALUATOR[0],
        "source_org_uscc": EVALUATOR[1],
    }


def publish_grades(store: Store, records: list[dict[str, Any]], model_version: str) -> int:
    """Submit the records (idempotent); returns how many became new versions."""
    if not records:
        return 0
    result = store.submit(
        DATASET,
        list(enumerate(records, start=1)),
        actor=ACTOR,
        source=f"evaluation:{model_version}",
    )
    return result.accepted


def withdraw_grades(store: Store, usccs: list[str]) -> int:
    """Take down the published grades of entities no longer graded; returns how many."""
    done = 0
    for code in usccs:
        try:
            event = store.withdraw(
                DATASET,
                record_id=record_id_for(DATASET, [code]),
                reason="revoked",
                note="no record left: not evaluated",
                actor=ACTOR,
            )
        except StoreError:  # never published (publication was off)
            continue
        done += event is not None
    return done
