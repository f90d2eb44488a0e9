"""The composition root's one place that builds Teller's parts from settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backoffice.store import prepare as prepare_backoffice
from core.accounts.service import BankIdentity
from core.actors import Actor, ActorKind
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from core.bills.config import BillsConfig
from core.cardmoney.config import CardMoneyConfig
from core.clock import Clock, SystemClock
from core.fx.model import FxConfig, Spreads
from core.jobqueue.queue import SqlJobQueue
from core.jobs import JobQueue, Jobs
from core.kyc.documents import KycPorts
from core.payments.config import PaymentsConfig
from core.persistence.database import Database
from core.ports import (
    Acquirer,
    BillerGateway,
    CardNetwork,
    DocumentStore,
    MrzReader,
    RatesSource,
    VirusScanner,
)
from flows.store.schema import prepare as prepare_flows
from integrations.acquirer.simulator import AcquirerSimulator, AcquirerSimulatorSettings
from integrations.billers.simulator import SimulatorBillerGateway, SimulatorSettings
from integrations.cardnetwork.simulator import CardNetworkSimulator, CardNetworkSimulatorSettings
from integrations.documents.local import LocalDocumentStore
from integrations.documents.s3 import S3DocumentStore, S3Settings
from integrations.mrz.tesseract import TesseractMrzReader, tesseract_path
from integrations.procrastinate import ProcrastinateQueue, open_app, register
from integrations.rates import DEFAULT_TABLE, EcbRatesSource, StaticRatesTable
from integrations.virusscan.clamav import ClamdScanner
from integrations.virusscan.development import DevelopmentScanner
from teller.keys import load_keyring
from teller.settings import ConfigurationError, Settings, check_production

NOTIFICATIONS_ACTOR = Actor(ActorKind.SYSTEM, "chat-notifications")


@dataclass
class Container:
    settings: Settings
    db: Database
    bank: Bank
    api_keys: ApiKeys
    authenticator: Authenticator
    procrastinate: procrastinate.App | None = None  # the job queue, when configured
    # Jobs of Teller's other parts that run beside the bank's (chat notifications).
    extra_jobs: Jobs = field(default_factory=Jobs)

    def jobs(self) -> Jobs:
        """Every background job: the bank's and the others'."""
        return self.bank.jobs() + self.extra_jobs

    async def start(self) -> None:
        """Bring the schema up to date and connect what needs connecting."""
        await self.bank.prepare()
        await prepare_flows(self.db)
        await prepare_backoffice(self.db)
        if self.procrastinate is not None:
            await self.procrastinate.open_async()
            await ensure_procrastinate_schema(self.db, self.procrastinate)

    async def close(self) -> None:
        if self.procrastinate is not None:
            await self.procrastinate.close_async()
        await self.db.dispose()


def fx_config(settings: Settings) -> FxConfig:
    """How the bank quotes, from the ``TELLER_FX_*`` settings."""
    return FxConfig(
        spreads=Spreads.parse(settings.fx_spread_bps, settings.fx_pair_spreads),
        quote_ttl=timedelta(seconds=settings.fx_quote_ttl_seconds),
        max_rate_age=timedelta(hours=settings.fx_max_rate_age_hours),
        refresh_every=timedelta(seconds=settings.fx_refresh_interval_seconds),
    )


def rates_source(settings: Settings, clock: Clock) -> RatesSource:
    """The ECB's daily rates, or the static table (the offline, development default)."""
    if settings.fx_rates_source == "ecb":
        return EcbRatesSource(settings.fx_ecb_url)
    return StaticRatesTable(settings.fx_static_rates_file or DEFAULT_TABLE, now=clock.now)


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
        rates_source=rates_source(settings, clock),
        fx_config=fx_config(settings),
        kyc=kyc_ports(settings),
        payments=PaymentsConfig(
            time_zone=settings.time_zone,
            review_window=timedelta(hours=settings.payment_review_hours),
            money_request_ttl=timedelta(days=settings.money_request_days),
        ),
        biller_gateway=biller_gateway(settings, clock),
        bills_config=BillsConfig(
            gateway_timeout=timedelta(seconds=settings.bills_gateway_timeout_seconds),
            reconcile_after=timedelta(seconds=settings.bills_reconcile_after_seconds),
        ),
        cards=settings.card_config,
        acquirer=acquirer(settings, clock),
        card_network=card_network(settings, clock),
        cardmoney_config=cardmoney_config(settings),
    )
    answered = timedelta(seconds=settings.bills_gateway_timeout_seconds)
    extra = notification_jobs(db, bank, clock, answered)
    if app is not None:
        register(app, bank.jobs() + extra, db, clock)
    api_keys = ApiKeys(db, clock)
    oidc = None
    if settings.oidc_issuer and settings.jwks_url:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.jwks_url)
    return Container(settings, db, bank, api_keys, Authenticator(api_keys, oidc), app, extra)


