"""The three faces of a workflow operation, driven the same way: REST, GraphQL and the CLI.

:class:`Faces` runs one call on one face as one role and reduces the answer to its
**outcome**: ``"ok"``, or ``(status, [problem codes])`` — what a client decides on. REST's
outcome comes from the status and the error body's ``errors``, GraphQL's from the union
member (``Problem.status``, ``Problem.problems``), the CLI's from ``--json`` (REST's body)
and its exit code (0 done, 1 refused, 2 could not go on). The CLI runs in process (typer's
``CliRunner``) on the same database, as the key of the role (``--key-file``) or, for
``admin``, as the default admin caller.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rest_helpers import Api
from typer.testing import CliRunner

import gateway.commands  # noqa: F401  (registers the commands)
from gateway.clikit import app as cli_app
from store import Role

ROLES = ("public", "agency", "platform", "dept-own", "dept-other", "admin")
"""Who calls: no key, an agency, a platform, the department the operation is for, another
department, an admin."""

Outcome = str | tuple[int, list[str]]


@dataclass(frozen=True)
class Call:
    """One operation's call on each face."""

    rest: tuple[str, str, dict[str, Any] | None]
    """method, url, JSON body"""
    graphql: tuple[str, str, dict[str, tuple[str, Any]]]
    """query | mutation, field, {argument: (GraphQL type, value)}"""
    cli: list[str]
    files: dict[str, Any] = field(default_factory=dict)
    """JSON files the CLI reads: name -> value (their paths replace ``@name`` in ``cli``)."""


def graphql_document(kind: str, name: str, arguments: dict[str, tuple[str, Any]]) -> str:
    params = ", ".join(f"${a}: {t}" for a, (t, _) in arguments.items())
    passed = ", ".join(f"{a}: ${a}" for a in arguments)
    head = f"{kind}({params})" if params else kind
    call = f"{name}({passed})" if passed else name
    return (
        f"{head} {{ result: {call} {{ __typename "
        "... on Problem { code status message problems { code messageZh messageEn } } } }"
    )


class Faces:
    """One app, its store and the CLI on the same database."""

    def __init__(self, api: Api, url: str, tmp: Path, today: str) -> None:
        self.api = api
        self.url = url
        self.tmp = tmp
        self.today = today
        self.runner = CliRunner()

    def who(self, role: str, own: str | None, other: str) -> tuple[Role | None, str | None]:
        if role == "public":
            return None, None
        if role == "dept-own":
            return Role.DEPARTMENT, own
        if role == "dept-other":
            return Role.DEPARTMENT, other
        return Role(role), None

    def rest(self, call: Call, role: Role | None, department: str | None) -> Outcome:
        method, url, body = call.rest
        r = self.api.request(method, url, role=role, department=department, json=body)
        answer = r.json()
        assert r.status_code >= 200, r.text
        if r.status_code < 300:
            assert answer["ok"] is True, answer
            return "ok"
        assert answer["ok"] is False and answer["status"] == r.status_code, answer
        return r.status_code, [e.get("code") for e in answer["errors"]]

    def graphql(self, call: Call, role: Role | None, department: str | None) -> Outcome:
        kind, name, arguments = call.graphql
        document = graphql_document(kind, name, arguments)
        variables = {a: v for a, (_, v) in arguments.items()}
        r = self.api.post(
            "/graphql",
            json={"query": document, "variables": variables},
            role=role,
            department=department,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body
        result = body["data"]["result"]
        if result["__typename"] != "Problem":
            return "ok"
        assert result["problems"] and result["problems"][0]["messageZh"], result
        return result["status"], [p["code"] for p in result["problems"]]

    def cli(self, call: Call, role: Role | None, department: str | None) -> Outcome:
        args = list(call.cli)
        for name, value in call.files.items():
            path = self.tmp / f"{name}.json"
            path.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
            args = [str(path) if a == f"@{name}" else a for a in args]
        args += ["--db", self.url, "--json"]
        if role is not None and role is not Role.ADMIN:
            key = self.tmp / f"{role.value}-{department}.key"
            key.write_text(str(self.api.key(role, department)), "utf-8")
            args += ["--key-file", str(key)]
        result = self.runner.invoke(cli_app, args, env={"CREDITGATE_TODAY": self.today})
        assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        if result.exit_code == 0:
            assert answer["ok"] is True, answer
            return "ok"
        assert answer["ok"] is False and (answer["status"] == 422) == (result.exit_code == 1)
        return answer["status"], [e["code"] for e in answer["errors"]]

    def run(self, face: str, call: Call, role: Role | None, department: str | None) -> Outcome:
        outcome: Outcome = getattr(self, face)(call, role, department)
        return outcome
