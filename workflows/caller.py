"""Who takes a workflow step: the actor name for the logs, the role and the department.

The gateway builds one :class:`Caller` per request from its API key
(``gateway.auth.Principal.caller``); the CLI and tests build one directly. It travels unchanged
to the change log and the workflow log (:mod:`workflows.transaction`): a step taken on another
authority's behalf keeps its caller's actor and role. Rules of who may do what live with each
procedure; the two questions they all ask are here.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import Role
from workflows.errors import KeyRequiredError, NotAllowedError


@dataclass(frozen=True, slots=True)
class Caller:
    """A caller: ``actor`` names it in the change log and the workflow log."""

    actor: str
    role: Role
    department_uscc: str | None = None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def is_department(self, uscc: object) -> bool:
        """Whether the caller is the department with this USCC (an admin counts as any).

        ``uscc`` comes from a record's payload, so anything but a string names nobody."""
        if self.is_admin:
            return True
        return (
            self.role is Role.DEPARTMENT
            and isinstance(uscc, str)
            and bool(uscc)
            and (self.department_uscc or "").upper() == uscc.upper()
        )

    def require_key(self, *, what: str) -> None:
        """Raise :class:`KeyRequiredError` for a caller without a key (the public)."""
        if self.role is Role.PUBLIC and self.key_id is None:
            raise KeyRequiredError(f"{what} needs an API key: send Authorization: Bearer <key>")

    def require(self, *roles: Role, what: str) -> None:
        """Raise :class:`NotAllowedError` unless the caller has one of ``roles`` (or is admin);
        :class:`KeyRequiredError` for a caller without a key."""
        self.require_key(what=what)
        if self.role not in roles and not self.is_admin:
            allowed = ", ".join(r.value for r in roles)
            raise NotAllowedError(f"{what} needs a {allowed} or admin key")

    def require_department(self, uscc: object, *, what: str) -> None:
        """Raise :class:`NotAllowedError` unless the caller is that department (or admin);
        :class:`KeyRequiredError` for a caller without a key."""
        self.require_key(what=what)
        if not self.is_department(uscc):
            raise NotAllowedError(f"{what} is for the department {uscc} or an admin")


SYSTEM = Caller(actor="system:workflows", role=Role.ADMIN)
"""The gateway itself (automatic steps: breach listings, sweeps)."""
