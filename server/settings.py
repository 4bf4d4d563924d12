"""Configuration comes from the environment only; the defaults run everything locally."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/cpts.sqlite3"
_WILDCARD_HOSTS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


def listening_url(host: str, port: int) -> str:
    """The address the server listens on, as a link: where `CPTS_PUBLIC_URL` is unset, every
    link the server writes (feeds, notices, the SAS booking URL) starts with it. A wildcard bind
    has no one address: its loopback stands for it (set CPTS_PUBLIC_URL behind a proxy)."""
    host = _WILDCARD_HOSTS.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _thresholds(raw: str) -> tuple[int, int, int]:
    parts = [int(p) for p in raw.split(",")]
    if len(parts) != 3 or any(p < 1 for p in parts):
        raise ValueError("CPTS_GC_THRESHOLDS is three positive integers, e.g. 50000,20,20")
    return parts[0], parts[1], parts[2]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    db_pool_size: int = 32
    cookie_secure: bool = False
    slot_horizon_days: int = 56
    token_cache_seconds: float = 10.0
    run_jobs: bool = True
    run_relay: bool = True
    horizon_job_seconds: float = 3600.0
    public_url: str = ""  # empty: the listening address (listening_url)
    video_base_url: str = "https://meet.jit.si"
    smtp_url: str | None = None
    smtp_from: str = "CPTS <no-reply@cpts.invalid>"
    reminder_minutes: int = 15
    reminder_job_seconds: float = 60.0
    storage_dir: str = "var/storage"
    photo_max_bytes: int = 10_000_000
    overdue_job_seconds: float = 300.0
    gc_thresholds: tuple[int, int, int] = (50_000, 20, 20)
    calendar_refresh_minutes: int = 30
    calendar_job_seconds: float = 60.0
    calendar_allow_private: bool = False
    sas_appointment_url: str | None = None
    sas_client_cert: str | None = None
    sas_client_key: str | None = None
    sas_ca_file: str | None = None
    psc_ca_file: str | None = None  # a CA to trust for Pro Santé Connect (an inspecting proxy)
    sas_job_seconds: float = 30.0
    psc_discovery_url: str | None = None
    psc_client_id: str | None = None
    psc_client_secret: str | None = None
    psc_scope: str = "openid scope_all"
    patient_retention_months: int = 24  # default delay before an idle patient's identity goes
    retention_job_seconds: float = 21600.0
    rate_login: str = "10/60"  # logins per client address: count/seconds
    rate_login_failures: str = "10/900"  # failed logins per account (e-mail): count/seconds
    rate_feed_client: str = "120/60"  # calendar feed fetches per client address
    rate_feed: str = "30/300"  # fetches of one feed URL, whoever asks
    trusted_proxies: str = "127.0.0.1,::1"  # whose X-Forwarded-For names the client
    # The SAS authenticates with its client certificate alone: the proxy verifies it and
    # passes its subject (X-SSL-Client-Verify: SUCCESS, X-SSL-Client-S-DN), trusted only from
    # `trusted_proxies`; a subject listed here acts as the sas_platform account of that e-mail.
    sas_cert_subjects: str = ""  # "subject DN" entries, separated by ";"
    sas_cert_account: str | None = None  # the sas_platform account's e-mail
    debug: bool = False

    def __post_init__(self) -> None:
        public = self.public_url.rstrip("/") or listening_url(self.host, self.port)
        msgspec.structs.force_setattr(self, "public_url", public)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def flag(name: str, default: bool) -> bool:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            return raw.strip().lower() in {"1", "true", "yes", "on"}

        return cls(
            database_url=env.get("CPTS_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("CPTS_REDIS_URL") or None,
            host=env.get("CPTS_HOST") or "127.0.0.1",
            port=int(env.get("CPTS_PORT") or 8000),
            workers=int(env.get("CPTS_WORKERS") or 1),
            db_pool_size=int(env.get("CPTS_DB_POOL_SIZE") or 32),
            cookie_secure=flag("CPTS_COOKIE_SECURE", False),
            slot_horizon_days=int(env.get("CPTS_SLOT_HORIZON_DAYS") or 56),
            token_cache_seconds=float(env.get("CPTS_TOKEN_CACHE_SECONDS") or 10.0),
            run_jobs=flag("CPTS_RUN_JOBS", True),
            run_relay=flag("CPTS_RUN_RELAY", True),
            horizon_job_seconds=float(env.get("CPTS_HORIZON_JOB_SECONDS") or 3600.0),
            public_url=env.get("CPTS_PUBLIC_URL") or "",
            video_base_url=env.get("CPTS_VIDEO_BASE_URL") or "https://meet.jit.si",
            smtp_url=env.get("CPTS_SMTP_URL") or None,
            smtp_from=env.get("CPTS_SMTP_FROM") or "CPTS <no-reply@cpts.invalid>",
            reminder_minutes=int(env.get("CPTS_REMINDER_MINUTES") or 15),
            reminder_job_seconds=float(env.get("CPTS_REMINDER_JOB_SECONDS") or 60.0),
            storage_dir=env.get("CPTS_STORAGE_DIR") or "var/storage",
            photo_max_bytes=int(env.get("CPTS_PHOTO_MAX_BYTES") or 10_000_000),
            overdue_job_seconds=float(env.get("CPTS_OVERDUE_JOB_SECONDS") or 300.0),
            gc_thresholds=_thresholds(env.get("CPTS_GC_THRESHOLDS") or "50000,20,20"),
            calendar_refresh_minutes=int(env.get("CPTS_CALENDAR_REFRESH_MINUTES") or 30),
            calendar_job_seconds=float(env.get("CPTS_CALENDAR_JOB_SECONDS") or 60.0),
            calendar_allow_private=flag("CPTS_CALENDAR_ALLOW_PRIVATE", False),
            sas_appointment_url=env.get("CPTS_SAS_APPOINTMENT_URL") or None,
            sas_client_cert=env.get("CPTS_SAS_CLIENT_CERT") or None,
            sas_client_key=env.get("CPTS_SAS_CLIENT_KEY") or None,
            sas_ca_file=env.get("CPTS_SAS_CA_FILE") or None,
            psc_ca_file=env.get("CPTS_PSC_CA_FILE") or None,
            sas_job_seconds=float(env.get("CPTS_SAS_JOB_SECONDS") or 30.0),
            psc_discovery_url=env.get("CPTS_PSC_DISCOVERY_URL") or None,
            psc_client_id=env.get("CPTS_PSC_CLIENT_ID") or None,
            psc_client_secret=env.get("CPTS_PSC_CLIENT_SECRET") or None,
            psc_scope=env.get("CPTS_PSC_SCOPE") or "openid scope_all",
            patient_retention_months=int(env.get("CPTS_PATIENT_RETENTION_MONTHS") or 24),
            retention_job_seconds=float(env.get("CPTS_RETENTION_JOB_SECONDS") or 21600.0),
            rate_login=env.get("CPTS_RATE_LOGIN") or "10/60",
            rate_login_failures=env.get("CPTS_RATE_LOGIN_FAILURES") or "10/900",
            rate_feed_client=env.get("CPTS_RATE_FEED_CLIENT") or "120/60",
            rate_feed=env.get("CPTS_RATE_FEED") or "30/300",
            trusted_proxies=env.get("CPTS_TRUSTED_PROXIES", "127.0.0.1,::1"),
            sas_cert_subjects=env.get("CPTS_SAS_CERT_SUBJECTS") or "",
            sas_cert_account=env.get("CPTS_SAS_CERT_ACCOUNT") or None,
            debug=flag("CPTS_DEBUG", False),
        )
