"""Scoring one entity (评分): its records through the model, with the explanation.

Pure logic, no database: :func:`score_entity` takes the entity's stored records (as
:class:`Fact`) and a day, and returns an :class:`Evaluation` whose ``explanation`` lists the
base, every indicator (its value — how many records it counted —, its contribution, and the
record ids behind it with each record's share) and, when the sum leaves [floor, ceiling], a
``clamp`` line: ``base + Σ contributions + clamp == score`` always. Grade ceilings are listed
separately: they cap the grade, not the score.

``review_on`` is the first day on which the same records would score differently (a recency
band ends, an entry's window opens or closes, a year of age is completed): the incremental
run regrades an entity on that day even if none of its records changed, so an incremental
grade always equals a full recompute on the same day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from store.evaluation.model import EvaluationModel, Indicator

DISHONEST_INDICATORS = ("serious-dishonesty-list", "market-bans")
"""In-force list entries and bans make an entity dishonest (no incentives), whatever its grade."""


@dataclass(frozen=True, slots=True)
class Fact:
    """What scoring reads of one stored record."""

    record_id: str
    dataset: str
    state: str
    withdrawn_reason: str | None
    payload: Mapping[str, Any]
    severity: str | None
    decision_date: date | None
    window_start: date | None
    window_end: date | None
    publishable: bool

    def in_force(self, day: date) -> bool:
        return (
            self.state == "active"
            and self.publishable
            and (self.window_start is None or self.window_start <= day)
            and (self.window_end is None or day <= self.window_end)
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One entity's score and grade as of a day, with its explanation."""

    uscc: str
    model_version: str
    score: float
    grade: str
    grade_label: str
    dishonest: bool
    as_of: date
    review_on: date | None
    explanation: dict[str, Any] = field(compare=False)
    subject: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self, *, explain: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uscc": self.uscc,
            "model_version": self.model_version,
            "scheme": self.explanation.get("scheme"),
            "grade": self.grade,
            "grade_label": self.grade_label,
            "as_of": self.as_of.isoformat(),
        }
        if explain:
            out.update(
                score=self.score,
                dishonest=self.dishonest,
                review_on=self.review_on.isoformat() if self.review_on else None,
                explanation=self.explanation,
            )
        return out


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _selected(ind: Indicator, fact: Fact, day: date) -> bool:
    if ind.dataset != fact.dataset:
        return False
    if ind.severity and fact.severity not in ind.severity:
        return False
    if ind.field is not None and str(fact.payload.get(ind.field)) not in ind.values:
        return False
    if ind.in_force:
        return fact.in_force(day)
    if ind.withdrawn_reasons:
        return fact.state == "withdrawn" and fact.withdrawn_reason in ind.withdrawn_reasons
    if fact.state == "active":
        return ind.active
    return ind.include_expired and fact.withdrawn_reason == "expired"


def _record_day(ind: Indicator, fact: Fact) -> date | None:
    if ind.date_field is None:
        return None
    found = _day(fact.payload.get(ind.date_field))
    if found is None and ind.date_field == "decision_date":
        return fact.decision_date
    return found


def _r(value: float) -> float:
    return round(value + 0.0, 2)


def _next_window_change(fact: Fact, day: date) -> date | None:
    if fact.state != "active" or not fact.publishable:
        return None
    if fact.window_start is not None and day < fact.window_start:
        return fact.window_start
    if fact.window_end is not None and day <= fact.window_end:
        return date.fromordinal(fact.window_end.toordinal() + 1)
    return None


def _count(ind: Indicator, facts: list[Fact], day: date) -> tuple[dict[str, Any], list[date]]:
    """``facts``: the entity's records of the indicator's dataset."""
    shares: list[dict[str, Any]] = []
    reviews: list[date] = []
    total = 0.0
    for fact in facts:
        if ind.in_force:
            nxt = _next_window_change(fact, day)
            if nxt is not None:
                reviews.append(nxt)
        if not _selected(ind, fact, day):
            continue
        factor, until = ind.factor(_record_day(ind, fact), day)
        if until is not None:
            reviews.append(until)
        if factor <= 0:
            continue
        points = ind.points * factor
        total += points
        shares.append({"record_id": fact.record_id, "factor": factor, "points": points})
    contribution = max(-ind.cap, min(ind.cap, total))
    line = {
        "indicator": ind.id,
        "name": ind.name,
        "name_en": ind.name_en,
        "value": len(shares),
        "raw": _r(total),
        "capped": contribution != total,
        "contribution": _r(contribution),
        "records": shares,
    }
    return line, reviews


