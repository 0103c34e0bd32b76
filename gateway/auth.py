"""Who is asking: an API key (``Authorization: Bearer KEY``) or nobody (the public).

The key's role picks the audience view every read goes through (``store.Role.audience``);
a department key may only submit records of its own 数据来源单位.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from gateway.errors import ApiError
from store import Audience, Role, authenticate
from workflows import Caller


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request."""

    role: Role
    name: str
    key_id: str | None = None
    department_uscc: str | None = None

    @property
    def audience(self) -> Audience:
        return self.role.audience

    @property
    def actor(self) -> str:
        """How the change log and the audit trail name this caller."""
        return f"key:{self.key_id}:{self.name}" if self.key_id else "public"

    @property
    def caller(self) -> Caller:
        """The same caller for the workflows: every step it takes is logged (change log and
        workflow log) with this key's actor and role, whichever path the step takes."""
        return Caller(
            actor=self.actor,
            role=self.role,
            department_uscc=self.department_uscc,
            key_id=self.key_id,
        )

    @property
    def authorised(self) -> bool:
        """True for callers with a key (their reads are audited)."""
        return self.key_id is not None


PUBLIC = Principal(role=Role.PUBLIC, name="public")


def challenge(error: str | None = None) -> dict[str, str]:
    """The ``WWW-Authenticate`` header of a 401 (RFC 6750: the Bearer scheme, and why)."""
    detail = f', error="{error}"' if error else ""
    return {"WWW-Authenticate": f'Bearer realm="creditgate"{detail}'}


def principal_from_request(request: Request) -> Principal:
    """Resolve the caller (cached on the request); 401 for an unknown or revoked key."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    header = request.headers.get("authorization")
    principal = PUBLIC
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(
                401, "Authorization must be 'Bearer <key>'", headers=challenge("invalid_request")
            )
        key = authenticate(request.app.state.store.engine, secret.strip())
        if key is None:
            raise ApiError(401, "unknown or revoked API key", headers=challenge("invalid_token"))
        principal = Principal(
            role=key.role, name=key.name, key_id=key.key_id, department_uscc=key.department_uscc
        )
    request.state.principal = principal
    return principal


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the caller has one of ``roles``."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise ApiError(403, f"this needs a key with role {allowed}")
