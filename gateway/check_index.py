"""The application's joint-punishment check index, shared by REST and GraphQL (one per app).

:class:`workflows.CheckIndex` loads the list entries on its first check and then follows the
change log, so making it costs nothing; both faces take it from here so that they answer from
the same index.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI

from workflows import CheckIndex

_LOCK = threading.Lock()


def check_index(app: FastAPI) -> CheckIndex:
    """The app's check index (made on first use)."""
    index: CheckIndex | None = getattr(app.state, "workflow_checks", None)
    if index is None:
        with _LOCK:
            index = getattr(app.state, "workflow_checks", None)
            if index is None:
                index = CheckIndex(app.state.store)
                app.state.workflow_checks = index
    return index
