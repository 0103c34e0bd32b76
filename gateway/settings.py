"""Settings of the gateway, read once at the edge (environment ``CREDITGATE_*``)."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///creditgate.db"
ENVIRONMENTS = ("development", "test", "production")
Environment = Literal["development", "test", "production"]
log = logging.getLogger("creditgate.settings")


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
    graphql_max_query_bytes: int = 32_768
    """Longest GraphQL query text accepted (checked before parsing)."""
    graphql_max_fields: int = 500
    """Most fields one GraphQL document may select, fragments expanded."""
    graphql_max_repeated_fields: int = 3
    """Most times one response key may be selected in one selection set."""
    graphiql: bool = True
    """Serve GraphiQL to browsers at /graphql."""
    max_upload_bytes: int = 50 * 1024 * 1024
    """Largest submission body accepted (larger ones get 413)."""
    max_request_bytes: int = 4 * 1024 * 1024
    """Largest body of any other request (GraphQL, workflow and ack bodies; more get 413)."""
    max_upload_uncompressed_bytes: int = 200 * 1024 * 1024
    """Largest sum of the uncompressed members of an XLSX upload (zip bombs get 413)."""
    max_batch_rows: int = 500_000
    """Most rows one submission may carry (more get 413; nothing is written)."""
    max_cell_bytes: int = 32_767
    """Longest value of one cell or field of a submission (longer get 413)."""
    upload_timeout_seconds: float = 120.0
    """Longest time a submission body may take to arrive (slower ones get 408)."""
    max_concurrent_uploads: int = 2
    """Submissions one key may have in progress at once (more get 429)."""
    upload_slot_lease_seconds: int = Field(default=900, ge=10)
    """How long an upload slot held in Redis lasts at most (a worker killed while holding one
    frees it after this)."""
    failed_auth_per_minute: int = 20
    """Failed authentications per client address per minute before 429 (0: no limit)."""
    trusted_proxies: str | None = None
    """Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed."""
    cors_origins: str = "*"
    """Origins whose pages may read the public GETs (comma-separated, ``*`` any, empty none)."""
    cache_max_age_seconds: int = Field(default=0, ge=0, le=86_400)
    """``max-age`` of public API responses (0: ``no-cache``, every use revalidated)."""
    etag_head_ttl_seconds: float = Field(default=1.0, ge=0, le=60)
    """How long the change-log head behind ETags of unconditional requests may be reused."""
    compression: bool = True
    """Compress responses (zstd, Brotli, gzip) as ``Accept-Encoding`` asks."""
    compression_minimum_bytes: int = Field(default=500, ge=0)
    """Smallest one-piece body that is compressed (streams always are)."""
    gzip_level: int = Field(default=4, ge=1, le=9)
    """gzip level (1 fastest … 9 smallest); Brotli quality and zstd level follow it."""
    download_cache_dir: str | None = None
    """Directory of finished downloads kept for Range requests (unset: a temporary one per
    process)."""
    download_cache_bytes: int = Field(default=1024**3, ge=0)
    """Most bytes of downloads kept for Range requests (0: none kept, Range ignored)."""
    metrics_networks: str | None = None
    """Client networks that may read ``/metrics`` without a key (admin keys always may)."""
    audit_flush_seconds: float = 1.0
    """How often queued audit entries are written to the store."""
    audit_max_pending: int = 100_000
    """Audit entries that may wait unwritten; beyond it reads are refused (503)."""
    env: Environment | None = None
    """``development``, ``test`` or ``production``; decides whether development secrets may
    be used (see :func:`apply_identity_secret`)."""
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
    scheduled_evaluation: bool = False
    """After each expiries pass the scheduler also runs the incremental credit evaluation
    (grades, history and the ``public-credit-evaluation`` dataset; docs/evaluation.md)."""
    webhook_delivery: bool = True
    """``creditgate serve`` delivers webhooks itself (as ``creditgate worker`` does); set false
    when workers do it. Several deliverers may run at once: each message goes out once."""
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    """Posts one deliverer has in flight at once."""
    webhook_per_endpoint: int = Field(default=4, ge=1, le=256)
    """Posts one subscription may have in flight in one round (one while it is failing)."""
    webhook_max_attempts: int = Field(default=12, ge=1, le=100)
    """Failed attempts after which a message is dead-lettered (replayable)."""
    webhook_backoff_seconds: float = Field(default=5.0, gt=0)
    """First retry delay; doubles with each failed attempt (equal jitter)."""
    webhook_backoff_max_seconds: float = Field(default=21_600.0, gt=0)
    """Longest retry delay (a receiver's Retry-After is honoured up to it)."""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """How long a receiver may take to answer one post."""
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    """How long a claimed message is held by its deliverer (at least twice the timeout)."""
    webhook_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    """How often an idle deliverer looks for due messages."""
    webhook_allow_private_urls: bool = False
    """Allow webhook URLs on loopback, private and link-local addresses (tests, intranets)."""
    webhook_allow_http: bool = False
    """Allow plain ``http://`` webhook URLs (tests, intranets); otherwise HTTPS only."""
    webhook_max_per_key: int = Field(default=10, ge=1, le=1000)
    """Webhook subscriptions one key may hold."""
    webhook_max_replay_events: int = Field(default=100_000, ge=1)
    """Most change events one replay (or a subscription's backfill) may span."""
    webhook_retention_days: int = Field(default=7, ge=1)
    """Delivered messages are kept this long (dead letters until replayed or deleted)."""
    stream_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    """How often a process looks at the head of the log for its SSE streams and GraphQL
    subscriptions (one read per process, whatever the number of streams)."""
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0, le=3600)
    """Idle SSE streams send a comment line this often (keeps proxies from closing them)."""
    stream_max_per_caller: int = Field(default=4, ge=1, le=1000)
    """Open SSE streams and GraphQL subscriptions one key (or public address) may hold in
    one process."""
    today: str | None = None
    """Fixed date (YYYY-MM-DD) for publication windows; tests and demos only."""

    @field_validator("env", mode="before")
    @classmethod
    def _known_env(cls, value: object) -> object:
        if value is not None and value not in ENVIRONMENTS:
            raise ValueError(
                f"CREDITGATE_ENV must be one of {', '.join(ENVIRONMENTS)} "
                f"(exactly, in lower case), not {value!r}"
            )
        return value


