"""``creditgate repair …`` and ``creditgate objection …``: the cases of credit repair and
objections (信用修复、异议), one operation of :mod:`workflows.case_operations` per command.

::

    creditgate repair apply RECORD_ID --applicant NAME --evidence REF [--evidence …]
        [--obligations-unmet] [--statement TEXT] [--commitment RECORD_ID]
    creditgate repair decide CASE_ID --approve | --reject [--note TEXT]
    creditgate repair show CASE_ID
    creditgate repair list [--state S] [--record-id ID] [--limit N]
    creditgate objection file RECORD_ID --applicant NAME --grounds TEXT [--evidence REF …]
    creditgate objection verify CASE_ID [--note TEXT]
    creditgate objection extend CASE_ID --days N --reason TEXT
    creditgate objection outcome CASE_ID corrected|revoked|upheld [--note TEXT]
        [--corrected-record FILE.json]
    creditgate objection show CASE_ID
    creditgate objection list [--overdue] [--state S] [--record-id ID] [--limit N]

Every command takes ``--db``, ``--key-file`` / ``--actor`` (who acts,
:mod:`gateway.commands.operations`), ``--today`` and ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.clikit import DEFAULT_DB, ActorOpt, DbOpt, JsonOpt, app
from gateway.commands.operations import KeyFileOpt, TodayOpt, read_record, run
from workflows import (
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

repair_app = typer.Typer(
    help="Credit repair (信用修复): apply, decide, read.", no_args_is_help=True
)
objection_app = typer.Typer(
    help="Objections (异议): file, verify, extend, answer, read.", no_args_is_help=True
)
app.add_typer(repair_app, name="repair")
app.add_typer(objection_app, name="objection")

CaseArg = Annotated[str, typer.Argument(help="The case id (rep-… / obj-…).")]
RecordArg = Annotated[str, typer.Argument(help="The record id.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why, in words.")]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="A piece of evidence (repeat).")
]
ApplicantOpt = Annotated[str, typer.Option("--applicant", help="The applicant's name.")]
RecordFilterOpt = Annotated[str | None, typer.Option("--record-id", help="Only this record's.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="At most this many (≤ 1000).")]
StateOpt = Annotated[str | None, typer.Option("--state", help="Only cases in this state.")]


@repair_app.command("apply")
def apply(
    record_id: RecordArg,
    applicant: ApplicantOpt,
    evidence: EvidenceOpt = None,
    obligations_fulfilled: Annotated[
        bool,
        typer.Option(
            "--obligations-fulfilled/--obligations-unmet",
            help="The applicant declares its obligations fulfilled.",
        ),
    ] = True,
    statement: Annotated[str | None, typer.Option("--statement")] = None,
    commitment: Annotated[
        str | None, typer.Option("--commitment", help="Its 信用修复型 commitment's record id.")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """File a repair application (platform, admin); exit 1 when refused, with the reasons."""
    run(
        repair_apply,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        applicant_name=applicant,
        obligations_fulfilled=obligations_fulfilled,
        evidence=evidence or [],
        statement=statement,
        commitment_record_id=commitment,
    )


@repair_app.command("decide")
def decide(
    case_id: CaseArg,
    approve: Annotated[
        bool, typer.Option("--approve/--reject", help="Approve or reject the application.")
    ],
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a repair application (the authority that made the finding, admin)."""
    run(
        repair_decide,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        case_id=case_id,
        approve=approve,
        note=note,
    )


@repair_app.command("show")
def show_repair(
    case_id: CaseArg,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One repair application."""
    run(
        repair_show,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        case_id=case_id,
    )


@repair_app.command("list")
def list_repair_cases(
    state: StateOpt = None,
    record_id: RecordFilterOpt = None,
    limit: LimitOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Repair applications, oldest first (a department key: those it decides)."""
    run(
        repair_list,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        state=state,
        record_id=record_id,
        limit=limit,
    )


@objection_app.command("file")
def file(
    record_id: RecordArg,
    applicant: ApplicantOpt,
    grounds: Annotated[str, typer.Option("--grounds", help="Why the record is wrong.")],
    evidence: EvidenceOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """File an objection (platform, admin): the record is marked 异议处理中 everywhere."""
    run(
        objection_file,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        applicant_name=applicant,
        grounds=grounds,
        evidence=evidence or [],
    )


@objection_app.command("verify")
def verify(
    case_id: CaseArg,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The providing department starts verifying."""
    run(
        objection_verify,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        case_id=case_id,
        note=note,
    )


@objection_app.command("extend")
def extend(
    case_id: CaseArg,
    days: Annotated[int, typer.Option("--days", help="Working days to add.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the case needs longer.")],
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extend the answer deadline of a complex case (the providing department)."""
    run(
        objection_extend,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        case_id=case_id,
        working_days=days,
        reason=reason,
    )


@objection_app.command("outcome")
def outcome(
    case_id: CaseArg,
    result: Annotated[str, typer.Argument(help="corrected | revoked | upheld")],
    note: NoteOpt = None,
    corrected_record: Annotated[
        Path | None,
        typer.Option("--corrected-record", help="For corrected: the whole record (JSON file)."),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The provider's answer, which closes the case; exit 1 when the correction is refused."""
    corrected = None if corrected_record is None else read_record(corrected_record)
    run(
        objection_outcome,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        case_id=case_id,
        outcome=result,
        note=note,
        corrected_record=corrected,
    )


@objection_app.command("show")
def show_objection(
    case_id: CaseArg,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One objection case."""
    run(
        objection_show,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        case_id=case_id,
    )


@objection_app.command("list")
def list_objection_cases(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open cases past their deadline.")
    ] = False,
    state: StateOpt = None,
    record_id: RecordFilterOpt = None,
    limit: LimitOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Objection cases, oldest first (a department key: those it answers)."""
    run(
        objection_list,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        overdue=overdue,
        state=state,
        record_id=record_id,
        limit=limit,
    )
