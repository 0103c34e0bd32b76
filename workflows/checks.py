"""The joint-punishment check (联合惩戒核查): may this subject do this, today?

Approval systems ask ``check(credit_code, scenario)`` inside a form, so the answer must be a
dictionary lookup, not a query. :class:`CheckIndex` keeps every active entry of the
serious-dishonesty list, the watch list and the market bans in memory, keyed by the listed
subject's codes (USCC, registration number, identity number) and by the persons named in the
entry (legal representative, responsible persons). It loads the current state once and then
follows the change log (``Store.changes(after=…)``) — new entries, removals, take-downs,
repairs, objection marks — so each answer states the log position it reflects.

An entry restricts a scenario when it is in force on the day (published and inside its
window: listing date to removal date or planned expiry) and a measure in force matches it
(:meth:`workflows.MeasureList.matching`). A person linked to a listed entity — in the entry
itself or by hand (:mod:`workflows.persons`) — is restricted only by measures that reach
persons. Identity numbers are personal data: only government callers may check them.

Every check is written to ``check_log`` (who asked about whom, for which scenario, the answer,
the log position) before the answer is returned: a check is an administrative act's basis,
and ``audit_log`` (reads of data) has no place for the answer itself. On PostgreSQL that
insert commits with ``synchronous_commit = off``: waiting for the WAL flush cost most of a
check's time, and a server crash can then lose only the last fraction of a second of the log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from schemas import is_valid_uscc
from store import (
    OBJECTION_MARK,
    Audience,
    ChangeEvent,
    Op,
    RecordState,
    Store,
)
from store.schema import changes, check_log, entity_grades, person_links
from workflows.caller import Caller
from workflows.check_entries import LIST_DATASETS, Entry, EntryState, entry_of, entry_ref
from workflows.errors import InvalidRequestError, NotAllowedError
from workflows.incentives import IncentiveList, load_incentives
from workflows.measures import Measure, MeasureList, load_measures
from workflows.steps import dumps

__all__ = ["LIST_DATASETS", "CheckIndex", "CheckResult", "Entry"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The answer to one check; ``entries`` lists every entry in force, each with the
    measures it triggers for the scenario (possibly none), and ``measures`` their union."""

    credit_code: str
    scenario: str | None
    restricted: bool
    measures: tuple[dict[str, Any], ...]
    basis: tuple[str, ...]
    entries: tuple[dict[str, Any], ...]
    checked_at: datetime
    log_position: int
    measure_list_version: str
    check_id: int | None = None
    incentives: tuple[dict[str, Any], ...] = ()
    incentive_list_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "credit_code": self.credit_code,
            "scenario": self.scenario,
            "restricted": self.restricted,
            "measures": list(self.measures),
            "basis": list(self.basis),
            "entries": list(self.entries),
            "checked_at": self.checked_at.isoformat(),
            "log_position": self.log_position,
            "measure_list_version": self.measure_list_version,
            "incentives": list(self.incentives),
            "incentive_list_version": self.incentive_list_version,
        }


