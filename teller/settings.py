"""Teller's settings, from the environment and an optional ``.env`` file.

Everything has a development default so ``teller serve`` runs with no configuration;
production mode (``TELLER_ENV=production``) refuses defaults that are only safe on a
developer's machine (generated keys, SQLite, readable logs).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.cards.config import CardConfig
from core.cards.model import validate_bin


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
    bank_name: str = "Teller"

    # Cards: numbers come from this BIN (6 or 8 digits; the default is a test range).
    card_bin: str = "424242"
    card_validity_years: int = Field(default=3, ge=1, le=10)
    card_reveal_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    card_max_per_customer: int = Field(default=5, ge=1)
    card_hold_days: int = Field(default=7, ge=1, le=31, description="uncleared authorizations")

    max_body_bytes: int = 64 * 1024
    hold_expiry_interval_seconds: float = 30.0
    # Background jobs inside `teller serve`; turn off where `teller worker` runs them.
    run_jobs: bool = True

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

    @field_validator("card_bin")
    @classmethod
    def _card_bin(cls, value: str) -> str:
        return validate_bin(value)

    @property
    def card_config(self) -> CardConfig:
        return CardConfig(
            bin=self.card_bin,
            validity_years=self.card_validity_years,
            reveal_ttl=timedelta(seconds=self.card_reveal_ttl_seconds),
            max_cards_per_customer=self.card_max_per_customer,
            authorization_ttl=timedelta(days=self.card_hold_days),
            bic=self.bank_bic,
            bank_name=self.bank_name,
        )

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
