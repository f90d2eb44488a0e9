"""The composition root's one place that builds Teller's parts from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.accounts.service import BankIdentity
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from core.bills.config import BillsConfig
from core.clock import Clock, SystemClock
from core.persistence.database import Database
from core.ports import BillerGateway
from integrations.billers.simulator import SimulatorBillerGateway, SimulatorSettings
from teller.keys import load_keyring
from teller.settings import Settings, check_production


@dataclass
class Container:
    settings: Settings
    db: Database
    bank: Bank
    api_keys: ApiKeys
    authenticator: Authenticator

    async def close(self) -> None:
        await self.db.dispose()


def build(settings: Settings) -> Container:
    """Everything Teller runs on, from settings; nothing connects until used."""
    check_production(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    db = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
    bank = Bank.build(
        db,
        load_keyring(settings),
        settings.currency_list,
        clock=clock,
        identity=BankIdentity(settings.iban_country, settings.bank_code),
        biller_gateway=biller_gateway(settings, clock),
        bills_config=BillsConfig(
            gateway_timeout=timedelta(seconds=settings.bills_gateway_timeout_seconds),
            reconcile_after=timedelta(seconds=settings.bills_reconcile_after_seconds),
        ),
    )
    api_keys = ApiKeys(db, clock)
    oidc = None
    if settings.oidc_issuer and settings.jwks_url:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.jwks_url)
    return Container(settings, db, bank, api_keys, Authenticator(api_keys, oidc))


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
