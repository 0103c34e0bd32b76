"""The exchange store (交换库): versions, one change log, take-downs and audience views.

Every channel (CKAN, GraphQL, downloads, partner feeds) reads what this package stores and
shows it through :func:`view` / :func:`view_event`, so channels never disagree. SQLAlchemy
Core on SQLite (default) or PostgreSQL (by URL); publication windows (``store.windows``)
and working days (``store.workdays``) are re-exported here.

The store owns every table (:mod:`store.schema` lists them) and its migrations (Alembic,
:mod:`store.migrations`). Its public interface, which the packages above it import, is this
package's ``__all__`` and the modules below; everything else (``store.db``, ``store.tables``
and the other table modules, ``store.migrations``) is internal, and import-linter and
tests/test_architecture.py hold that.

Public modules: store.schema store.access store.alerts store.calendar_db store.evaluation
store.events store.figures store.profiles store.public_dishonesty store.recompute
store.subjects store.takedowns store.timeliness store.uploads store.windows store.workdays
store.outbox store.webhooks store.webhook_delivery store.alert_handling
"""

from store.access import (
    ApiKey,
    AuditEntry,
    FeedAck,
    Role,
    acknowledge,
    acknowledgements,
    authenticate,
    create_key,
    list_keys,
    read_audit,
    record_reads,
    revoke_key,
)
from store.alert_handling import (
    Alert,
    AlertEvent,
    acknowledge_alert,
    alert_history,
    close_alert,
    get_alert,
    list_alerts,
)
from store.alerts import AlertState, Finding, FindingOutcome
from store.batches import mark_interrupted, read_batch
from store.calendar_db import DeadlineChange, import_year, load_imported
from store.calendar_files import CalendarIssue, CalendarYear, ParsedCalendar, parse_calendar
from store.calendars import CALENDAR, Source, calendar_status, next_year_warning
from store.db import write_transaction
from store.draws import (
    Commitment,
    DrawRefusedError,
    PublishedDraw,
    commit_seed,
    get_commitment,
    get_draw,
    list_commitments,
    list_draws,
    record_draw,
)
from store.errors import (
    InvalidQueryError,
    MigrationError,
    StoreError,
    StoreUnavailableError,
    UnknownRecordError,
)
from store.events import ChangeEvent, Op, RecordState, StoredRecord
from store.exchange import Store, open_store
from store.jobs import JobRun, JobSummary, job_summaries, list_runs, run_job
from store.marks import (
    OBJECTION_CLEARED,
    OBJECTION_MARK,
    clear_objection,
    clear_objection_in,
    mark_objection,
    mark_objection_in,
)
from store.national import national_datasets, national_header, national_page, national_pages
from store.outcomes import BatchStatus, Outcome, RowOutcome, SubmitResult
from store.payloads import canonical_json, record_hash
from store.profiles import Profile, Section, dataset_updated_at, entity_profile
from store.public_dishonesty import (
    PublicDishonestyError,
    advance_notice,
    list_public_dishonesty,
    record_public_dishonesty,
)
from store.receipts import Receipt, submit_records, submit_rows, submit_table
from store.recompute import RecomputeResult, recompute
from store.records import submit_in
from store.reports import IssuedReport, issue_report, report_history
from store.search import EntityIndex, Hit, normalise_name
from store.signing import (
    ReportKey,
    Verification,
    current_key,
    published_keys,
    rotate_key,
    verify_document,
)
from store.state import get_record_in
from store.takedowns import SweepResult, WithdrawalReason, withdraw_in
from store.timeliness import TimelinessSummary
from store.view_schemas import view_schema, view_schema_uri, view_validator
from store.views import Audience, may_see_dataset, redact, view, view_event
from store.windows import (
    PublicationWindow,
    RuleBook,
    RulesError,
    Severity,
    UnknownRuleError,
    WindowError,
    load_rulebook,
    publication_window,
)
from store.workdays import (
    CalendarUnknownError,
    Deadline,
    add_working_days,
    deadline,
    disclosure_deadline,
    working_days_between,
)

__all__ = [
    "CALENDAR",
    "OBJECTION_CLEARED",
    "OBJECTION_MARK",
    "Alert",
    "AlertEvent",
    "AlertState",
    "ApiKey",
    "Audience",
    "AuditEntry",
    "BatchStatus",
    "CalendarIssue",
    "CalendarUnknownError",
    "CalendarYear",
    "ChangeEvent",
    "Commitment",
    "Deadline",
    "DeadlineChange",
    "DrawRefusedError",
    "EntityIndex",
    "FeedAck",
    "Finding",
    "FindingOutcome",
    "Hit",
    "InvalidQueryError",
    "IssuedReport",
    "JobRun",
    "JobSummary",
    "MigrationError",
    "Op",
    "Outcome",
    "ParsedCalendar",
    "Profile",
    "PublicDishonestyError",
    "PublicationWindow",
    "PublishedDraw",
    "Receipt",
    "RecomputeResult",
    "RecordState",
    "ReportKey",
    "Role",
    "RowOutcome",
    "RuleBook",
    "RulesError",
    "Section",
    "Severity",
    "Source",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "StoredRecord",
    "SubmitResult",
    "SweepResult",
    "TimelinessSummary",
    "UnknownRecordError",
    "UnknownRuleError",
    "Verification",
    "WindowError",
    "WithdrawalReason",
    "acknowledge",
    "acknowledge_alert",
    "acknowledgements",
    "add_working_days",
    "advance_notice",
    "alert_history",
    "authenticate",
    "calendar_status",
    "canonical_json",
    "clear_objection",
    "clear_objection_in",
    "close_alert",
    "commit_seed",
    "create_key",
    "current_key",
    "dataset_updated_at",
    "deadline",
    "disclosure_deadline",
    "entity_profile",
    "get_alert",
    "get_commitment",
    "get_draw",
    "get_record_in",
    "import_year",
    "issue_report",
    "job_summaries",
    "list_alerts",
    "list_commitments",
    "list_draws",
    "list_keys",
    "list_public_dishonesty",
    "list_runs",
    "load_imported",
    "load_rulebook",
    "mark_interrupted",
    "mark_objection",
    "mark_objection_in",
    "may_see_dataset",
    "national_datasets",
    "national_header",
    "national_page",
    "national_pages",
    "next_year_warning",
    "normalise_name",
    "open_store",
    "parse_calendar",
    "publication_window",
    "published_keys",
    "read_audit",
    "read_batch",
    "recompute",
    "record_draw",
    "record_hash",
    "record_public_dishonesty",
    "record_reads",
    "redact",
    "report_history",
    "revoke_key",
    "rotate_key",
    "run_job",
    "submit_in",
    "submit_records",
    "submit_rows",
    "submit_table",
    "verify_document",
    "view",
    "view_event",
    "view_schema",
    "view_schema_uri",
    "view_validator",
    "withdraw_in",
    "working_days_between",
    "write_transaction",
]
