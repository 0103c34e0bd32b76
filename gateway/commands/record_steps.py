"""The workflow commands on records: the punishment check, commitments, lists and persons,
interviews, voluntary registration (自愿注册) and timelines — one operation of
:mod:`workflows.record_operations` per command.

::

    creditgate check CREDIT_CODE [--scenario S]
    creditgate commitment fulfil RECORD_ID --status 全部履行|部分履行|全部未履行
        [--status-date D] [--unperformed TEXT] [--liability TEXT] [--decision-doc-no NO]
    creditgate listing add DATASET ENTRY.json [--note TEXT]
    creditgate listing remove RECORD_ID --reason 期满移出|信用修复|异议更正|决定撤销 [--date D]
    creditgate listing persons RECORD_ID
    creditgate listing link RECORD_ID --name NAME --role ROLE [--id-type T --id-no NO]
    creditgate listing unlink LINK_ID
    creditgate interview record INTERVIEW.json [--about RECORD_ID]
    creditgate interview rectify RECORD_ID --result TEXT [--kind 提示约谈|警示约谈|告诫约谈]
    creditgate registration register REGISTRATION.json
    creditgate registration verify RECORD_ID [--note TEXT]
    creditgate timeline RECORD_ID [--view full|entity]

Every command takes ``--db``, ``--key-file`` / ``--actor`` (who acts,
:mod:`gateway.commands.operations`), ``--json`` and, where the day matters, ``--today``.
A record file may be ``-`` (stdin).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.clikit import DEFAULT_DB, ActorOpt, DbOpt, JsonOpt, app
from gateway.commands.operations import KeyFileOpt, TodayOpt, day_of, read_record, run
from workflows import (
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

commitment_app = typer.Typer(
    help="Credit commitments (信用承诺): fulfilment.", no_args_is_help=True
)
listing_app = typer.Typer(
    help="Lists and bans (名单与禁入): list, remove, linked persons.", no_args_is_help=True
)
interview_app = typer.Typer(help="Interviews (约谈) and rectification.", no_args_is_help=True)
registration_app = typer.Typer(
    help="Voluntary registration (自愿注册): take and verify.", no_args_is_help=True
)
app.add_typer(commitment_app, name="commitment")
app.add_typer(listing_app, name="listing")
app.add_typer(interview_app, name="interview")
app.add_typer(registration_app, name="registration")

RecordArg = Annotated[str, typer.Argument(help="The record id.")]
FileArg = Annotated[Path, typer.Argument(help="The whole record as a JSON object ('-': stdin).")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why, in words.")]


@app.command("check")
def check(
    credit_code: Annotated[str, typer.Argument(help="A USCC (or, government: an ID number).")],
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="A scenario or its alias (procurement …); default all."),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Joint-punishment check (联合惩戒核查): the measures that restrict, logged."""
    run(
        punishment_check,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        checks=True,
        credit_code=credit_code,
        scenario=scenario,
    )


@commitment_app.command("fulfil")
def fulfil(
    record_id: RecordArg,
    status: Annotated[str, typer.Option("--status", help="全部履行 | 部分履行 | 全部未履行")],
    status_date: Annotated[str | None, typer.Option("--status-date", help="认定日期")] = None,
    unperformed: Annotated[str | None, typer.Option("--unperformed", help="未履行内容")] = None,
    liability: Annotated[str | None, typer.Option("--liability", help="违诺责任追究")] = None,
    decision_doc_no: Annotated[
        str | None, typer.Option("--decision-doc-no", help="认定文书号 (a breach that lists)")
    ] = None,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a commitment's fulfilment (the accepting unit); a breach is listed or recorded."""
    run(
        commitment_fulfil,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        status=status,
        status_date=None if status_date is None else day_of(status_date, "--status-date"),
        unperformed_content=unperformed,
        liability_pursued=liability,
        decision_doc_no=decision_doc_no,
        note=note,
    )


@listing_app.command("add")
def add(
    dataset: Annotated[str, typer.Argument(help="serious-dishonesty-list | watch-list | …")],
    entry: FileArg,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List a subject (the deciding authority): store the entry, validated."""
    run(
        listing_add,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        dataset=dataset,
        entry=read_record(entry),
        note=note,
    )


@listing_app.command("remove")
def remove(
    record_id: RecordArg,
    reason: Annotated[
        str, typer.Option("--reason", help="期满移出 | 信用修复 | 异议更正 | 决定撤销")
    ],
    removal_date: Annotated[
        str | None, typer.Option("--date", help="移出日期 (default: today)")
    ] = None,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove an entry from its list (移出; the deciding authority)."""
    run(
        listing_remove,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        reason=reason,
        removal_date=None if removal_date is None else day_of(removal_date, "--date"),
        note=note,
    )


@listing_app.command("persons")
def persons(
    record_id: RecordArg,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Persons linked to an entry (government keys)."""
    run(
        persons_list,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        record_id=record_id,
    )


@listing_app.command("link")
def link(
    record_id: RecordArg,
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    role: Annotated[str, typer.Option("--role", help="主要负责人, 实际控制人 …")],
    id_type: Annotated[str | None, typer.Option("--id-type")] = None,
    id_no: Annotated[str | None, typer.Option("--id-no")] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link a person to an entry by hand (the deciding authority)."""
    run(
        persons_link,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        record_id=record_id,
        person_name=name,
        role=role,
        id_type=id_type,
        id_no=id_no,
    )


@listing_app.command("unlink")
def unlink(
    link_id: Annotated[int, typer.Argument(help="The link's id.")],
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End a person's manual link (the deciding authority)."""
    run(
        persons_unlink,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        link_id=link_id,
    )


@interview_app.command("record")
def record(
    interview: FileArg,
    about: Annotated[
        str | None, typer.Option("--about", help="The record that prompted the interview.")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an interview (约谈; the interviewing authority, 政务共享 only)."""
    run(
        interview_record,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        interview=read_record(interview),
        about_record_id=about,
    )


@interview_app.command("rectify")
def rectify(
    record_id: RecordArg,
    result: Annotated[str, typer.Option("--result", help="整改结果")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="约谈类型, for a record stored without one.")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add the rectification result to an interview record."""
    run(
        interview_rectify,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        result=result,
        kind=kind,
    )


@registration_app.command("register")
def register(
    registration: FileArg,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a voluntary registration (platform, admin), stored as 自我声明."""
    run(
        registration_register,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        registration=read_record(registration),
    )


@registration_app.command("verify")
def verify(
    record_id: RecordArg,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a voluntary registration (department, platform, admin): 核实状态 已核实."""
    run(
        registration_verify,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        today=today,
        record_id=record_id,
        note=note,
    )


@app.command("timeline")
def show_timeline(
    record_id: RecordArg,
    view: Annotated[str | None, typer.Option("--view", help="full | entity")] = None,
    db: DbOpt = DEFAULT_DB,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every version, take-down and workflow step of a record (记录时间线)."""
    run(
        record_timeline,
        db=db,
        key_file=key_file,
        actor=actor,
        as_json=as_json,
        dated=False,
        record_id=record_id,
        view=view,
    )