class ConfigurationError(RuntimeError):
    """The settings cannot be used (e.g. a development secret in production)."""


def apply_identity_secret(settings: Settings, *, serving: bool = False) -> None:
    """Key record ids with the deployment's secret; refuse the development one where it would
    be published.

    Record ids of natural persons' records hash their ID numbers, so the key must be secret
    (docs/catalogue.md, "Natural keys and record ids"). Without ``identity_secret``:
    ``env=production`` always refuses; ``serving`` (``creditgate serve``) refuses unless
    ``env`` is explicitly ``development`` or ``test``, and then logs a warning. The demo and
    the tests use the development secret freely.
    """
    from catalog import use_identity_secret

    if settings.identity_secret:
        use_identity_secret(settings.identity_secret)
    elif settings.env == "production":
        raise ConfigurationError(
            "CREDITGATE_IDENTITY_SECRET must be set in production (record ids would be keyed "
            "with the public development secret)"
        )
    elif serving and settings.env is None:
        raise ConfigurationError(
            "CREDITGATE_IDENTITY_SECRET is not set: record ids would be keyed with the public "
            "development secret; set it, or set CREDITGATE_ENV=development to serve "
            "development data"
        )
    elif serving:
        log.warning(
            "serving with the public development identity secret (CREDITGATE_ENV=%s): "
            "record ids of natural persons can be inverted; never publish this store",
            settings.env,
        )
