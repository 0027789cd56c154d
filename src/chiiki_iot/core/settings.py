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


@lru_cache
def get_settings() -> Settings:
    return Settings()