def _age(ind: Indicator, facts: list[Fact], day: date) -> tuple[dict[str, Any], list[date]]:
    dated = [(f.decision_date, f.record_id) for f in facts if f.decision_date is not None]
    first = min((d for d in dated if d[0] <= day), default=None)
    years = 0
    reviews: list[date] = []
    if first is not None:
        start = first[0]
        years = day.year - start.year - ((day.month, day.day) < (start.month, start.day))
        try:
            reviews.append(start.replace(year=start.year + years + 1))
        except ValueError:  # 29 February
            reviews.append(date(start.year + years + 1, 3, 1))
    contribution = max(-ind.cap, min(ind.cap, ind.points * years))
    line = {
        "indicator": ind.id,
        "name": ind.name,
        "name_en": ind.name_en,
        "value": years,
        "raw": _r(ind.points * years),
        "capped": contribution != ind.points * years,
        "contribution": _r(contribution),
        "records": []
        if first is None
        else [{"record_id": first[1], "since": first[0].isoformat()}],
    }
    return line, reviews


def _subject(facts: list[Fact]) -> dict[str, str]:
    """The entity's name and category as its newest record states them."""
    for fact in sorted(
        facts, key=lambda f: (f.decision_date or date.min, f.record_id), reverse=True
    ):
        name = fact.payload.get("counterpart_name")
        category = fact.payload.get("counterpart_category")
        rep = fact.payload.get("legal_rep_name")
        if name and category and category != "自然人" and rep:
            return {
                "counterpart_name": str(name),
                "counterpart_category": str(category),
                "legal_rep_name": str(rep),
            }
    return {}


def score_entity(
    uscc: str, facts: Iterable[Fact], model: EvaluationModel, *, as_of: date
) -> Evaluation:
    """The evaluation of ``uscc`` from its records on ``as_of`` (rules: module doc)."""
    rows = sorted(facts, key=lambda f: f.record_id)
    by_dataset: dict[str, list[Fact]] = {}
    for fact in rows:
        by_dataset.setdefault(fact.dataset, []).append(fact)
    lines: list[dict[str, Any]] = []
    review: date | None = None
    for ind in model.indicators:
        if ind.kind == "age":
            line, more = _age(ind, rows, as_of)
        else:
            line, more = _count(ind, by_dataset.get(ind.dataset, []), as_of)
        lines.append(line)
        for day in more:
            if day > as_of and (review is None or day < review):
                review = day
    raw = model.base + sum(line["contribution"] for line in lines)
    score = _r(max(model.floor, min(model.ceiling, raw)))
    clamp = _r(score - model.base - sum(line["contribution"] for line in lines))
    grade = model.grade_for(score)
    values = {line["indicator"]: line["value"] for line in lines}
    applied = []
    for indicator, cap in model.ceilings:
        if values.get(indicator):
            applied.append({"indicator": indicator, "grade": cap})
            grade = model.worse(grade, cap)
    dishonest = any(values.get(i) for i in DISHONEST_INDICATORS) or any(
        f.dataset == "administrative-penalty" and f.severity == "serious" and f.in_force(as_of)
        for f in rows
    )
    explanation = {
        "scheme": model.scheme,
        "base": model.base,
        "indicators": lines,
        "clamp": clamp,
        "score": score,
        "band_grade": model.grade_for(score),
        "ceilings": applied,
        "grade": grade,
    }
    return Evaluation(
        subject=_subject(rows),
        uscc=uscc,
        model_version=model.version,
        score=score,
        grade=grade,
        grade_label=model.labels.get(grade, grade),
        dishonest=dishonest,
        as_of=as_of,
        review_on=review,
        explanation=explanation,
    )