def notification_jobs(
    db: Database, bank: Bank, clock: Clock, bills_answered_within: timedelta = timedelta(seconds=4)
) -> Jobs:
    """The relay from the bank's events to customers' chats (``teller.notifications``)."""
    from integrations.bank.local import LocalBank
    from teller.notifications import ChatNotifications

    local = LocalBank(bank, NOTIFICATIONS_ACTOR)
    relay = ChatNotifications.build(db, local, clock.now, bills_answered_within)
    return relay.jobs()


async def ensure_procrastinate_schema(db: Database, app: procrastinate.App) -> None:
    """Apply procrastinate's schema to a database that does not have it yet."""
    async with db.read() as conn:
        present = (
            await conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"))
        ).scalar()
    if not present:
        await app.schema_manager.apply_schema_async()


def kyc_ports(settings: Settings) -> KycPorts:
    """KYC's document store, malware scanner and MRZ reader, as the settings choose."""
    store: DocumentStore
    if settings.kyc_document_store == "s3":
        if not settings.kyc_s3_bucket:
            raise ConfigurationError("TELLER_KYC_DOCUMENT_STORE=s3 needs TELLER_KYC_S3_BUCKET")
        secret = settings.kyc_s3_secret_access_key
        store = S3DocumentStore(
            S3Settings(
                bucket=settings.kyc_s3_bucket,
                endpoint_url=settings.kyc_s3_endpoint_url,
                region=settings.kyc_s3_region,
                access_key_id=settings.kyc_s3_access_key_id,
                secret_access_key=None if secret is None else secret.get_secret_value(),
                prefix=settings.kyc_s3_prefix,
                server_side_encryption=settings.kyc_s3_server_side_encryption,
            )
        )
    else:
        store = LocalDocumentStore(settings.kyc_documents_dir or settings.data_dir / "kyc")
    scanner: VirusScanner = (
        ClamdScanner(settings.kyc_clamd_address)
        if settings.kyc_scanner == "clamav"
        else DevelopmentScanner()
    )
    mrz: MrzReader | None = None
    if settings.kyc_mrz_reader == "tesseract" or (
        settings.kyc_mrz_reader == "auto" and tesseract_path() is not None
    ):
        mrz = TesseractMrzReader()  # FileNotFoundError when asked for and not installed
    return KycPorts(store, scanner, mrz)


def biller_gateway(settings: Settings, clock: Clock) -> BillerGateway:
    """The biller gateway the settings choose (the simulator is the only one so far)."""
    simulated = SimulatorSettings(
        reject_rate=settings.biller_sim_reject_rate,
        timeout_rate=settings.biller_sim_timeout_rate,
        min_delay=settings.biller_sim_min_delay_ms / 1000,
        max_delay=settings.biller_sim_max_delay_ms / 1000,
        seed=settings.biller_sim_seed,
    )
    return SimulatorBillerGateway(simulated, clock.now)


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