class CheckIndex:
    """Entries in memory, following the change log; thread-safe, one per process.

    ``max_staleness`` (seconds): how old the index may be before a check first reads the log
    (0: every check reads the new events — one indexed query — and is exactly current).
    """

    def __init__(
        self,
        store: Store,
        measures: MeasureList | None = None,
        *,
        max_staleness: float = 0.0,
        page_size: int = 5000,
        incentives: IncentiveList | None = None,
    ) -> None:
        self.store = store
        self.measures = measures or load_measures()
        self.incentives = incentives or load_incentives()
        self.max_staleness = max_staleness
        self.page_size = page_size
        self._state = EntryState()
        self._cursor = 0
        self._refreshed = float("-inf")
        self._lock = threading.Lock()
        self._loaded = False

    @property
    def log_position(self) -> int:
        """The change-log seq the index reflects."""
        return self._cursor

    def __len__(self) -> int:
        return len(self._state.entries)

    # -- keeping up with the store -------------------------------------------------------
    def load(self) -> None:
        """Read the active entries (the log position is taken first, so nothing is missed)."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        state = EntryState()
        cursor = self.store.head()
        for dataset in LIST_DATASETS:
            after: str | None = None
            while page := self.store.records(
                dataset, after_record_id=after, limit=self.page_size, state="active"
            ):
                for stored in page:
                    state.put(entry_of(stored))
                after = page[-1].record_id
        self._state, self._cursor, self._loaded = state, cursor, True
        with self.store.engine.connect() as conn:
            self._catch_up(conn)

    def refresh(self) -> int:
        """Apply the events after the index's position; returns how many were read."""
        with self._lock:
            if not self._loaded:
                self._load()
                return 0
            with self.store.engine.connect() as conn:
                return self._catch_up(conn)

    def _catch_up(self, conn: Connection) -> int:
        """Apply the list events up to the head of the log; the caller holds the lock.

        Every event up to the head read first is committed and visible (writers commit in seq
        order), so afterwards the index is exact as of that head, whatever other datasets did
        meanwhile. The common case — nothing new — costs one ``max(seq)`` on the caller's
        connection (a check reads the log and writes its log row in one transaction).
        """
        head = int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())
        read = 0
        while self._cursor < head:
            rows = (
                conn.execute(
                    select(changes)
                    .where(
                        changes.c.seq > self._cursor,
                        changes.c.seq <= head,
                        changes.c.dataset.in_(LIST_DATASETS),
                    )
                    .order_by(changes.c.seq)
                    .limit(self.page_size)
                )
                .mappings()
                .all()
            )
            for row in rows:
                self._apply(ChangeEvent.from_row(row))
            read += len(rows)
            self._cursor = int(rows[-1]["seq"]) if len(rows) == self.page_size else head
        self._refreshed = time.monotonic()
        return read

    def _apply(self, event: ChangeEvent) -> None:
        state = self._state
        current = state.entries.get(event.record_id)
        if current is not None and current.version > event.version:
            return  # the initial load already saw a newer version
        if event.op is Op.DELETE or event.state is not RecordState.ACTIVE:
            state.drop(event.record_id)
            return
        state.put(
            Entry.build(
                record_id=event.record_id,
                dataset=event.dataset,
                version=event.version,
                payload=event.payload or {},
                publishable=event.publishable,
                start=event.window_start,
                end=event.window_end,
                under_objection=event.reason == OBJECTION_MARK,
            )
        )

    # -- answering -----------------------------------------------------------------------
    def check(
        self,
        credit_code: str,
        scenario: str | None,
        *,
        today: date,
        caller: Caller,
        now: datetime | None = None,
    ) -> CheckResult:
        """Whether restrictions apply to ``credit_code`` in ``scenario`` on ``today``; logged.

        Raises :class:`workflows.InvalidRequestError` for an unknown scenario and
        :class:`workflows.NotAllowedError` when a non-government caller asks about anything
        but a unified social credit code (an identity number is personal data).
        """
        code = credit_code.strip().upper()
        try:
            canonical = self.measures.scenario(scenario)
        except InvalidRequestError:
            if scenario is None or scenario.strip() not in self.incentives.known_scenarios:
                raise
            canonical = scenario.strip()
        is_org = is_valid_uscc(code)
        if not is_org and caller.role.audience is not Audience.GOVERNMENT:
            raise NotAllowedError("checking a person's identity number needs a government key")
        if not self._loaded:
            self.load()
        when = now or datetime.now(UTC)
        # One connection: read the log, answer, write the log row.
        with self.store.engine.connect() as conn:
            manual = [] if is_org else self._manual_links(conn, code)
            with self._lock:
                if time.monotonic() - self._refreshed >= self.max_staleness:
                    self._catch_up(conn)
                position = self._cursor
                restricted, measures, basis, entries = self._evaluate(
                    code, canonical, today, manual
                )
            incentives = self._incentives(conn, code, canonical, today, bool(entries), is_org)
            if conn.dialect.name == "postgresql":
                # Do not wait for the WAL flush (most of a check's time otherwise): a server
                # crash may lose the last moments of the check log, never corrupt it.
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            else:
                # SQLite: end the read snapshot first; a transaction that reads and then writes
                # cannot take the write lock once another writer has committed meanwhile.
                conn.rollback()
            check_id = conn.execute(
                check_log.insert().values(
                    checked_at=when,
                    actor=caller.actor,
                    role=caller.role.value,
                    credit_code=code,
                    scenario=canonical,
                    restricted=restricted,
                    measure_ids=dumps([m["measure_id"] for m in measures]),
                    entry_ids=dumps([e["record_id"] for e in entries]),
                    log_position=position,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            conn.commit()
        return CheckResult(
            credit_code=code,
            scenario=canonical,
            restricted=restricted,
            measures=measures,
            basis=basis,
            entries=entries,
            checked_at=when,
            log_position=position,
            measure_list_version=self.measures.version,
            check_id=int(check_id),
            incentives=incentives,
            incentive_list_version=self.incentives.version,
        )

    def _incentives(
        self,
        conn: Connection,
        code: str,
        scenario: str | None,
        today: date,
        listed: bool,
        is_org: bool,
    ) -> tuple[dict[str, Any], ...]:
        """守信激励: the incentive measures a graded, honest entity gets (none for persons)."""
        if not is_org:
            return ()
        row = conn.execute(
            select(entity_grades.c.grade, entity_grades.c.dishonest).where(
                entity_grades.c.uscc == code
            )
        ).first()
        if row is None:
            return ()
        granted = self.incentives.granted(
            grade=row.grade,
            dishonest=bool(row.dishonest),
            listed=listed,
            scenario=scenario,
            day=today,
        )
        return tuple(m.to_dict() for m in granted)

    @staticmethod
    def _manual_links(conn: Connection, code: str) -> list[tuple[str, str]]:
        query = select(person_links.c.record_id, person_links.c.role).where(
            person_links.c.id_no == code, person_links.c.unlinked_at.is_(None)
        )
        return [(r.record_id, r.role) for r in conn.execute(query)]

    def _evaluate(
        self, code: str, scenario: str | None, today: date, manual: Iterable[tuple[str, str]]
    ) -> tuple[bool, tuple[dict[str, Any], ...], tuple[str, ...], tuple[dict[str, Any], ...]]:
        state = self._state
        hits: dict[str, Measure] = {}
        refs: list[dict[str, Any]] = []
        reached: list[tuple[Entry, str]] = [
            (state.entries[rid], "subject") for rid in sorted(state.by_code.get(code, ()))
        ]
        linked: dict[str, str] = {}
        for rid in state.by_person.get(code, ()):
            linked[rid] = next(role for p, role in state.entries[rid].persons if p == code)
        linked.update({rid: role for rid, role in manual if rid in state.entries})
        reached += [(state.entries[rid], role or "person") for rid, role in sorted(linked.items())]
        for entry, via in reached:
            if not entry.in_force(today):
                continue
            found = self.measures.matching(
                day=today,
                scenario=scenario,
                list_type=entry.list_type,
                ban_scope=entry.ban_scope,
                named=entry.named_measures,
                persons_only=via != "subject",
            )
            for m in found:
                hits.setdefault(m.measure_id, m)
            refs.append(entry_ref(entry, via, [m.measure_id for m in found]))
        measures = tuple(m.to_dict() for _, m in sorted(hits.items()))
        basis = tuple(dict.fromkeys(b for _, m in sorted(hits.items()) for b in m.legal_basis))
        return bool(hits), measures, basis, tuple(refs)
