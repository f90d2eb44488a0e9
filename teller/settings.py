"""Teller's settings, from the environment and an optional ``.env`` file.

Everything has a development default so ``teller serve`` runs with no configuration;
production mode (``TELLER_ENV=production``) refuses defaults that are only safe on a
developer's machine (generated keys, SQLite, readable logs).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.cards.config import CardConfig
from core.cards.model import validate_bin


def _plain(name: str) -> AliasChoices:
    """A setting read from its platform's own variable name (``TWILIO_AUTH_TOKEN``)."""
    return AliasChoices(name, name.lower())


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

    # Payments: the bank's time zone bounds limit days and months and the risk review's
    # nights; held transfers wait this long for staff; money requests stay open this long.
    time_zone: str = "Europe/Prague"
    payment_review_hours: int = Field(default=72, ge=1, le=30 * 24)
    money_request_days: int = Field(default=7, ge=1, le=90)

    # The back office: staff sessions end after this many idle minutes; failed sign-ins
    # per username and per address within the window lock sign-in for that window.
    backoffice_idle_minutes: int = Field(default=30, ge=5, le=24 * 60)
    backoffice_login_attempts: int = Field(default=5, ge=1, le=100)
    backoffice_login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)

    max_body_bytes: int = 64 * 1024
    hold_expiry_interval_seconds: float = 30.0
    # Background jobs inside `teller serve`; turn off where `teller worker` runs them.
    run_jobs: bool = True
    # Where background jobs run: the bank's own tables ("builtin", any database) or
    # procrastinate on PostgreSQL ("procrastinate", for several workers at scale).
    job_queue: Literal["builtin", "procrastinate"] = "builtin"
    # When set, /metrics answers only requests bearing this token.
    metrics_token: SecretStr | None = None

    # FX: where rates come from ("static": the table shipped with Teller, or the file
    # given; "ecb": the ECB's daily reference rates), spreads, quote lock and rate age.
    fx_rates_source: Literal["static", "ecb"] = "static"
    fx_ecb_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    fx_static_rates_file: Path | None = None
    fx_spread_bps: int = Field(default=50, ge=0, le=2000)
    fx_pair_spreads: str = Field(default="", description='e.g. "EUR/CZK=30,EUR/USD=20"')
    fx_quote_ttl_seconds: int = Field(default=30, ge=1, le=600)
    fx_max_rate_age_hours: float = Field(default=120.0, gt=0)
    fx_refresh_interval_seconds: float = Field(default=3600.0, gt=0)

    # Understanding typed messages: the embedded engine (a model trained here, cached in
    # nlu_model_dir, by default <data_dir>/nlu-model) or a Rasa server.
    # "off": typed messages are not understood (buttons still work), for processes that
    # serve only the core API, such as the ledger benchmark's servers.
    nlu_engine: str = Field(default="embedded", pattern="^(embedded|rasa|off)$")
    nlu_model_dir: Path | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    nlu_threshold: float = Field(default=0.5, gt=0, lt=1)

    # One-time codes: Twilio SMS (and SMTP for e-mail addresses) when configured; in
    # development they go to <data_dir>/dev-outbox.jsonl, shown at /dev/outbox.
    twilio_account_sid: str | None = Field(
        default=None, validation_alias=_plain("TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("TWILIO_AUTH_TOKEN")
    )
    twilio_sms_from: str | None = Field(default=None, validation_alias=_plain("TWILIO_SMS_FROM"))
    twilio_api_url: str = Field(
        default="https://api.twilio.com", validation_alias=_plain("TWILIO_API_URL")
    )
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_from: str | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Conversations: a passcode after this long idle before money moves; a second factor
    # above these amounts ("EUR:1000.00,CZK:25000"), per operation.
    passcode_idle_minutes: float = Field(default=15.0, gt=0)
    step_up_amounts: str = "EUR:1000,USD:1000,GBP:1000,CZK:25000"
    conversation_ttl_hours: float = Field(default=24.0, gt=0)

    # Bill payments: the biller gateway ("simulator", the only one so far) and its pace.
    biller_gateway: str = Field(default="simulator", pattern="^simulator$")
    bills_gateway_timeout_seconds: float = Field(default=4.0, gt=0)
    bills_reconcile_after_seconds: float = Field(default=60.0, gt=0)
    # The simulator's behaviour: chances of a rejection and of a timeout, answer delays,
    # and a seed for runs that repeat exactly.
    biller_sim_reject_rate: float = Field(default=0.05, ge=0, le=1)
    biller_sim_timeout_rate: float = Field(default=0.03, ge=0, le=1)
    biller_sim_min_delay_ms: int = Field(default=200, ge=0)
    biller_sim_max_delay_ms: int = Field(default=1500, ge=0)
    biller_sim_seed: int | None = None

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
    # The back office's staff sign-in with the same provider (authorization code flow with
    # PKCE): on when TELLER_OIDC_ISSUER and this client id are set. The server URL is where
    # Teller reaches Keycloak when that is not the issuer's host (a container network);
    # realm roles named <prefix><role> (teller-agent, …) become back-office roles.
    backoffice_oidc_client_id: str | None = None
    backoffice_oidc_client_secret: SecretStr | None = None
    backoffice_oidc_server_url: str | None = None
    backoffice_oidc_role_prefix: str = "teller-"
    # Password + TOTP sign-in for local staff accounts; may be turned off when the
    # identity provider signs staff in.
    backoffice_local_signin: bool = True

    # KYC: where identity documents are stored, how they are scanned, whether OCR reads
    # passports' machine-readable zones (see README: Configuration).
    kyc_document_store: Literal["local", "s3"] = "local"
    kyc_documents_dir: Path | None = Field(default=None, description="default: <data>/kyc")
    kyc_s3_bucket: str | None = None
    kyc_s3_endpoint_url: str | None = None
    kyc_s3_region: str = "us-east-1"
    kyc_s3_access_key_id: str | None = None
    kyc_s3_secret_access_key: SecretStr | None = None
    kyc_s3_prefix: str = ""
    kyc_s3_server_side_encryption: str | None = None
    kyc_scanner: Literal["development", "clamav"] = "development"
    kyc_clamd_address: str = "tcp://127.0.0.1:3310"
    kyc_mrz_reader: Literal["auto", "tesseract", "off"] = "auto"

    # Messengers. A channel is on when its token is set; each has an API base URL so that
    # a local server or a test double (bots.doubles) can stand in for the platform.
    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("TELEGRAM_BOT_TOKEN")
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=_plain("TELEGRAM_WEBHOOK_SECRET")
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org", validation_alias=_plain("TELEGRAM_API_URL")
    )
    telegram_bot_username: str | None = Field(
        default=None, validation_alias=_plain("TELEGRAM_BOT_USERNAME")
    )
    # "webhook" (production) or "polling": getUpdates, for a machine with no public URL.
    telegram_mode: Literal["webhook", "polling"] = Field(
        default="webhook", validation_alias=_plain("TELEGRAM_MODE")
    )
    telegram_messages_per_second: float = Field(
        default=30.0, gt=0, validation_alias=_plain("TELEGRAM_MESSAGES_PER_SECOND")
    )
    viber_auth_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("VIBER_AUTH_TOKEN")
    )
    viber_api_url: str = Field(
        default="https://chatapi.viber.com", validation_alias=_plain("VIBER_API_URL")
    )
    viber_bot_name: str = Field(default="Teller", validation_alias=_plain("VIBER_BOT_NAME"))
    viber_bot_avatar: str | None = Field(default=None, validation_alias=_plain("VIBER_BOT_AVATAR"))
    viber_chat_uri: str | None = Field(default=None, validation_alias=_plain("VIBER_CHAT_URI"))
    twilio_whatsapp_from: str | None = Field(
        default=None, validation_alias=_plain("TWILIO_WHATSAPP_FROM")
    )
    whatsapp_access_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("WHATSAPP_ACCESS_TOKEN")
    )
    whatsapp_app_secret: SecretStr | None = Field(
        default=None, validation_alias=_plain("WHATSAPP_APP_SECRET")
    )
    whatsapp_verify_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("WHATSAPP_VERIFY_TOKEN")
    )
    whatsapp_phone_number_id: str | None = Field(
        default=None, validation_alias=_plain("WHATSAPP_PHONE_NUMBER_ID")
    )
    whatsapp_business_account_id: str | None = Field(
        default=None, validation_alias=_plain("WHATSAPP_BUSINESS_ACCOUNT_ID")
    )
    whatsapp_api_url: str = Field(
        default="https://graph.facebook.com/v25.0", validation_alias=_plain("WHATSAPP_API_URL")
    )
    # The number customers write to (digits, for wa.me links), on either WhatsApp adapter.
    whatsapp_number: str | None = Field(default=None, validation_alias=_plain("WHATSAPP_NUMBER"))
    messenger_page_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("MESSENGER_PAGE_TOKEN")
    )
    messenger_app_secret: SecretStr | None = Field(
        default=None, validation_alias=_plain("MESSENGER_APP_SECRET")
    )
    messenger_verify_token: SecretStr | None = Field(
        default=None, validation_alias=_plain("MESSENGER_VERIFY_TOKEN")
    )
    messenger_api_url: str = Field(
        default="https://graph.facebook.com/v25.0", validation_alias=_plain("MESSENGER_API_URL")
    )
    messenger_page_name: str | None = Field(
        default=None, validation_alias=_plain("MESSENGER_PAGE_NAME")
    )
    # Approved message templates for notifications outside the 24-hour windows
    # (WhatsApp); default: the file shipped in bots/.
    channel_templates_file: Path | None = None
    # Outbound delivery: attempts before a reply is given up, and the webhook queue's
    # poll interval where other processes enqueue (PostgreSQL).
    delivery_max_attempts: int = Field(default=8, ge=1, le=30)
    queue_poll_seconds: float = Field(default=0.05, gt=0, le=5)

    @field_validator("currencies")
    @classmethod
    def _currencies(cls, value: str) -> str:
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("at least one currency")
        return ",".join(codes)

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name: Europe/Prague)") from exc
        return value

    @field_validator("card_bin")
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
    def resolved_nlu_model_dir(self) -> Path:
        return self.nlu_model_dir or self.data_dir / "nlu-model"

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
    if settings.kyc_scanner == "development":
        # The development scanner knows EICAR and executables, not malware.
        raise ConfigurationError("production mode needs TELLER_KYC_SCANNER=clamav")
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
