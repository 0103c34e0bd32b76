"""Every table of the system, in one place: the store's public schema.

The tables are defined beside the code that owns them (:mod:`store.tables`,
:mod:`store.tables_workflows`, :mod:`store.tables_evaluation`, :mod:`store.access`, …), all
on one :data:`metadata`. Packages above the store that query a table with SQLAlchemy Core
(the workflows keep their cases in theirs) import it from here, never from the defining
module. Importing this module loads every table onto :data:`metadata`, so it is also the
complete definition that the Alembic revisions must reproduce (docs/migrations.md).
"""

from store.access import api_keys, audit_log, feed_acks
from store.alerts import alert_cursors, alert_departments, alert_events, alerts
from store.calendar_db import calendar_changes, calendar_days
from store.draws import inspection_commitments, inspection_draws
from store.jobs import job_runs
from store.outbox import webhook_datasets, webhook_outbox, webhook_subscriptions
from store.tables import (
    batches,
    changes,
    metadata,
    records,
    report_keys,
    report_log,
    schema_migrations,
)
from store.tables_evaluation import (
    entity_grades,
    evaluation_state,
    grade_history,
    public_dishonesty,
    public_dishonesty_notices,
)
from store.tables_workflows import (
    check_log,
    objections,
    person_links,
    repair_applications,
    workflow_steps,
)
from store.uploads import batch_uploads

__all__ = [
    "alert_cursors",
    "alert_departments",
    "alert_events",
    "alerts",
    "api_keys",
    "audit_log",
    "batch_uploads",
    "batches",
    "calendar_changes",
    "calendar_days",
    "changes",
    "check_log",
    "entity_grades",
    "evaluation_state",
    "feed_acks",
    "grade_history",
    "inspection_commitments",
    "inspection_draws",
    "job_runs",
    "metadata",
    "objections",
    "person_links",
    "public_dishonesty",
    "public_dishonesty_notices",
    "records",
    "repair_applications",
    "report_keys",
    "report_log",
    "schema_migrations",
    "webhook_datasets",
    "webhook_outbox",
    "webhook_subscriptions",
    "workflow_steps",
]
