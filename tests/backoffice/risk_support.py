"""Builders for the risk pages' tests: a bank with a card network, transfers held by the
risk rules, card payouts held for review, and what the audit log and ledger say."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

from sqlalchemy import select

from core.accounts.service import AccountView
from core.bank import Bank
from core.cardmoney.model import PayoutView
from core.cardmoney.payouts import PayoutRequest
from core.payments.repository import PaymentView
from core.payments.risk import DEFAULT_RISK
from core.persistence.tables import audit_log
from tests.integration.payments_helpers import CLIENT, STAFF, customer_account, send

LARGE = 250_000  # 2,500 EUR: large amount (40) + first payment to the recipient (30) ≥ 60
CARD = "4242 4242 4242 4242"


async def held_transfer(bank: Bank) -> tuple[AccountView, AccountView, PaymentView]:
    payer = await customer_account(bank, "Olga Kovalenko", funded=1_000_000)
    payee = await customer_account(bank, "Ivan Petrov")
    payment = await send(bank, payer, payee, LARGE)
    return payer, payee, payment


async def held_payout(bank: Bank) -> tuple[AccountView, PayoutView]:
    """A card payout the risk rules hold: the threshold lowered to the large-amount score."""
    await bank.payments.risk.set_config(DEFAULT_RISK.model_copy(update={"threshold": 40}), STAFF)
    account = await customer_account(bank, "Petra Novak", funded=1_000_000)
    request = PayoutRequest(account.id, CARD, LARGE, "EUR")
    return account, await bank.cardmoney.payouts.send(request, uuid4().hex, CLIENT)


async def audited(bank: Bank, action: str) -> list[tuple[str, str, str]]:
    """(actor, target, outcome) of every staff record of ``action``, oldest first (the
    system's own records of carrying a decision out are left aside)."""
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == action, audit_log.c.actor.startswith("staff:"))
                .order_by(audit_log.c.id)
            )
        ).all()
    return [(r.actor, r.target, r.outcome) for r in rows]


def decision_key(html: str, item: UUID) -> str:
    """The idempotency key the page put in an item's decision form."""
    found = re.search(
        rf'action="/backoffice/risk/\w+/{item}/approve"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="[^"]*">\s*'
        r'<input type="hidden" name="key" value="([^"]+)">',
        html,
    )
    assert found, html
    return found.group(1)
