"""The risk rule kinds (预警规则类型): one function per kind, entity in, finding (or None) out.

Each check looks at one entity — its active records and what :mod:`workflows.risk_sources`
gives about it — on the evaluation day, and returns a :class:`store.Finding` with the
evidence (record ids and the values that made the rule fire) and the departments it goes to,
or None below the rule's threshold. Evidence holds no day-dependent values (the window is in
the summary), so an unchanged situation gives the same evidence and the same alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from store import Finding, Store, StoredRecord
from store.windows import add_months
from workflows.risk_rules import RiskRule, RiskRules, Route, RuleKind
from workflows.risk_sources import GradePoint, ListedPerson, listed_persons, mask_id

AUTHORITY_FIELDS = (
    "authority_uscc", "deciding_authority_uscc", "acceptance_unit_uscc", "confirm_unit_uscc",
)  # fmt: skip
GradeHistory = Callable[[Store, str], Sequence[GradePoint]]


@dataclass(frozen=True, slots=True)
class Entity:
    """What a check sees of one entity."""

    uscc: str
    records: tuple[StoredRecord, ...]

    @property
    def name(self) -> str | None:
        for record in self.records:
            if record.payload.get("counterpart_name"):
                return str(record.payload["counterpart_name"])
        return None

    @property
    def sectors(self) -> set[str]:
        return {str(r.payload["sector"]) for r in self.records if r.payload.get("sector")}


@dataclass(frozen=True, slots=True)
class Context:
    """The run's shared inputs."""

    store: Store
    rules: RiskRules
    today: date
    grade_history: GradeHistory
    _listed: dict[str, dict[str, list[ListedPerson]]] = field(default_factory=dict)

    def listed(self, rule: RiskRule) -> dict[str, list[ListedPerson]]:
        """The persons behind the rule's lists, by ID number (built once per run and rule)."""
        if rule.id not in self._listed:
            lists, roles = list(rule.params["lists"]), list(rule.params["roles"])
            self._listed[rule.id] = listed_persons(self.store, lists, roles, self.today)
        return self._listed[rule.id]


def _decided(record: StoredRecord) -> date | None:
    if record.decision_date is not None:
        return record.decision_date
    raw = record.payload.get("decision_date")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _authorities(payloads: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(p[f]).upper() for p in payloads for f in AUTHORITY_FIELDS if p.get(f)}


