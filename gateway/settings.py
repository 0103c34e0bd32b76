"""Settings of the gateway, read once at the edge (environment ``CREDITGATE_*``)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///creditgate.db"


class Settings(BaseSettings):
    """Everything the service can be told; documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="CREDITGATE_", extra="ignore")

    db: str = DEFAULT_DB
    """Store URL: ``sqlite:///file.db`` (embedded default) or ``postgresql://…``."""
    redis_url: str | None = None
    """Redis for shared rate limits across workers; in-process limits when unset."""
    redis_prefix: str = "creditgate"
    """Prefix of every Redis key the gateway writes (``<prefix>:rl:…``)."""
    rate_limit_per_minute: int = 600
    """Requests per minute per API key (0: no limit)."""
    public_rate_limit_per_minute: int = 300
    """Requests per minute per client address without a key (0: no limit)."""
    max_page_size: int = 1000
    """Largest page a client may ask for (GraphQL ``first``, REST ``limit``)."""
    page_scan_budget: int = Field(default=10_000, ge=1, le=1_000_000)
    """Stored records one records page may examine; a page cut by it is short, with a cursor."""
    cursor_secret: str | None = None
    """Key that signs page cursors; unset: derived from ``identity_secret`` (else random per
    process)."""
    graphql_max_depth: int = 8
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphiql: bool = True
    """Serve GraphiQL to browsers at /graphql."""
    max_upload_bytes: int = 50 * 1024 * 1024
    """Largest submission body accepted (larger ones get 413)."""
    audit_flush_seconds: float = 1.0
    """How often queued audit entries are written to the store."""
    audit_max_pending: int = 100_000
    """Audit entries that may wait unwritten; beyond it reads are refused (503)."""
    env: str = "development"
    """``production`` refuses to start with development secrets."""
    identity_secret: str | None = None
    """Key of the record-id HMAC (at least 16 bytes); must never change once published."""
    session_secret: str | None = None
    """Key that signs web sign-in cookies and CSRF tokens (at least 16 bytes); unset: a random
    key per process, so sessions end when it restarts (set it when running several workers)."""
    session_max_age_seconds: int = 8 * 3600
    """How long a web sign-in lasts."""
    ckan_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CREDITGATE_CKAN_URL", "CKAN_URL", "ckan_url")
    )
    """The CKAN site the publisher writes to; the console reads its confirmed positions."""
    ckan_public_url: str | None = None
    """The CKAN portal's address as the public reaches it; dataset pages link to it."""
    scheduler: bool = True
    """``creditgate serve`` runs the expiries (sweep, list ends, overdue flags) itself; set
    false when a ``creditgate worker`` does it."""
    sweep_interval_seconds: int = Field(default=3600, ge=1)
    """Seconds between two passes of the expiries job (it also runs at start)."""
    today: str | None = None
    """Fixed date (YYYY-MM-DD) for publication windows; tests and demos only."""


class ConfigurationError(RuntimeError):
    """The settings cannot be used (e.g. a development secret in production)."""


def apply_identity_secret(settings: Settings) -> None:
    """Key record ids with the deployment's secret; refuse the development one in production.

    Record ids of natural persons' records hash their ID numbers, so the key must be secret
    (docs/catalogue.md, "Natural keys and record ids").
    """
    from catalog import use_identity_secret

    if settings.identity_secret:
        use_identity_secret(settings.identity_secret)
    elif settings.env == "production":
        raise ConfigurationError(
            "CREDITGATE_IDENTITY_SECRET must be set in production (record ids would be keyed "
            "with the public development secret)"
        )
