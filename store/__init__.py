"""The exchange store (交换库): versions, one change log, take-downs and audience views.

Every channel (CKAN, GraphQL, downloads, partner feeds) reads what this package stores and
shows it through :func:`view` / :func:`view_event`, so channels never disagree. SQLAlchemy
Core on SQLite (default) or PostgreSQL (by URL); publication windows (``store.windows``)
and working days (``store.workdays``) are re-exported here.
"""

from store.errors import (
    InvalidQueryError,
    MigrationError,
    StoreError,
    StoreUnavailableError,
    UnknownRecordError,
)
from store.events import ChangeEvent, Op, RecordState, StoredRecord
from store.exchange import Store, open_store
from store.outcomes import BatchStatus, Outcome, RowOutcome, SubmitResult
from store.payloads import canonical_json, record_hash
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
    "Audience",
    "BatchStatus",
    "CalendarUnknownError",
    "ChangeEvent",
    "InvalidQueryError",
    "MigrationError",
    "Op",
    "Outcome",
    "PublicationWindow",
    "RecordState",
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
    "add_working_days",
    "canonical_json",
    "disclosure_deadline",
    "load_rulebook",
    "may_see_dataset",
    "open_store",
    "publication_window",
    "record_hash",
    "redact",
    "view",
    "view_event",
    "working_days_between",
]
