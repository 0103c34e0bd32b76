"""The CKAN publisher (CKAN 发布): the public view of the exchange store, in a real portal.

:func:`publish` makes a CKAN portal hold, for every catalogue dataset open to the public,
an organisation per providing department, a dataset with bilingual metadata, a DataStore
table of the records inside their publication window and CSV / NDJSON / datapackage.json
downloads — incrementally, from the store's change log, resumable, and writing nothing when
nothing changed. :func:`publish_command` is the body of ``creditgate publish ckan``.
Only public views ever leave: :func:`store.view` / :func:`store.view_event` decide.
"""

from portal.client import CkanClient, is_write
from portal.command import publish_command
from portal.errors import (
    PortalConfigError,
    PortalError,
    PortalRefusedError,
    PortalUnavailableError,
)
from portal.naming import PortalConfig, Role
from portal.state import SyncState
from portal.summary import DatasetSummary, Progress, PublishSummary, RejectedRow
from portal.sync import DEFAULT_BATCH_ROWS, publish
from portal.table import PublicTable

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "CkanClient",
    "DatasetSummary",
    "PortalConfig",
    "PortalConfigError",
    "PortalError",
    "PortalRefusedError",
    "PortalUnavailableError",
    "Progress",
    "PublicTable",
    "PublishSummary",
    "RejectedRow",
    "Role",
    "SyncState",
    "is_write",
    "publish",
    "publish_command",
]
