"""Builders for the settings pages' tests: recorded rates, a customer holding two
currencies, an exchange attempt, and the staff records of an audited action."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from sqlalchemy import select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.customers.service import NewCustomer
from core.fx.commands import Exchange, RequestQuote
from core.fx.views import ExchangeView
from core.ledger.commands import Deposit
from core.persistence.tables import audit_log
from integrations.rates import parse_daily

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"
CUSTOMER = Actor(ActorKind.API_CLIENT, "chat")


async def with_rates(bank: Bank) -> None:
    """The recorded ECB rates of Friday 27 February 2026 (fresh for the test clock)."""
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)


async def wallet(bank: Bank, eur: int = 100_000) -> tuple[AccountView, AccountView]:
    """A customer's EUR account holding ``eur`` cents, and their CZK account."""
    customer = await bank.customers.create(NewCustomer(f"Customer {uuid4().hex[:6]}"), SYSTEM)
    eur_account = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    czk_account = await bank.accounts.open(customer.id, "CZK", SYSTEM)
    await bank.ledger.deposit(Deposit(uuid4().hex, eur_account.id, eur, "EUR"), SYSTEM)
    return eur_account, czk_account


async def exchange(bank: Bank, eur: AccountView, czk: AccountView) -> ExchangeView:
    """Sell 10 EUR for CZK, as the chat does: a quote, then the exchange at it."""
    quote = await bank.fx.quote(RequestQuote("EUR", "CZK", 10_00), CUSTOMER)
    return await bank.fx.exchange(Exchange(uuid4().hex, quote.id, eur.id, czk.id), CUSTOMER)


async def staff_records(bank: Bank, action: str) -> list[tuple[str, str, str]]:
    """(actor, target, outcome) of every staff record of ``action``, oldest first."""
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == action, audit_log.c.actor.startswith("staff:"))
                .order_by(audit_log.c.id)
            )
        ).all()
    return [(r.actor, r.target, r.outcome) for r in rows]
