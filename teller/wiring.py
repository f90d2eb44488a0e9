"""The composition root's one place that builds Teller's parts from settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.service import BankIdentity
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from core.clock import SystemClock
from core.persistence.database import Database
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
        cards=settings.card_config,
    )
    api_keys = ApiKeys(db, clock)
    oidc = None
    if settings.oidc_issuer and settings.jwks_url:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.jwks_url)
    return Container(settings, db, bank, api_keys, Authenticator(api_keys, oidc))