def _route(rule: RiskRule, ctx: Context, entity: Entity, authorities: set[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for route in rule.route:
        if route is Route.RECORD_AUTHORITIES:
            found |= authorities
        elif route is Route.SECTOR_DEPARTMENT:
            found |= {
                ctx.rules.sector_departments[s]
                for s in entity.sectors
                if s in ctx.rules.sector_departments
            }
        else:
            found.add(ctx.rules.credit_office)
    return tuple(sorted(found or {ctx.rules.credit_office}))


def _finding(
    rule: RiskRule, ctx: Context, entity: Entity, summary: str, evidence: dict[str, Any],
    authorities: set[str],
) -> Finding:  # fmt: skip
    return Finding(
        rule_id=rule.id,
        kind=rule.kind.value,
        uscc=entity.uscc,
        severity=rule.severity,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        summary=summary,
        evidence=evidence,
        departments=_route(rule, ctx, entity, authorities),
        entity_name=entity.name,
    )


def _recent_penalties(rule: RiskRule, ctx: Context, entity: Entity) -> tuple[date, list[Any]]:
    since = add_months(ctx.today, -int(rule.params["months"]))
    datasets = set(rule.params["datasets"])
    found = []
    for record in entity.records:
        day = _decided(record)
        if record.dataset in datasets and day is not None and since < day <= ctx.today:
            found.append((record, day))
    found.sort(key=lambda pair: (pair[1], pair[0].record_id))
    return since, found


def _penalty_evidence(record: StoredRecord, day: date) -> dict[str, Any]:
    payload = record.payload
    return {
        "record_id": record.record_id,
        "dataset": record.dataset,
        "decision_doc_no": payload.get("decision_doc_no"),
        "decision_date": day.isoformat(),
        "authority_name": payload.get("authority_name"),
        "authority_uscc": payload.get("authority_uscc"),
        "division_code": payload.get("division_code"),
    }


def penalty_count(rule: RiskRule, ctx: Context, entity: Entity) -> Finding | None:
    """≥ ``count`` penalties decided in the ``months`` months up to the evaluation day."""
    since, found = _recent_penalties(rule, ctx, entity)
    if len(found) < int(rule.params["count"]):
        return None
    evidence = {"records": [_penalty_evidence(r, d) for r, d in found], "count": len(found)}
    summary = (
        f"{len(found)} 次处罚（{since.isoformat()} 之后）/ {len(found)} penalties since "
        f"{since.isoformat()}"
    )
    return _finding(rule, ctx, entity, summary, evidence, _authorities(r.payload for r, _ in found))


def penalty_districts(rule: RiskRule, ctx: Context, entity: Entity) -> Finding | None:
    """Penalties in ≥ ``districts`` districts (division_code) within ``months`` months."""
    since, found = _recent_penalties(rule, ctx, entity)
    located = [(r, d) for r, d in found if r.payload.get("division_code")]
    districts = sorted({str(r.payload["division_code"]) for r, _ in located})
    if len(districts) < int(rule.params["districts"]):
        return None
    evidence = {
        "districts": districts,
        "records": [_penalty_evidence(r, d) for r, d in located],
    }
    summary = (
        f"{len(districts)} 个区（{', '.join(districts)}）/ {len(districts)} districts since "
        f"{since.isoformat()}"
    )
    authorities = _authorities(r.payload for r, _ in located)
    return _finding(rule, ctx, entity, summary, evidence, authorities)


def grade_fall(rule: RiskRule, ctx: Context, entity: Entity) -> Finding | None:
    """The latest grade is ≥ ``steps`` steps below the best grade of the ``months`` months
    before it (grades from :func:`workflows.risk_sources.grade_history`)."""
    scale = [str(g) for g in rule.params["scale"]]
    points = [p for p in ctx.grade_history(ctx.store, entity.uscc) if p.grade in scale]
    if len(points) < 2:
        return None
    points.sort(key=lambda p: p.as_of)
    latest = points[-1]
    since = add_months(latest.as_of, -int(rule.params["months"]))
    earlier = [
        p
        for p in points[:-1]
        if p.as_of >= since and p.scheme == latest.scheme  # one scheme
    ]
    if not earlier:
        return None
    best = min(earlier, key=lambda p: (scale.index(p.grade), p.as_of))
    fall = scale.index(latest.grade) - scale.index(best.grade)
    if fall < int(rule.params["steps"]):
        return None

    def point(p: GradePoint) -> dict[str, Any]:
        found: dict[str, Any] = {"grade": p.grade, "as_of": p.as_of.isoformat()}
        if p.record_id:
            found["record_id"] = p.record_id
        if p.scheme:
            found["scheme"] = p.scheme
        return found

    evidence = {"from": point(best), "to": point(latest), "steps": fall}
    summary = f"{best.grade} → {latest.grade}（{fall} 级 / {fall} steps）"
    return _finding(rule, ctx, entity, summary, evidence, set())


def listed_rep_elsewhere(rule: RiskRule, ctx: Context, entity: Entity) -> Finding | None:
    """A person behind a list entry in force (of another entity) is legal representative on
    this entity's records."""
    lists = set(rule.params["lists"])
    index = ctx.listed(rule)
    at_entity: dict[str, list[StoredRecord]] = {}
    for record in entity.records:
        id_no = record.payload.get("legal_rep_id_no")
        if id_no and record.dataset not in lists:
            at_entity.setdefault(str(id_no).upper(), []).append(record)
    persons: list[dict[str, Any]] = []
    entries: list[Mapping[str, Any]] = []
    for id_no in sorted(at_entity):
        behind = [p for p in index.get(id_no, ()) if p.entry.uscc and p.entry.uscc != entity.uscc]
        if not behind:
            continue
        names = {p.name for p in behind if p.name}
        persons.append(
            {
                "id_no_masked": mask_id(id_no),
                "name": sorted(names)[0] if names else None,
                "records_here": sorted(r.record_id for r in at_entity[id_no]),
                "listed": sorted(
                    (
                        {
                            "record_id": p.entry.record_id,
                            "uscc": p.entry.uscc,
                            "list_name": p.entry.payload.get("list_name"),
                            "role": p.role,
                            "deciding_authority_uscc": p.entry.payload.get(
                                "deciding_authority_uscc"
                            ),
                        }
                        for p in behind
                    ),
                    key=lambda d: (d["record_id"], d["role"]),
                ),
            }
        )
        entries.extend(p.entry.payload for p in behind)
    if not persons:
        return None
    listed_codes = sorted({d["uscc"] for p in persons for d in p["listed"]})
    summary = (
        f"{len(persons)} 名失信主体关联人员（{', '.join(listed_codes)}）/ {len(persons)} "
        "person(s) behind listed entities"
    )
    return _finding(rule, ctx, entity, summary, {"persons": persons}, _authorities(entries))


def commitment_breach(rule: RiskRule, ctx: Context, entity: Entity) -> Finding | None:
    """A commitment of the rule's types (容缺受理型) recorded as breached; the licences the
    accepting unit granted the entity since the commitment are named as the approvals."""
    types, statuses = set(rule.params["commitment_types"]), set(rule.params["statuses"])
    breached = [
        r
        for r in entity.records
        if r.dataset == "credit-commitment"
        and r.payload.get("commitment_type") in types
        and r.payload.get("fulfilment_status") in statuses
    ]
    if not breached:
        return None
    items = []
    for record in sorted(breached, key=lambda r: r.record_id):
        payload = record.payload
        unit, made = payload.get("acceptance_unit_uscc"), str(payload.get("commitment_date") or "")
        approvals = sorted(
            r.record_id
            for r in entity.records
            if r.dataset == "administrative-licensing"
            and r.payload.get("authority_uscc") == unit
            and str(r.payload.get("decision_date") or "") >= made
        )
        items.append(
            {
                "record_id": record.record_id,
                "code": payload.get("code"),
                "commitment_type": payload.get("commitment_type"),
                "commitment_date": payload.get("commitment_date"),
                "fulfilment_status": payload.get("fulfilment_status"),
                "fulfilment_status_date": payload.get("fulfilment_status_date"),
                "acceptance_unit_uscc": unit,
                "approvals": approvals,
            }
        )
    summary = f"{len(items)} 项承诺未履行 / {len(items)} commitment(s) breached"
    authorities = _authorities(r.payload for r in breached)
    return _finding(rule, ctx, entity, summary, {"commitments": items}, authorities)


CHECKS: dict[RuleKind, Callable[[RiskRule, Context, Entity], Finding | None]] = {
    RuleKind.PENALTY_COUNT: penalty_count,
    RuleKind.PENALTY_DISTRICTS: penalty_districts,
    RuleKind.GRADE_FALL: grade_fall,
    RuleKind.LISTED_REP_ELSEWHERE: listed_rep_elsewhere,
    RuleKind.COMMITMENT_BREACH: commitment_breach,
}
"""The check of every rule kind (a test holds it complete)."""
