"""公共信用综合评价: the evaluation model as data, every market entity's score and grade with
its explanation, kept incrementally from the change log with history.

* :mod:`store.evaluation.model` — the model file (indicators, weights, caps, grade bands);
* :mod:`store.evaluation.scoring` — one entity's score, grade and explanation (pure);
* :mod:`store.evaluation.grading` — full and incremental runs;
* :mod:`store.evaluation.reads` — an entity's evaluation, its history, :func:`grade_of`;
* :mod:`store.evaluation.publication` — the grades as the ``public-credit-evaluation`` dataset;
* :mod:`store.evaluation.bodies` — which subjects are public bodies (never graded);
* :mod:`store.evaluation.tables` — ``entity_grades``, ``grade_history``, ``evaluation_state``.
"""

from store.evaluation.bodies import (
    PublicBodies,
    Recipient,
    is_public_body,
    load_public_bodies,
    read_public_bodies,
)
from store.evaluation.grading import (
    EvaluationRun,
    cursor_of,
    evaluate_all,
    evaluate_entities,
    evaluate_incremental,
    gradable,
    touched_entities,
)
from store.evaluation.model import EvaluationModel, Indicator, ModelError, load_model, read_model
from store.evaluation.publication import grade_record, publish_grades
from store.evaluation.reads import (
    current_evaluation,
    grade_counts,
    grade_history_of,
    grade_of,
    graded_source,
    standing,
)
from store.evaluation.scoring import Evaluation, Fact, score_entity
from store.evaluation.tables import EVALUATION_TABLES

__all__ = [
    "EVALUATION_TABLES",
    "Evaluation",
    "EvaluationModel",
    "EvaluationRun",
    "Fact",
    "Indicator",
    "ModelError",
    "PublicBodies",
    "Recipient",
    "current_evaluation",
    "cursor_of",
    "evaluate_all",
    "evaluate_entities",
    "evaluate_incremental",
    "gradable",
    "grade_counts",
    "grade_history_of",
    "grade_of",
    "grade_record",
    "graded_source",
    "is_public_body",
    "load_model",
    "load_public_bodies",
    "publish_grades",
    "read_model",
    "read_public_bodies",
    "score_entity",
    "standing",
    "touched_entities",
]
