"""Teller's settings, from the environment and an optional ``.env`` file.

Everything has a development default so ``teller serve`` runs with no configuration;
production mode (``TELLER_ENV=production``) refuses defaults that are only safe on a
developer's machine (generated keys, SQLite, readable logs).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TELLER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default=Path(".teller"), description="SQLite file and dev keys")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the data directory"
    )
    database_pool_size: int = 10
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="default: JSON in production")

    # Personal data encryption: "<id>:<base64 32 bytes>,..." (first is active) and the
    # base64 key for keyed lookup hashes. Generated into the data directory in development.
    encryption_keys: str | None = None
    index_key: str | None = None

    currencies: str = "EUR,USD,CZK,GBP,PLN,UAH"
    iban_country: str = "CZ"
    bank_code: str = "7777"
    bank_bic: str = "TELLCZPP"

    max_body_bytes: int = 64 * 1024
    hold_expiry_interval_seconds: float = 30.0
    # Background jobs inside `teller serve`; turn off where `teller worker` runs them.
    run_jobs: bool = True
    # Where background jobs run: the bank's own tables ("builtin", any database) or
    # procrastinate on PostgreSQL ("procrastinate", for several workers at scale).
    job_queue: Literal["builtin", "procrastinate"] = "builtin"

    # Top-ups and payouts to cards of other banks. Adapters: "simulator" (development:
    # an acquirer with its own hosted page at /dev/acquirer, a card network that settles
    # after a delay) or "none" (the operations answer NOT_AVAILABLE); the default is the
    # simulator in development and none in production, which refuses the simulators.
    public_url: str | None = Field(
        default=None, description="Teller's address as others reach it; default http://host:port"
    )
    acquirer: Literal["simulator", "none"] | None = None
    acquirer_webhook_secret: str | None = Field(
        default=None, description="shared with the acquirer; generated per process in development"
    )
    topup_session_minutes: float = Field(default=30.0, gt=0)
    acquirer_sim_callback_delay_seconds: float = Field(default=0.5, ge=0)
    acquirer_sim_duplicate_callbacks: int = Field(default=0, ge=0, le=5)
    card_network: Literal["simulator", "none"] | None = None
    card_network_sim_settle_seconds: float = Field(default=5.0, ge=0)
    card_payout_poll_seconds: float = Field(default=5.0, gt=0)

    # Service authentication with an OpenID Connect provider (Keycloak): when the issuer
    # is set, bearer tokens are verified against its JWKS; API keys keep working.
    oidc_issuer: str | None = None
    oidc_audience: str = "teller-api"
    oidc_jwks_url: str | None = None

    @field_validator("currencies")
    @classmethod
    def _currencies(cls, value: str) -> str:
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("at least one currency")
        return ",".join(codes)

    @property
    def currency_list(self) -> list[str]:
        return self.currencies.split(",")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def json_logs(self) -> bool:
        return self.is_production if self.log_json is None else self.log_json

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'teller.db').resolve()}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def adapter(self, chosen: str | None) -> str:
        """An adapter setting resolved: the simulator in development, none in production."""
        return chosen or ("none" if self.is_production else "simulator")

    @property
    def jwks_url(self) -> str | None:
        if self.oidc_jwks_url:
            return self.oidc_jwks_url
        if self.oidc_issuer:  # Keycloak's layout: <issuer>/protocol/openid-connect/certs
            return self.oidc_issuer.rstrip("/") + "/protocol/openid-connect/certs"
        return None


class ConfigurationError(Exception):
    """A setting that makes Teller unsafe or unable to start."""


def check_production(settings: Settings) -> None:
    """Refuse to run production on development defaults."""
    if not settings.is_production:
        return
    missing = [
        name
        for name, value in (
            ("TELLER_ENCRYPTION_KEYS", settings.encryption_keys),
            ("TELLER_INDEX_KEY", settings.index_key),
            ("TELLER_DATABASE_URL", settings.database_url),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(
            "production mode needs " + ", ".join(missing) + " (see README: Configuration)"
        )
    simulated = [
        name
        for name, value in (
            ("TELLER_ACQUIRER", settings.acquirer),
            ("TELLER_CARD_NETWORK", settings.card_network),
        )
        if value == "simulator"
    ]
    if simulated:
        # A simulated network would "pay" cards with nothing behind it.
        raise ConfigurationError("production mode refuses simulators: " + ", ".join(simulated))
