"""The audit trail of authorised reads (查询留痕): who read which entity or dataset, when, at
which change-log position.

Every read by a keyed caller is noted in memory by :meth:`AuditTrail.note` (cheap: an append
under a lock) and written to ``audit_log`` in batches, so a read never waits for the store's
writer lock:

* a flusher thread writes every ``audit_flush_seconds`` while the service runs (started and
  stopped by the REST router's lifespan; the last flush happens at shutdown, after the
  server has stopped taking requests);
* without a running flusher (an app driven without its lifespan, e.g. in tests) a note
  flushes inline once the oldest entry is ``audit_flush_seconds`` old;
* admins' audit queries flush first, so they always see every read made before them.

Nothing is dropped silently: a failed write keeps the entries and is retried (and logged);
when ``audit_max_pending`` entries are waiting, reads are refused with 503 until the trail
can be written again — a read that cannot be audited is not served. Entries are lost only
if the process is killed hard (SIGKILL, power loss) within one flush interval.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from gateway.auth import Principal
from gateway.errors import ApiError
from store import record_reads

log = logging.getLogger("creditgate.audit")
_MAKING = threading.Lock()

TARGET_CHARS = 200
"""Width of ``audit_log.target``."""


class AuditTrail:
    """Buffered writer of audit entries to one store."""

    def __init__(
        self, engine: Engine, *, flush_seconds: float = 1.0, max_pending: int = 100_000
    ) -> None:
        self.engine = engine
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self._pending: list[dict[str, Any]] = []
        self._oldest = 0.0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- noting ----------------------------------------------------------------------------
    def note(self, principal: Principal, action: str, target: str, log_position: int) -> None:
        """Note one read by ``principal`` (nothing for the public: there is nobody to name)."""
        if not principal.authorised:
            return
        self.extend(
            [
                {
                    "key_id": principal.key_id,
                    "actor": principal.actor[:200],
                    "role": principal.role.value,
                    "action": action,
                    "target": target[:TARGET_CHARS],
                    "log_position": log_position,
                    "occurred_at": datetime.now(UTC),
                }
            ]
        )

    def extend(self, entries: list[dict[str, Any]]) -> None:
        """Queue ready-made entries (``audit_log`` columns except ``id``); 503 when the trail
        is too far behind to accept more."""
        if not entries:
            return
        with self._lock:
            if len(self._pending) >= self.max_pending:
                raise ApiError(503, "the audit trail cannot be written; reads are paused")
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.extend(entries)
            due = time.monotonic() - self._oldest >= self.flush_seconds
        if due and not self.running:
            self.flush()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    # -- writing ---------------------------------------------------------------------------
    def flush(self) -> int:
        """Write every queued entry; returns how many were written (0 when the write failed:
        the entries stay queued for the next attempt)."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                record_reads(self.engine, batch)
            except Exception:
                log.exception("audit trail: writing %d entries failed; will retry", len(batch))
                with self._lock:
                    self._pending = batch + self._pending
                    self._oldest = time.monotonic()
                return 0
            return len(batch)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the flusher thread (idempotent)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def close(self) -> None:
        """Stop the flusher and write what is left (a failure here is logged loudly)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()
        if left := self.pending:
            log.error("audit trail: %d entries could not be written at shutdown", left)


def audit_of(app: FastAPI) -> AuditTrail:
    """The app's audit trail (made on first use)."""
    trail: AuditTrail | None = getattr(app.state, "audit", None)
    if trail is not None:
        return trail
    with _MAKING:
        trail = getattr(app.state, "audit", None)
        if trail is None:
            settings = app.state.settings
            trail = AuditTrail(
                app.state.store.engine,
                flush_seconds=settings.audit_flush_seconds,
                max_pending=settings.audit_max_pending,
            )
            app.state.audit = trail
        return trail
