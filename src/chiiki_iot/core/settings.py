"""Runtime settings, read from ``CHIIKI_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may change without touching code.

    SQLite is the embedded default so that the quick start needs no server; production sets
    ``CHIIKI_DATABASE_URL=postgresql+psycopg://...``.
    """

    model_config = SettingsConfigDict(env_prefix="CHIIKI_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///chiiki-iot.db"
    host: str = "127.0.0.1"
    port: int = 8000
    load_reference_data_on_start: bool = True
    sql_echo: bool = False
    # Database availability. A request waits at most this long for SQLite's write lock (reads never take
    # it) and then answers 503 with Retry-After instead of hanging on.
    sqlite_busy_timeout_ms: int = 15_000
    # Connection pool per server process (PostgreSQL; SQLite files too): 20 kept + 10 overflow, and the
    # application works on at most that many requests at once (``web.concurrency``), so a request waits
    # its turn rather than time out on the pool (3 processes stay within PostgreSQL's
    # default 100 connections). A request that still waits db_pool_timeout seconds for a connection
    # answers 503 with Retry-After. Connections are pinged at checkout, so one whose backend was terminated
    # (restart, pg_terminate_backend) is replaced instead of failing the request.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    db_pool_timeout: float = 10.0
    # When the figures change, pages keep showing the last computed ones (with the time they were computed)
    # while the new ones are computed in the background, so readers never queue behind a recomputation.
    figures_refresh_in_background: bool = True
    # ... and at most one such computation this often (seconds between the end of one and the next).
    figures_refresh_spacing_seconds: float = 5.0
    # Requests beyond the pool wait in order; past this many waiting, or this long, they get 503.
    request_queue_length: int = 500
    request_queue_seconds: float = 30.0
    request_read_slots: int = (
        8  # on SQLite, reads at once per process: writers keep a share (web.concurrency)
    )
    # Links in e-mails (invitations, password resets) start with this address.
    base_url: str = "http://127.0.0.1:8000"
    session_hours: int = 12
    # Addresses of the reverse proxy whose X-Forwarded-Proto/For headers are trusted (HTTPS → Secure cookies).
    forwarded_allow_ips: str = "127.0.0.1"
    # Demo mode shows the demo accounts on the sign-in page and a banner on every page.
    demo_mode: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "chiiki-iot <no-reply@localhost>"
    # Without SMTP, mail is filed here as .eml files, never dropped.
    mail_outbox: str = "outbox"
    # For the test suite only: argon2 at its cheapest, so a hundred sign-ins take a second instead of a
    # minute. Never set it on a server: passwords hashed this way are far easier to crack if the database
    # leaks (the hashes carry their parameters, so turning it off later still verifies them).
    test_fast_password_hashing: bool = False
    # Uploads (survey workbooks, CSV imports) are refused above these sizes before any parser sees them;
    # the national survey workbook is about 2 MB, and its XML about 26 MB unpacked.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_unpacked_bytes: int = 64 * 1024 * 1024
    # A workbook is read in a child process of its own, stopped at these limits (the national survey
    # workbook reads in about 4 s within about 300 MB).
    upload_parse_seconds: float = 120.0
    upload_parse_memory_bytes: int = 1024 * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
