"""The exchange store (交换库): versions, one change log, take-downs and audience views.

Every channel (CKAN, GraphQL, downloads, partner feeds) reads what this package stores and
shows it through :func:`view` / :func:`view_event`, so channels never disagree. SQLAlchemy
Core on SQLite (default) or PostgreSQL (by URL); publication windows (``store.windows``)
and working days (``store.workdays``) are re-exported here.
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
from store.batches import mark_interrupted, read_batch
from store.errors import (
    InvalidQueryError,
    MigrationError,
    StoreError,
    StoreUnavailableError,
    UnknownRecordError,
)
from store.events import ChangeEvent, Op, RecordState, StoredRecord
from store.exchange import Store, open_store
from store.marks import OBJECTION_CLEARED, OBJECTION_MARK, clear_objection, mark_objection
from store.outcomes import BatchStatus, Outcome, RowOutcome, SubmitResult
from store.payloads import canonical_json, record_hash
from store.receipts import Receipt, submit_records, submit_rows, submit_table
from store.takedowns import SweepResult, WithdrawalReason
from store.timeliness import TimelinessSummary
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
    add_working_days,
    disclosure_deadline,
    working_days_between,
)

__all__ = [
    "OBJECTION_CLEARED",
    "OBJECTION_MARK",
    "ApiKey",
    "Audience",
    "AuditEntry",
    "BatchStatus",
    "CalendarUnknownError",
    "ChangeEvent",
    "FeedAck",
    "InvalidQueryError",
    "MigrationError",
    "Op",
    "Outcome",
    "PublicationWindow",
    "Receipt",
    "RecordState",
    "Role",
    "RowOutcome",
    "RuleBook",
    "RulesError",
    "Severity",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "StoredRecord",
    "SubmitResult",
    "SweepResult",
    "TimelinessSummary",
    "UnknownRecordError",
    "UnknownRuleError",
    "WindowError",
    "WithdrawalReason",
    "acknowledge",
    "acknowledgements",
    "add_working_days",
    "authenticate",
    "canonical_json",
    "clear_objection",
    "create_key",
    "disclosure_deadline",
    "list_keys",
    "load_rulebook",
    "mark_interrupted",
    "mark_objection",
    "may_see_dataset",
    "open_store",
    "publication_window",
    "read_audit",
    "read_batch",
    "record_hash",
    "record_reads",
    "redact",
    "revoke_key",
    "submit_records",
    "submit_rows",
    "submit_table",
    "view",
    "view_event",
    "working_days_between",
]
