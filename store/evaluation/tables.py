"""The evaluation's tables (defined in :mod:`store.tables_evaluation`, see there)."""

from store.tables_evaluation import (
    EVALUATION_TABLES,
    entity_grades,
    evaluation_state,
    grade_history,
)

__all__ = ["EVALUATION_TABLES", "entity_grades", "evaluation_state", "grade_history"]
