"""The credit workflows of the Wuhan plan: lists, punishment checks, commitments, repair,
objections, interviews, voluntary registration and each record's timeline.

Downstream of :mod:`store` (every record change is a store version or take-down, so every
channel sees it) and upstream of the gateway, which exposes these functions over HTTP.
Procedures and measures are data (``workflows/data``); workflow state lives in the store's
tables (:mod:`store.tables_workflows`, reached through :mod:`store.schema`). Every step is one
transaction through :mod:`workflows.transaction`, taken by one :class:`Caller`. The operations
the faces offer (REST, GraphQL, the CLI) are :mod:`workflows.case_operations` and
:mod:`workflows.record_operations`: each returns an :class:`Answer`. Procedures are documented
in docs/workflows.md.
"""

from workflows.answers import Answer, attempt
from workflows.caller import SYSTEM, Caller
from workflows.case_operations import (
    objection_extend,
    objection_file,
    objection_list,
    objection_outcome,
    objection_show,
    objection_verify,
    repair_apply,
    repair_decide,
    repair_list,
    repair_show,
)
from workflows.checks import LIST_DATASETS, CheckIndex, CheckResult, Entry
from workflows.commitment_types import (
    BreachListing,
    CommitmentType,
    CommitmentTypes,
    load_commitment_types,
    read_commitment_types,
)
from workflows.commitments import FulfilmentResult, record_fulfilment
from workflows.deadlines import CalendarImport, import_calendar_year, recompute_deadlines
from workflows.draw_prng import seed_commitment
from workflows.errors import (
    CaseNotFoundError,
    InvalidRequestError,
    KeyRequiredError,
    NotAllowedError,
    ProceduresError,
    StateConflictError,
    WorkflowError,
)
from workflows.incentives import Incentive, IncentiveList, load_incentives, read_incentives
from workflows.inspection_draws import DrawCheck, draw, draw_bytes, verify_draw
from workflows.inspection_plans import Plan, PlanError, load_plan, parse_plan
from workflows.inspection_population import (
    GradeOf,
    build_snapshot,
    evaluation_grade,
    snapshot_bytes,
    snapshot_hash,
)
from workflows.inspections import (
    draw_results,
    publish_draw,
    submit_results,
    verify_published,
)
from workflows.interviews import (
    interview_kind,
    interview_kinds,
    record_interview,
    record_rectification,
)
from workflows.listings import RemovalReason, list_entry, remove_entry
from workflows.measures import (
    Measure,
    MeasureList,
    MeasurePublication,
    load_measures,
    publish_measures,
    read_measures,
)
from workflows.national import NationalReceipt, import_national_results, read_results
from workflows.objection_outcome import record_outcome
from workflows.objections import (
    Objection,
    ObjectionState,
    OutcomeResult,
    extend_deadline,
    file_objection,
    get_objection,
    list_objections,
    start_verification,
)
from workflows.persons import PersonLink, link_person, linked_persons, unlink_person
from workflows.problems import Problem, problem, problem_codes
from workflows.procedures import Procedures, load_procedures, read_procedures
from workflows.record_operations import (
    commitment_fulfil,
    interview_record,
    interview_rectify,
    listing_add,
    listing_remove,
    persons_link,
    persons_list,
    persons_unlink,
    punishment_check,
    record_timeline,
    registration_register,
    registration_verify,
)
from workflows.registrations import register, verify_registration
from workflows.repair import (
    RepairApplication,
    RepairState,
    apply_for_repair,
    decide_repair,
    get_repair,
    list_repairs,
)
from workflows.risk import AlertRun, run_alerts
from workflows.risk_rules import RiskRule, RiskRules, load_risk_rules, read_risk_rules
from workflows.risk_sources import GradePoint, grade_history
from workflows.steps import Step, Workflow, steps_of
from workflows.timeline import TimelineAudience, TimelineItem, timeline
from workflows.transaction import StepTransaction, step_transaction
from workflows.versions import VersionResult

__all__ = [
    "LIST_DATASETS",
    "SYSTEM",
    "AlertRun",
    "Answer",
    "BreachListing",
    "CalendarImport",
    "Caller",
    "CaseNotFoundError",
    "CheckIndex",
    "CheckResult",
    "CommitmentType",
    "CommitmentTypes",
    "DrawCheck",
    "Entry",
    "FulfilmentResult",
    "GradeOf",
    "GradePoint",
    "Incentive",
    "IncentiveList",
    "InvalidRequestError",
    "KeyRequiredError",
    "Measure",
    "MeasureList",
    "MeasurePublication",
    "NationalReceipt",
    "NotAllowedError",
    "Objection",
    "ObjectionState",
    "OutcomeResult",
    "PersonLink",
    "Plan",
    "PlanError",
    "Problem",
    "Procedures",
    "ProceduresError",
    "RemovalReason",
    "RepairApplication",
    "RepairState",
    "RiskRule",
    "RiskRules",
    "StateConflictError",
    "Step",
    "StepTransaction",
    "TimelineAudience",
    "TimelineItem",
    "VersionResult",
    "Workflow",
    "WorkflowError",
    "apply_for_repair",
    "attempt",
    "build_snapshot",
    "commitment_fulfil",
    "decide_repair",
    "draw",
    "draw_bytes",
    "draw_results",
    "evaluation_grade",
    "extend_deadline",
    "file_objection",
    "get_objection",
    "get_repair",
    "grade_history",
    "import_calendar_year",
    "import_national_results",
    "interview_kind",
    "interview_kinds",
    "interview_record",
    "interview_rectify",
    "link_person",
    "linked_persons",
    "list_entry",
    "list_objections",
    "list_repairs",
    "listing_add",
    "listing_remove",
    "load_commitment_types",
    "load_incentives",
    "load_measures",
    "load_plan",
    "load_procedures",
    "load_risk_rules",
    "objection_extend",
    "objection_file",
    "objection_list",
    "objection_outcome",
    "objection_show",
    "objection_verify",
    "parse_plan",
    "persons_link",
    "persons_list",
    "persons_unlink",
    "problem",
    "problem_codes",
    "publish_draw",
    "publish_measures",
    "punishment_check",
    "read_commitment_types",
    "read_incentives",
    "read_measures",
    "read_procedures",
    "read_results",
    "read_risk_rules",
    "recompute_deadlines",
    "record_fulfilment",
    "record_interview",
    "record_outcome",
    "record_rectification",
    "record_timeline",
    "register",
    "registration_register",
    "registration_verify",
    "remove_entry",
    "repair_apply",
    "repair_decide",
    "repair_list",
    "repair_show",
    "run_alerts",
    "seed_commitment",
    "snapshot_bytes",
    "snapshot_hash",
    "start_verification",
    "step_transaction",
    "steps_of",
    "submit_results",
    "timeline",
    "unlink_person",
    "verify_draw",
    "verify_published",
    "verify_registration",
]
