"""The composition root's one place that builds Teller's parts from settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.accounts.service import BankIdentity
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from core.cardmoney.config import CardMoneyConfig
from core.clock import Clock, SystemClock
from core.jobqueue.queue import SqlJobQueue
from core.jobs import JobQueue
from core.persistence.database import Database
from core.ports import Acquirer, CardNetwork
from integrations.acquirer.simulator import AcquirerSimulator, AcquirerSimulatorSettings
from integrations.cardnetwork.simulator import CardNetworkSimulator, CardNetworkSimulatorSettings
from integrations.procrastinate import ProcrastinateQueue, open_app, register
from teller.keys import load_keyring
from teller.settings import ConfigurationError, Settings, check_production


@dataclass
class Container:
    settings: Settings
    db: Database
    bank: Bank
    api_keys: ApiKeys
    authenticator: Authenticator
    procrastinate: procrastinate.App | None = None  # the job queue, when configured

    async def start(self) -> None:
        """Bring the schema up to date and connect what needs connecting."""
        await self.bank.prepare()
        if self.procrastinate is not None:
            await self.procrastinate.open_async()
            await ensure_procrastinate_schema(self.db, self.procrastinate)

    async def close(self) -> None:
        if self.procrastinate is not None:
            await self.procrastinate.close_async()
        await self.db.dispose()


def build(settings: Settings) -> Container:
    """Everything Teller runs on, from settings; nothing connects until used."""
    check_production(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    db = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
    app: procrastinate.App | None = None
    queue: JobQueue = SqlJobQueue(db, clock)
    if settings.job_queue == "procrastinate":
        if not db.is_postgres:
            raise ConfigurationError("TELLER_JOB_QUEUE=procrastinate needs a PostgreSQL database")
        libpq = make_url(settings.resolved_database_url).set(drivername="postgresql")
        app = open_app(libpq.render_as_string(hide_password=False))
        queue = ProcrastinateQueue(app)
    bank = Bank.build(
        db,
        load_keyring(settings),
        settings.currency_list,
        clock=clock,
        identity=BankIdentity(settings.iban_country, settings.bank_code),
        queue=queue,
        acquirer=acquirer(settings, clock),
        card_network=card_network(settings, clock),
        cardmoney_config=cardmoney_config(settings),
    )
    if app is not None:
        register(app, bank.jobs(), db, clock)
    api_keys = ApiKeys(db, clock)
    oidc = None
    if settings.oidc_issuer and settings.jwks_url:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.jwks_url)
    return Container(settings, db, bank, api_keys, Authenticator(api_keys, oidc), app)


async def ensure_procrastinate_schema(db: Database, app: procrastinate.App) -> None:
    """Apply procrastinate's schema to a database that does not have it yet."""
    async with db.read() as conn:
        present = (
            await conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"))
        ).scalar()
    if not present:
        await app.schema_manager.apply_schema_async()


def acquirer(settings: Settings, clock: Clock) -> Acquirer | None:
    """The acquirer for top-ups the settings choose (the simulator is the only one yet)."""
    if settings.adapter(settings.acquirer) == "none":
        return None
    secret = settings.acquirer_webhook_secret or secrets.token_urlsafe(32)
    simulated = AcquirerSimulatorSettings(
        secret=secret.encode(),
        pages_url=f"{settings.base_url}/dev/acquirer",
        callback_delay=settings.acquirer_sim_callback_delay_seconds,
        duplicate_callbacks=settings.acquirer_sim_duplicate_callbacks,
    )
    return AcquirerSimulator(simulated, clock.now)


def card_network(settings: Settings, clock: Clock) -> CardNetwork | None:
    """The card network for payouts the settings choose (the simulator only, yet)."""
    if settings.adapter(settings.card_network) == "none":
        return None
    settle = timedelta(seconds=settings.card_network_sim_settle_seconds)
    return CardNetworkSimulator(clock.now, CardNetworkSimulatorSettings(settle_after=settle))


def cardmoney_config(settings: Settings) -> CardMoneyConfig:
    return CardMoneyConfig(
        callback_url=f"{settings.base_url}/api/v1/acquirer/callbacks",
        session_ttl=timedelta(minutes=settings.topup_session_minutes),
        poll_interval=timedelta(seconds=settings.card_payout_poll_seconds),
    )
