"""Web sign-in (登录): an API key typed once, then a signed session cookie.

A clerk signs in with their department's key; the gateway checks it like any API key and sets
``cg_session`` — ``key_id.expires.nonce.signature``, HMAC-SHA256 under the session secret —
HttpOnly and SameSite=Lax (Secure on HTTPS). The key's secret is never stored in the cookie.
Every request re-reads the key, so revoking it ends its sessions at once.

Forms that change anything carry a CSRF token derived from the session cookie
(:func:`csrf_token`); a POST without the matching token is refused (403). Signing out clears the
cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response

from gateway.auth import Principal
from store import ApiKey, Role, list_keys

COOKIE = "cg_session"
WEB_ROLES = frozenset({Role.DEPARTMENT, Role.ADMIN})
"""Roles that may sign in to the web faces (the workspace; the console needs admin)."""


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: its key and the CSRF token its forms must carry."""

    key: ApiKey
    csrf: str

    @property
    def principal(self) -> Principal:
        return Principal(
            role=self.key.role,
            name=self.key.name,
            key_id=self.key.key_id,
            department_uscc=self.key.department_uscc,
        )


def _secret(request: Request) -> bytes:
    app = request.app
    secret: bytes | None = getattr(app.state, "session_secret", None)
    if secret is None:
        configured = app.state.settings.session_secret
        secret = configured.encode() if configured else secrets.token_bytes(32)
        app.state.session_secret = secret
    return secret


def _sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, cookie: str) -> str:
    """The CSRF token of a session cookie."""
    return _sign(_secret(request), f"csrf|{cookie}")[:40]


def sign_in(request: Request, response: Response, key: ApiKey) -> None:
    """Set the session cookie for ``key`` on ``response``."""
    max_age = int(request.app.state.settings.session_max_age_seconds)
    message = f"{key.key_id}.{int(time.time()) + max_age}.{secrets.token_hex(8)}"
    value = f"{message}.{_sign(_secret(request), message)}"
    response.set_cookie(
        COOKIE,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_out(response: Response) -> None:
    """Clear the session cookie."""
    response.delete_cookie(COOKIE, path="/")


def current(request: Request) -> WebSession | None:
    """The signed-in session, or None (no cookie, bad signature, expired, key revoked)."""
    value = request.cookies.get(COOKIE, "")
    message, _, signature = value.rpartition(".")
    if not message or not hmac.compare_digest(_sign(_secret(request), message), signature):
        return None
    key_id, expires, _nonce = [*message.split("."), "", "", ""][:3]
    if not expires.isdigit() or int(expires) < time.time():
        return None
    key = next((k for k in list_keys(request.app.state.store.engine) if k.key_id == key_id), None)
    if key is None or not key.active or key.role not in WEB_ROLES:
        return None
    return WebSession(key=key, csrf=csrf_token(request, value))


def check_csrf(request: Request, session: WebSession, token: str | None) -> bool:
    """Whether a submitted form's token is the session's."""
    return bool(token) and hmac.compare_digest(session.csrf, token or "")
